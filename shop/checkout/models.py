"""Payments of orders: cash on delivery, or the sandbox gateway's asynchronous notify flow.

A sandbox payment is created with the order (its stock and slots already reserved), waits
for the gateway's signed server-to-server notification, and expires after
`PAYMENT_TIMEOUT_MINUTES`, when a beat task cancels the order and releases what it held.
"""

import secrets

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def new_trade_no() -> str:
    return timezone.now().strftime("%Y%m%d%H%M%S") + secrets.token_hex(6)


class Payment(models.Model):
    class Provider(models.TextChoices):
        COD = "cod", _("货到付款")
        SANDBOX = "sandbox", _("在线支付 (沙箱)")

    class Status(models.TextChoices):
        PENDING = "pending", _("待支付")
        PAID = "paid", _("已支付")
        EXPIRED = "expired", _("已过期")
        CANCELLED = "cancelled", _("已取消")
        REFUNDED = "refunded", _("已退款")

    order = models.OneToOneField("order.Order", on_delete=models.CASCADE, related_name="payment")
    provider = models.CharField(_("支付方式"), max_length=10, choices=Provider.choices)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, db_index=True)
    amount = models.DecimalField(_("金额"), max_digits=10, decimal_places=2)
    trade_no = models.CharField(_("商户订单号"), max_length=40, unique=True, default=new_trade_no)
    gateway_txn_id = models.CharField(_("支付流水号"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    expires_at = models.DateTimeField(_("过期时间"), null=True, blank=True, db_index=True)
    paid_at = models.DateTimeField(_("支付时间"), null=True, blank=True)
    refunded_amount = models.DecimalField(_("已退款金额"), max_digits=10, decimal_places=2, default=0)

    class Meta:
        verbose_name = _("支付")
        verbose_name_plural = _("支付")

    def __str__(self):
        return f"{self.trade_no} {self.get_status_display()}"


class PaymentNotification(models.Model):
    """Every callback the gateway sent, kept for audit: accepted, replayed or refused."""

    class Outcome(models.TextChoices):
        ACCEPTED = "accepted", _("已入账")
        DUPLICATE = "duplicate", _("重复通知")
        BAD_SIGNATURE = "bad_signature", _("签名错误")
        BAD_AMOUNT = "bad_amount", _("金额不符")
        UNKNOWN_TRADE = "unknown_trade", _("未知订单")
        NOT_PAYABLE = "not_payable", _("订单不可支付")

    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, null=True, related_name="notifications")
    received_at = models.DateTimeField(auto_now_add=True)
    params = models.JSONField()
    outcome = models.CharField(max_length=16, choices=Outcome.choices)

    class Meta:
        ordering = ["-received_at"]
