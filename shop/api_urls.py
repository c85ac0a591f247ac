"""Everything under /api/v1/. Each app adds its routes here."""

from django.urls import path
from rest_framework.authtoken.views import obtain_auth_token

from catalog import api as catalog_api
from communities import api as community_api
from merchants import api as merchant_api

app_name = "api"

urlpatterns = [
    path("auth/token/", obtain_auth_token, name="auth-token"),
    path("merchants/", merchant_api.MerchantListView.as_view(), name="merchant-list"),
    path("circle/", community_api.CircleView.as_view(), name="circle"),
    path("search/", catalog_api.SearchView.as_view(), name="search"),
    path("search/suggest/", catalog_api.SuggestView.as_view(), name="search-suggest"),
]
