"""The merchant portal, mounted at /dashboard/shop/ (shop/urls.py)."""

from django.urls import path

from . import portal_files as files
from . import portal_profile as profile
from . import portal_staff as staff
from . import portal_views as views

app_name = "merchant-portal"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("switch/", views.SwitchShopView.as_view(), name="switch"),
    path("listings/", views.ListingListView.as_view(), name="listings"),
    path("listings/add/", views.AddListingView.as_view(), name="listing-add"),
    path("listings/<int:pk>/", views.ListingDetailView.as_view(), name="listing"),
    path("listings/<int:pk>/price/", views.ListingPriceView.as_view(), name="listing-price"),
    path("listings/<int:pk>/stock/", views.ListingStockView.as_view(), name="listing-stock"),
    path("listings/<int:pk>/point-stock/", views.ListingPointStockView.as_view(), name="listing-point-stock"),
    path("listings/<int:pk>/publish/", views.ListingPublishView.as_view(), name="listing-publish"),
    path("import/", files.ImportView.as_view(), name="import"),
    path("import/<int:pk>/", files.ImportDetailView.as_view(), name="import-detail"),
    path("import/<int:pk>/status/", files.ImportStatusView.as_view(), name="import-status"),
    path("import/<int:pk>/apply/", files.ImportApplyView.as_view(), name="import-apply"),
    path("export/", files.ExportView.as_view(), name="export"),
    path("figures/", files.FiguresView.as_view(), name="figures"),
    path("settlement/", files.SettlementView.as_view(), name="settlement"),
    path("profile/", profile.ProfileView.as_view(), name="profile"),
    path("profile/save/", profile.ProfileSaveView.as_view(), name="profile-save"),
    path("profile/area/", profile.AreaSaveView.as_view(), name="profile-area"),
    path("profile/hours/", profile.PeriodAddView.as_view(), name="period-add"),
    path("profile/hours/<int:pk>/remove/", profile.PeriodRemoveView.as_view(), name="period-remove"),
    path("profile/holidays/", profile.ExceptionAddView.as_view(), name="exception-add"),
    path("profile/holidays/<int:pk>/remove/", profile.ExceptionRemoveView.as_view(), name="exception-remove"),
    path("profile/pause/", profile.PauseView.as_view(), name="pause"),
    path("slots/", profile.SlotsView.as_view(), name="slots"),
    path("slots/templates/", profile.SlotTemplateSave.as_view(), name="slot-template-add"),
    path("slots/templates/<int:pk>/", profile.SlotTemplateSave.as_view(), name="slot-template"),
    path("slots/templates/<int:pk>/delete/", profile.SlotTemplateDelete.as_view(), name="slot-template-delete"),
    path("staff/", staff.StaffView.as_view(), name="staff"),
    path("staff/<int:user_pk>/remove/", staff.StaffRemoveView.as_view(), name="staff-remove"),
    path("apply/", staff.ApplyView.as_view(), name="apply"),
    path("applications/", staff.ApplicationListView.as_view(), name="applications"),
    path("applications/<int:pk>/", staff.ApplicationReviewView.as_view(), name="application"),
    path("applications/<int:pk>/licence/", staff.LicencePhotoView.as_view(), name="application-licence"),
]
