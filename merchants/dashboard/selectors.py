"""What a merchant's staff may read of orders: their own groups, and only the customer details
the group needs."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db.models import Count, QuerySet

from delivery.models import FulfilmentGroup
from merchants.models import Partner, StockRecord

PAGE_SIZE = 20


def merchant_groups(*, user, status: str = "") -> QuerySet[FulfilmentGroup]:
    """The groups of every merchant `user` is staff of, newest first (optionally one status)."""
    groups = (
        FulfilmentGroup.objects.filter(merchant__in=Partner.objects.filter(users=user.pk))
        .select_related("order", "merchant", "window", "pickup_point")
        .annotate(line_count=Count("lines"))
        .order_by("-created_at", "-pk")
    )
    return groups.filter(status=status) if status else groups


def merchant_group(*, user, pk) -> FulfilmentGroup | None:
    """One group, if `user` is staff of its merchant; None otherwise (callers answer 404)."""
    return (
        merchant_groups(user=user)
        .select_related("order__shipping_address", "dropoff__community", "point", "courier")
        .filter(pk=pk)
        .first()
    )


def group_lines(group: FulfilmentGroup):
    return group.lines.select_related("order_line", "slot", "listing__product").order_by("pk")


def mask_phone(phone) -> str:
    """138****0001: enough to match the person at the counter, not enough to call them."""
    digits = re.sub(r"\D", "", str(phone or ""))
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    if len(digits) < 7:
        return "****"
    return f"{digits[:3]}****{digits[-4:]}"


def national_phone(phone) -> str:
    national = getattr(phone, "national_number", None)
    if national:
        return str(national)
    text = str(phone or "")
    return text[3:] if text.startswith("+86") else text


@dataclass(frozen=True)
class CustomerDetails:
    recipient: str
    phone: str
    address: str = ""


def customer_details(group: FulfilmentGroup) -> CustomerDetails | None:
    """What the merchant needs to hand the goods over, and nothing more.

    Pickup: the recipient's name and a masked phone (the pickup code proves the rest).
    Delivery by the merchant's own couriers: name, full phone and address. Delivery by platform
    couriers (or anything else): nothing, the platform's courier carries the address.
    """
    address = group.order.shipping_address
    if address is None:
        return None
    recipient = address.name or ""
    if group.method == FulfilmentGroup.Method.PICKUP:
        return CustomerDetails(recipient=recipient, phone=mask_phone(national_phone(address.phone_number)))
    if group.method == FulfilmentGroup.Method.DELIVERY and group.merchant.delivery_capability == Partner.Delivery.OWN:
        parts = [address.line4, address.state, address.line3, address.line2, address.line1]
        return CustomerDetails(
            recipient=recipient,
            phone=national_phone(address.phone_number),
            address=" ".join(dict.fromkeys(part for part in parts if part)),
        )
    return None


# --- the shop's listings (the merchant portal) --------------------------------------------------

LISTINGS_PAGE_SIZE = 50
STOCK_STATES = ("in", "low", "out")


def _kind_filter(kind: str):
    """Listings of one kind, matched on product-class ids (a tiny table read first): a filter
    the planner can push into the scan, unlike a COALESCE over two outer joins."""
    from django.db.models import Q

    from catalog.models import ProductClass

    ids = list(ProductClass.objects.filter(kind=kind).values_list("pk", flat=True))
    return Q(product__product_class_id__in=ids) | Q(product__product_class__isnull=True,
                                                    product__parent__product_class_id__in=ids)


def _filtered_listings(*, shop_id: int, q: str = "", kind: str = "", stock: str = "",
                       published: str = "") -> QuerySet:
    """The shop's listings filtered, newest change first, with `available` and `low` annotated
    (no joins beyond what the filters need: the listings table pages over this narrow query)."""
    from django.db.models import BooleanField, Case, ExpressionWrapper, F, IntegerField, Q, Value, When
    from django.db.models.functions import Coalesce

    listings = (
        StockRecord.objects.filter(partner_id=shop_id)
        .annotate(
            available=ExpressionWrapper(
                Coalesce(F("num_in_stock"), 0) - Coalesce(F("num_allocated"), 0), output_field=IntegerField()
            ),
        )
        .annotate(
            low=Case(
                When(Q(low_stock_threshold__isnull=False) & Q(available__lte=F("low_stock_threshold")), then=Value(True)),
                default=Value(False), output_field=BooleanField(),
            )
        )
        .order_by("-date_updated", "-pk")
    )
    q = (q or "").strip()[:100]
    if q:  # checked on the shop's own rows, walked in the table's order (stockrecord_shop_recent_idx)
        listings = listings.filter(Q(product__title__icontains=q) | Q(partner_sku__icontains=q) | Q(product__upc=q))
    if kind:
        listings = listings.filter(_kind_filter(kind))
    if stock in ("out", "low"):
        listings = listings.filter(available__lte=0) if stock == "out" else listings.filter(low=True)
        listings = listings.exclude(_kind_filter("service"))
    elif stock == "in":
        listings = listings.filter(available__gt=0, low=False)
    if published in ("1", "0"):
        listings = listings.filter(is_published=published == "1")
    return listings


def shop_listings(*, shop_id: int, q: str = "", kind: str = "", stock: str = "", published: str = "") -> QuerySet:
    """The shop's listings with `available`, `low` and `kind` annotated, filtered; newest change first.

    `low`: a threshold is set and what is available is at or under it (Oscar's
    is_below_threshold, on available units rather than on the shelf count)."""
    from django.db.models.functions import Coalesce

    return _filtered_listings(shop_id=shop_id, q=q, kind=kind, stock=stock, published=published).select_related(
        "product__product_class", "product__parent__product_class"
    ).annotate(kind=Coalesce("product__product_class__kind", "product__parent__product_class__kind"))


def listings_page(*, shop_id: int, number, q: str = "", kind: str = "", stock: str = "", published: str = ""):
    """One page of the listings table: the page's ids from the narrow filtered query (count and
    order without the product columns), then those rows in full (shop_listings)."""
    from django.core.paginator import Paginator

    ids = _filtered_listings(shop_id=shop_id, q=q, kind=kind, stock=stock, published=published).values_list(
        "pk", flat=True)
    page = Paginator(ids, LISTINGS_PAGE_SIZE).get_page(number)
    wanted = list(page.object_list)
    rows = {row.pk: row for row in shop_listings(shop_id=shop_id).filter(pk__in=wanted)}
    page.object_list = [rows[pk] for pk in wanted if pk in rows]
    return page


def low_stock_count(*, shop_id: int) -> int:
    return _filtered_listings(shop_id=shop_id, stock="low").count()


def shop_staff(*, shop_id: int) -> list[dict]:
    from merchants.models import StaffRole

    roles = dict(StaffRole.objects.filter(partner_id=shop_id).values_list("user_id", "role"))
    users = Partner.objects.get(pk=shop_id).users.order_by("pk")
    return [{"user": user, "role": roles.get(user.pk, StaffRole.Role.OWNER)} for user in users]


def applications_of(*, user):
    from merchants.models import MerchantApplication

    return MerchantApplication.objects.filter(applicant=user).select_related("format", "partner")


def applications_to_review():
    from merchants.models import MerchantApplication

    return MerchantApplication.objects.select_related("format", "address__community", "applicant").order_by(
        "status", "-created_at")


def application(*, pk: int):
    from merchants.models import MerchantApplication

    return MerchantApplication.objects.select_related("format", "address__community", "applicant").filter(pk=pk).first()


def shop_service_products(*, shop_id: int) -> list:
    """The home-service products the shop lists (a slot template may be for one of them)."""
    from django.db.models import Q

    listings = StockRecord.objects.filter(partner_id=shop_id).filter(
        Q(product__product_class__kind="service") | Q(product__parent__product_class__kind="service")
    ).select_related("product").order_by("product__title")
    return [listing.product for listing in listings]


def shop_slot_templates(*, shop_id: int):
    from delivery.models import SlotTemplate

    return SlotTemplate.objects.filter(merchant_id=shop_id).select_related("product").order_by("weekday", "starts", "pk")


def slot_bookings(*, slot_ids: list[int]) -> dict[int, list]:
    """Per slot, the bookings in it: service lines booked in it and delivery groups in it as a window."""
    from delivery.models import FulfilmentGroup, FulfilmentLine

    found: dict[int, list] = {}
    for line in FulfilmentLine.objects.filter(slot_id__in=slot_ids).exclude(
        group__status__in=["cancelled", "rejected"]
    ).select_related("group__order", "order_line"):
        found.setdefault(line.slot_id, []).append({"order": line.group.order.number, "what": line.order_line.title,
                                                   "status": line.group.get_status_display(), "group": line.group_id})
    for group in FulfilmentGroup.objects.filter(window_id__in=slot_ids).exclude(
        status__in=["cancelled", "rejected"]
    ).select_related("order"):
        found.setdefault(group.window_id, []).append({"order": group.order.number, "what": "",
                                                      "status": group.get_status_display(), "group": group.pk})
    return found


def shop_imports(*, shop_id: int):
    from merchants.models import ListingImport

    return ListingImport.objects.filter(partner_id=shop_id).order_by("-created_at", "-pk")


def shop_import(*, shop_id: int, pk: int):
    return shop_imports(shop_id=shop_id).filter(pk=pk).first()


# --- figures and the settlement statement -----------------------------------------------------------

PLACED_EXCLUDED = ("awaiting_payment",)
LOST = ("cancelled", "rejected")
COMPLETED = ("delivered", "collected")


def period_bounds(*, period: str, now) -> tuple:
    """[start, end) of today / this week (from Monday) / the last 7 days / this month, in local time."""
    import datetime as dt

    from django.utils import timezone

    local = timezone.localtime(now)
    day = local.replace(hour=0, minute=0, second=0, microsecond=0)
    if period == "week":
        start = day - dt.timedelta(days=day.weekday())
    elif period == "7days":  # the home page: today and the six days before, whatever the weekday
        start = day - dt.timedelta(days=6)
    elif period == "month":
        start = day.replace(day=1)
    else:
        start = day
    return start, now


def month_bounds(*, month: str, now) -> tuple:
    """[first day, first day of next month) of "YYYY-MM" (this month when malformed)."""
    import datetime as dt

    from django.utils import timezone

    local = timezone.localtime(now)
    try:
        year, number = (int(part) for part in month.split("-"))
        first = dt.datetime(year, number, 1)
    except (ValueError, TypeError):
        first = dt.datetime(local.year, local.month, 1)
    after = dt.datetime(first.year + (first.month == 12), first.month % 12 + 1, 1)
    zone = timezone.get_current_timezone()
    return timezone.make_aware(first, zone), timezone.make_aware(after, zone)


def shop_figures(*, shop_id: int, start, end) -> dict:
    """Orders, sales, average basket, top products, refunds and weight settlements, on-time
    share, and sales per day for the chart, of the shop's groups placed in [start, end)."""
    from decimal import Decimal

    from django.db.models import Count, F, Q, Sum
    from django.db.models.functions import TruncDate
    from django.utils import timezone

    from delivery.models import FulfilmentGroup, FulfilmentLine

    groups = FulfilmentGroup.objects.filter(merchant_id=shop_id, created_at__gte=start, created_at__lt=end).exclude(
        status__in=PLACED_EXCLUDED)
    kept = groups.exclude(status__in=LOST)
    totals = kept.aggregate(orders=Count("pk"), goods=Sum("goods_total"), adjust=Sum("weight_adjustment"),
                            fees=Sum("delivery_fee"))
    zero = Decimal("0.00")
    sales = (totals["goods"] or zero) + (totals["adjust"] or zero)
    lost = groups.filter(status__in=LOST).aggregate(n=Count("pk"), amount=Sum("goods_total"))
    weights = kept.aggregate(refund=Sum("weight_adjustment", filter=Q(weight_adjustment__lt=0)),
                             extra=Sum("weight_adjustment", filter=Q(weight_adjustment__gt=0)))
    done = kept.filter(status__in=COMPLETED, promised_at__isnull=False, completed_at__isnull=False)
    done_count = done.count()
    on_time = done.filter(completed_at__lte=F("promised_at")).count()
    top = list(
        FulfilmentLine.objects.filter(group__in=kept).values("order_line__title")
        .annotate(quantity=Sum("quantity"), amount=Sum("estimated_amount")).order_by("-amount", "-quantity")[:5]
    )
    daily = list(
        kept.annotate(day=TruncDate("created_at", tzinfo=timezone.get_current_timezone())).values("day")
        .annotate(amount=Sum("goods_total"), orders=Count("pk")).order_by("day")
    )
    orders = totals["orders"] or 0
    return {
        "orders": orders, "sales": sales, "average": (sales / orders).quantize(Decimal("0.01")) if orders else zero,
        "delivery_fees": totals["fees"] or zero, "cancelled": lost["n"] or 0, "cancelled_amount": lost["amount"] or zero,
        "weight_refunds": -(weights["refund"] or zero), "weight_extra": weights["extra"] or zero,
        "on_time_share": round(100 * on_time / done_count) if done_count else None, "completed": done_count,
        "top": [{"title": row["order_line__title"], "quantity": row["quantity"], "amount": row["amount"]} for row in top],
        "daily": [{"day": row["day"].isoformat(), "amount": str(row["amount"]), "orders": row["orders"]} for row in daily],
    }


