"""Storefront pages of delivery, mounted at the site root (shop/urls.py)."""

from django.urls import path

from delivery import views

app_name = "delivery"

urlpatterns = [
    path("orders/<str:number>/tracking/", views.TrackingPageView.as_view(), name="tracking"),
    path("station/", views.StationPageView.as_view(), name="station"),
    path("station/parcels/<int:group_id>/handover/", views.StationHandoverView.as_view(), name="station-handover"),
    path("provider/", views.ProviderPageView.as_view(), name="provider"),
    path("provider/bookings/<int:group_id>/", views.ProviderActionView.as_view(), name="provider-action"),
    path("orders/<str:number>/rate/", views.RateOrderView.as_view(), name="rate"),
]
