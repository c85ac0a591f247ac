"""Writes about fulfilment groups: the one place a group's status changes.

A merchant accepting a group or having it ready are facts with timestamps (`accepted_at`,
`ready_at`) and events, not statuses: the status follows the goods (dispatch issue).

Every change goes through `transition`: it locks the group, checks the move is allowed from
the status the group has *now* (not the one the caller saw), records a timestamped event and
answers 409 for a move that is not allowed. Merchant actions, checkout, payment and dispatch
all call it.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog import page_cache
from merchants.models import Partner, StockMovement
from shop.core.errors import ConflictError, DomainError

from .lifecycle import AT_POINT, COMPLETED, IN_SHOP, TERMINAL, WEIGHT_SETTLED, allowed, in_shop
from .models import FulfilmentEvent, FulfilmentGroup, FulfilmentLine, PointStock, Slot
from .signals import group_ended

S = FulfilmentGroup.Status


class BadTransition(ConflictError):
    code = "bad_transition"


def transition(*, group_id: int | None = None, group: FulfilmentGroup | None = None, to: str, actor: str = "",
               note: str = "", events: list | None = None, **changes) -> FulfilmentGroup:
    """Move a group to `to`, with an event; `changes` are other fields set in the same write.
    `events`: the caller inserts the event later in the same transaction, with others (a list
    to append it to: dispatch's batch, delivery.jobs.Batch.flush).

    Pass `group_id`, or `group` when the caller has already locked it (select_for_update in
    its own transaction): that saves reading and locking the row a second time.
    Raises BadTransition (409) when the group's current status does not allow the move; it
    is raised before anything is written, so a caller may catch it and carry on. A group that
    ends while its goods are still at its point gives back the point stock it took.
    """
    if group is None:
        with transaction.atomic():
            return transition(group=FulfilmentGroup.objects.select_for_update().get(pk=group_id), to=to,
                              actor=actor, note=note, events=events, **changes)
    if not allowed(group.status, to):
        raise BadTransition(
            f"履约单 {group.pk} 当前状态为「{group.get_status_display()}」, 不能变为「{S(to).label}」",
            status=group.status, requested=to,
        )
    now = timezone.now()
    gives_back_point_stock = group.status in AT_POINT and to in TERMINAL
    # goods waiting at a station that will not be collected stay there as the station's stock
    left_at_station = group.status == S.READY_FOR_PICKUP and group.pickup_point_id and to in TERMINAL \
        and to not in COMPLETED
    group.status = to
    fields = {"status", "updated_at", *changes}  # updated_at: auto_now, read by the stuck-job sweep
    if to in COMPLETED:
        group.completed_at = now
        fields.add("completed_at")
    if note and to in TERMINAL:
        group.status_reason = note
        fields.add("status_reason")
    for field, value in changes.items():
        setattr(group, field, value)
    with transaction.atomic(savepoint=False):  # the caller's transaction holds the lock: no savepoint needed
        if gives_back_point_stock:
            release_point_stock(group=group)
        if left_at_station:
            from .point_stock import left_at_station as keep_at_station

            keep_at_station(group=group)
        group.updated_at = now  # auto_now, written here: one UPDATE of just these columns, no save() machinery
        FulfilmentGroup.objects.filter(pk=group.pk).update(**{name: getattr(group, name) for name in fields})
        event = FulfilmentEvent(group=group, status=to, at=now, actor=actor[:64], note=note[:200])
        if events is not None:
            events.append(event)
        else:
            event.save(force_insert=True)
        if to in TERMINAL:
            group_ended.send(sender=FulfilmentGroup, group=group)
    return group


def record_event(*, group: FulfilmentGroup, status: str, actor: str = "", note: str = "") -> FulfilmentEvent:
    """An event that is not a status change (e.g. "ready" for a delivery group, an ETA update)."""
    return FulfilmentEvent.objects.create(group=group, status=status, actor=actor[:64], note=note[:200])


@transaction.atomic
def release_point_stock(*, group: FulfilmentGroup) -> None:
    """Give back the point stock a group's lines took at routing, once: each line holding some
    is locked and cleared as its units go back (stock rows locked in pk order, F())."""
    lines = list(FulfilmentLine.objects.select_for_update().filter(group=group, point_stock__isnull=False)
                 .order_by("pk").values_list("pk", "point_stock_id", "quantity"))
    back: dict[int, int] = {}
    for _line, stock_id, quantity in lines:
        back[stock_id] = back.get(stock_id, 0) + quantity
    returned: dict[tuple[int, int], int] = {}
    for stock_id, point_id, listing_id in PointStock.objects.select_for_update().filter(pk__in=list(back)).order_by(
            "pk").values_list("pk", "point_id", "listing_id"):
        PointStock.objects.filter(pk=stock_id).update(num_in_stock=F("num_in_stock") + back[stock_id])
        returned[(point_id, listing_id)] = back[stock_id]
    if returned:  # the stock ledger's rows for the point (delivery.point_stock)
        StockMovement.objects.bulk_create([
            StockMovement(listing_id=listing_id, point_id=point_id, reason=StockMovement.Reason.RELEASED,
                          delta=units, group_id=group.pk)
            for (point_id, listing_id), units in sorted(returned.items())])
    FulfilmentLine.objects.filter(pk__in=[line[0] for line in lines]).update(point_stock=None)


# --- slots ------------------------------------------------------------------------------------


class SlotFull(ConflictError):
    """Some slots have fewer places left than asked for; names each of them."""

    code = "slot_full"

    def __init__(self, shortages: list[dict]):
        super().__init__(
            "预约时段已满: " + ", ".join(f"#{s['slot_id']} 需要 {s['requested']}, 剩余 {s['available']}" for s in shortages),
            lines=shortages,
        )


def _locked_slots(quantities: dict[int, int]) -> list[Slot]:
    return list(Slot.objects.select_for_update().filter(pk__in=list(quantities)).order_by("pk"))


@transaction.atomic
def book_slots(*, quantities: dict[int, int], listing_of: dict[int, int] | None = None) -> None:
    """Take places in several slots at once, all or nothing (locks in pk order, re-checks, F()).

    `listing_of` maps a slot to the listing it is booked for, so a shortage names the line.
    Raises SlotFull (409) naming every slot short of places; a slot that has already started
    counts as having none left.
    """
    now = timezone.now()
    slots = _locked_slots(quantities)
    shortages = []
    for slot in slots:
        left = 0 if slot.starts_at <= now else slot.capacity - slot.booked
        if left < quantities[slot.pk]:
            shortage = {"slot_id": slot.pk, "requested": quantities[slot.pk], "available": max(left, 0)}
            if listing_of and slot.pk in listing_of:
                shortage["listing_id"] = listing_of[slot.pk]
            shortages.append(shortage)
    if shortages:
        raise SlotFull(shortages)
    for slot in slots:
        Slot.objects.filter(pk=slot.pk).update(booked=F("booked") + quantities[slot.pk])
    if slots:
        page_cache.catalogue_changed()  # the product page shows the places left


@transaction.atomic
def release_slots(*, quantities: dict[int, int]) -> None:
    """Give booked places back (a cancelled, rejected or expired order); never below zero."""
    slots = _locked_slots(quantities)
    for slot in slots:
        Slot.objects.filter(pk=slot.pk).update(booked=F("booked") - min(quantities[slot.pk], slot.booked))
    if slots:
        page_cache.catalogue_changed()  # the product page shows the places left


# --- the merchant's actions on its own group (issue 4) ---------------------------------------
#
# Each answers "not found" (404) to anyone who is not staff of the group's merchant, so other
# users cannot even learn that a group exists. Acceptance, weighing and readiness are facts
# with timestamps and events; only a pickup at the shop changes status (ready_for_pickup).

CENT = Decimal("0.01")
MAX_WEIGHT_G = 100_000  # one line of fresh goods over 100 kg is a typing error


class GroupNotFound(DomainError):
    status_code = 404
    code = "not_found"

    def __init__(self):
        super().__init__(_("没有这个履约单"))


def merchant_actor(user) -> str:
    return f"merchant:{user.pk}"


def group_pk(group_id) -> int:
    try:
        return int(group_id)
    except (TypeError, ValueError):
        raise GroupNotFound() from None


def is_merchant_staff(user, merchant_id: int) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return Partner.users.through.objects.filter(partner_id=merchant_id, user_id=user.pk).exists()


def _locked_group(group_id, user) -> FulfilmentGroup:
    """The group, locked, if `user` is staff of its merchant; otherwise GroupNotFound."""
    group = FulfilmentGroup.objects.select_for_update().filter(pk=group_pk(group_id)).order_by("pk").first()
    if group is None or not is_merchant_staff(user, group.merchant_id):
        raise GroupNotFound()
    return group


def _not_now(group: FulfilmentGroup, action: str) -> ConflictError:
    return ConflictError(
        _("履约单 %(id)s 当前状态为「%(status)s」, 不能%(action)s")
        % {"id": group.pk, "status": group.get_status_display(), "action": action},
        status=group.status,
    )


@transaction.atomic
def accept_group(*, group_id: int, user) -> FulfilmentGroup:
    """The merchant takes the order on: sets accepted_at once (accepting again changes nothing)."""
    group = _locked_group(group_id, user)
    if group.accepted_at:
        return group
    if group.status not in IN_SHOP:
        raise _not_now(group, _("接单"))
    group.accepted_at = timezone.now()
    group.save(update_fields=["accepted_at", "updated_at"])
    record_event(group=group, status="accepted", actor=merchant_actor(user))
    return group


def settled_amount(line: FulfilmentLine, grams: int, cap_percent: int) -> Decimal:
    """What a weighed line costs at `grams`: the pack price per gram times the grams, but never
    more than the estimate plus `cap_percent` of it (lighter goods cost less, without limit)."""
    pack_g = Decimal(line.estimated_weight_g) / line.quantity
    weighed = (line.unit_price * grams / pack_g).quantize(CENT, ROUND_HALF_UP)
    cap = (line.estimated_amount * cap_percent / 100).quantize(CENT, ROUND_HALF_UP)
    return min(weighed, line.estimated_amount + cap)


def _weight_errors(lines: dict[int, FulfilmentLine], weights) -> dict[str, list[str]]:
    if not weights:
        return {"weights": [_("请至少填写一件商品的实际重量")]}
    errors = {}
    for line_id, grams in weights.items():
        line = lines.get(int(line_id)) if str(line_id).isdigit() else None
        if line is None:
            errors[str(line_id)] = [_("不是本履约单的商品")]
        elif not line.is_weighed:
            errors[str(line_id)] = [_("该商品不按重量销售")]
        elif isinstance(grams, bool) or not isinstance(grams, int) or not 0 < grams <= MAX_WEIGHT_G:
            errors[str(line_id)] = [_("重量须为 1 至 %(max)s 之间的整数 (克)") % {"max": MAX_WEIGHT_G}]
    return errors


@transaction.atomic
def record_weights(*, group_id: int, user, weights: dict[int, int]) -> FulfilmentGroup:
    """Record the real weight of weighed lines (fulfilment line id → grams) and settle their price.

    Each weighed line's final_amount becomes its price at the real weight, the extra capped at
    the merchant's weight_overage_cap_percent of the line's estimate; group.weight_adjustment
    is the sum of the differences (negative: a refund). Recording a line again replaces it.
    Refused with 422 for unknown or unweighed lines and bad grams, 409 once the goods left the shop
    or once the difference was settled (the refund or the supplementary charge is written: a new
    weighing would leave it wrong; nothing is written).
    """
    group = _locked_group(group_id, user)
    if not in_shop(group):
        raise _not_now(group, _("称重"))
    if group.events.filter(status=WEIGHT_SETTLED).exists():
        raise ConflictError(_("称重差价已结算 (退款或补差价已生成), 不能重新称重"), code="weight_settled")
    lines = {line.pk: line for line in group.lines.select_for_update().order_by("pk")}
    errors = _weight_errors(lines, weights)
    if errors:
        raise DomainError(_("称重数据有误"), fields=errors)
    cap_percent = Partner.objects.values_list("weight_overage_cap_percent", flat=True).get(pk=group.merchant_id)
    for line_id, grams in weights.items():
        line = lines[int(line_id)]
        line.actual_weight_g = grams
        line.final_amount = settled_amount(line, grams, cap_percent)
        line.save(update_fields=["actual_weight_g", "final_amount"])
    group.weight_adjustment = sum(
        (line.final_amount - line.estimated_amount for line in lines.values() if line.final_amount is not None),
        Decimal("0.00"),
    )
    group.save(update_fields=["weight_adjustment", "updated_at"])
    note = "; ".join(f"#{int(pk)} {grams}g" for pk, grams in weights.items())
    record_event(group=group, status="weighed", actor=merchant_actor(user), note=note)
    return group


@transaction.atomic
def mark_ready(*, group_id: int, user) -> FulfilmentGroup:
    """The goods are packed: sets ready_at with a "ready" event, once; a pickup at the shop
    becomes ready_for_pickup. Needs the group accepted and every weighed line weighed (409)."""
    group = _locked_group(group_id, user)
    if group.ready_at:
        return group
    if group.status not in IN_SHOP:
        raise _not_now(group, _("备货完成"))
    if not group.accepted_at:
        raise ConflictError(_("请先接单再标记备货完成"), status=group.status)
    unweighed = [line.pk for line in group.lines.order_by("pk") if line.is_weighed and line.actual_weight_g is None]
    if unweighed:
        raise ConflictError(_("还有称重商品未称重"), lines=unweighed)
    now = timezone.now()
    if group.method == FulfilmentGroup.Method.PICKUP and group.pickup_point_id is None:
        group = transition(group_id=group.pk, to=S.READY_FOR_PICKUP, actor=merchant_actor(user), ready_at=now)
    else:
        group.ready_at = now
        group.save(update_fields=["ready_at", "updated_at"])
    record_event(group=group, status="ready", actor=merchant_actor(user))
    return group
