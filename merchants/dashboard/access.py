"""Who sees which entry of the dashboard navigation (OSCAR_DASHBOARD_DEFAULT_ACCESS_FUNCTION)."""

from oscar.apps.dashboard.nav import default_access_fn

MERCHANT_PERMISSION = "partner.dashboard_access"


def dashboard_access_fn(user, url_name, url_args=None, url_kwargs=None) -> bool:
    """Oscar's check for Oscar's pages; ours (merchant-orders:*) are for merchant staff."""
    if url_name and url_name.startswith(("merchant-orders:", "merchant-portal:")):
        return user.is_active and user.has_perm(MERCHANT_PERMISSION)
    return default_access_fn(user, url_name, url_args, url_kwargs)
