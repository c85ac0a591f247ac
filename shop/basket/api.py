"""The resident's basket over the API: read it grouped by merchant, add and remove lines."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from communities.models import ResidentAddress
from shop.core.errors import NotFoundError

from . import selectors, services


class SlotSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    duration_min = serializers.IntegerField()
    remaining = serializers.IntegerField()


def line_data(item: selectors.BasketLine) -> dict:
    return {
        "id": item.line.pk,
        "listing_id": item.listing.pk,
        "product_id": item.product.pk,
        "title": item.product.get_title(),
        "kind": item.product.kind,
        "quantity": item.quantity,
        "unit_price": str(item.unit_price),
        "amount": str(item.amount),
        "estimated": item.weight_g is not None,  # weighed goods: settled when the merchant weighs them
        "weight_g": item.weight_g,
        "slot": SlotSerializer(item.slot).data if item.slot else None,
        "problem": item.problem or None,
        "problem_message": item.problem_message or None,
    }


def basket_data(basket, *, address=None) -> dict:
    groups = selectors.basket_groups(basket, address=address)
    return {
        "id": basket.pk,
        "groups": [
            {
                "merchant_id": group.merchant.pk,
                "merchant_name": group.merchant.name,
                "subtotal": str(group.subtotal),
                "min_order": str(group.min_order),
                "below_minimum": str(group.below_minimum),
                "delivery_fee": str(group.delivery_fee),
                "delivers": group.merchant.delivers,
                "lines": [line_data(item) for item in group.lines],
            }
            for group in groups
        ],
        "goods_total": str(sum((group.subtotal for group in groups), selectors.ZERO)),
        "problems": sum(len(group.problems) for group in groups),
    }


class AddLineSerializer(serializers.Serializer):
    listing_id = serializers.IntegerField(min_value=1)
    quantity = serializers.IntegerField(min_value=1, max_value=services.MAX_QUANTITY, required=False)
    weight_g = serializers.IntegerField(min_value=1, max_value=100_000, required=False)
    slot_id = serializers.IntegerField(min_value=1, required=False, allow_null=True)

    def validate(self, attrs):
        if "quantity" in attrs and "weight_g" in attrs:
            raise serializers.ValidationError({"weight_g": [_("数量和重量只填一个")]})
        return attrs


class QuantitySerializer(serializers.Serializer):
    quantity = serializers.IntegerField(min_value=0, max_value=services.MAX_QUANTITY)


class BasketQuerySerializer(serializers.Serializer):
    address_id = serializers.IntegerField(min_value=1, required=False)


BASKET_EXAMPLE = {
    "id": 7, "goods_total": "151.00", "problems": 0, "groups": [
        {"merchant_id": 12, "merchant_name": "菜场青菜摊", "subtotal": "6.00", "min_order": "0.00",
         "below_minimum": "0.00", "delivery_fee": "2.00", "delivers": True,
         "lines": [{"id": 31, "listing_id": 880, "product_id": 40, "title": "青菜", "kind": "fresh", "quantity": 2,
                    "unit_price": "3.00", "amount": "6.00", "estimated": True, "weight_g": 1000, "slot": None,
                    "problem": None, "problem_message": None}]}]}
BASKET_RESPONSES = [OpenApiExample("the basket by merchant", value=BASKET_EXAMPLE, response_only=True)]


class BasketView(APIView):
    """GET: the basket grouped by merchant; ?address_id= also checks each line's service area."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(parameters=[BasketQuerySerializer], responses={200: dict}, examples=BASKET_RESPONSES)
    def get(self, request):
        query = BasketQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        address = None
        if "address_id" in query.validated_data:
            resident_address = ResidentAddress.objects.select_related("standard_address").filter(
                pk=query.validated_data["address_id"], user=request.user).first()
            if resident_address is None:
                raise serializers.ValidationError({"address_id": [_("请选择您自己的地址")]})
            address = resident_address.standard_address
        return Response(basket_data(selectors.open_basket(user=request.user), address=address))


class BasketLinesView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=AddLineSerializer, responses={201: dict}, examples=[
        OpenApiExample("two packs of greens", value={"listing_id": 880, "quantity": 2}, request_only=True),
        OpenApiExample("a home service in a slot", value={"listing_id": 1204, "slot_id": 4410}, request_only=True),
        OpenApiExample("the basket and the new line", value={**BASKET_EXAMPLE, "line_id": 31}, response_only=True)])
    def post(self, request):
        data = AddLineSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        basket = selectors.open_basket(user=request.user)
        line = services.add_line(basket=basket, **data.validated_data)
        body = basket_data(basket)
        body["line_id"] = line.pk
        return Response(body, status=status.HTTP_201_CREATED)


class BasketLineView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=QuantitySerializer, responses={200: dict}, examples=[
        OpenApiExample("three packs", value={"quantity": 3}, request_only=True), *BASKET_RESPONSES])
    def patch(self, request, line_id: int):
        data = QuantitySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        basket = selectors.open_basket(user=request.user)
        services.set_quantity(basket=basket, line_id=line_id, **data.validated_data)
        return Response(basket_data(basket))

    @extend_schema(responses={204: None})
    def delete(self, request, line_id: int):
        services.remove_line(basket=selectors.open_basket(user=request.user), line_id=line_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


SLOT_EXAMPLE = {"id": 4410, "kind": "service", "starts_at": "2026-12-08T10:00:00+08:00",
                "ends_at": "2026-12-08T12:00:00+08:00", "duration_min": 120, "remaining": 2}


class ListingSlotsView(APIView):
    """The times a home service can be booked (the slot_id a basket line of a service needs)."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(responses={200: SlotSerializer(many=True), 404: OpenApiResponse(description="no such listing")},
                   summary="A home service's next bookable slots (empty for goods)",
                   examples=[OpenApiExample("two times left tomorrow", response_only=True, value=[
                       SLOT_EXAMPLE, {**SLOT_EXAMPLE, "id": 4411, "starts_at": "2026-12-08T14:00:00+08:00",
                                      "ends_at": "2026-12-08T16:00:00+08:00", "remaining": 1}])])
    def get(self, request, listing_id: int):
        slots = selectors.listing_slots(listing_id=listing_id)
        if slots is None:
            raise NotFoundError(_("没有这个商品"), fields={"listing_id": [_("没有这个商品")]}, code="unknown_listing")
        return Response(SlotSerializer(slots, many=True).data)
