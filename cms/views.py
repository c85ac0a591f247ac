"""Storefront pages of the communities: the home page (/), the community search, and an event's
sign-up, cancel and export actions (routes of EventPage). They call cms.selectors and
cms.services only."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from cms import selectors, services
from communities import location as locations
from shop.core.errors import DomainError


@require_GET
def home(request):
    """The resident's community (chosen location, else default address); the district's
    communities and the location picker for anyone else."""
    now = timezone.now()
    chosen = locations.get_location(request)
    feed = selectors.home_feed(
        user=request.user, now=now, community_id=chosen.community_id if chosen else None,
        lat=chosen.lat if chosen else None, lng=chosen.lng if chosen else None,
    )
    context = {"chosen": chosen, "community": feed.community if feed else None, "now": now}
    if feed is not None and feed.sections is not None:
        context["sections"] = feed.sections
        context["my_signups"] = feed.my_signups
    else:
        context["directory"] = selectors.district_directory()
    return TemplateResponse(request, "cms/home.html", context)


def search_view(request, *, index_page):
    query = request.GET.get("q", "")[:100]
    community_page = None
    community_slug = request.GET.get("community", "")
    if community_slug:
        community_page = selectors.community_page_by_slug(slug=community_slug)
    results = selectors.search_pages(query=query, community_page=community_page)
    return TemplateResponse(request, "cms/search.html", {
        "page": index_page, "query": query, "results": results, "community_page": community_page,
    })


def _after(request, event) -> HttpResponseRedirect:
    return HttpResponseRedirect(event.url)


def event_signup(request, *, event):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not request.user.is_authenticated:
        return redirect_to_login(event.url)
    try:
        signup = services.sign_up(event_id=event.pk, user=request.user, now=timezone.now())
    except DomainError as error:
        messages.error(request, error.detail)
    else:
        if signup.status == signup.Status.CONFIRMED:
            messages.success(request, _("报名成功: %(title)s") % {"title": event.title})
        else:
            messages.info(request, _("名额已满, 您已排入候补。有人取消时会自动为您补上。"))
    return _after(request, event)


def event_cancel(request, *, event):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not request.user.is_authenticated:
        return redirect_to_login(event.url)
    try:
        services.cancel_sign_up(event_id=event.pk, user=request.user, now=timezone.now())
    except DomainError as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, _("已取消报名。"))
    return _after(request, event)


def event_export(request, *, event):
    """The organiser's list as CSV (Excel opens it: UTF-8 with a BOM). Only editors of the
    event's community (anyone who may edit the page) get it."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not event.permissions_for_user(request.user).can_edit():
        raise PermissionDenied
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="event-{event.pk}-signups.csv"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow([_("序号"), _("姓名"), _("手机"), _("状态"), _("报名时间")])
    for number, row in enumerate(selectors.event_signups(event=event), start=1):
        user = row.user
        writer.writerow([number, f"{user.last_name}{user.first_name}", user.mobile, row.get_status_display(),
                         timezone.localtime(row.created_at).strftime("%Y-%m-%d %H:%M")])
    return response


__all__ = ["home", "search_view", "event_signup", "event_cancel", "event_export"]
