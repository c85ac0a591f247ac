"""Issue 11's weighing settlement in a real browser (Debian's Chromium driven by Playwright), on
a desktop and on a 390 px phone: the shop's staff weigh a bag of greens heavier than estimated
on the 称重结算 page (a bad weight first: refused), see the charge capped at the shop's cap and
settle it; the resident's order page asks for the 补差价, she confirms it on the sandbox pay
page and the order page says it is paid."""

from __future__ import annotations

import pytest

from tests.browser import CHROMIUM, NAVIGATION_TIMEOUT_MS, OrderFlow, browser_page

pytestmark = [pytest.mark.browser, pytest.mark.postgres,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PASSWORD = "demo-pass-123"  # UserFactory's
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


@pytest.fixture
def chromium(chromium, monkeypatch):
    # the test reads the database between browser steps, inside Playwright's sync API (an event loop)
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def signed_in(page, base_url, user, screenshots):
    page.set_default_timeout(NAVIGATION_TIMEOUT_MS)
    flow = OrderFlow(page, base_url=base_url, mobile=str(user.mobile), password=PASSWORD, screenshots=screenshots,
                     log=lambda line: None)
    flow.sign_in()
    return flow


def alerts(page) -> str:
    return " ".join(page.locator(".alert").all_inner_texts())


def fits(page, viewport) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= viewport["width"] + 1


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_a_heavier_weighing_is_settled_by_the_shop_and_paid_by_the_resident(chromium, live_server, tmp_path, device):
    from django.contrib.auth.models import Permission

    from communities.tests.factories import UserFactory
    from shop.checkout import payment as gateway
    from shop.checkout.models import ExtraCharge
    from shop.checkout.services import place_order
    from shop.checkout.tests.scene import make_scene

    assert CHROMIUM
    viewport = VIEWPORTS[device]
    # given a paid order of 1,000 g of greens (¥6.00 estimated; the stall charges at most 10 % more)
    scene = make_scene()
    order = place_order(user=scene.resident, basket=scene.fill(greens_g=1000, medicine=0, cleaning=0),
                        address_id=scene.address.pk, groups=scene.choices()[:1], payment="sandbox")
    assert gateway.handle_notification(gateway.signed_notification(order.payment)) == "accepted"
    group = order.fulfilment_groups.get()
    staff = UserFactory(mobile="13700000081")
    staff.user_permissions.add(Permission.objects.get(codename="dashboard_access", content_type__app_label="partner"))
    scene.greens.partner.users.add(staff)

    # when the stall's staff open the order and its 称重结算 page
    with browser_page(viewport=viewport) as page:
        shop = signed_in(page, live_server.url, staff, tmp_path / "shop")
        page.goto(shop.url(f"/dashboard/merchant-orders/{group.pk}/"))
        page.get_by_role("link", name="称重结算").click()
        page.wait_for_url(f"**/dashboard/merchant-orders/{group.pk}/weighing/")
        line = page.locator(".weighed-line").first
        assert "预估 1000 克" in line.inner_text()
        # a bad weight is refused with a message, nothing written
        line.locator("input[type=number]").fill("0")
        page.evaluate("document.querySelector('.weighed-line input').removeAttribute('min')")
        shop.submit(page.get_by_role("button", name="保存重量"))
        assert "1" in alerts(page) and page.locator(".alert-danger, .alert-error").count()
        assert group.lines.get().actual_weight_g is None
        # then 1,500 g: ¥9.00 at the real weight, capped at ¥6.60
        page.locator(".weighed-line input[type=number]").first.fill("1500")
        shop.submit(page.get_by_role("button", name="保存重量"))
        assert "已记录实际重量" in alerts(page)
        assert "已按上限封顶" in page.locator(".weighed-line .line-result").first.inner_text()
        assert "0.60" in page.locator("#settle .big-amount").inner_text()
        shop.shot(f"weighed-{device}")
        shop.submit(page.get_by_role("button", name="结算差价"))
        assert "已请顾客补差价 ¥0.60" in alerts(page)
        assert page.locator("#settle .settled").get_attribute("data-state") == "pending"
        assert not page.locator(".weighed-line input[type=number]").count()  # the weights are final now
        shop.shot(f"settled-{device}")
        assert fits(page, viewport), "the weighing page is wider than the screen"
        assert not shop.result.page_errors

    charge = ExtraCharge.objects.get(group=group)
    assert charge.status == "pending"
    # and the resident opens her order: it asks for the 补差价, she confirms it in the sandbox
    with browser_page(viewport=viewport) as page:
        resident = signed_in(page, live_server.url, scene.resident, tmp_path / "resident")
        page.goto(resident.url(f"/accounts/orders/{order.number}/"))
        notice = page.locator(f".extra-charge[data-trade-no='{charge.trade_no}']")
        assert "需补差价 ¥0.60" in notice.inner_text()
        box = notice.bounding_box()  # (Oscar's own line table below may scroll sideways on a phone)
        assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"] + 1, "the notice is off the screen"
        notice.get_by_role("link", name="去支付补差价").click()
        page.wait_for_url(f"**/checkout/extra/{charge.trade_no}/")
        assert "最多为预估金额的 10%" in page.locator(".pay-extra").inner_text()
        assert fits(page, viewport), "the 补差价 page is wider than the screen"
        resident.shot(f"extra-{device}")
        resident.submit(page.get_by_role("button", name="确认支付 ¥0.60"))
        assert f"/accounts/orders/{order.number}/" in page.url
        assert "补差价 ¥0.60 已支付" in alerts(page)
        assert not page.locator(".extra-charge").count()
        assert not resident.result.page_errors
    charge.refresh_from_db()
    assert charge.status == "paid"
