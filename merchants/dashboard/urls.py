"""The merchant's order pages, mounted at /dashboard/merchant-orders/ (shop/urls.py)."""

from django.urls import path

from . import views, weighing_views

app_name = "merchant-orders"

urlpatterns = [
    path("", views.GroupListView.as_view(), name="group-list"),
    path("counter/", views.CounterView.as_view(), name="counter"),
    path("<int:pk>/handover/", views.HandoverView.as_view(), name="group-handover"),
    path("<int:pk>/", views.GroupDetailView.as_view(), name="group-detail"),
    path("<int:pk>/accept/", views.AcceptView.as_view(), name="group-accept"),
    path("<int:pk>/reject/", views.RejectView.as_view(), name="group-reject"),
    path("<int:pk>/weights/", views.WeightsView.as_view(), name="group-weights"),
    path("<int:pk>/ready/", views.ReadyView.as_view(), name="group-ready"),
    path("<int:pk>/weighing/", weighing_views.WeighingView.as_view(), name="group-weighing"),
    path("<int:pk>/settle/", weighing_views.SettleView.as_view(), name="group-settle"),
]
