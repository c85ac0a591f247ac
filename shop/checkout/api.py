"""Checkout, the resident's orders, and the sandbox gateway's notify callback, over the API."""

from django.conf import settings
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import generics, permissions, serializers, status
from rest_framework.parsers import FormParser, JSONParser
from rest_framework.response import Response
from rest_framework.views import APIView

from delivery.models import FulfilmentGroup
from shop.core.errors import NotFoundError
from shop.core.pagination import PageNumberPagination

from . import payment as gateway
from . import selectors, services
from .models import Payment, Refund


class GroupChoiceSerializer(serializers.Serializer):
    merchant_id = serializers.IntegerField(min_value=1)
    method = serializers.ChoiceField(choices=FulfilmentGroup.Method.choices)
    slot_id = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    pickup_point_id = serializers.IntegerField(min_value=1, required=False, allow_null=True)


class CheckoutSerializer(serializers.Serializer):
    address_id = serializers.IntegerField(min_value=1)
    groups = GroupChoiceSerializer(many=True, allow_empty=False)
    payment = serializers.ChoiceField(choices=Payment.Provider.choices)


STATUS_LABELS = dict(FulfilmentGroup.Status.choices)  # lazy labels: one translated per group


def group_data(group: FulfilmentGroup) -> dict:
    data = {
        "id": group.pk,
        "merchant_id": group.merchant_id,
        "merchant_name": group.merchant.name,
        "method": group.method,
        "status": group.status,
        # as get_status_display(), which translates every status's label to build its map
        "status_display": str(STATUS_LABELS.get(group.status, group.status)),
        "goods_total": str(group.goods_total),
        "delivery_fee": str(group.delivery_fee),
        "weight_adjustment": str(group.weight_adjustment),
        "total": str(group.total),
        "window": {"starts_at": group.window.starts_at, "ends_at": group.window.ends_at} if group.window else None,
        "pickup_point": ({"id": group.pickup_point.pk, "name": group.pickup_point.name,
                          "address": group.pickup_point.address} if group.pickup_point else None),
        "promised_at": group.promised_at,
        "completed_at": group.completed_at,
        "reason": group.status_reason or None,
        "lines": [
            {
                "title": line.order_line.title,
                "listing_id": line.listing_id,
                "quantity": line.quantity,
                "unit_price": str(line.unit_price),
                "estimated_amount": str(line.estimated_amount),
                "estimated_weight_g": line.estimated_weight_g,
                "actual_weight_g": line.actual_weight_g,
                "final_amount": str(line.final_amount) if line.final_amount is not None else None,
                "slot": {"id": line.slot.pk, "starts_at": line.slot.starts_at, "ends_at": line.slot.ends_at} if line.slot else None,
            }
            for line in group.lines.all()
        ],
        "events": [{"status": event.status, "at": event.at, "note": event.note} for event in group.events.all()],
    }
    if group.method == FulfilmentGroup.Method.PICKUP:
        data["pickup_code"] = group.pickup_code
    return data


def order_data(order, request=None) -> dict:
    payment = getattr(order, "payment", None)
    data = {
        "number": order.number,
        "status": order.status,
        "total": str(order.total_incl_tax),
        "placed_at": order.date_placed,
        "groups": [group_data(group) for group in order.fulfilment_groups.all()],
        "payment": None,
    }
    if payment is not None:
        data["payment"] = {
            "provider": payment.provider,
            "status": payment.status,
            "amount": str(payment.amount),
            "refunded_amount": str(payment.refunded_amount),
            "trade_no": payment.trade_no,
            "expires_at": payment.expires_at,
        }
        if payment.status == Payment.Status.PENDING and payment.provider == Payment.Provider.SANDBOX:
            url = reverse("checkout:sandbox-pay", args=[payment.trade_no])
            data["payment"]["pay_url"] = request.build_absolute_uri(url) if request else url
    return data


def _own_order(request, number):
    order = selectors.order_of(user=request.user, number=number)
    if order is None:
        raise NotFoundError(_("没有这个订单"))
    return order


