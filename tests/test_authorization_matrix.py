"""Nobody reads or changes what is not theirs: every dashboard, API and account URL, walked as
a visitor, another resident, a merchant of another shop and a courier.

The URL patterns come from the resolver, so a route added later is checked without anyone
touching this file. For each pattern the URL's arguments are filled with objects that belong
to someone else (the victim: a resident with an order, an address, a basket and a wishlist,
and the shop that sells to her), then GET (and POST/PUT/PATCH/DELETE where the view has them)
is sent as each actor. The actors include a merchant whose shop has its own part of the same
order (Oscar's dashboard would show it the whole order and the customer's address):

- a URL naming the victim's objects must be refused: a redirect (to log in, or away), 401,
  403, 404 or 405 — never a page or a JSON answer. A 400 (the request itself was malformed,
  nothing looked up) is accepted, except for the writes in bodies(), which are sent with a
  body their owner could use, so that only the ownership check can refuse them. The merchant
  sharing the order may be answered (e.g. the order's tracking, its own group), but nothing
  of the victim's may appear;
- a URL naming nothing of hers (lists, one's own basket, forms) may answer, but nothing of
  the victim may appear in the answer;
- no request may change any of the victim's rows, and none may fail with a server error.

A new pattern whose arguments this file cannot fill makes the test fail: add the argument to
FILL_BY_KWARG or FILL_BY_URL. A page that is public on purpose (it may show anything public)
goes in PUBLIC.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser, Group, Permission
from django.test import Client
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse
from oscar.apps.address.models import UserAddress
from oscar.apps.communication.models import Email, Notification
from oscar.apps.customer.models import ProductAlert
from oscar.apps.dashboard.nav import _dashboard_url_names_to_config
from oscar.apps.order.models import Order, OrderNote
from oscar.apps.wishlists.models import Line as WishListLine
from oscar.apps.wishlists.models import WishList
from oscar.views.decorators import check_permissions

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
from shop.checkout.models import Payment

# Where people's own data lives; every pattern under these prefixes is walked.
PREFIXES = ("dashboard/", "api/v1/", "accounts/", "basket/", "checkout/", "orders/", "station/", "provider/",
            "bureau/")

# Public on purpose: answers may show anything public (the catalogue, merchants, the circle),
# so only "no server error, nothing changed" is checked for them.
PUBLIC = {
    "api:auth-token",  # exchanges one's own credentials for a token
    "api:merchant-list",  # the merchant directory
    "api:circle",  # the 15-minute circle
    "api:search",
    "api:search-suggest",
    "api:sandbox-notify",  # the gateway's callback: answers only to a valid signature
    "api:sandbox-refund-notify",  # the gateway's refund notice: answers only to a valid signature
    "dashboard:catalogue-product-lookup",  # public product titles, for the product form's pickers
    "dashboard:login",
    "customer:login",
    "customer:register",
}

# How to fill a URL argument: the name of an attribute of the victim's world, and whether the
# object is hers (the URL must then be refused) or public/one's own (the answer is checked).
FILL_BY_KWARG: dict[str, tuple[str, bool]] = {
    "number": ("order_number", True),
    "order_number": ("order_number", True),
    "hash": ("bad_hash", True),
    "group_id": ("group_id", True),
    "trade_no": ("trade_no", True),
    "partner_pk": ("merchant_id", True),
    "user_pk": ("merchant_staff_id", True),
    "email_id": ("email_id", True),
    "key": ("wishlist_key", True),
    "to_key": ("wishlist_key", True),
    "line_pk": ("wishlist_line_id", True),
    "note_id": ("order_note_id", True),
    "parent_pk": ("product_id", True),
    "product_pk": ("product_id", False),  # adding a public product to one's own wishlist
    "product_class_slug": ("product_class_slug", False),
    "action": ("address_action", False),
    # the bureau's pages: refused to everyone but the analyst (see BUREAU_ROUTES)
    "slug": ("community_slug", True),
    "fmt": ("export_format", True),
    "table": ("export_table", True),
    "event_id": ("event_id", False),  # signing oneself up for a public community event
}
# Arguments whose meaning depends on the URL.
FILL_BY_URL: dict[tuple[str, str], tuple[str, bool]] = {
    ("merchant-orders:group-detail", "pk"): ("group_id", True),
    ("merchant-orders:group-accept", "pk"): ("group_id", True),
    ("merchant-orders:group-reject", "pk"): ("group_id", True),
    ("merchant-orders:group-weights", "pk"): ("group_id", True),
    ("merchant-orders:group-ready", "pk"): ("group_id", True),
    ("merchant-orders:group-handover", "pk"): ("group_id", True),
    ("dashboard:catalogue-product", "pk"): ("product_id", True),
    ("dashboard:catalogue-product-delete", "pk"): ("product_id", True),
    ("dashboard:partner-manage", "pk"): ("merchant_id", True),
    ("dashboard:partner-delete", "pk"): ("merchant_id", True),
    ("dashboard:user-detail", "pk"): ("victim_id", True),
    ("dashboard:user-password-reset", "pk"): ("victim_id", True),
    ("dashboard:order-line-detail", "line_id"): ("order_line_id", True),
    ("customer:order-line", "line_id"): ("order_line_id", True),
    ("api:basket-line", "line_id"): ("basket_line_id", True),
    ("api:address-detail", "address_id"): ("resident_address_id", True),
    ("api:address-default", "address_id"): ("resident_address_id", True),
    ("basket:line-quantity", "line_id"): ("basket_line_id", True),
    ("basket:line-remove", "line_id"): ("basket_line_id", True),
    ("basket:add", "pk"): ("product_id", False),  # into one's own basket
    ("basket:vouchers-remove", "pk"): ("missing_id", False),  # from one's own basket
    ("customer:alert-create", "pk"): ("product_id", False),  # one's own alert on a public product
    ("customer:address-detail", "pk"): ("user_address_id", True),
    ("customer:address-delete", "pk"): ("user_address_id", True),
    ("customer:address-change-status", "pk"): ("user_address_id", True),
    ("checkout:user-address-update", "pk"): ("user_address_id", True),
    ("checkout:user-address-delete", "pk"): ("user_address_id", True),
    ("customer:notifications-detail", "pk"): ("notification_id", True),
    ("customer:alerts-cancel-by-pk", "pk"): ("alert_id", True),
    # capability links (the key or hash is the credential, sent by email): a wrong one is refused
    ("customer:alerts-confirm", "key"): ("wrong_alert_key", True),
    ("customer:alerts-cancel-by-key", "key"): ("wrong_alert_key", True),
    # the guest-order lookup form: a blank form whatever the number (the checked page is anon-order)
    ("customer:anon-order-form", "order_number"): ("order_number", False),
    ("customer:anon-order-form", "hash"): ("bad_hash", False),
    # the merchant portal (/dashboard/shop/): the victim shop's listing, template, hours, import;
    # the victim resident's shop application
    ("merchant-portal:listing", "pk"): ("listing_id", True),
    ("merchant-portal:listing-price", "pk"): ("listing_id", True),
    ("merchant-portal:listing-stock", "pk"): ("listing_id", True),
    ("merchant-portal:listing-publish", "pk"): ("listing_id", True),
    ("merchant-portal:listing-point-stock", "pk"): ("listing_id", True),
    ("merchant-portal:slot-template", "pk"): ("slot_template_id", True),
    ("merchant-portal:slot-template-delete", "pk"): ("slot_template_id", True),
    ("merchant-portal:period-remove", "pk"): ("opening_period_id", True),
    ("merchant-portal:exception-remove", "pk"): ("opening_exception_id", True),
    ("merchant-portal:import-detail", "pk"): ("listing_import_id", True),
    ("merchant-portal:import-status", "pk"): ("listing_import_id", True),
    ("merchant-portal:import-apply", "pk"): ("listing_import_id", True),
    ("merchant-portal:application", "pk"): ("application_id", True),
    ("merchant-portal:application-licence", "pk"): ("application_id", True),
    ("api:event-signups", "event_id"): ("event_id", True),  # the organiser's list names the residents
}


def bodies(w) -> dict[str, dict]:
    """For the writes that matter, a body the owner could use (so a refusal is the ownership check)."""
    return {
        "api:basket-line": {"quantity": 1},
        "api:address-detail": {"recipient": "别人", "phone": "13600000002"},
        "api:address-default": {},
        "basket:line-quantity": {"quantity": 1},
        "api:order-cancel": {"reason": "不想要了"},
        "checkout:order-cancel": {"reason": "不想要了"},
        "merchant-orders:group-accept": {},
        "merchant-orders:group-reject": {"reason": "缺货"},
        "merchant-orders:group-weights": {f"weight_{w.group.lines.get().pk}": 900},
        "merchant-orders:group-ready": {},
        "api:courier-job-accept": {},
        "api:courier-job-pickup": {},
        "api:courier-job-deliver": {"pickup_code": "864209"},
        "api:courier-job-fail": {"reason": "联系不上顾客"},
        "api:order-group-cancel": {"reason": "不想要了"},
        "api:order-refund": {"amount": "1.00", "reason": "group_cancelled"},
        "api:group-settle": {},
        "merchant-portal:listing": {"partner_sku": "X", "price": "1.00", "is_published": ""},
        "merchant-portal:listing-price": {"price": "1.00"},
        "merchant-portal:listing-stock": {"action": "counted", "quantity": 0},
        "merchant-portal:listing-publish": {"published": "0"},
        "merchant-portal:listing-point-stock": {"point": w.warehouse.pk, "action": "received", "quantity": 1},
        "merchant-portal:slot-template": {f"t{w.slot_template.pk}-{k}": v for k, v in {
            "kind": "delivery", "weekday": 1, "starts": "10:00", "ends": "11:00", "slot_minutes": 30,
            "capacity": 9}.items()},
        "merchant-portal:slot-template-delete": {},
        "merchant-portal:period-remove": {},
        "merchant-portal:exception-remove": {},
        "merchant-portal:import-apply": {"mode": "apply_valid"},
        "merchant-portal:application": {"decision": "approve"},
        "merchant-portal:staff-remove": {},
        # handover and home services (issue 11): the right code, so only the ownership check refuses
        "merchant-orders:group-handover": {"pickup_code": "864209"},
        "api:merchant-group-handover": {"pickup_code": "864209"},
        "api:station-parcel-handover": {"pickup_code": "864209"},
        "delivery:station-handover": {"pickup_code": "864209"},
        "delivery:provider-action": {"action": "accept"},
        "api:provider-accept": {},
        "api:provider-decline": {},
        "api:provider-start": {},
        "api:provider-arrive": {},
        "api:provider-complete": {"pickup_code": "864209"},
        "api:order-buy-again": {},
        "checkout:order-buy-again": {},
    }

SHARING = "merchant sharing the order"
ANALYST = "bureau analyst"
# the commerce bureau's pages and API: the analyst gets them (200), every other actor is refused,
# and the analyst is refused everything that names the victim's objects like anyone else
BUREAU_ROUTES = ("bureau:", "api:bureau-")
REFUSED = {401, 403, 404, 405}  # and any redirect; 400 where no body is given (see the docstring)
METHODS = ["get", "post", "put", "patch", "delete"]


@dataclass
class Route:
    name: str  # namespaced, e.g. "api:order-detail"; "" for an unnamed pattern
    route: str  # the pattern's text, e.g. "api/v1/orders/<str:number>/"
    kwargs: list[str]
    callback: object

    @property
    def short_name(self) -> str:
        return self.name.rsplit(":", 1)[-1]


def walk(patterns, prefix="", namespace="") -> list[Route]:
    routes = []
    for pattern in patterns:
        text = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = ":".join(part for part in [namespace, pattern.namespace] if part)
            routes += [
                Route(r.name, r.route, [*kwarg_names(pattern), *r.kwargs], r.callback)
                for r in walk(pattern.url_patterns, text, inner)
            ]
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else (pattern.name or "")
            routes.append(Route(name, text, kwarg_names(pattern), pattern.callback))
    return routes


def kwarg_names(pattern) -> list[str]:
    converters = getattr(pattern.pattern, "converters", None)
    if converters:
        return list(converters)
    return list(pattern.pattern.regex.groupindex)


def walked_routes() -> list[Route]:
    return [route for route in walk(get_resolver().url_patterns) if route.route.lstrip("^").startswith(PREFIXES)]


def allowed_methods(callback) -> list[str]:
    view_class = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
    if view_class is None:
        return ["get", "post"]
    names = getattr(view_class, "http_method_names", METHODS)
    return [method for method in METHODS if method in names and hasattr(view_class, method)] or ["get"]


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
    # a community event she signed up for (its sign-up list is the organiser's only)
    w.event = _community_event(w)
    w.event_id = w.event.pk
    # what must never show in an answer to someone else (the product's title is public)
    w.secrets = [
        w.order.number, "甄秘密", "13711112222", "137****2222", "秘密花园小区", "864209", w.trade_no,
        "victim@mail.example.cn", w.wishlist.key, w.alert.key, "甄秘密导入", "甄秘密小店", "MA1SECRET",
        "甄秘密假日",
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


# --- filling and sending -------------------------------------------------------------------------


def staff_only(route: Route, actors) -> bool:
    """An Oscar dashboard page none of the actors may open by Oscar's own permission map: its
    arguments need no real object (the permission check comes first)."""
    config = _dashboard_url_names_to_config().get(route.short_name) if route.name.startswith("dashboard:") else None
    if config is None:
        return False
    permissions = config.get_permissions(route.short_name)
    return not any(check_permissions(user, permissions) for user in actors.values() if user.is_authenticated)


def fill(route: Route, w: World, actors) -> tuple[dict, bool] | None:
    """The URL arguments and whether they name the victim's objects; None when unknown."""
    kwargs, names_victim = {}, False
    for kwarg in route.kwargs:
        how = FILL_BY_URL.get((route.name, kwarg)) or FILL_BY_KWARG.get(kwarg)
        if how is None and staff_only(route, actors):
            how = ("missing_id", True)
        if how is None:
            return None
        attribute, hers = how
        kwargs[kwarg] = getattr(w, attribute)
        names_victim = names_victim or hers
    return kwargs, names_victim or staff_only(route, actors)


