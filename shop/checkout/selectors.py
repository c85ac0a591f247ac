"""Reads about orders, for the resident's pages and the API."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import F, Prefetch, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from oscar.apps.order.models import Order

from communities.models import ResidentAddress, StandardAddress
from delivery.lifecycle import CANCELLABLE, RETURNS_STOCK, TERMINAL
from delivery.lifecycle import COMPLETED as COMPLETED_GROUP
from delivery.models import FulfilmentGroup, FulfilmentLine, FulfilmentPoint, Slot
from merchants.selectors import in_service_area
from shop.basket.selectors import BasketGroup
from shop.core.geo import bounding_box, haversine_m

from .models import Payment

# A community pickup station must be within this distance of the resident's address.
PICKUP_POINT_MAX_M = 2000


def orders_of(*, user) -> QuerySet[Order]:
    """The resident's orders, newest first, with their groups, lines, events and payment."""
    return (
        Order.objects.filter(user=user)
        .select_related("payment")
        .prefetch_related(
            Prefetch(
                "fulfilment_groups",
                queryset=FulfilmentGroup.objects.select_related("merchant", "window", "pickup_point", "point")
                .prefetch_related(
                    Prefetch("lines", queryset=FulfilmentLine.objects.select_related("order_line", "slot")), "events"
                )
                .order_by("pk"),
            )
        )
        .order_by("-date_placed", "-pk")
    )


def order_of(*, user, number: str) -> Order | None:
    return orders_of(user=user).filter(number=number).first()


def dropoff_of(group: FulfilmentGroup) -> tuple[float, float] | None:
    """Where a group goes: the resident's standard address (None for a pickup at the shop)."""
    if group.method == FulfilmentGroup.Method.PICKUP:
        point = group.pickup_point
        return (point.lat, point.lng) if point else None
    return (group.dropoff.lat, group.dropoff.lng) if group.dropoff_id else None


# --- the one-page checkout and the pay page ---------------------------------------------------


def resident_address(*, user, address_id=None) -> ResidentAddress | None:
    """The saved address to check out to: the one asked for (if it is the resident's own),
    else the default one, else the first; None when the resident has saved none."""
    addresses = ResidentAddress.objects.filter(user=user).select_related("standard_address__community")
    if address_id is not None:
        try:
            chosen = addresses.filter(pk=int(address_id)).first()
        except (TypeError, ValueError):
            chosen = None
        if chosen is not None:
            return chosen
    return addresses.order_by("-is_default", "pk").first()


@dataclass(frozen=True)
class Station:
    point: FulfilmentPoint
    distance_m: int


@dataclass
class GroupOptions:
    """What one merchant's part of the basket can become at checkout, for the given address."""

    group: BasketGroup
    delivery_blocked: str = ""  # why it cannot be delivered (or the service done) there; "" when it can
    asap_at: datetime | None = None
    windows: list[Slot] = field(default_factory=list)
    stations: list[Station] = field(default_factory=list)

    @property
    def merchant(self):
        return self.group.merchant

    @property
    def is_service(self) -> bool:
        """A home service is done at the resident's address: no pickup, no delivery window."""
        return self.group.has_services

    @property
    def can_deliver(self) -> bool:
        return not self.delivery_blocked

    @property
    def can_pickup(self) -> bool:
        return not self.group.has_services


def pickup_stations(*, address: StandardAddress, limit: int = 10) -> list[Station]:
    """Active community pickup stations and lockers within reach of the address, nearest first."""
    min_lat, max_lat, min_lng, max_lng = bounding_box(address.lat, address.lng, PICKUP_POINT_MAX_M)
    points = FulfilmentPoint.objects.filter(
        is_active=True, kind__in=[FulfilmentPoint.Kind.PICKUP_STATION, FulfilmentPoint.Kind.LOCKER],
        lat__range=(min_lat, max_lat), lng__range=(min_lng, max_lng),
    )
    stations = [Station(point, round(haversine_m(point.lat, point.lng, address.lat, address.lng))) for point in points]
    return sorted((s for s in stations if s.distance_m <= PICKUP_POINT_MAX_M), key=lambda s: (s.distance_m, s.point.pk))[:limit]