ORDER_EXAMPLE = {
    "number": "100007", "status": "awaiting_payment", "total": "27.00", "placed_at": "2026-11-27T21:40:00+08:00",
    "groups": [{"id": 21, "merchant_id": 18, "merchant_name": "社区药房", "method": "pickup",
                "status": "awaiting_payment", "status_display": "待支付", "pickup_code": "482915",
                "goods_total": "25.00", "delivery_fee": "0.00", "weight_adjustment": "0.00", "total": "25.00",
                "window": None, "pickup_point": {"id": 77, "name": "青岛路自提点", "address": "青岛路12号"},
                "promised_at": "2026-11-27T22:10:00+08:00", "completed_at": None, "reason": None,
                "lines": [{"title": "板蓝根颗粒", "listing_id": 901, "quantity": 1, "unit_price": "25.00",
                           "estimated_amount": "25.00", "estimated_weight_g": None, "actual_weight_g": None,
                           "final_amount": None, "slot": None}],
                "events": [{"status": "awaiting_payment", "at": "2026-11-27T21:40:00+08:00", "note": ""}]}],
    "payment": {"provider": "sandbox", "status": "pending", "amount": "27.00", "refunded_amount": "0.00",
                "trade_no": "20261127214000a1b2c3d4e5f6", "expires_at": "2026-11-27T21:55:00+08:00",
                "pay_url": "https://shop.example.cn/checkout/pay/20261127214000a1b2c3d4e5f6/"},
}
ORDER_RESPONSES = [OpenApiExample("an order", value=ORDER_EXAMPLE, response_only=True)]

# A paid order from two shops after the resident cancelled the pharmacy's part (refunded, totals follow).
GROUP_CANCELLED_EXAMPLE = {
    "number": "100008", "status": "placed", "total": "41.50", "placed_at": "2026-11-28T09:12:00+08:00",
    "groups": [
        {"id": 22, "merchant_id": 12, "merchant_name": "惠民生鲜超市", "method": "delivery", "status": "created",
         "status_display": "已下单", "goods_total": "38.50", "delivery_fee": "3.00", "weight_adjustment": "0.00",
         "total": "41.50", "window": {"starts_at": "2026-11-28T10:00:00+08:00", "ends_at": "2026-11-28T11:00:00+08:00"},
         "pickup_point": None, "promised_at": "2026-11-28T11:00:00+08:00", "completed_at": None, "reason": None,
         "lines": [{"title": "散装鸡蛋", "listing_id": 512, "quantity": 1, "unit_price": "12.80",
                    "estimated_amount": "12.80", "estimated_weight_g": 1000, "actual_weight_g": None,
                    "final_amount": None, "slot": None},
                   {"title": "山东大白菜", "listing_id": 518, "quantity": 2, "unit_price": "12.85",
                    "estimated_amount": "25.70", "estimated_weight_g": None, "actual_weight_g": None,
                    "final_amount": None, "slot": None}],
         "events": [{"status": "awaiting_payment", "at": "2026-11-28T09:12:00+08:00", "note": ""},
                    {"status": "created", "at": "2026-11-28T09:13:10+08:00", "note": ""}]},
        {"id": 23, "merchant_id": 18, "merchant_name": "社区药房", "method": "pickup", "status": "cancelled",
         "status_display": "已取消", "pickup_code": "306142", "goods_total": "25.00", "delivery_fee": "0.00",
         "weight_adjustment": "0.00", "total": "25.00", "window": None,
         "pickup_point": {"id": 77, "name": "青岛路自提点", "address": "青岛路12号"},
         "promised_at": "2026-11-28T09:45:00+08:00", "completed_at": None, "reason": "家里还有, 不要了",
         "lines": [{"title": "板蓝根颗粒", "listing_id": 901, "quantity": 1, "unit_price": "25.00",
                    "estimated_amount": "25.00", "estimated_weight_g": None, "actual_weight_g": None,
                    "final_amount": None, "slot": None}],
         "events": [{"status": "awaiting_payment", "at": "2026-11-28T09:12:00+08:00", "note": ""},
                    {"status": "created", "at": "2026-11-28T09:13:10+08:00", "note": ""},
                    {"status": "cancelled", "at": "2026-11-28T09:20:30+08:00", "note": "家里还有, 不要了"}]},
    ],
    "payment": {"provider": "sandbox", "status": "paid", "amount": "66.50", "refunded_amount": "25.00",
                "trade_no": "20261128091200c7d8e9f0a1b2", "expires_at": "2026-11-28T09:27:00+08:00"},
}


