"""Issue 11's definition of done, in a real browser (Debian's Chromium driven by Playwright):

1. a store pickup from checkout to collected at the counter: the resident checks out "pickup
   at the shop" on a phone, the shop's staff accept it, mark it ready and hand it over on the
   counter page with the code the resident's order page shows (a wrong code first: refused);
   the resident's tracking page ends on 已取货;
2. a home service from booking to done on the provider's page: the resident books a cleaning
   at checkout, dispatch offers it to the merchant's provider (the dispatch core, as the
   worker's drain calls it), who accepts, sets off, arrives and finishes with the resident's
   code on a 390 px phone page; the resident's tracking page shows every service step.

Each person has their own browser; phones are 390-412 px wide.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import tempfile

import pytest

from tests.browser import CHROMIUM, CHROMIUM_ARGS, NAVIGATION_TIMEOUT_MS, PHONE, OrderFlow

pytestmark = [pytest.mark.browser, pytest.mark.postgres,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PASSWORD = "demo-pass-123"  # UserFactory's
SMALL_PHONE = {"width": 390, "height": 844}


@pytest.fixture
def chromium(chromium, monkeypatch):
    # the test reads the database between browser steps, inside Playwright's sync API (an event loop)
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def scene():
    from shop.checkout.tests.scene import make_scene

    scene = make_scene()
    scene.address.is_default = True
    scene.address.save(update_fields=["is_default"])
    return scene


@contextlib.contextmanager
def two_phones(first=PHONE, second=None):
    """Two people, each with their own headless Chromium (own profile), in one Playwright."""
    from playwright.sync_api import sync_playwright

    profiles = [tempfile.mkdtemp(prefix="market-chromium-") for _ in range(2)]
    try:
        with sync_playwright() as playwright:
            contexts = [
                playwright.chromium.launch_persistent_context(
                    profile, executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS, viewport=viewport,
                    locale="zh-CN", timezone_id="Asia/Shanghai")
                for profile, viewport in zip(profiles, (first, second or SMALL_PHONE), strict=True)
            ]
            try:
                pages = []
                for context in contexts:
                    context.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
                    context.set_default_timeout(NAVIGATION_TIMEOUT_MS)
                    pages.append(context.pages[0] if context.pages else context.new_page())
                yield pages
            finally:
                for context in contexts:
                    context.close()
    finally:
        for profile in profiles:
            shutil.rmtree(profile, ignore_errors=True)


def signed_in(page, base_url, user, screenshots=None):
    flow = OrderFlow(page, base_url=base_url, mobile=str(user.mobile), password=PASSWORD, screenshots=screenshots,
                     log=lambda line: None)
    flow.sign_in()
    return flow


def check_out(flow, *, merchant_id: int, fulfil: str) -> str:
    """The resident's one-page checkout: `fulfil` for the merchant, cash on delivery → the order number."""
    page = flow.page
    page.goto(flow.url("/checkout/"))
    page.locator(f"input[name=fulfil_{merchant_id}][value={fulfil}]").check()
    if not page.locator("input[name=address_id]:checked").count():
        page.locator("input[name=address_id]").first.check()
    page.locator("input[name=payment][value=cod]").check()
    flow.shot("checkout")
    flow.submit(page.locator("button.btn-go[type=submit]"))
    match = re.match(r"^/accounts/orders/([^/]+)/", flow.path())
    if not match:
        flow.fail("提交订单 did not land on the order page")
    return match.group(1)


def code_on(page) -> str:
    """The 6-digit code the resident's page shows."""
    text = page.locator(".order-group-code strong, .pickup-code").first.inner_text()
    return re.sub(r"\D", "", text)


def message(page) -> str:
    return re.sub(r"\s+", " ", page.locator(".alert").all_inner_texts().__str__())


def hand_over(flow, item, *, code: str, button: str, done: str, after_refusal=lambda: None):
    """On `item` (a card's locator) a wrong code is refused first, then the resident's `code` ends
    it with `done` in the page's message."""
    item.locator("input[name=pickup_code]").fill("000000" if code != "000000" else "111111")
    flow.submit(item.get_by_role("button", name=button))
    assert "取货码不正确" in message(flow.page)
    after_refusal()
    item.locator("input[name=pickup_code]").fill(code)
    flow.submit(item.get_by_role("button", name=button))
    assert done in message(flow.page)


