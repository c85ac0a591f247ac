"""Everything under /api/v1/. Each app adds its routes here."""

from django.urls import path

from bureau import api as bureau_api
from catalog import api as catalog_api
from cms import api as cms_api
from communities import api as community_api
from communities import survey_api
from delivery.api import courier as courier_api
from delivery.api import handover as handover_api
from delivery.api import provider as provider_api
from delivery.api import resident as resident_api
from merchants import api as merchant_api
from shop.accounts import api as accounts_api
from shop.basket import api as basket_api
from shop.checkout import api as checkout_api

app_name = "api"

urlpatterns = [
    path("auth/token/", accounts_api.TokenView.as_view(), name="auth-token"),
    path("auth/token/revoke-all/", accounts_api.RevokeAllTokensView.as_view(), name="auth-token-revoke-all"),
    path("auth/sms-code/", accounts_api.SmsCodeView.as_view(), name="auth-sms-code"),
    path("auth/register/", accounts_api.RegisterView.as_view(), name="auth-register"),
    path("auth/password-reset/", accounts_api.PasswordResetView.as_view(), name="auth-password-reset"),
    path("me/", accounts_api.ProfileView.as_view(), name="profile"),
    path("me/mobile/code/", accounts_api.MobileCodeView.as_view(), name="mobile-code"),
    path("me/mobile/", accounts_api.MobileChangeView.as_view(), name="mobile-change"),
    path("me/delete/", accounts_api.AccountDeleteView.as_view(), name="account-delete"),
    path("addresses/", community_api.AddressListView.as_view(), name="address-list"),
    path("addresses/register/", community_api.AddressRegisterView.as_view(), name="address-register"),
    path("addresses/<int:address_id>/", community_api.AddressDetailView.as_view(), name="address-detail"),
    path("addresses/<int:address_id>/default/", community_api.AddressDefaultView.as_view(), name="address-default"),
    path("merchants/", merchant_api.MerchantListView.as_view(), name="merchant-list"),
    path("circle/", community_api.CircleView.as_view(), name="circle"),
    path("survey/", survey_api.SurveyView.as_view(), name="survey"),  # the quarterly community survey
    path("search/", catalog_api.SearchView.as_view(), name="search"),
    path("search/suggest/", catalog_api.SuggestView.as_view(), name="search-suggest"),
    path("listings/<int:listing_id>/slots/", basket_api.ListingSlotsView.as_view(), name="listing-slots"),
    path("basket/", basket_api.BasketView.as_view(), name="basket"),
    path("basket/lines/", basket_api.BasketLinesView.as_view(), name="basket-lines"),
    path("basket/lines/<int:line_id>/", basket_api.BasketLineView.as_view(), name="basket-line"),
    path("checkout/", checkout_api.CheckoutView.as_view(), name="checkout"),
    path("orders/", checkout_api.OrderListView.as_view(), name="order-list"),
    path("orders/<str:number>/", checkout_api.OrderDetailView.as_view(), name="order-detail"),
    path("orders/<str:number>/cancel/", checkout_api.OrderCancelView.as_view(), name="order-cancel"),
    path("orders/<str:number>/groups/<int:group_id>/cancel/", checkout_api.GroupCancelView.as_view(),
         name="order-group-cancel"),
    path("orders/<str:number>/refunds/", checkout_api.OrderRefundView.as_view(), name="order-refund"),
    path("merchant/groups/<int:group_id>/settle/", checkout_api.SettleWeighingView.as_view(), name="group-settle"),
    path("charges/<str:trade_no>/confirm/", checkout_api.ChargeConfirmView.as_view(), name="charge-confirm"),
    path("orders/<str:number>/buy-again/", checkout_api.BuyAgainView.as_view(), name="order-buy-again"),
    path("orders/<str:number>/tracking/", resident_api.TrackingView.as_view(), name="order-tracking"),
    path("orders/<str:number>/rating/", resident_api.OrderRatingView.as_view(), name="order-rating"),
    path("courier/location/", courier_api.CourierLocationView.as_view(), name="courier-location"),
    path("courier/jobs/", courier_api.CourierJobsView.as_view(), name="courier-jobs"),
    path("courier/jobs/<int:group_id>/accept/", courier_api.AcceptJobView.as_view(), name="courier-job-accept"),
    path("courier/jobs/<int:group_id>/decline/", courier_api.DeclineJobView.as_view(), name="courier-job-decline"),
    path("courier/jobs/<int:group_id>/pickup/", courier_api.PickupJobView.as_view(), name="courier-job-pickup"),
    path("courier/jobs/<int:group_id>/deliver/", courier_api.DeliverJobView.as_view(), name="courier-job-deliver"),
    path("courier/jobs/<int:group_id>/fail/", courier_api.FailJobView.as_view(), name="courier-job-fail"),
    path("merchant/groups/<int:group_id>/handover/", handover_api.MerchantHandoverView.as_view(),
         name="merchant-group-handover"),
    path("station/parcels/", handover_api.StationParcelsView.as_view(), name="station-parcels"),
    path("station/parcels/<int:group_id>/handover/", handover_api.StationHandoverView.as_view(),
         name="station-parcel-handover"),
    path("provider/bookings/", provider_api.ProviderBookingsView.as_view(), name="provider-bookings"),
    path("provider/bookings/<int:group_id>/accept/", provider_api.ProviderAcceptView.as_view(), name="provider-accept"),
    path("provider/bookings/<int:group_id>/decline/", provider_api.ProviderDeclineView.as_view(),
         name="provider-decline"),
    path("provider/bookings/<int:group_id>/start/", provider_api.ProviderStartView.as_view(), name="provider-start"),
    path("provider/bookings/<int:group_id>/arrive/", provider_api.ProviderArriveView.as_view(), name="provider-arrive"),
    path("provider/bookings/<int:group_id>/complete/", provider_api.ProviderCompleteView.as_view(),
         name="provider-complete"),
    path("bureau/overview/", bureau_api.OverviewAPI.as_view(), name="bureau-overview"),
    path("bureau/demonstration/", bureau_api.DemonstrationAPI.as_view(), name="bureau-demonstration"),
    path("bureau/communities/<str:slug>/", bureau_api.CommunityAPI.as_view(), name="bureau-community"),
    path("home/", cms_api.HomeFeedView.as_view(), name="home-feed"),
    path("events/<int:event_id>/signup/", cms_api.EventSignupView.as_view(), name="event-signup"),
    path("events/<int:event_id>/signups/", cms_api.EventSignupListView.as_view(), name="event-signups"),
    path("payments/sandbox/notify/", checkout_api.SandboxNotifyView.as_view(), name="sandbox-notify"),
    path("payments/sandbox/refund-notify/", checkout_api.SandboxRefundNotifyView.as_view(),
         name="sandbox-refund-notify"),
]
