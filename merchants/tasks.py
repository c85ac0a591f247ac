"""Telling a merchant's staff about a new order: queued after the commit of the transaction in
which the order layer made its groups "created" (delivery.signals.groups_created)."""

import logging

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from delivery.lifecycle import IN_SHOP
from delivery.models import FulfilmentGroup
from delivery.signals import groups_created

logger = logging.getLogger(__name__)


def new_order_message(group: FulfilmentGroup) -> tuple[str, str]:
    """The subject and body: the order number, the group's lines and method, a link to its page.

    Nothing about the customer: the page shows the merchant what it needs."""
    lines = [
        _("%(title)s × %(quantity)s") % {"title": line.order_line.title, "quantity": line.quantity}
        + (_(" (约 %(grams)s 克, 需称重)") % {"grams": line.estimated_weight_g} if line.is_weighed else "")
        for line in group.lines.select_related("order_line").order_by("pk")
    ]
    if group.method == FulfilmentGroup.Method.PICKUP:
        how = _("到店/站点自提")
    elif group.window_id:
        how = _("配送上门, 时段 %(start)s") % {"start": timezone.localtime(group.window.starts_at).strftime("%m-%d %H:%M")}
    else:
        how = _("配送上门, 尽快送达")
    link = settings.WAGTAILADMIN_BASE_URL.rstrip("/") + reverse("merchant-orders:group-detail", kwargs={"pk": group.pk})
    subject = _("新订单 %(number)s: %(merchant)s") % {"number": group.order.number, "merchant": group.merchant.name}
    body = "\n".join([
        _("您有一个新订单, 请尽快接单。"),
        _("订单号: %(number)s") % {"number": group.order.number},
        _("方式: %(how)s") % {"how": how},
        _("商品:"),
        *(f"  · {line}" for line in lines),
        _("查看并接单: %(link)s") % {"link": link},
    ])
    return subject, body


@shared_task(name="merchants.notify_new_order", ignore_result=True)
def notify_new_order(group_id: int) -> int:
    """One group's email (messages queued before notify_new_orders existed still name this task)."""
    return notify_new_orders([group_id])


@shared_task(name="merchants.notify_new_orders", ignore_result=True)
def notify_new_orders(group_ids: list[int]) -> int:
    """Email each new group's merchant staff (one email per group, the groups of one order read
    at once); returns how many addresses were written to.

    Harmless to run twice (a second identical email); does nothing for a group that is gone,
    unpaid or already finished. Staff without an email address: the message goes to the log.
    """
    groups = (FulfilmentGroup.objects.select_related("order", "merchant", "window")
              .filter(pk__in=group_ids, status__in=IN_SHOP).order_by("pk"))
    written = 0
    for group in groups:
        with translation.override(settings.LANGUAGE_CODE):
            subject, body = new_order_message(group)
        recipients = sorted({email for email in group.merchant.users.values_list("email", flat=True) if email})
        if not recipients:
            logger.warning("merchant %s has no staff email; new order:\n%s\n%s", group.merchant_id, subject, body)
            continue
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
        written += len(recipients)
    return written


@shared_task(name="merchants.low_stock_summary", acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def low_stock_summary() -> int:
    """Beat, every morning: to each owner of a shop that asked for it (Partner.low_stock_summary),
    an email naming the shop's listings at or under their low-stock threshold. Returns mails sent."""
    from merchants.dashboard.selectors import shop_listings
    from merchants.models import Partner, StaffRole

    sent = 0
    for shop in Partner.objects.filter(low_stock_summary=True, is_active=True).order_by("pk"):
        low = list(shop_listings(shop_id=shop.pk, stock="low")[:100])
        if not low:
            continue
        roles = dict(StaffRole.objects.filter(partner=shop).values_list("user_id", "role"))
        owners = [u.email for u in shop.users.exclude(email="") if roles.get(u.pk, StaffRole.Role.OWNER) == "owner"]
        if not owners:
            continue
        with translation.override(settings.LANGUAGE_CODE):
            link = settings.WAGTAILADMIN_BASE_URL.rstrip("/") + reverse("merchant-portal:listings") + "?stock=low"
            body = "\n".join([
                _("以下商品库存偏低:"),
                *(_("  · %(title)s: 可售 %(n)s (提醒线 %(t)s)") % {
                    "title": item.product.get_title(), "n": item.available, "t": item.low_stock_threshold} for item in low),
                _("查看: %(link)s") % {"link": link},
            ])
            send_mail(_("%(shop)s 低库存提醒") % {"shop": shop.name}, body, None, owners)
        sent += 1
    return sent

@receiver(groups_created, dispatch_uid="merchants.notify_new_order")
def queue_new_order_emails(sender, *, group_ids: list[int], **kwargs) -> None:
    """After commit, one email task for all the new groups (one broker message per order)."""
    group_ids = sorted(group_ids)

    def notify() -> None:
        # After commit the order exists whatever happens here: a broker outage must not turn
        # it into an error page. The email is a courtesy; the dashboard lists the order anyway.
        try:
            notify_new_orders.apply_async((group_ids,), retry=False)
        except Exception:
            logger.warning("could not queue the new-order email of groups %s", group_ids, exc_info=True)

    if group_ids:
        transaction.on_commit(notify)
