"""The merchant directory API, read from the database."""

from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import generics, serializers

from . import selectors
from .models import Partner


class MerchantSerializer(serializers.ModelSerializer):
    format = serializers.CharField(source="format_id", allow_null=True)

    class Meta:
        model = Partner
        fields = ["id", "name", "format", "lat", "lng", "community_id", "phone", "rating", "delivery_capability"]


@extend_schema_view(get=extend_schema(examples=[OpenApiExample("a merchant", response_only=True, value={
    "id": 1, "name": "苏果便利(湖南路店)", "format": "convenience_store", "lat": 32.0668, "lng": 118.7784,
    "community_id": 3, "phone": "025-83301234", "rating": "4.6", "delivery_capability": "platform"})]))
class MerchantListView(generics.ListAPIView):
    serializer_class = MerchantSerializer

    def get_queryset(self):
        return selectors.merchant_directory()
