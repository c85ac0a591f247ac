"""Handover: the courier picks the goods up, delivers them (to the door, or to a community
pickup station where the resident collects them with the 6-digit code), or fails with a reason;
the provider of a home service sets off and completes it.

    courier_pickup(*, courier, group_id) -> FulfilmentGroup
    courier_deliver(*, courier, group_id, pickup_code=None)      a station-pickup group becomes
                                                                 ready_for_pickup (and collected when
                                                                 the resident's code is given)
    courier_fail(*, courier, group_id, reason) -> FulfilmentGroup   DomainError (422) without a reason
    collect(*, group_id, pickup_code, actor) -> FulfilmentGroup  the 6-digit code at handover
    counter_handover(*, user, group_id, pickup_code)   merchant staff, a pickup at their shop
    station_handover(*, user, group_id, pickup_code)   a station operator, a parcel at their station
    provider_start / provider_arrive / provider_complete(pickup_code=): the same for home services
                                                       (done only with the resident's code)

Every handover takes the code through ``check_code`` (the guessing limit included): a wrong
code is 422 with attempts_left, a locked group 429, a second handover 409 (the group is no
longer ready), someone else's group 404; nothing is written in any of those cases.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from shop.core.errors import DomainError

from . import pickup_attempts, positions
from .jobs import JobNotFound, S, held, locked_group, refresh_courier_status
from .models import Courier, DispatchJob, FulfilmentEvent, FulfilmentGroup, ServiceProvider, StationOperator
from .services import (
    BadTransition,
    GroupNotFound,
    group_pk,
    is_merchant_staff,
    merchant_actor,
    record_event,
    transition,
)

ARRIVED = "arrived"  # a provider at the resident's door: an event, not a status (lifecycle.EVENT_LABELS)


@transaction.atomic
def courier_pickup(*, courier: Courier, group_id: int) -> FulfilmentGroup:
    group = transition(group=held(group_id, courier=courier), to=S.PICKED_UP, actor=f"courier:{courier.pk}",
                       note=courier.name)
    positions.refresh_etas(courier=courier, group=group)
    return group


@transaction.atomic
def courier_deliver(*, courier: Courier, group_id: int, pickup_code: str | None = None,
                    now: datetime | None = None) -> FulfilmentGroup:
    """A station-pickup group with the resident's code goes through `collect` (its guessing
    limit included): a wrong code undoes the whole delivery (422), a locked group refuses it (429)."""
    group = held(group_id, courier=courier)
    actor = f"courier:{courier.pk}"
    if group.pickup_point_id:  # dropped at the community pickup station: the resident collects it there
        group = transition(group=group, to=S.READY_FOR_PICKUP, actor=actor,
                           note=f"已送达{group.pickup_point.name}")
        if pickup_code:
            group = collect(group_id=group_id, pickup_code=pickup_code, actor=actor, now=now)
    else:
        group = transition(group=group, to=S.DELIVERED, actor=actor, note=courier.name)
    DispatchJob.objects.filter(group_id=group_id).update(eta_at=None)
    refresh_courier_status(courier.pk)
    return group


@transaction.atomic
def courier_fail(*, courier: Courier, group_id: int, reason: str) -> FulfilmentGroup:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("请填写失败原因"), fields={"reason": [_("请填写失败原因")]})
    group = transition(group=held(group_id, courier=courier), to=S.FAILED, actor=f"courier:{courier.pk}",
                       note=reason[:200])
    DispatchJob.objects.filter(group_id=group_id).update(eta_at=None)
    refresh_courier_status(courier.pk)
    return group


@transaction.atomic
def collect(*, group_id: int, pickup_code: str, actor: str, now: datetime | None = None) -> FulfilmentGroup:
    """The resident collects a ready group; the code they show must match (6 digits).

    Guessing is limited (delivery.pickup_attempts): after 5 wrong codes within 15 minutes the
    group refuses every code for 15 minutes (TooManyAttempts, 429, with retry_after); until
    then a wrong code is a DomainError (422) saying how many tries are left; a right code
    clears the count. `now` moves the clock (tests).

    Callers: courier_deliver (the code given at a pickup station), counter_handover (merchant
    staff at the shop's counter) and station_handover (the station's operator)."""
    group = locked_group(group_id)
    if group.status != S.READY_FOR_PICKUP:
        raise BadTransition(
            _("履约单 %(group)s 当前状态为「%(status)s」, 不能取货")
            % {"group": group.pk, "status": group.get_status_display()},
            status=group.status, requested=S.COLLECTED,
        )
    check_code(group, pickup_code, now=now)
    return transition(group=group, to=S.COLLECTED, actor=actor, note="取货码已核验")


def check_code(group: FulfilmentGroup, pickup_code: str | None, *, now: datetime | None = None) -> None:
    """The resident's 6-digit code for a locked group, under the guessing limit (see collect)."""
    pickup_attempts.check(group, now=now)
    code = (pickup_code or "").strip()
    if not group.pickup_code or not secrets.compare_digest(code, group.pickup_code):
        left = pickup_attempts.record_failure(group, now=now)
        raise DomainError(_("取货码不正确"), fields={"pickup_code": [_("取货码不正确")]},
                          attempts_left=left)
    pickup_attempts.reset(group)


