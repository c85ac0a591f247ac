"""The order layer's part when a saved address is deleted or an account is erased.

Connected in CheckoutConfig.ready() to the signals of the lower layers (communities,
shop.accounts), which cannot import orders themselves:

- a saved address an open order still goes to may not be deleted (409 `address_in_use`);
- an account is not erased while one of its orders is on its way (409 `open_orders`), nor a
  courier's or a shop's staff account (409 `account_has_role`: an administrator closes those);
- when it is erased, its past orders stay (the shops' records and the bureau's figures add up)
  but their shipping addresses are masked: no recipient, no phone, no register code, no room
  (the compound, community, street and district stay for the figures); their groups no longer
  point at the room (`dropoff`) but keep its community (`dropoff_community`, the bureau's figures); the baskets not checked out are deleted;
- the free text shops and couriers wrote on those orders (Oscar's order notes, the groups'
  event notes) keeps its words but loses the person: the name, every mobile number and the
  room lines are replaced by *** (`redacted`).
"""

from __future__ import annotations

import re

from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext as _
from oscar.apps.order.models import Order, OrderNote, ShippingAddress

from communities.models import StandardAddress
from communities.signals import resident_address_deleting
from delivery.models import Courier, FulfilmentEvent, FulfilmentGroup
from merchants.models import Partner
from shop.accounts.signals import account_erasing
from shop.basket.models import Basket
from shop.core.errors import ConflictError

from . import selectors

ERASED_RECIPIENT = "***"
_FROM_BUILDING = re.compile(r"[0-9].*$")


def masked_line(line: str) -> str:
    """"青岛路小区3栋1单元402室" → "青岛路小区***": the compound stays, the building and room go."""
    kept = _FROM_BUILDING.sub("", line or "").strip()
    return f"{kept}***" if kept else "***"


_MOBILE = re.compile(r"(?<![0-9])1[3-9][0-9][ -]?[0-9*]{4}[ -]?[0-9]{4}(?![0-9])")


def redacted(text: str, needles: list[str]) -> str:
    """`text` without the needles (longest first) and without any mainland mobile number, whole
    or masked ("138****0001")."""
    for needle in sorted({n for n in needles if n and len(n) >= 2}, key=len, reverse=True):
        text = text.replace(needle, ERASED_RECIPIENT)
    return _MOBILE.sub(ERASED_RECIPIENT, text)


def _personal_words(user, addresses) -> list[str]:
    words = [f"{user.last_name}{user.first_name}", user.first_name, user.mobile]
    for address in addresses:
        words += [address.first_name, address.last_name, f"{address.last_name}{address.first_name}",
                  str(address.phone_number or ""), address.line1]
        room = _FROM_BUILDING.search(address.line1 or "")
        if room:
            words.append(room.group())  # "3栋1单元402室" alone, as a note may write it
    return words


def _redact_notes(orders, needles: list[str]) -> None:
    for model, rows in [(OrderNote, OrderNote.objects.filter(order__in=orders)),
                        (FulfilmentEvent, FulfilmentEvent.objects.filter(group__order__in=orders))]:
        field = "message" if model is OrderNote else "note"
        for row in rows.exclude(**{field: ""}).order_by("pk"):
            clean = redacted(getattr(row, field), needles)
            if clean != getattr(row, field):
                model.objects.filter(pk=row.pk).update(**{field: clean})


def _wait_for_checkouts(user) -> None:
    """Lock the user's baskets that are not checked out: a checkout in progress holds its basket's
    lock (place_order), so we wait for it to commit and the check below sees its order; a
    checkout that starts after us finds its basket gone or locked."""
    list(Basket.objects.select_for_update().filter(owner=user).exclude(status=Basket.SUBMITTED).order_by("pk"))


def refuse_deleting_an_address_in_use(sender, *, user, address, **kwargs) -> None:
    _wait_for_checkouts(user)
    numbers = selectors.open_order_numbers(user=user, standard_address_id=address.standard_address_id)
    if numbers:
        raise ConflictError(
            _("还有订单送往这个地址, 订单完成后才能删除"), code="address_in_use",
            fields={"address_id": [_("订单 %(numbers)s 还没有完成") % {"numbers": "、".join(numbers)}]},
            orders=numbers,
        )


def erase_orders(sender, *, user, **kwargs) -> None:
    if Courier.objects.filter(user=user).exists() or Partner.objects.filter(users=user).exists():
        raise ConflictError(_("骑手和商户的账号请联系管理员注销"), code="account_has_role")
    _wait_for_checkouts(user)
    numbers = selectors.open_order_numbers(user=user)
    if numbers:
        raise ConflictError(
            _("还有订单没有完成, 完成或取消后才能注销"), code="open_orders",
            fields={"orders": [_("订单 %(numbers)s 还没有完成") % {"numbers": "、".join(numbers)}]},
            orders=numbers,
        )
    orders = Order.objects.filter(user=user)
    addresses = list(ShippingAddress.objects.filter(order__in=orders).order_by("pk"))
    _redact_notes(orders, _personal_words(user, addresses))
    for address in addresses:
        address.title = address.first_name = address.postcode = address.notes = ""
        address.last_name = ERASED_RECIPIENT
        address.phone_number = ""
        address.line1 = masked_line(address.line1)
        address.save()  # Oscar recomputes search_text from the masked fields
    orders.update(guest_email="")
    groups = FulfilmentGroup.objects.filter(order__in=orders)
    # the room goes, its community stays: the bureau still counts the order where it was delivered
    groups.filter(dropoff__isnull=False).update(dropoff_community_id=Subquery(
        StandardAddress.objects.filter(pk=OuterRef("dropoff_id")).values("community_id")[:1]))
    groups.update(dropoff=None)
    Basket.objects.filter(owner=user).exclude(status=Basket.SUBMITTED).delete()


def connect() -> None:
    resident_address_deleting.connect(refuse_deleting_an_address_in_use, dispatch_uid="checkout-address-in-use")
    account_erasing.connect(erase_orders, dispatch_uid="checkout-erase-orders")
