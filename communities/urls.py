"""Storefront pages of the service circle, mounted at /circle/ (shop/urls.py)."""

from django.urls import path

from communities import views

app_name = "circle"

urlpatterns = [
    path("", views.CircleView.as_view(), name="index"),
    path("location/", views.LocationView.as_view(), name="location"),
    path("survey/", views.SurveyView.as_view(), name="survey"),  # the quarterly community survey
]
