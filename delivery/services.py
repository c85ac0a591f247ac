"""Writes about fulfilment groups: the one place a group's status changes.

A merchant accepting a group or having it ready are facts with timestamps (`accepted_at`,
`ready_at`) and events, not statuses: the status follows the goods (dispatch issue).

Every change goes through `transition`: it locks the group, checks the move is allowed from
the status the group has *now* (not the one the caller saw), records a timestamped event and
answers 409 for a move that is not allowed. Merchant actions, checkout, payment and dispatch
all call it.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from shop.core.errors import ConflictError

from .models import FulfilmentEvent, FulfilmentGroup

S = FulfilmentGroup.Status

# status -> the statuses a group may move to from it
TRANSITIONS: dict[str, set[str]] = {
    S.AWAITING_PAYMENT: {S.CREATED, S.CANCELLED},
    S.CREATED: {S.POINT_ASSIGNED, S.READY_FOR_PICKUP, S.REJECTED, S.CANCELLED},
    S.POINT_ASSIGNED: {S.COURIER_ASSIGNED, S.READY_FOR_PICKUP, S.REJECTED, S.FAILED, S.CANCELLED},
    # back to point_assigned: the courier gave the job up, or dispatch re-offers it
    S.COURIER_ASSIGNED: {S.POINT_ASSIGNED, S.PICKED_UP, S.REJECTED, S.FAILED, S.CANCELLED},
    # ready_for_pickup after picked_up: carried to a community pickup station
    S.PICKED_UP: {S.DELIVERED, S.READY_FOR_PICKUP, S.FAILED},
    S.READY_FOR_PICKUP: {S.COLLECTED, S.FAILED},
    S.DELIVERED: set(),
    S.COLLECTED: set(),
    S.REJECTED: set(),
    S.FAILED: set(),
    S.CANCELLED: set(),
}
# Statuses from which the resident may still cancel: nothing has left the shop yet.
CANCELLABLE = {S.AWAITING_PAYMENT, S.CREATED, S.POINT_ASSIGNED, S.COURIER_ASSIGNED}
FINAL = {status for status, onward in TRANSITIONS.items() if not onward}
# Final statuses in which the goods never reached the resident: stock and slots go back.
RETURNS_STOCK = {S.REJECTED, S.CANCELLED}


class BadTransition(ConflictError):
    code = "bad_transition"


@transaction.atomic
def transition(*, group_id: int, to: str, actor: str = "", note: str = "", **changes) -> FulfilmentGroup:
    """Move a group to `to`, with an event; `changes` are other fields set in the same write.

    Raises BadTransition (409) when the group's current status does not allow the move.
    """
    group = FulfilmentGroup.objects.select_for_update().get(pk=group_id)
    if to not in TRANSITIONS[group.status]:
        raise BadTransition(
            f"履约单 {group.pk} 当前状态为「{group.get_status_display()}」, 不能变为「{S(to).label}」",
            status=group.status, requested=to,
        )
    now = timezone.now()
    group.status = to
    if to in {S.DELIVERED, S.COLLECTED}:
        group.completed_at = now
    if note and to in FINAL:
        group.status_reason = note
    for field, value in changes.items():
        setattr(group, field, value)
    group.save()
    FulfilmentEvent.objects.create(group=group, status=to, at=now, actor=actor[:64], note=note[:200])
    return group


def record_event(*, group: FulfilmentGroup, status: str, actor: str = "", note: str = "") -> FulfilmentEvent:
    """An event that is not a status change (e.g. "ready" for a delivery group, an ETA update)."""
    return FulfilmentEvent.objects.create(group=group, status=status, actor=actor[:64], note=note[:200])