def delivery_windows(*, merchant_ids, now, limit: int = 16) -> dict[int, list[Slot]]:
    """Each merchant's coming 30-minute delivery windows that still have room."""
    windows: dict[int, list[Slot]] = {merchant_id: [] for merchant_id in merchant_ids}
    slots = Slot.objects.filter(kind=Slot.Kind.DELIVERY, merchant_id__in=list(merchant_ids), starts_at__gt=now,
                                booked__lt=F("capacity")).order_by("starts_at", "pk")
    for slot in slots:
        if len(windows[slot.merchant_id]) < limit:
            windows[slot.merchant_id].append(slot)
    return windows


def _delivery_blocked(group: BasketGroup, address: StandardAddress | None) -> str:
    merchant = group.merchant
    if group.has_goods and not merchant.delivers:
        return _("该商户不提供配送, 请选择自提")
    if address is not None and not in_service_area(merchant, address.lat, address.lng):
        return _("您的地址不在该商户的服务范围内") if group.has_services else _("您的地址不在该商户的配送范围内")
    if group.has_goods and group.below_minimum > 0:
        return _("满 ¥%(min)s 起送, 还差 ¥%(gap)s") % {"min": group.min_order, "gap": group.below_minimum}
    return ""


def checkout_options(groups: list[BasketGroup], *, address: StandardAddress | None, now=None) -> list[GroupOptions]:
    """For each merchant group: whether delivery is possible and when, its windows, the nearby stations."""
    now = now or timezone.now()
    windows = delivery_windows(merchant_ids=[group.merchant.pk for group in groups], now=now)
    stations = pickup_stations(address=address) if address is not None else []
    asap_at = now + timedelta(minutes=settings.DELIVERY_ASAP_MINUTES)
    return [
        GroupOptions(
            group=group,
            delivery_blocked=_delivery_blocked(group, address),
            asap_at=None if group.has_services else asap_at,
            windows=[] if group.has_services else windows[group.merchant.pk],
            stations=[] if group.has_services else stations,
        )
        for group in groups
    ]


def payment_of(*, user, trade_no: str) -> Payment | None:
    """The resident's own payment with this trade number, with its order."""
    return Payment.objects.select_related("order").filter(trade_no=trade_no, order__user=user).first()


def payment_expired(payment: Payment, *, now=None) -> bool:
    """A pending sandbox payment past its deadline (the beat task may not have cancelled it yet)."""
    now = now or timezone.now()
    return payment.status == Payment.Status.PENDING and payment.expires_at is not None and payment.expires_at <= now


@dataclass(frozen=True)
class OrderActions:
    """What the resident may still do with an order on its page."""

    can_cancel: bool
    pay_url: str = ""  # a sandbox payment still waiting (and not past its deadline)
    cancel_url: str = ""


def order_actions(order: Order, *, now=None) -> OrderActions:
    statuses = [group.status for group in order.fulfilment_groups.all()]
    live = [status for status in statuses if status not in RETURNS_STOCK]
    can_cancel = bool(live) and all(status in CANCELLABLE for status in live)
    payment = Payment.objects.filter(order=order).first()
    pay_url = ""
    if (payment is not None and payment.provider == Payment.Provider.SANDBOX and payment.status == Payment.Status.PENDING
            and not payment_expired(payment, now=now)):
        pay_url = reverse("checkout:sandbox-pay", args=[payment.trade_no])
    return OrderActions(can_cancel=can_cancel, pay_url=pay_url,
                        cancel_url=reverse("checkout:order-cancel", args=[order.number]) if can_cancel else "")


def open_order_numbers(*, user, standard_address_id: int | None = None) -> list[str]:
    """Numbers of the resident's orders with a group still under way (not in a final status),
    optionally only those going to one standard address; oldest first."""
    groups = FulfilmentGroup.objects.filter(order__user=user).exclude(status__in=TERMINAL)
    if standard_address_id is not None:
        groups = groups.filter(dropoff_id=standard_address_id)
    return list(groups.order_by("order__number").values_list("order__number", flat=True).distinct())
# --- the money ledger ---------------------------------------------------------------------------


