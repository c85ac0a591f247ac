"""Everything under /api/v1/. Each app adds its routes here."""

from django.urls import path

from merchants import api as merchant_api

app_name = "api"

urlpatterns = [
    path("merchants/", merchant_api.MerchantListView.as_view(), name="merchant-list"),
]
