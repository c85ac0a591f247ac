"""The merchant directory API, read from the database."""

from rest_framework import generics, serializers

from . import selectors
from .models import Partner


class MerchantSerializer(serializers.ModelSerializer):
    format = serializers.CharField(source="format_id", allow_null=True)

    class Meta:
        model = Partner
        fields = ["id", "name", "format", "lat", "lng", "community_id", "phone", "rating", "delivery_capability"]


class MerchantListView(generics.ListAPIView):
    serializer_class = MerchantSerializer

    def get_queryset(self):
        return selectors.merchant_directory()
