"""The life of a fulfilment group (one merchant's part of an order), in one place.

Every status, every allowed move between them, every set of statuses the code asks about and
the words a resident reads for each step live here; nothing else defines a status set.
Writes go through ``delivery.services.transition``, which checks ``TRANSITIONS``.

    awaiting_payment ─paid─▶ created ─route─▶ point_assigned ─accept─▶ courier_assigned ─pickup─▶ picked_up
                                │                   │   ◀──give back / taken back──┘                  │
                                │                   └─ready (pickup at the shop)─▶ ready_for_pickup ◀─┤ (station)
                                │                                                   └─collect─▶ collected
                                └─ready (pickup at the shop)                        picked_up ─deliver─▶ delivered
    rejected (the merchant), cancelled (the resident, or an unpaid order) and failed (the
    courier, with a reason) end a group early.

A merchant accepting, weighing and packing are facts with timestamps and events, not
statuses (``EVENT_LABELS``): the status follows where the goods are.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    AWAITING_PAYMENT = "awaiting_payment", _("待支付")
    CREATED = "created", _("已下单")
    POINT_ASSIGNED = "point_assigned", _("已分配履约点")
    COURIER_ASSIGNED = "courier_assigned", _("骑手已接单")
    PICKED_UP = "picked_up", _("配送中")
    DELIVERED = "delivered", _("已送达")
    READY_FOR_PICKUP = "ready_for_pickup", _("待取货")
    COLLECTED = "collected", _("已取货")
    REJECTED = "rejected", _("商户已拒单")
    FAILED = "failed", _("配送失败")
    CANCELLED = "cancelled", _("已取消")


S = Status

# status -> the statuses a group may move to from it
TRANSITIONS: dict[str, frozenset[str]] = {
    S.AWAITING_PAYMENT: frozenset({S.CREATED, S.CANCELLED}),
    S.CREATED: frozenset({S.POINT_ASSIGNED, S.READY_FOR_PICKUP, S.REJECTED, S.CANCELLED}),
    S.POINT_ASSIGNED: frozenset({S.COURIER_ASSIGNED, S.READY_FOR_PICKUP, S.REJECTED, S.FAILED, S.CANCELLED}),
    # back to point_assigned: the courier gave the job up, or dispatch re-offers it
    S.COURIER_ASSIGNED: frozenset({S.POINT_ASSIGNED, S.PICKED_UP, S.REJECTED, S.FAILED, S.CANCELLED}),
    # ready_for_pickup after picked_up: carried to a community pickup station
    S.PICKED_UP: frozenset({S.DELIVERED, S.READY_FOR_PICKUP, S.FAILED}),
    # cancelled: not collected in time (shop.checkout.releasing.expire_uncollected gives it back)
    S.READY_FOR_PICKUP: frozenset({S.COLLECTED, S.FAILED, S.CANCELLED}),
    S.DELIVERED: frozenset(),
    S.COLLECTED: frozenset(),
    S.REJECTED: frozenset(),
    S.FAILED: frozenset(),
    S.CANCELLED: frozenset(),
}

# --- the sets, one name each ------------------------------------------------------------------

# No move leads out of these.
TERMINAL = frozenset(status for status, onward in TRANSITIONS.items() if not onward)
# The resident has the goods (or the service was done).
COMPLETED = frozenset({S.DELIVERED, S.COLLECTED})
# Ended without the goods reaching the resident (shown with the reason).
TROUBLE = frozenset({S.REJECTED, S.FAILED, S.CANCELLED})
# Ended before anything left the shop: stock and slots go back (checkout's release_group).
RETURNS_STOCK = frozenset({S.REJECTED, S.CANCELLED})
# The resident may still cancel: nothing has left the shop yet.
CANCELLABLE = frozenset({S.AWAITING_PAYMENT, S.CREATED, S.POINT_ASSIGNED, S.COURIER_ASSIGNED})
# A courier (or a provider) holds the job and is on the way: to the point, then to the resident.
# Their position and the live ETA are shown; a courier's load counts these.
ON_THE_WAY = frozenset({S.COURIER_ASSIGNED, S.PICKED_UP})
# Routed and still at its point: ending it here gives back the point stock dispatch took.
AT_POINT = frozenset({S.POINT_ASSIGNED, S.COURIER_ASSIGNED})
# The goods are still in the shop: the merchant may accept, weigh and prepare them (a pickup
# waiting at the shop in ready_for_pickup is still there too: see ``in_shop``).
IN_SHOP = frozenset({S.CREATED, S.POINT_ASSIGNED, S.COURIER_ASSIGNED})


def allowed(current: str, to: str) -> bool:
    """Whether a group in `current` may move to `to`."""
    return to in TRANSITIONS[current]


def in_shop(group) -> bool:
    """The goods have not left the merchant's shop (so it may still weigh and prepare them)."""
    waiting_at_shop = group.status == S.READY_FOR_PICKUP and group.pickup_point_id is None
    return group.status in IN_SHOP or waiting_at_shop