def cash_to_collect(*, group_ids: list[int]) -> dict[int, Decimal]:
    """Cash-on-delivery groups among these → the cash to collect at handover (the weighed price
    and the fee, shop.checkout.money.collect_on_delivery); paid groups are left out."""
    from .money import collect_on_delivery

    if not group_ids:
        return {}
    groups = FulfilmentGroup.objects.filter(
        pk__in=group_ids, order__payment__provider=Payment.Provider.COD).only(
        "pk", "goods_total", "delivery_fee", "weight_adjustment")
    return {group.pk: collect_on_delivery(group) for group in groups}


@dataclass(frozen=True)
class MoneyDrift:
    order_id: int
    number: str
    received: Decimal
    refunded: Decimal
    owed: Decimal
    pending: str  # what is still in flight (refunds not yet refunded, charges not paid, groups not settled)

    @property
    def drift(self) -> Decimal:
        return self.received - self.refunded - self.owed


def money_drift(*, order_ids: list[int] | None = None) -> list[MoneyDrift]:
    """Every order whose money does not add up: received (the charge, late or second charges,
    cash collected, supplementary charges paid) − refunded (refunds the gateway confirmed) ≠
    owed (what was delivered: the groups' settlements); and every ended order with money still
    in flight. Four aggregates over the whole ledger, whatever the number of orders."""
    from django.db.models import Count, Sum

    from delivery.lifecycle import TERMINAL

    from .models import ExtraCharge, GroupSettlement, Refund

    def by_order(queryset, value):
        if order_ids is not None:
            queryset = queryset.filter(order_id__in=order_ids)
        return {row["order_id"]: row["v"] or Decimal("0.00") for row in queryset.values("order_id").annotate(v=value)}

    zero = Decimal("0.00")
    payments = Payment.objects.all() if order_ids is None else Payment.objects.filter(order_id__in=order_ids)
    received = {order_id: amount for order_id, amount in payments.values_list("order_id", "received_amount")}
    extra = by_order(ExtraCharge.objects.filter(status=ExtraCharge.Status.PAID), Sum("amount"))
    refunded = by_order(Refund.objects.filter(status=Refund.Status.REFUNDED), Sum("amount"))
    in_flight = by_order(Refund.objects.filter(status__in=[Refund.Status.DUE, Refund.Status.REQUESTED]), Count("pk"))
    unpaid = by_order(ExtraCharge.objects.filter(status=ExtraCharge.Status.PENDING), Count("pk"))
    owed = by_order(GroupSettlement.objects.all(), Sum("owed"))
    groups = FulfilmentGroup.objects.all() if order_ids is None else FulfilmentGroup.objects.filter(order_id__in=order_ids)
    unsettled = {row["order_id"]: row["v"] for row in groups.filter(status__in=TERMINAL, settlement__isnull=True)
                 .values("order_id").annotate(v=Count("pk"))}
    live = set(groups.exclude(status__in=TERMINAL).values_list("order_id", flat=True).distinct())
    numbers = dict(Order.objects.filter(pk__in=list(received)).values_list("pk", "number")) if received else {}
    drifts = []
    for order_id in sorted(received):
        if order_id in live:
            continue  # an order still on its way is checked when it has ended
        got = received[order_id] + extra.get(order_id, zero)
        back, due = refunded.get(order_id, zero), owed.get(order_id, zero)
        pending = ", ".join(f"{label} {count}" for label, count in (
            ("refunds in flight", in_flight.get(order_id, 0)), ("charges unpaid", unpaid.get(order_id, 0)),
            ("groups unsettled", unsettled.get(order_id, 0))) if count)
        if got - back != due or pending:
            drifts.append(MoneyDrift(order_id=order_id, number=numbers.get(order_id, ""), received=got,
                                     refunded=back, owed=due, pending=pending))
    return drifts


