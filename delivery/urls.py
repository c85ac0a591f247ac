"""Storefront pages of delivery, mounted at the site root (shop/urls.py)."""

from django.urls import path

from delivery import views

app_name = "delivery"

urlpatterns = [
    path("orders/<str:number>/tracking/", views.TrackingPageView.as_view(), name="tracking"),
    path("orders/<str:number>/rate/", views.RateOrderView.as_view(), name="rate"),
]