class CheckoutView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=CheckoutSerializer, responses={201: dict}, examples=[
        OpenApiExample("two shops, pay online", request_only=True, value={
            "address_id": 3, "payment": "sandbox",
            "groups": [{"merchant_id": 12, "method": "delivery"},
                       {"merchant_id": 18, "method": "pickup", "pickup_point_id": 77}]}),
        *ORDER_RESPONSES])
    def post(self, request):
        data = CheckoutSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        order = services.place_order(
            user=request.user,
            basket=None,  # the open basket, read once under its lock
            address_id=data.validated_data["address_id"],
            groups=[services.GroupChoice(**choice) for choice in data.validated_data["groups"]],
            payment=data.validated_data["payment"],
        )
        # the order carries what place_order wrote: answered without reading it back
        return Response(order_data(services.as_written(order), request), status=status.HTTP_201_CREATED)


class OrderListView(generics.GenericAPIView):
    permission_classes = [permissions.IsAuthenticated]
    pagination_class = PageNumberPagination

    @extend_schema(operation_id="orders_list", responses={200: dict}, examples=[
        OpenApiExample("one page of orders", response_only=True,
                       value={"count": 1, "page": 1, "results": [ORDER_EXAMPLE]})])
    def get(self, request):
        page = self.paginate_queryset(selectors.orders_of(user=request.user))
        return self.get_paginated_response([order_data(order, request) for order in page])


class OrderDetailView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses={200: dict}, examples=ORDER_RESPONSES)
    def get(self, request, number: str):
        return Response(order_data(_own_order(request, number), request))


class CancelReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True)


class OrderCancelView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=CancelReasonSerializer, responses={200: dict}, examples=[
        OpenApiExample("a reason", value={"reason": "买错了"}, request_only=True),
        OpenApiExample("the cancelled order", response_only=True, value={**ORDER_EXAMPLE, "status": "cancelled"})])
    def post(self, request, number: str):
        data = CancelReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.cancel_order(order_number=number, user=request.user, reason=data.validated_data.get("reason", ""))
        return Response(order_data(_own_order(request, number), request))


class NotifySerializer(serializers.Serializer):
    """The gateway's notice, for the schema only: the view reads the raw fields to check the signature."""

    out_trade_no = serializers.CharField(help_text="the payment's trade_no")
    trade_no = serializers.CharField(help_text="the gateway's transaction id")
    total_amount = serializers.CharField(help_text="yuan with two decimals")
    trade_status = serializers.CharField()
    notify_time = serializers.CharField(help_text="YYYY-MM-DD HH:MM:SS, Beijing time")
    sign_type = serializers.CharField()
    sign = serializers.CharField(help_text="lowercase hex HMAC-SHA256 (docs/api.md)")