def payments_behind(*, limit: int = 500) -> list[int]:
    """Payments whose counters lag behind the money ledger, oldest first: the after-commit
    ``payments.settle`` of a group's end never ran (the worker was busy or killed). A cash on
    delivery payment still pending whose collected cash differs from ``received_amount``, or
    whose groups have all ended (paid with the cash, or cancelled when none came); any payment
    whose ``refunded_amount`` is not the sum of its live refunds (refunds recorded in the last two days). Bounded: pending
    cash payments are the live orders' only, and the refunds are read by their recent time."""
    from django.db.models import Exists, OuterRef, Q, Subquery, Sum, Value
    from django.db.models.functions import Coalesce

    from .models import GroupSettlement, Refund

    zero = Value(Decimal("0.00"))
    collected = (GroupSettlement.objects.filter(order_id=OuterRef("order_id")).order_by()
                 .values("order_id").annotate(s=Sum("collected")).values("s"))
    live_group = FulfilmentGroup.objects.filter(order_id=OuterRef("order_id")).exclude(status__in=TERMINAL)
    settled = GroupSettlement.objects.filter(order_id=OuterRef("order_id"))
    cash = (Payment.objects.filter(Exists(settled), provider=Payment.Provider.COD, status=Payment.Status.PENDING)
            .annotate(cash=Coalesce(Subquery(collected), zero), open_groups=Exists(live_group))
            .filter(~Q(received_amount=F("cash")) | Q(open_groups=False))
            .order_by("pk").values_list("pk", flat=True)[:limit])
    live = (Refund.Status.DUE, Refund.Status.REQUESTED, Refund.Status.REFUNDED)
    refunded = (Refund.objects.filter(payment_id=OuterRef("pk"), status__in=live).order_by()
                .values("payment_id").annotate(s=Sum("amount")).values("s"))
    recent = Refund.objects.filter(created_at__gte=timezone.now() - timedelta(days=2)).values("payment_id")
    refunds = (Payment.objects.filter(pk__in=recent).annotate(back=Coalesce(Subquery(refunded), zero))
               .exclude(refunded_amount=F("back")).order_by("pk").values_list("pk", flat=True)[:limit])
    return sorted(set(cash) | set(refunds))[:limit]


@dataclass(frozen=True)
class WeighingMoney:
    """What the weighing of one group means for the resident's money (the merchant's weighing
    page): how it is paid, the difference, whether it can be settled now, what was settled."""

    cash: bool  # cash on delivery: the courier or the counter collects the weighed price
    paid_online: bool
    weighed: bool  # every weighed line has its real weight
    adjustment: Decimal  # weighed − estimated (negative: back to the resident)
    refund: object | None  # the lighter-weight Refund, once recorded
    charge: object | None  # the heavier-weight ExtraCharge (补差价), once asked for
    can_settle: bool


def weighing_money(*, group: FulfilmentGroup) -> WeighingMoney:
    from .models import ExtraCharge, Refund

    payment = Payment.objects.filter(order_id=group.order_id).first()
    lines = [line for line in group.lines.all() if line.is_weighed]
    weighed = bool(lines) and all(line.actual_weight_g is not None for line in lines)
    paid_online = (payment is not None and payment.provider == Payment.Provider.SANDBOX
                   and payment.status in (Payment.Status.PAID, Payment.Status.REFUNDED))
    refund = Refund.objects.filter(group=group, reason=Refund.Reason.WEIGHT_LIGHTER).first()
    charge = ExtraCharge.objects.filter(group=group).first()
    open_group = group.status not in TERMINAL or group.status in COMPLETED_GROUP
    return WeighingMoney(
        cash=payment is not None and payment.provider == Payment.Provider.COD, paid_online=paid_online,
        weighed=weighed, adjustment=group.weight_adjustment, refund=refund, charge=charge,
        can_settle=paid_online and weighed and open_group and bool(group.weight_adjustment)
        and refund is None and charge is None)


def charges_to_confirm(*, order: Order) -> list:
    """The order's supplementary charges (补差价) waiting for the resident, with their shop."""
    from .models import ExtraCharge

    return list(ExtraCharge.objects.filter(order=order, status=ExtraCharge.Status.PENDING,
                                           provider=Payment.Provider.SANDBOX)
                .select_related("group__merchant").order_by("pk"))


def charge_of(*, user, trade_no: str):
    """One supplementary charge of the user's own orders, or None (the page answers 404)."""
    from .models import ExtraCharge

    if not getattr(user, "is_authenticated", False):
        return None
    return (ExtraCharge.objects.filter(trade_no=str(trade_no)[:40], order__user=user)
            .select_related("order", "group__merchant").first())
