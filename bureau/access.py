"""Who may see the bureau's figures: holders of bureau.view_bureau (the group 商务局分析员,
granted by bureau/migrations/0002; superusers too). Nobody else, whatever else they may do."""

from django.contrib.auth.mixins import AccessMixin
from rest_framework.permissions import BasePermission

ANALYST_GROUP = "商务局分析员"  # code: bureau_analyst
PERMISSION = "bureau.view_bureau"


def is_analyst(user) -> bool:
    return bool(user and user.is_authenticated and user.has_perm(PERMISSION))


class AnalystRequiredMixin(AccessMixin):
    """Pages: anonymous → sign in; signed in without the permission → 403."""

    raise_exception = False

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not is_analyst(request.user):
            self.raise_exception = True
            return self.handle_no_permission()
        return super().dispatch(request, *args, **kwargs)


class IsAnalyst(BasePermission):
    def has_permission(self, request, view):
        return is_analyst(request.user)
