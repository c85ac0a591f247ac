from django.urls import path

from . import views

app_name = "bureau"

urlpatterns = [
    path("", views.OverviewView.as_view(), name="overview"),
    path("demonstration/", views.DemonstrationView.as_view(), name="demonstration"),
    path("export/<str:table>.<str:fmt>", views.DistrictExportView.as_view(), name="export-district"),
    path("communities/<str:slug>/", views.CommunityView.as_view(), name="community"),
    path("communities/<str:slug>/report/", views.ReportView.as_view(), name="report"),
    path("communities/<str:slug>/export/<str:table>.<str:fmt>", views.CommunityExportView.as_view(), name="export"),
]
