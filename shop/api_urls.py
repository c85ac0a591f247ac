"""Everything under /api/v1/. Each app adds its routes here."""

from django.urls import path
from rest_framework.authtoken.views import obtain_auth_token

from merchants import api as merchant_api

app_name = "api"

urlpatterns = [
    path("auth/token/", obtain_auth_token, name="auth-token"),
    path("merchants/", merchant_api.MerchantListView.as_view(), name="merchant-list"),
]