def test_a_store_pickup_from_checkout_to_collected_at_the_counter(chromium, scene, live_server, tmp_path):
    from django.contrib.auth.models import Permission

    from communities.tests.factories import UserFactory
    from delivery.models import FulfilmentGroup
    from shop.basket.services import add_line

    # given the resident's basket holds two boxes of cold medicine from the pharmacy, and its staff member
    add_line(basket=scene.basket(), listing_id=scene.medicine.pk, quantity=2)
    staff = UserFactory(mobile="13700000071")
    staff.user_permissions.add(Permission.objects.get(codename="dashboard_access", content_type__app_label="partner"))
    scene.medicine.partner.users.add(staff)

    with two_phones() as (resident_page, staff_page):
        # when the resident checks out "pickup at the shop" on her phone
        resident = signed_in(resident_page, live_server.url, scene.resident, tmp_path / "resident")
        number = check_out(resident, merchant_id=scene.medicine.partner_id, fulfil="shop")
        code = code_on(resident_page)
        assert len(code) == 6
        group = FulfilmentGroup.objects.get(order__number=number)

        # and the staff accept it and mark it ready on the shop's order page (a 390 px phone)
        shop = signed_in(staff_page, live_server.url, staff, tmp_path / "staff")
        staff_page.goto(shop.url(f"/dashboard/merchant-orders/{group.pk}/"))
        assert code not in staff_page.content()  # the shop never sees the code: the resident shows it
        shop.submit(staff_page.get_by_role("button", name="接单"))
        shop.submit(staff_page.get_by_role("button", name="备货完成"))

        # then the counter page lists it; a wrong code is refused, the resident's code hands it over
        staff_page.goto(shop.url("/dashboard/merchant-orders/counter/"))
        card = staff_page.locator(f".waiting-pickup[data-group-id='{group.pk}']")
        assert card.count() == 1

        def still_waiting():
            group.refresh_from_db()
            assert group.status == "ready_for_pickup"

        hand_over(shop, card, code=code, button="核验并交付", done="已交给顾客", after_refusal=still_waiting)
        assert staff_page.locator(f"li[data-collected='{group.pk}']").count() == 1
        shop.shot("counter-collected")
        assert staff_page.evaluate("document.documentElement.scrollWidth") <= SMALL_PHONE["width"] + 1

        # and the resident's tracking page ends on 已取货, every pickup step done
        resident_page.goto(resident.url(f"/orders/{number}/tracking/"))
        section = resident_page.locator("#tracking section.tracking-group").first
        assert section.get_attribute("data-status") == "collected"
        assert section.locator("li.step.done .step-label").all_inner_texts() == ["已下单", "可以取货了", "已取货"]
        resident.shot("tracking-collected")
        assert not resident.result.page_errors and not shop.result.page_errors
    group.refresh_from_db()
    assert group.status == "collected" and group.order.status == "completed"


