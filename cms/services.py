"""Writes of the community pages: keeping a page per community, giving editors their
communities, and residents' event sign-ups.

Sign-ups are plain functions with keyword arguments, so the storefront pages, the API and a
future mini-program call the same code. Each is one transaction that locks the event's row
(`select_for_update`, the one lock every sign-up of an event waits for), counts the seats
inside the lock, and refuses with a DomainError/ConflictError that says why.
"""

from __future__ import annotations

import datetime

from django.contrib.auth.models import Group, Permission
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.models import Page

from cms.constants import ACTIVE, CANCELLED, CONFIRMED, REVIEWER_GROUP, WAITING, cms_model
from communities.models import Community
from shop.core.errors import ConflictError, DomainError, NotFoundError

EDITOR_GROUP_PREFIX = "社区编辑: "  # + the community's name (one group per community)
EDITOR_PAGE_PERMISSIONS = ("add_page", "change_page", "publish_page", "lock_page", "unlock_page")
LIBRARY_PERMISSIONS = (("wagtailimages", "add_image"), ("wagtailimages", "choose_image"),
                       ("wagtailimages", "change_image"), ("wagtaildocs", "add_document"),
                       ("wagtaildocs", "choose_document"), ("wagtaildocs", "change_document"))


# --- one page per community ----------------------------------------------------------------


def default_intro(community: Community) -> str:
    return "<p>" + _("%(street)s%(name)s的通知公告、社区活动和身边的优惠。") % {
        "street": community.street, "name": community.name} + "</p>"


@transaction.atomic
def sync_community_page(*, community_id: int) -> Page | None:
    """Create the community's page (published, under the district's index) or bring its title
    back to the community's name. None when there is no index page to put it under."""
    community = Community.objects.select_for_update().filter(pk=community_id).first()
    if community is None:
        raise NotFoundError(_("没有这个社区"), code="unknown_community")
    page = cms_model("CommunityPage").objects.filter(community=community).first()
    if page is None:
        index = cms_model("CommunityIndexPage").objects.first()
        if index is None:
            return None
        page = cms_model("CommunityPage")(title=community.name, slug=community.slug, community=community,
                             intro=default_intro(community))
        index.add_child(instance=page)
        page.save_revision().publish()
        return page
    if page.title != community.name or page.draft_title != community.name:
        # the title only: a draft an editor is writing stays as it is
        cms_model("CommunityPage").objects.filter(pk=page.pk).update(title=community.name, draft_title=community.name)
        page.refresh_from_db()
    return page


def sync_all_community_pages() -> list[Page]:
    pages = []
    for community_id in Community.objects.order_by("pk").values_list("pk", flat=True):
        page = sync_community_page(community_id=community_id)
        if page is not None:
            pages.append(page)
    return pages


# --- editors and reviewers -----------------------------------------------------------------


def _permission(app_label: str, codename: str) -> Permission:
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


@transaction.atomic
def community_editor_group(*, community_id: int) -> Group:
    """The group whose members edit and publish under one community's page (and nowhere else)."""
    from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission

    page = sync_community_page(community_id=community_id)
    if page is None:
        raise DomainError(_("还没有社区首页, 请先运行 migrate"), code="no_index_page")
    group, _created = Group.objects.get_or_create(name=f"{EDITOR_GROUP_PREFIX}{page.community.name}"[:150])
    group.permissions.add(_permission("wagtailadmin", "access_admin"))
    for codename in EDITOR_PAGE_PERMISSIONS:
        GroupPagePermission.objects.get_or_create(group=group, page=page.page_ptr,
                                                  permission=_permission("wagtailcore", codename))
    collection = Collection.get_first_root_node()
    for app_label, codename in LIBRARY_PERMISSIONS:
        GroupCollectionPermission.objects.get_or_create(group=group, collection=collection,
                                                        permission=_permission(app_label, codename))
    return group


@transaction.atomic
def make_community_editor(*, user, community_ids: list[int]) -> list[Group]:
    """Make a user the editor of these communities (their pages and everything below them)."""
    if not community_ids:
        raise DomainError(_("请至少选一个社区"), fields={"community": [_("请至少选一个社区")]})
    known = set(Community.objects.filter(pk__in=community_ids).values_list("pk", flat=True))
    unknown = [str(pk) for pk in community_ids if pk not in known]
    if unknown:
        raise NotFoundError(_("没有这些社区: %(ids)s") % {"ids": ", ".join(unknown)}, code="unknown_community")
    groups = [community_editor_group(community_id=pk) for pk in sorted(known)]
    user.groups.add(*groups)
    return groups


@transaction.atomic
def reviewer_group() -> Group:
    """The street office's reviewers: approve promotions in the 优惠审核 workflow."""
    group, _created = Group.objects.get_or_create(name=REVIEWER_GROUP)
    group.permissions.add(_permission("wagtailadmin", "access_admin"))
    return group