def build_url(route: Route, kwargs: dict) -> str:
    if route.name:
        return reverse(route.name, kwargs=kwargs)
    if kwargs or re.search(r"[<(^$]", route.route):
        raise NoReverseMatch(route.route)
    return "/" + route.route


def send(client: Client, method: str, url: str, body: dict | None):
    if method == "get":
        return client.get(url)
    if method == "post":
        return client.post(url, body or {})
    return getattr(client, method)(url, data=json.dumps(body or {}), content_type="application/json")


@pytest.mark.django_db
def test_nobody_reads_or_changes_what_is_not_theirs(world, actors):
    routes = walked_routes()
    assert len(routes) > 100  # the walk found the dashboard, the API and the accounts
    unfillable = [route.name or route.route for route in routes if fill(route, world, actors) is None]
    assert not unfillable, (
        f"URL patterns with arguments this test cannot fill (add them to FILL_BY_KWARG or FILL_BY_URL): {unfillable}"
    )
    before = victim_state(world)
    with_body = bodies(world)
    failures, checked = [], 0
    for route in routes:
        kwargs, names_victim = fill(route, world, actors)
        try:
            url = build_url(route, kwargs)
        except NoReverseMatch:
            failures.append(f"cannot build a URL for {route.name or route.route} with {kwargs}")
            continue
        for who, user in actors.items():
            for method in allowed_methods(route.callback):
                client = Client(raise_request_exception=False)
                if user.is_authenticated:
                    client.force_login(user)
                body = with_body.get(route.name) if method != "get" else None
                response = send(client, method, url, body)
                checked += 1
                where = f"{method.upper()} {url} ({route.name}) as {who}: {response.status_code}"
                failures += judge(route, names_victim, response, where, world, kwargs, body is not None, who)
                after = victim_state(world)
                if after != before:
                    changed = sorted(key for key in before if before[key] != after[key])
                    failures.append(f"{where} changed the victim's {changed}")
                    before = after
    assert checked > 400
    assert not failures, "\n".join(failures)


def judge(route: Route, names_victim: bool, response, where: str, w: World, kwargs: dict, had_body: bool,
          who: str) -> list[str]:
    status = response.status_code
    if status >= 500:
        return [f"{where} server error"]
    if route.name.startswith(BUREAU_ROUTES):
        if who == ANALYST:
            return [] if status == 200 or status == 405 else [f"{where}: the analyst was refused the bureau"]
        return [] if 300 <= status < 400 or status in REFUSED else [f"{where}: the bureau was not refused"]
    if route.name in PUBLIC:
        return []
    if names_victim and who != SHARING:
        if 300 <= status < 400 or status in REFUSED or (status == 400 and not had_body):
            return []
        return [f"{where}: the victim's object was not refused"]
    body = response.content.decode(errors="replace") if not getattr(response, "streaming", False) else ""
    # what the actor put in the URL is no secret, nor, to a shop in the order, the order's number
    known = {str(value) for value in kwargs.values()} | ({w.order.number} if who == SHARING else set())
    shown = [secret for secret in w.secrets if secret in body and secret not in known]
    return [f"{where} shows the victim's {shown}"] if shown else []