# --- the resident's words ---------------------------------------------------------------------

# the steps a resident sees, by kind of journey
DELIVERY_STEPS = (S.CREATED, S.POINT_ASSIGNED, S.COURIER_ASSIGNED, S.PICKED_UP, S.DELIVERED)
PICKUP_STEPS = (S.CREATED, S.READY_FOR_PICKUP, S.COLLECTED)
# a delivery carried to a community pickup station instead of the door
STATION_STEPS = (S.CREATED, S.POINT_ASSIGNED, S.COURIER_ASSIGNED, S.PICKED_UP, S.READY_FOR_PICKUP, S.COLLECTED)

# each step in the resident's words (the model's labels are the shop's words)
STEP_LABELS = {
    S.CREATED: _("已下单"),
    S.POINT_ASSIGNED: _("备货中"),
    S.COURIER_ASSIGNED: _("骑手已接单"),
    S.PICKED_UP: _("骑手配送中"),
    S.DELIVERED: _("已送达"),
    S.READY_FOR_PICKUP: _("可以取货了"),
    S.COLLECTED: _("已取货"),
}

# what the resident reads in large type for each status
HEADLINES = {
    S.AWAITING_PAYMENT: _("等待付款"),
    S.CREATED: _("商家已收到订单"),
    S.POINT_ASSIGNED: _("商家正在备货"),
    S.COURIER_ASSIGNED: _("骑手已接单, 正去取货"),
    S.PICKED_UP: _("骑手正在送货"),
    S.DELIVERED: _("已送达"),
    S.READY_FOR_PICKUP: _("可以取货了"),
    S.COLLECTED: _("已取货"),
}

# a home service: the provider takes the place of the courier, "arrived" is an event (handover)
ARRIVED = "arrived"
SERVICE_STEPS = (S.CREATED, S.POINT_ASSIGNED, S.COURIER_ASSIGNED, S.PICKED_UP, ARRIVED, S.DELIVERED)
SERVICE_STEP_LABELS = {
    S.CREATED: _("已预约"),
    S.POINT_ASSIGNED: _("正在安排服务人员"),
    S.COURIER_ASSIGNED: _("服务人员已接单"),
    S.PICKED_UP: _("服务人员在路上"),
    ARRIVED: _("服务人员已到达"),
    S.DELIVERED: _("服务已完成"),
}
SERVICE_HEADLINES = {
    S.AWAITING_PAYMENT: _("等待付款"),
    S.CREATED: _("已收到您的预约"),
    S.POINT_ASSIGNED: _("正在安排服务人员"),
    S.COURIER_ASSIGNED: _("服务人员已接单, 将按预约时间上门"),
    S.PICKED_UP: _("服务人员正在上门"),
    S.DELIVERED: _("服务已完成"),
}

# the event the order layer records once a weighing's difference was settled (a refund or a
# supplementary charge written): the weights are final from then on (record_weights answers 409)
WEIGHT_SETTLED = "weight_settled"
# events that are not status changes (delivery.services.record_event)
EVENT_LABELS = {
    "accepted": _("商家已接单"),
    "weighed": _("商家已称重"),
    WEIGHT_SETTLED: _("称重差价已结算"),
    "ready": _("商家已备好货"),
    "arrived": _("服务人员已到达"),
}


def event_label(status: str) -> str:
    """An event in the words of the steps (备货中, not the shop's 已分配履约点)."""
    if status in EVENT_LABELS:
        return str(EVENT_LABELS[status])
    if status in STEP_LABELS:
        return str(STEP_LABELS[status])
    try:
        return str(S(status).label)
    except ValueError:
        return status
