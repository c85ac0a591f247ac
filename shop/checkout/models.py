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
    # money that actually arrived: the gateway's charge (also a late or second one, owed back as
    # a Refund), or the cash couriers and counters collected at each handover (money ledger)
    received_amount = models.DecimalField(_("实收金额"), max_digits=10, decimal_places=2, default=0)

    class Meta:
        verbose_name = _("支付")
        verbose_name_plural = _("支付")
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="payment_amount_positive")]

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
        REFUND_DUE = "refund_due", _("已到账, 待退款")

    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, null=True, related_name="notifications")
    received_at = models.DateTimeField(auto_now_add=True)
    params = models.JSONField()
    outcome = models.CharField(max_length=16, choices=Outcome.choices)

    class Meta:
        ordering = ["-received_at"]


class Refund(models.Model):
    """Money the platform owes back on a payment: recorded here, issued through the gateway later.

    Written in the same transaction as the event that makes it due (a gateway success for an
    order already cancelled or expired, a second charge with another gateway trade number).
    Issuing it (status REQUESTED -> REFUNDED/FAILED, `gateway_refund_id`) is the gateway's job;
    `group` is set when only one fulfilment group's part is refunded.
    """

    class Reason(models.TextChoices):
        PAID_AFTER_EXPIRY = "paid_after_expiry", _("订单超时取消后才到账")
        PAID_AFTER_CANCEL = "paid_after_cancel", _("订单取消后才到账")
        DUPLICATE_PAYMENT = "duplicate_payment", _("重复支付")
        ORDER_CANCELLED = "order_cancelled", _("已支付订单取消")
        GROUP_CANCELLED = "group_cancelled", _("部分取消")
        MERCHANT_REJECTED = "merchant_rejected", _("商户拒单")
        DELIVERY_FAILED = "delivery_failed", _("配送失败")
        PICKUP_EXPIRED = "pickup_expired", _("超时未取货")
        WEIGHT_LIGHTER = "weight_lighter", _("称重差价退款")

    class Status(models.TextChoices):
        DUE = "due", _("待退款")
        REQUESTED = "requested", _("退款中")
        REFUNDED = "refunded", _("已退款")
        FAILED = "failed", _("退款失败")

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds", verbose_name=_("支付"))
    order = models.ForeignKey("order.Order", on_delete=models.PROTECT, related_name="refunds", verbose_name=_("订单"))
    group = models.ForeignKey("delivery.FulfilmentGroup", on_delete=models.PROTECT, null=True, blank=True,
                              related_name="refunds", verbose_name=_("履约单"))
    amount = models.DecimalField(_("金额"), max_digits=10, decimal_places=2)
    reason = models.CharField(_("原因"), max_length=20, choices=Reason.choices)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DUE, db_index=True)
    gateway_txn_id = models.CharField(_("原支付流水号"), max_length=64)
    gateway_refund_id = models.CharField(_("退款流水号"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    refunded_at = models.DateTimeField(_("退款时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("退款")
        verbose_name_plural = _("退款")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="refund_amount_positive"),
            # one whole-payment refund per gateway charge: a replayed notice records nothing new
            models.UniqueConstraint(fields=["payment", "gateway_txn_id"], condition=models.Q(group__isnull=True),
                                    name="refund_once_per_charge"),
            # one refund per group and reason: a group's end or its weighing is refunded once
            models.UniqueConstraint(fields=["group", "reason"], condition=models.Q(group__isnull=False),
                                    name="refund_once_per_group_reason"),
        ]

    def __str__(self):
        return f"{self.order_id} {self.amount} {self.get_status_display()}"


class ExtraCharge(models.Model):
    """补差价: weighed goods came out heavier than estimated (capped by the merchant's
    `weight_overage_cap_percent` when weighed). For an order paid online it is a supplementary
    sandbox payment the resident confirms (the gateway's signed notice marks it paid, as for a
    Payment); for cash on delivery the courier collects it with the rest (`collect_on_delivery`).
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("待支付")
        PAID = "paid", _("已支付")
        CANCELLED = "cancelled", _("已取消")

    order = models.ForeignKey("order.Order", on_delete=models.PROTECT, related_name="extra_charges",
                              verbose_name=_("订单"))
    group = models.OneToOneField("delivery.FulfilmentGroup", on_delete=models.PROTECT, related_name="extra_charge",
                                 verbose_name=_("履约单"))
    provider = models.CharField(_("支付方式"), max_length=10, choices=Payment.Provider.choices)
    amount = models.DecimalField(_("金额"), max_digits=10, decimal_places=2)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING,
                              db_index=True)
    trade_no = models.CharField(_("商户订单号"), max_length=40, unique=True, default=new_trade_no)
    gateway_txn_id = models.CharField(_("支付流水号"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    paid_at = models.DateTimeField(_("支付时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("补差价")
        verbose_name_plural = _("补差价")
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="extracharge_amount_positive")]

    def __str__(self):
        return f"{self.trade_no} {self.amount} {self.get_status_display()}"


class GroupSettlement(models.Model):
    """One per ended fulfilment group, written when it ends (shop.checkout.money): what the
    resident owes for it (its weighed price and fee when it reached them, else 0) and the cash
    collected at its handover (cash on delivery). `money_audit` adds these up per order."""

    group = models.OneToOneField("delivery.FulfilmentGroup", on_delete=models.PROTECT, related_name="settlement",
                                 verbose_name=_("履约单"))
    order = models.ForeignKey("order.Order", on_delete=models.PROTECT, related_name="settlements",
                              verbose_name=_("订单"))
    owed = models.DecimalField(_("应付"), max_digits=10, decimal_places=2)
    collected = models.DecimalField(_("现场收款"), max_digits=10, decimal_places=2, default=0)
    at = models.DateTimeField(_("结算时间"), default=timezone.now)

    class Meta:
        verbose_name = _("履约单结算")
        verbose_name_plural = _("履约单结算")

    def __str__(self):
        return f"{self.group_id} {self.owed}"