@transaction.atomic
def counter_handover(*, user, group_id, pickup_code: str, now: datetime | None = None) -> FulfilmentGroup:
    """Merchant staff hand a pickup at their shop over: the resident's code, as `collect`.
    404 for a group of another shop; 409 for their own group that is not a pickup at the shop
    (a station's parcel is handed over at the station) or not ready (e.g. collected already)."""
    pk = group_pk(group_id)
    row = FulfilmentGroup.objects.filter(pk=pk).values("merchant_id", "method", "pickup_point_id").first()
    if row is None or not is_merchant_staff(user, row["merchant_id"]):
        raise GroupNotFound()
    if row["method"] != FulfilmentGroup.Method.PICKUP or row["pickup_point_id"] is not None:
        raise BadTransition(_("这不是到店自提的订单, 不能在柜台交付"), requested=S.COLLECTED)
    return collect(group_id=pk, pickup_code=pickup_code, actor=merchant_actor(user), now=now)


def operator_points(user) -> list[int]:
    """The points (community stations, lockers) `user` operates; empty for anyone else."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(StationOperator.objects.filter(user=user).values_list("point_id", flat=True))


@transaction.atomic
def station_handover(*, user, group_id, pickup_code: str, now: datetime | None = None) -> FulfilmentGroup:
    """A station operator hands a parcel waiting at their station over (the resident's code).
    404 for a group not bound for one of their stations."""
    pk = group_pk(group_id)
    points = operator_points(user)
    if not points or not FulfilmentGroup.objects.filter(pk=pk, pickup_point_id__in=points).exists():
        raise GroupNotFound()
    return collect(group_id=pk, pickup_code=pickup_code, actor=f"station:{user.pk}", now=now)


@transaction.atomic
def provider_start(*, provider: ServiceProvider, group_id: int) -> FulfilmentGroup:
    """The provider sets off to the resident (picked_up: "on the way").
    Callers: the provider API and page (delivery.api, delivery.views), simulate_couriers."""
    return transition(group=held(group_id, provider=provider), to=S.PICKED_UP, actor=f"provider:{provider.pk}",
                      note=provider.name)


def _on_the_way(group: FulfilmentGroup, step: str) -> FulfilmentGroup:
    if group.status != S.PICKED_UP:
        raise BadTransition(
            _("预约 %(group)s 当前状态为「%(status)s」, 不能%(step)s")
            % {"group": group.pk, "status": group.get_status_display(), "step": step},
            status=group.status,
        )
    return group


@transaction.atomic
def provider_arrive(*, provider: ServiceProvider, group_id: int) -> FulfilmentGroup:
    """The provider is at the resident's door (an "arrived" event, once; again changes nothing)."""
    group = _on_the_way(held(group_id, provider=provider), _("标记已到达"))
    if not FulfilmentEvent.objects.filter(group=group, status=ARRIVED).exists():
        record_event(group=group, status=ARRIVED, actor=f"provider:{provider.pk}", note=provider.name)
    return group


@transaction.atomic
def provider_complete(*, provider: ServiceProvider, group_id: int, pickup_code: str | None,
                      now: datetime | None = None) -> FulfilmentGroup:
    """The service is done: the resident tells the provider their 6-digit code (as at a
    pickup, with its guessing limit). 409 unless the provider is on the way or there."""
    try:
        group = held(group_id, provider=provider)
    except JobNotFound:
        if FulfilmentGroup.objects.filter(pk=group_id, dispatch__provider=provider).exists():
            group = FulfilmentGroup.objects.get(pk=group_id)
            raise BadTransition(
                _("预约 %(group)s 当前状态为「%(status)s」, 不能完成")
                % {"group": group.pk, "status": group.get_status_display()}, status=group.status,
            ) from None
        raise
    _on_the_way(group, _("完成"))
    check_code(group, pickup_code, now=now)
    return transition(group=group, to=S.DELIVERED, actor=f"provider:{provider.pk}", note=provider.name)