def settlement(*, shop_id: int, start, end) -> dict:
    """The statement of [start, end): each group completed in it (goods, delivery fee, weight
    refund, weight extra, net), and the totals. Cancelled and rejected groups settle nothing."""
    from decimal import Decimal

    from delivery.models import FulfilmentGroup

    rows = []
    totals = {"goods": Decimal("0.00"), "delivery_fees": Decimal("0.00"), "refunds": Decimal("0.00"),
              "adjustments": Decimal("0.00"), "net": Decimal("0.00")}
    groups = FulfilmentGroup.objects.filter(
        merchant_id=shop_id, status__in=COMPLETED, completed_at__gte=start, completed_at__lt=end
    ).select_related("order").order_by("completed_at", "pk")
    for group in groups:
        net = group.goods_total + group.delivery_fee + group.weight_adjustment
        row = {"order": group.order.number, "completed_at": group.completed_at, "goods": group.goods_total,
               "delivery_fee": group.delivery_fee, "refund": group.weight_refund, "adjustment": group.weight_extra,
               "net": net}
        rows.append(row)
        totals["goods"] += group.goods_total
        totals["delivery_fees"] += group.delivery_fee
        totals["refunds"] += group.weight_refund
        totals["adjustments"] += group.weight_extra
        totals["net"] += net
    return {"rows": rows, "totals": totals}


def booked_coming_slots(*, shop_id: int, now):
    from delivery.models import Slot

    return Slot.objects.filter(merchant_id=shop_id, starts_at__gt=now, booked__gt=0).select_related("product").order_by(
        "starts_at", "pk")
