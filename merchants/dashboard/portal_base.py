"""The merchant portal's shared pieces: a page and a POST action on the signed-in person's current
shop (shop_access.ShopViewMixin), and how a refused write comes back as a message.

The portal (/dashboard/shop/, portal_urls.py) is split by job: portal_views (home, switching,
listings, adding listings), portal_staff (staff, onboarding), portal_profile (profile, slots),
portal_files (import, export, figures, settlement). Every page works on the current shop only;
a listing, template or staff member of another shop is 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django.views.generic import TemplateView

from shop.core.errors import DomainError

from .shop_access import ShopViewMixin


def error_text(error: DomainError) -> str:
    details = [str(message) for messages_ in error.fields.values() for message in messages_]
    unique = [d for d in dict.fromkeys(details) if d != str(error.detail)]
    return "; ".join([str(error.detail), *unique])


def form_errors(form) -> str:
    return "; ".join(str(message) for errors in form.errors.values() for message in errors)


def back(request, default: str) -> HttpResponseRedirect:
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return HttpResponseRedirect(target)
    return HttpResponseRedirect(default)


class PortalPage(ShopViewMixin, TemplateView):
    pass


class PortalAction(ShopViewMixin, View):
    """POST only: act on the current shop, then go back (to `next` on this site, or `default_url`)."""

    http_method_names = ["post"]

    def post(self, request, **kwargs):
        try:
            message = self.act(request, **kwargs)
            if message:
                messages.success(request, message)
        except DomainError as error:
            messages.error(request, error_text(error))
        return back(request, self.default_url(**kwargs))

    def act(self, request, **kwargs) -> str:
        raise NotImplementedError

    def default_url(self, **kwargs) -> str:
        return reverse("merchant-portal:listings")
