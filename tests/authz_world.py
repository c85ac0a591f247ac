"""The authorization matrix's world: the victim (a resident with an order, an address, a
basket..., and the shop that sells to her), what she owns as a snapshot, and the actors who
try to reach it (tests/test_authorization_matrix.py)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser, Group, Permission
from oscar.apps.address.models import UserAddress
from oscar.apps.communication.models import Email, Notification
from oscar.apps.customer.models import ProductAlert
from oscar.apps.order.models import Order, OrderNote
from oscar.apps.wishlists.models import Line as WishListLine
from oscar.apps.wishlists.models import WishList

from catalog.models import Product
from catalog.tests.factories import FreshProductClassFactory, ProductFactory
from cms.models import CommunityPage, EventSignup
from communities.models import ResidentAddress
from communities.tests.factories import ResidentAddressFactory, UserFactory
from delivery.models import Courier, FulfilmentEvent, FulfilmentGroup, FulfilmentLine, FulfilmentPoint, StationOperator
from delivery.tests.factories import (
    CourierFactory,
    FulfilmentPointFactory,
    ServiceProviderFactory,
    order_with_groups,
    shipping_address,
)
from merchants.models import Partner, StockRecord
from merchants.tests.factories import ListingFactory, MerchantFactory
from shop.basket.models import Basket
from shop.basket.models import Line as BasketLine
from shop.checkout.models import ExtraCharge, Payment
from tests.authz_routes import ANALYST, SHARING

# --- the victim's world and the actors ----------------------------------------------------------


class World:
    """Everything that belongs to the victim resident and the victim shop."""


@pytest.fixture
def world(db):
    w = World()
    # the victim shop, its staff member and a product only it sells
    w.merchant = MerchantFactory(name="甄记秘制肉铺", delivery_capability=Partner.Delivery.OWN)
    w.merchant_staff = UserFactory(mobile="13700000007", email="staff@zhenji.example.cn")
    w.merchant.users.add(w.merchant_staff)
    w.product = ProductFactory(
        title="甄记独家腊肉", product_class=FreshProductClassFactory(), sale_unit="weight", pack_size_g=500
    )
    w.listing = ListingFactory(partner=w.merchant, product=w.product, price=Decimal("58.80"), num_in_stock=40)
    # a shop (platform couriers) that has its own part of the same order
    w.co_merchant = MerchantFactory(name="同单小店", delivery_capability=Partner.Delivery.PLATFORM)
    w.co_listing = ListingFactory(partner=w.co_merchant)
    # the victim resident: an order with a weighed line, being delivered by her courier
    w.victim = UserFactory(mobile="13711112222", email="victim@mail.example.cn", first_name="秘密", last_name="甄")
    w.resident_address = ResidentAddressFactory(user=w.victim, recipient="甄秘密收件人", phone="13711112222")
    w.order = order_with_groups(
        user=w.victim, lines=[(w.listing, 2), (w.co_listing, 1)], method={w.merchant: "pickup", w.co_merchant: "delivery"},
        address=shipping_address(recipient="甄秘密收件人", phone="+8613711112222", line1="秘密花园小区 9栋1单元 901室"),
    )
    Order.objects.filter(pk=w.order.pk).update(number="77310042")
    w.order.refresh_from_db()
    w.group = w.order.fulfilment_groups.get(merchant=w.merchant)
    w.victim_courier = CourierFactory(name="甄骑手")
    FulfilmentGroup.objects.filter(pk=w.group.pk).update(
        status=FulfilmentGroup.Status.COURIER_ASSIGNED, courier=w.victim_courier, pickup_code="864209"
    )
    w.payment = Payment.objects.create(
        order=w.order, provider=Payment.Provider.SANDBOX, status=Payment.Status.PENDING,
        amount=w.order.total_incl_tax, trade_no="VICTIMTRADE7731",
    )
    w.order_line = w.order.lines.get(partner=w.merchant)
    w.order_note = OrderNote.objects.create(order=w.order, user=w.merchant_staff, message="甄秘密备注")
    # her basket, wishlist, address book, alerts, emails and notifications
    w.basket = Basket.objects.create(owner=w.victim)
    w.basket_line = BasketLine.objects.create(
        basket=w.basket, line_reference=f"{w.product.pk}_{w.listing.pk}", product=w.product, stockrecord=w.listing,
        quantity=3, price_currency="CNY", price_excl_tax=Decimal("58.80"), price_incl_tax=Decimal("58.80"),
    )
    w.wishlist = WishList.objects.create(owner=w.victim, name="甄秘密的清单", key="victimkey77")
    w.wishlist_line = WishListLine.objects.create(wishlist=w.wishlist, product=w.product, title=w.product.title)
    w.user_address = UserAddress.objects.create(
        user=w.victim, last_name="甄秘密收件人", line1="秘密花园小区 9栋1单元 901室", line4="南京市",
        country=w.order.shipping_address.country, phone_number="+8613711112222",
    )
    w.alert = ProductAlert.objects.create(product=w.product, user=w.victim, key="victimalertkey77")
    w.email = Email.objects.create(user=w.victim, subject="甄秘密的邮件", body_text="甄秘密邮件正文")
    w.notification = Notification.objects.create(recipient=w.victim, subject="甄秘密的通知", body="甄秘密通知正文")
    # values for URL arguments
    w.order_number = w.order.number
    w.bad_hash = "not-the-hash"
    w.group_id = w.group.pk
    w.trade_no = w.payment.trade_no
    w.extra_charge_trade_no = ExtraCharge.objects.create(
        order=w.order, group=w.group, provider="sandbox", amount=Decimal("3.30"), trade_no="VICTIMEXTRA7731").trade_no
    w.merchant_id = w.merchant.pk
    w.merchant_staff_id = w.merchant_staff.pk
    w.victim_id = w.victim.pk
    w.email_id = w.email.pk
    w.wishlist_key = w.wishlist.key
    w.wishlist_line_id = w.wishlist_line.pk
    w.order_note_id = w.order_note.pk
    w.order_line_id = w.order_line.pk
    w.basket_line_id = w.basket_line.pk
    w.product_id = w.product.pk
    w.product_class_slug = w.product.product_class.slug
    w.user_address_id = w.user_address.pk
    w.resident_address_id = w.resident_address.pk
    w.notification_id = w.notification.pk
    w.alert_id = w.alert.pk
    w.wrong_alert_key = "not-the-alert-key"
    w.address_action = "default_for_shipping"
    w.missing_id = 987654
    # the victim shop's portal objects, and the victim resident's application to open a shop
    from delivery.models import SlotTemplate
    from merchants.models import ListingImport, MerchantApplication, OpeningException, OpeningPeriod

    w.listing_id = w.listing.pk
    w.slot_template = SlotTemplate.objects.create(merchant=w.merchant, kind="service", weekday=0, starts="09:00",
                                                  ends="10:00", slot_minutes=60, capacity=3)
    w.slot_template_id = w.slot_template.pk
    w.warehouse = FulfilmentPointFactory(kind="front_warehouse", merchant=w.merchant, name="受害商户前置仓")
    w.opening_period_id = OpeningPeriod.objects.create(partner=w.merchant, weekday=2, opens="08:00", closes="20:00").pk
    w.opening_exception_id = OpeningException.objects.create(partner=w.merchant, date="2031-01-01", is_closed=True,
                                                             note="甄秘密假日").pk
    from django.core.files.base import ContentFile

    w.listing_import_id = ListingImport.objects.create(
        partner=w.merchant, user=w.merchant_staff, file=ContentFile(b"sku,price\nSECRET,1\n", name="victim.csv"),
        filename="甄秘密导入.csv", mode="dry_run", state="done", report={"counts": {}, "problems": []}).pk
    w.application_id = MerchantApplication.objects.create(
        applicant=w.victim, name="甄秘密小店", format_id="convenience_store", address=w.resident_address.standard_address,
        phone="13711112222", licence_number="91320100MA1SECRET", licence_photo=ContentFile(b"x", name="l.png"),
        floor_area_m2=30).pk
    w.community_slug = w.resident_address.standard_address.community.slug
    w.export_format = "csv"
    w.export_table = "gaps"
    w.district_export_table = "demonstration"
    # a community event she signed up for (its sign-up list is the organiser's only)
    w.event = _community_event(w)
    w.event_id = w.event.pk
    # what must never show in an answer to someone else (the product's title is public)
    w.secrets = [
        w.order.number, "甄秘密", "13711112222", "137****2222", "秘密花园小区", "864209", w.trade_no,
        "victim@mail.example.cn", w.wishlist.key, w.alert.key, "甄秘密导入", "甄秘密小店", "MA1SECRET",
        "甄秘密假日", w.extra_charge_trade_no,
    ]
    return w


def _community_event(w: World):
    """An event in the victim shop's community, the victim signed up."""
    import datetime

    from cms.services import sign_up
    from cms.tests.factories import event

    page = CommunityPage.objects.get(community=w.merchant.community)
    starts = datetime.datetime(2099, 1, 1, 9, tzinfo=datetime.UTC)
    found = event(page, title="社区手机课堂", starts_at=starts, capacity=5)
    sign_up(event_id=found.pk, user=w.victim, now=starts - datetime.timedelta(days=1))
    return found


