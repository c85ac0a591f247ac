"""Handover: the courier picks the goods up, delivers them (to the door, or to a community
pickup station where the resident collects them with the 6-digit code), or fails with a reason;
the provider of a home service sets off and completes it.

    courier_pickup(*, courier, group_id) -> FulfilmentGroup
    courier_deliver(*, courier, group_id, pickup_code=None)      a station-pickup group becomes
                                                                 ready_for_pickup (and collected when
                                                                 the resident's code is given)
    courier_fail(*, courier, group_id, reason) -> FulfilmentGroup   DomainError (422) without a reason
    collect(*, group_id, pickup_code, actor) -> FulfilmentGroup  the 6-digit code at handover
    provider_start / provider_complete: the same for home services
"""

from __future__ import annotations

import secrets
from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from shop.core.errors import DomainError

from . import pickup_attempts, positions
from .jobs import S, held, locked_group, refresh_courier_status
from .models import Courier, DispatchJob, FulfilmentGroup, ServiceProvider
from .services import BadTransition, transition


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

    Callers: courier_deliver (the code given at a pickup station); the resident-facing pickup
    at a station or the shop counter comes with the order-loop issue (11)."""
    group = locked_group(group_id)
    if group.status != S.READY_FOR_PICKUP:
        raise BadTransition(
            _("履约单 %(group)s 当前状态为「%(status)s」, 不能取货")
            % {"group": group.pk, "status": group.get_status_display()},
            status=group.status, requested=S.COLLECTED,
        )
    pickup_attempts.check(group, now=now)
    code = (pickup_code or "").strip()
    if not group.pickup_code or not secrets.compare_digest(code, group.pickup_code):
        left = pickup_attempts.record_failure(group, now=now)
        raise DomainError(_("取货码不正确"), fields={"pickup_code": [_("取货码不正确")]},
                          attempts_left=left)
    pickup_attempts.reset(group)
    return transition(group=group, to=S.COLLECTED, actor=actor, note="取货码已核验")


@transaction.atomic
def provider_start(*, provider: ServiceProvider, group_id: int) -> FulfilmentGroup:
    """The provider sets off to the resident (picked_up: "on the way").

    Caller to come: the home-service provider API of the order-loop issue (11); until then only tests call it."""
    return transition(group=held(group_id, provider=provider), to=S.PICKED_UP, actor=f"provider:{provider.pk}",
                      note=provider.name)


@transaction.atomic
def provider_complete(*, provider: ServiceProvider, group_id: int) -> FulfilmentGroup:
    """The provider has done the service (delivered).

    Caller to come: the home-service provider API of the order-loop issue (11); until then only tests call it."""
    return transition(group=held(group_id, provider=provider), to=S.DELIVERED, actor=f"provider:{provider.pk}",
                      note=provider.name)
