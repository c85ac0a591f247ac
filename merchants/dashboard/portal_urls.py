"""The merchant portal, mounted at /dashboard/shop/ (shop/urls.py)."""

from django.urls import path

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
    path("import/", views.ImportView.as_view(), name="import"),
    path("import/<int:pk>/", views.ImportDetailView.as_view(), name="import-detail"),
    path("import/<int:pk>/status/", views.ImportStatusView.as_view(), name="import-status"),
    path("import/<int:pk>/apply/", views.ImportApplyView.as_view(), name="import-apply"),
    path("export/", views.ExportView.as_view(), name="export"),
    path("figures/", views.FiguresView.as_view(), name="figures"),
    path("settlement/", views.SettlementView.as_view(), name="settlement"),
    path("profile/", views.ProfileView.as_view(), name="profile"),
    path("profile/save/", views.ProfileSaveView.as_view(), name="profile-save"),
    path("profile/area/", views.AreaSaveView.as_view(), name="profile-area"),
    path("profile/hours/", views.PeriodAddView.as_view(), name="period-add"),
    path("profile/hours/<int:pk>/remove/", views.PeriodRemoveView.as_view(), name="period-remove"),
    path("profile/holidays/", views.ExceptionAddView.as_view(), name="exception-add"),
    path("profile/holidays/<int:pk>/remove/", views.ExceptionRemoveView.as_view(), name="exception-remove"),
    path("profile/pause/", views.PauseView.as_view(), name="pause"),
    path("slots/", views.SlotsView.as_view(), name="slots"),
    path("slots/templates/", views.SlotTemplateSave.as_view(), name="slot-template-add"),
    path("slots/templates/<int:pk>/", views.SlotTemplateSave.as_view(), name="slot-template"),
    path("slots/templates/<int:pk>/delete/", views.SlotTemplateDelete.as_view(), name="slot-template-delete"),
    path("staff/", views.StaffView.as_view(), name="staff"),
    path("staff/<int:user_pk>/remove/", views.StaffRemoveView.as_view(), name="staff-remove"),
    path("apply/", views.ApplyView.as_view(), name="apply"),
    path("applications/", views.ApplicationListView.as_view(), name="applications"),
    path("applications/<int:pk>/", views.ApplicationReviewView.as_view(), name="application"),
    path("applications/<int:pk>/licence/", views.LicencePhotoView.as_view(), name="application-licence"),
]
