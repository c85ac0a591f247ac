"""The merchant portal, mounted at /dashboard/shop/ (shop/urls.py)."""

from django.urls import path

from . import portal_views as views

app_name = "merchant-portal"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("switch/", views.SwitchShopView.as_view(), name="switch"),
    path("listings/", views.ListingListView.as_view(), name="listings"),
    path("listings/<int:pk>/", views.ListingDetailView.as_view(), name="listing"),
    path("listings/<int:pk>/price/", views.ListingPriceView.as_view(), name="listing-price"),
    path("listings/<int:pk>/stock/", views.ListingStockView.as_view(), name="listing-stock"),
    path("listings/<int:pk>/point-stock/", views.ListingPointStockView.as_view(), name="listing-point-stock"),
    path("listings/<int:pk>/publish/", views.ListingPublishView.as_view(), name="listing-publish"),
    path("staff/", views.StaffView.as_view(), name="staff"),
    path("staff/<int:user_pk>/remove/", views.StaffRemoveView.as_view(), name="staff-remove"),
    path("apply/", views.ApplyView.as_view(), name="apply"),
    path("applications/", views.ApplicationListView.as_view(), name="applications"),
    path("applications/<int:pk>/", views.ApplicationReviewView.as_view(), name="application"),
    path("applications/<int:pk>/licence/", views.LicencePhotoView.as_view(), name="application-licence"),
]