class SandboxNotifyView(APIView):
    """The gateway's server-to-server callback: form fields signed with HMAC-SHA256 (docs/api.md).

    Answers the plain text `success` (applied, or already applied) or `fail` with status 400.
    """

    authentication_classes = []
    permission_classes = [permissions.AllowAny]
    parser_classes = [FormParser, JSONParser]  # no multipart: a gateway posts no files

    @extend_schema(
        request=NotifySerializer,
        responses={(200, "text/plain"): OpenApiResponse(OpenApiTypes.STR, description="`success`"),
                   (400, "text/plain"): OpenApiResponse(OpenApiTypes.STR, description="`fail`")},
        examples=[OpenApiExample("a paid trade", request_only=True, value={
            "out_trade_no": "20261127214000a1b2c3d4e5f6", "trade_no": "2026112722001400001", "total_amount": "27.00",
            "trade_status": "TRADE_SUCCESS", "notify_time": "2026-11-27 21:41:05", "sign_type": "HMAC-SHA256",
            "sign": "5f1c…"})],
    )
    def post(self, request):
        if not settings.SANDBOX_PAYMENT_ENABLED:
            raise Http404
        outcome = gateway.handle_notification(request.data.dict() if hasattr(request.data, "dict") else dict(request.data))
        # A well-signed notice for an order we can no longer take is acknowledged too (a refund
        # case for the audit row), or the gateway would retry it forever.
        ok = outcome in {gateway.Outcome.ACCEPTED, gateway.Outcome.DUPLICATE, gateway.Outcome.NOT_PAYABLE,
                         gateway.Outcome.REFUND_DUE}
        return HttpResponse("success" if ok else "fail", content_type="text/plain", status=200 if ok else 400)


# --- the money ledger: one merchant's part cancelled, weighing settled, refunds, 补差价 ----------


class GroupCancelView(APIView):
    """The resident cancels one merchant's part of the order (before it left the shop)."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=CancelReasonSerializer, responses={200: dict}, examples=[
        OpenApiExample("a reason", value={"reason": "家里还有, 不要了"}, request_only=True),
        OpenApiExample("the order, that part cancelled", value=GROUP_CANCELLED_EXAMPLE, response_only=True)])
    def post(self, request, number: str, group_id: int):
        data = CancelReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.cancel_group(order_number=number, group_id=group_id, user=request.user,
                              reason=data.validated_data.get("reason", ""))
        return Response(order_data(_own_order(request, number), request))


class SettleWeighingView(APIView):
    """The merchant settles a weighed group's difference now (lighter: refunded; heavier: the
    resident is asked to pay it). 422 when the group has no weighed goods or is not weighed."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=None, responses={200: dict}, examples=[
        OpenApiExample("lighter than ordered: ¥1.30 refunded", value={"id": 318, "weight_adjustment": "-1.30"},
                       response_only=True),
        OpenApiExample("heavier: the resident is asked to pay ¥2.40", value={"id": 318, "weight_adjustment": "2.40"},
                       response_only=True)])
    def post(self, request, group_id: int):
        from .money import settle_weighing

        group = settle_weighing(group_id=group_id, user=request.user)
        return Response({"id": group.pk, "weight_adjustment": str(group.weight_adjustment)})


class RefundSerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=10, decimal_places=2)
    reason = serializers.ChoiceField(choices=[
        (value, label) for value, label in Refund.Reason.choices])
    group_id = serializers.IntegerField(min_value=1, required=False, allow_null=True)


class OrderRefundView(APIView):
    """An operator (staff) refunds part of a paid order: recorded, then issued through the
    gateway. 422 above what was paid and not yet refunded; nothing is written then."""

    permission_classes = [permissions.IsAdminUser]

    @extend_schema(request=RefundSerializer, responses={201: dict}, examples=[
        OpenApiExample("the eggs weighed lighter", request_only=True,
                       value={"amount": "2.40", "reason": "weight_lighter", "group_id": 22}),
        OpenApiExample("the refund, recorded", response_only=True, value={"id": 58, "amount": "2.40", "status": "due"})])
    def post(self, request, number: str):
        from oscar.apps.order.models import Order

        from .money import record_refund

        data = RefundSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        order = Order.objects.filter(number=number).first()
        if order is None:
            raise NotFoundError(_("没有这个订单"))
        refund = record_refund(order_id=order.pk, amount=data.validated_data["amount"],
                               reason=data.validated_data["reason"], group_id=data.validated_data.get("group_id"))
        return Response({"id": refund.pk, "amount": str(refund.amount), "status": refund.status},
                        status=status.HTTP_201_CREATED)