def victim_state(w: World) -> dict:
    """Every row of the victim's that a request could change, as plain values."""
    order = Order.objects.filter(pk=w.order.pk)
    return {
        "order": list(order.values("number", "status", "shipping_address_id", "total_incl_tax")),
        "notes": list(OrderNote.objects.filter(order=w.order).values("message")),
        "groups": list(FulfilmentGroup.objects.filter(order=w.order).values(
            "status", "accepted_at", "ready_at", "weight_adjustment", "courier_id", "point_id", "status_reason",
            "pickup_code", "completed_at")),
        "lines": list(FulfilmentLine.objects.filter(group__order=w.order).values("actual_weight_g", "final_amount")),
        "events": FulfilmentEvent.objects.filter(group__order=w.order).count(),
        "payment": list(Payment.objects.filter(order=w.order).values("status", "paid_at", "refunded_amount")),
        "extra_charges": list(ExtraCharge.objects.filter(order=w.order).values("status", "paid_at")),
        "product": list(Product.objects.filter(pk=w.product.pk).values("title", "is_public", "description", "structure")),
        "listings": list(StockRecord.objects.filter(partner=w.merchant).values(
            "pk", "price", "num_in_stock", "num_allocated", "product_id")),
        "merchant": list(Partner.objects.filter(pk=w.merchant.pk).values("name", "is_active", "phone")),
        "merchant_users": sorted(w.merchant.users.values_list("pk", flat=True)),
        "victim": list(type(w.victim).objects.filter(pk=w.victim.pk).values(
            "mobile", "email", "first_name", "last_name", "is_active", "password")),
        "resident_addresses": list(ResidentAddress.objects.filter(user=w.victim).values(
            "recipient", "phone", "standard_address_id", "is_default")),
        "user_addresses": list(UserAddress.objects.filter(user=w.victim).values(
            "line1", "phone_number", "is_default_for_shipping", "is_default_for_billing")),
        "basket": list(Basket.objects.filter(owner=w.victim).values("status")),
        "basket_lines": list(BasketLine.objects.filter(basket__owner=w.victim).values("product_id", "quantity")),
        "wishlists": list(WishList.objects.filter(owner=w.victim).values("name", "key", "visibility")),
        "wishlist_lines": list(WishListLine.objects.filter(wishlist__owner=w.victim).values("product_id", "quantity")),
        "alerts": list(ProductAlert.objects.filter(user=w.victim).values("status")),
        "emails": Email.objects.filter(user=w.victim).count(),
        "notifications": list(Notification.objects.filter(recipient=w.victim).values("date_read", "location")),
        "portal": [
            list(StockRecord.objects.filter(partner=w.merchant).values("is_published", "low_stock_threshold", "partner_sku")),
            list(w.merchant.slot_templates.values("capacity", "starts", "weekday")),
            list(w.merchant.opening_periods.values("opens", "closes")),
            list(w.merchant.opening_exceptions.values("date", "is_closed")),
            list(Partner.objects.filter(pk=w.merchant.pk).values(
                "min_order", "delivery_fee", "paused_until", "service_radius_m", "service_area")),
            list(w.merchant.listing_imports.values("state", "mode")),
            list(w.victim.shop_applications.values("status", "reason")),
        ],
        "event_signups": list(EventSignup.objects.filter(user=w.victim).values("event_id", "status")),
        "victim_courier": list(Courier.objects.filter(pk=w.victim_courier.pk).values("status", "last_lat", "last_lng")),
    }


