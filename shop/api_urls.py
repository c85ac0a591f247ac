"""Everything under /api/v1/. Each app adds its routes here."""

from django.urls import path
from rest_framework.authtoken.views import obtain_auth_token

from communities import api as community_api
from merchants import api as merchant_api

app_name = "api"

urlpatterns = [
    path("auth/token/", obtain_auth_token, name="auth-token"),
    path("merchants/", merchant_api.MerchantListView.as_view(), name="merchant-list"),
    path("circle/", community_api.CircleView.as_view(), name="circle"),
]