def test_a_home_service_from_booking_to_done_on_the_providers_page(chromium, scene, live_server, tmp_path):
    from communities.tests.factories import UserFactory
    from delivery import dispatch
    from delivery.models import FulfilmentGroup, FulfilmentPoint, ServiceProvider
    from delivery.tests.factories import FulfilmentPointFactory
    from shop.basket.services import add_line

    # given the resident's basket holds a cleaning booked for tomorrow, and the cleaners' provider
    add_line(basket=scene.basket(), listing_id=scene.cleaning.pk, quantity=1, slot_id=scene.slot.pk)
    cleaners = scene.cleaning.partner
    FulfilmentPointFactory(kind=FulfilmentPoint.Kind.STORE, merchant=cleaners, community=cleaners.community,
                           lat=cleaners.lat, lng=cleaners.lng, opens="00:00", closes="00:00")
    provider = ServiceProvider.objects.create(merchant=cleaners, user=UserFactory(mobile="13700000072"), name="赵阿姨",
                                              last_lat=cleaners.lat, last_lng=cleaners.lng)

    with two_phones() as (resident_page, provider_page):
        # when the resident books it at checkout, and dispatch offers it to 赵阿姨
        resident = signed_in(resident_page, live_server.url, scene.resident, tmp_path / "resident")
        number = check_out(resident, merchant_id=cleaners.pk, fulfil="service")
        group = FulfilmentGroup.objects.get(order__number=number)
        assert dispatch.route_and_offer(group_id=group.pk) == "point_assigned+offer"

        # then 赵阿姨's phone page shows the booking: she accepts, sets off and arrives
        worker = signed_in(provider_page, live_server.url, provider.user, tmp_path / "provider")
        provider_page.goto(worker.url("/provider/"))
        booking = provider_page.locator(f".booking[data-group-id='{group.pk}']")
        assert "日常保洁 2 小时" in booking.inner_text()
        worker.shot("offered")
        for button, status in (("接单", "courier_assigned"), ("出发", "picked_up"), ("已到达", "picked_up")):
            worker.submit(provider_page.locator(f".booking[data-group-id='{group.pk}']").get_by_role("button", name=button))
            assert provider_page.locator(f".booking[data-group-id='{group.pk}']").get_attribute("data-status") == status

        # the resident follows it on her tracking page: the provider is at the door, and her code is shown
        resident_page.goto(resident.url(f"/orders/{number}/tracking/"))
        section = resident_page.locator("#tracking section.tracking-group").first
        assert section.locator("li.step.current .step-label").inner_text().strip() == "服务人员已到达"
        code = re.sub(r"\D", "", section.locator(".pickup-code").inner_text())
        assert len(code) == 6
        resident.shot("tracking-arrived")

        # a wrong code is refused; with hers the service is done
        booking = provider_page.locator(f".booking[data-group-id='{group.pk}']")
        hand_over(worker, booking, code=code, button="服务完成", done="服务已完成")
        assert provider_page.locator(f".booking-done[data-group-id='{group.pk}']").count() == 1
        worker.shot("done")
        assert provider_page.evaluate("document.documentElement.scrollWidth") <= SMALL_PHONE["width"] + 1

        # and her tracking page ends with every service step done
        resident_page.goto(resident.url(f"/orders/{number}/tracking/"))
        section = resident_page.locator("#tracking section.tracking-group").first
        assert section.get_attribute("data-status") == "delivered"
        assert section.locator("li.step.done .step-label").all_inner_texts() == [
            "已预约", "正在安排服务人员", "服务人员已接单", "服务人员在路上", "服务人员已到达", "服务已完成"]
        resident.shot("tracking-done")
        assert not resident.result.page_errors and not worker.result.page_errors
    group.refresh_from_db()
    assert group.status == "delivered" and group.order.status == "completed"


def test_a_parcel_handed_over_at_the_community_station(chromium, scene, live_server, tmp_path):
    """The station operator's phone page: the parcel waits, a wrong code is refused, the
    resident's code hands it over; the resident's tracking page ends on 已取货."""
    from communities.tests.factories import UserFactory
    from delivery.models import FulfilmentEvent, FulfilmentGroup, StationOperator
    from delivery.tests.factories import order_with_groups

    order = order_with_groups(user=scene.resident, lines=[(scene.medicine, 1)], method="pickup",
                              status="ready_for_pickup")
    group = order.fulfilment_groups.get()
    FulfilmentGroup.objects.filter(pk=group.pk).update(pickup_point=scene.station)
    FulfilmentEvent.objects.create(group=group, status="ready_for_pickup")
    operator = StationOperator.objects.create(user=UserFactory(mobile="13700000073"), point=scene.station, name="孙站长")

    with two_phones() as (resident_page, operator_page):
        resident = signed_in(resident_page, live_server.url, scene.resident, tmp_path / "resident")
        resident_page.goto(resident.url(f"/orders/{order.number}/tracking/"))
        code = re.sub(r"\D", "", resident_page.locator(".pickup-code").first.inner_text())

        station = signed_in(operator_page, live_server.url, operator.user, tmp_path / "station")
        operator_page.goto(station.url("/station/"))
        parcel = operator_page.locator(f".parcel[data-group-id='{group.pk}']")
        assert order.number in parcel.inner_text() and code not in operator_page.content()
        hand_over(station, parcel, code=code, button="核验并交付", done="已交给居民")
        assert operator_page.locator(f"li[data-collected='{group.pk}']").count() == 1
        station.shot("station-collected")
        assert operator_page.evaluate("document.documentElement.scrollWidth") <= SMALL_PHONE["width"] + 1

        resident_page.goto(resident.url(f"/orders/{order.number}/tracking/"))
        assert resident_page.locator("#tracking section.tracking-group").first.get_attribute("data-status") == "collected"
        assert not resident.result.page_errors and not station.result.page_errors