@pytest.fixture
def actors(world):
    other_shop = MerchantFactory(name="别家小店")
    merchant = UserFactory(mobile="13600000001")
    merchant.user_permissions.add(Permission.objects.get(codename="dashboard_access", content_type__app_label="partner"))
    other_shop.users.add(merchant)
    ListingFactory(partner=other_shop)
    order_with_groups(user=UserFactory(), lines=[(ListingFactory(partner=other_shop), 1)])
    resident = UserFactory(mobile="13600000002")
    ResidentAddressFactory(user=resident)
    sharing = UserFactory(mobile="13600000004")
    sharing.user_permissions.add(Permission.objects.get(codename="dashboard_access", content_type__app_label="partner"))
    world.co_merchant.users.add(sharing)
    analyst = UserFactory(mobile="13600000005")
    analyst.groups.add(Group.objects.get(name="商务局分析员"))
    return {
        ANALYST: analyst,
        "anonymous": AnonymousUser(),
        "resident": resident,
        "merchant of another shop": merchant,
        SHARING: sharing,
        "courier": CourierFactory(user=UserFactory(mobile="13600000003")).user,
        # issue 11: a home-service provider of another shop, the operator of a community station
        "provider": ServiceProviderFactory(merchant=other_shop, user=UserFactory(mobile="13600000008")).user,
        "station operator": StationOperator.objects.create(
            user=UserFactory(mobile="13600000006"), name="别站站长",
            point=FulfilmentPointFactory(kind=FulfilmentPoint.Kind.PICKUP_STATION)).user,
    }