class ChargeConfirmView(APIView):
    """The resident confirms a supplementary charge (补差价) with the sandbox gateway."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=None, responses={200: dict}, examples=[
        OpenApiExample("paid", value={"outcome": "accepted"}, response_only=True),
        OpenApiExample("confirmed before", value={"outcome": "duplicate"}, response_only=True)])
    def post(self, request, trade_no: str):
        if not settings.SANDBOX_PAYMENT_ENABLED:
            raise Http404
        outcome = gateway.confirm_charge(user=request.user, trade_no=trade_no)
        return Response({"outcome": outcome})


class SandboxRefundNotifyView(APIView):
    """The gateway's asynchronous refund notice (signed like the pay notice): `success` or `fail`."""

    authentication_classes = []
    permission_classes = [permissions.AllowAny]
    parser_classes = [FormParser, JSONParser]

    @extend_schema(request=None, responses={200: str, 400: str}, examples=[
        OpenApiExample("applied (or applied before)", value="success", response_only=True, status_codes=["200"]),
        OpenApiExample("a bad signature, an unknown refund or a wrong amount", value="fail", response_only=True,
                       status_codes=["400"])])
    def post(self, request):
        if not settings.SANDBOX_PAYMENT_ENABLED:
            raise Http404
        outcome = gateway.handle_refund_notification(
            request.data.dict() if hasattr(request.data, "dict") else dict(request.data))
        ok = outcome in {gateway.Outcome.ACCEPTED, gateway.Outcome.DUPLICATE}
        return HttpResponse("success" if ok else "fail", content_type="text/plain", status=200 if ok else 400)


class AgainSerializer(serializers.Serializer):
    listing_id = serializers.IntegerField(allow_null=True)
    title = serializers.CharField()
    merchant = serializers.CharField()
    quantity = serializers.IntegerField()
    note = serializers.CharField(allow_blank=True)
    old_price = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)
    new_price = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)


class BuyAgainSerializer(serializers.Serializer):
    order_number = serializers.CharField()
    added = AgainSerializer(many=True)
    price_changed = AgainSerializer(many=True)
    needs_slot = AgainSerializer(many=True, help_text="home services: book a new time (basket lines need a slot)")
    unavailable = AgainSerializer(many=True)


def _again(again) -> dict:
    return {"listing_id": again.listing_id, "title": again.title, "merchant": again.merchant,
            "quantity": again.quantity, "note": again.note, "old_price": again.old_price,
            "new_price": again.new_price}


class BuyAgainView(APIView):
    """再来一单: the order's listings (same shops) back in the caller's basket."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=None, responses={200: BuyAgainSerializer},
                   summary="Buy again: the same listings from the same shops into the basket",
                   examples=[OpenApiExample("most of it back in the basket", response_only=True, value={
                       "order_number": "100008",
                       "added": [{"listing_id": 512, "title": "散装鸡蛋", "merchant": "惠民生鲜超市", "quantity": 1,
                                  "note": "", "old_price": 12.8, "new_price": 13.5},
                                 {"listing_id": 518, "title": "山东大白菜", "merchant": "惠民生鲜超市", "quantity": 1,
                                  "note": "山东大白菜 只剩 1 份, 已按现有数量放入", "old_price": 12.85,
                                  "new_price": 12.85}],
                       "price_changed": [{"listing_id": 512, "title": "散装鸡蛋", "merchant": "惠民生鲜超市",
                                          "quantity": 1, "note": "", "old_price": 12.8, "new_price": 13.5}],
                       "needs_slot": [{"listing_id": 730, "title": "上门理发", "merchant": "邻里家政服务",
                                       "quantity": 1, "note": "", "old_price": None, "new_price": None}],
                       "unavailable": [{"listing_id": None, "title": "板蓝根颗粒", "merchant": "社区药房",
                                        "quantity": 1, "note": "商品已下架", "old_price": None, "new_price": None}]})])
    def post(self, request, number: str):
        result = services.buy_again(user=request.user, order_number=number)
        return Response({
            "order_number": result.order_number,
            "added": [_again(a) for a in result.added],
            "price_changed": [_again(a) for a in result.price_changed],
            "needs_slot": [_again(a) for a in result.needs_slot],
            "unavailable": [_again(a) for a in result.unavailable],
        })
