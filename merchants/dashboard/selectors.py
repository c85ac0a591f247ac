"""What a merchant's staff may read of orders: their own groups, and only the customer details
the group needs."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db.models import Count, QuerySet

from delivery.models import FulfilmentGroup
from merchants.models import Partner

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