# --- event sign-ups ---------------------------------------------------------------------------


def _locked_event(event_id: int) -> Page:
    event = cms_model("EventPage").objects.select_for_update(of=("self",)).filter(pk=event_id).order_by("pk").first()
    if event is None or not event.live:
        raise NotFoundError(_("没有这个活动"), code="unknown_event")
    return event


@transaction.atomic
def sign_up(*, event_id: int, user, now: datetime.datetime | None = None) -> models.Model:
    """Sign a resident up: a seat while there is one, else a place on the waiting list.

    Refused (nothing written): a past or started event (422 `event_started`), a second
    sign-up (409 `already_signed_up`), seats and waiting list both full (409 `event_full`).
    """
    now = now or timezone.now()
    if user is None or not user.is_authenticated:
        raise DomainError(_("请先登录再报名"), code="login_required")
    event = _locked_event(event_id)
    if event.starts_at <= now:
        raise DomainError(_("活动已开始或已结束, 不再接受报名"), code="event_started")
    if cms_model("EventSignup").objects.filter(event=event, user=user, status__in=ACTIVE).exists():
        raise ConflictError(_("您已经报过名了"), code="already_signed_up")
    confirmed = cms_model("EventSignup").objects.filter(event=event, status=CONFIRMED).count()
    waiting = cms_model("EventSignup").objects.filter(event=event, status=WAITING).count()
    if confirmed < event.capacity:
        status = CONFIRMED
    elif waiting < event.waiting_list_size:
        status = WAITING
    else:
        raise ConflictError(_("名额和候补都已满, 不能再报名"), code="event_full",
                            capacity=event.capacity, waiting_list_size=event.waiting_list_size)
    return cms_model("EventSignup").objects.create(event=event, user=user, status=status, created_at=now, changed_at=now)


@transaction.atomic
def cancel_sign_up(*, event_id: int, user, now: datetime.datetime | None = None) -> models.Model | None:
    """Cancel the resident's sign-up; a freed seat goes to the first on the waiting list.
    Returns the promoted sign-up (or None)."""
    now = now or timezone.now()
    if user is None or not user.is_authenticated:
        raise DomainError(_("请先登录"), code="login_required")
    event = _locked_event(event_id)
    if event.ends_at <= now:
        raise DomainError(_("活动已经结束"), code="event_over")
    mine = (cms_model("EventSignup").objects.select_for_update().filter(event=event, user=user, status__in=ACTIVE)
            .order_by("pk").first())
    if mine is None:
        raise NotFoundError(_("您没有报名这个活动"), code="not_signed_up")
    freed_seat = mine.status == CONFIRMED
    mine.status, mine.changed_at = CANCELLED, now
    mine.save(update_fields=["status", "changed_at"])
    if not freed_seat:
        return None
    confirmed = cms_model("EventSignup").objects.filter(event=event, status=CONFIRMED).count()
    if confirmed >= event.capacity:
        return None
    first = (cms_model("EventSignup").objects.select_for_update().filter(event=event, status=WAITING)
             .order_by("created_at", "pk").first())
    if first is None:
        return None
    first.status, first.changed_at = CONFIRMED, now
    first.save(update_fields=["status", "changed_at"])
    return first


@transaction.atomic
def erase_signups(*, user, now: datetime.datetime | None = None) -> int:
    """The resident's part of an account erasure (shop.accounts.signals.account_erasing): a seat
    held for an event not yet over is given up (the waiting list moves up, as at a cancel), then
    every sign-up row of the resident is deleted, so no organiser's list shows them again.
    Returns how many rows were deleted."""
    now = now or timezone.now()
    active = (cms_model("EventSignup").objects.filter(user=user, status__in=ACTIVE, event__ends_at__gt=now)
              .values_list("event_id", flat=True).order_by("event_id"))
    for event_id in sorted(set(active)):  # events locked in pk order, as everywhere
        cancel_sign_up(event_id=event_id, user=user, now=now)
    return cms_model("EventSignup").objects.filter(user=user).delete()[0]


@transaction.atomic
def fill_seats(*, event_id: int, now: datetime.datetime | None = None) -> list[models.Model]:
    """Give free seats (after an editor raised the capacity) to the waiting list, first come
    first served. Returns the promoted sign-ups."""
    now = now or timezone.now()
    event = cms_model("EventPage").objects.select_for_update(of=("self",)).filter(pk=event_id).order_by("pk").first()
    if event is None:
        return []
    confirmed = cms_model("EventSignup").objects.filter(event=event, status=CONFIRMED).count()
    free = event.capacity - confirmed
    if free <= 0:
        return []
    promoted = list(cms_model("EventSignup").objects.select_for_update().filter(event=event, status=WAITING)
                    .order_by("created_at", "pk")[:free])
    for signup in promoted:
        signup.status, signup.changed_at = CONFIRMED, now
        signup.save(update_fields=["status", "changed_at"])
    return promoted
