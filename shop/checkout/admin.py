"""Payments, the gateway's notices and the refunds due, for operators (read-only but a refund's
status and gateway refund id, which the operator records when issuing it by hand)."""

from django.contrib import admin

from .models import Payment, PaymentNotification, Refund


class ReadOnly:
    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class NotificationInline(ReadOnly, admin.TabularInline):
    model = PaymentNotification
    fields = ["received_at", "outcome", "params"]
    readonly_fields = fields
    extra = 0


class RefundInline(ReadOnly, admin.TabularInline):
    model = Refund
    fields = ["created_at", "amount", "reason", "status", "gateway_txn_id", "gateway_refund_id"]
    readonly_fields = fields
    extra = 0


@admin.register(Payment)
class PaymentAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["trade_no", "order", "provider", "status", "amount", "refunded_amount", "created_at", "paid_at"]
    list_filter = ["provider", "status"]
    search_fields = ["trade_no", "gateway_txn_id", "order__number"]
    readonly_fields = [f.name for f in Payment._meta.fields]
    inlines = [RefundInline, NotificationInline]


@admin.register(PaymentNotification)
class PaymentNotificationAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["received_at", "outcome", "payment"]
    list_filter = ["outcome"]
    search_fields = ["payment__trade_no"]
    readonly_fields = ["payment", "received_at", "params", "outcome"]


@admin.register(Refund)
class RefundAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["created_at", "order", "amount", "reason", "status", "gateway_txn_id", "gateway_refund_id"]
    list_filter = ["status", "reason"]
    search_fields = ["order__number", "payment__trade_no", "gateway_txn_id", "gateway_refund_id"]
    readonly_fields = ["payment", "order", "group", "amount", "reason", "gateway_txn_id", "created_at"]
    fields = readonly_fields + ["status", "gateway_refund_id", "refunded_at"]
