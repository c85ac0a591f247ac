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
    """Email the merchant's staff about a new group; returns how many addresses were written to.

    Harmless to run twice (a second identical email); does nothing for a group that is gone,
    unpaid or already finished. Staff without an email address: the message goes to the log.
    """
    group = FulfilmentGroup.objects.select_related("order", "merchant", "window").filter(pk=group_id).first()
    if group is None or group.status not in IN_SHOP:
        return 0
    with translation.override(settings.LANGUAGE_CODE):
        subject, body = new_order_message(group)
    recipients = sorted({email for email in group.merchant.users.values_list("email", flat=True) if email})
    if not recipients:
        logger.warning("merchant %s has no staff email; new order:\n%s\n%s", group.merchant_id, subject, body)
        return 0
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
    return len(recipients)


@receiver(groups_created, dispatch_uid="merchants.notify_new_order")
def queue_new_order_emails(sender, *, group_ids: list[int], **kwargs) -> None:
    """After commit, one email task per new group."""

    def notify() -> None:
        # After commit the order exists whatever happens here: a broker outage must not turn
        # it into an error page. The email is a courtesy; the dashboard lists the order anyway.
        for group_id in group_ids:
            try:
                notify_new_order.apply_async((group_id,), retry=False)
            except Exception:
                logger.warning("could not queue the new-order email of group %s", group_id, exc_info=True)
                return

    transaction.on_commit(notify)
