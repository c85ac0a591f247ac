"""The community pages issue's definition of done, in a real browser (Debian's Chromium driven
by Playwright, as tests/browser.py does):

1. a community editor signs in and, in the Wagtail admin (/cms-admin/), publishes a notice
   and an event under their community;
2. a resident (on a 390 px wide phone) opens `/`, sees both for their community (and not the
   promotion still waiting for review), opens the event and signs up;
3. the street-office reviewer approves the waiting promotion in the admin; only then does the
   resident's home page show it.
"""

from __future__ import annotations

import datetime
import re

import pytest

from tests.browser import browser_page
from tests.concurrency import no_search_sync  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE_390 = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
PASSWORD = "demo-pass-123"


@pytest.fixture
def neighbourhood(no_search_sync):  # noqa: F811
    from wagtail.models import Workflow

    from cms.models import PROMOTION_WORKFLOW
    from cms.tests.factories import community_page, editor_of, promotion, reviewer
    from communities.tests.factories import ResidentAddressFactory, StandardAddressFactory, UserFactory
    from merchants.tests.factories import ListingFactory, MerchantFactory

    home = community_page(name="山西路社区", slug="shanxilu")
    community_page(name="颐和路社区", slug="yihelu")
    editor = editor_of(home, mobile="13655551001")
    resident = UserFactory(mobile="13655551002", last_name="王", first_name="秀英")
    ResidentAddressFactory(user=resident, standard_address=StandardAddressFactory(community=home.community),
                           is_default=True)
    shop = MerchantFactory(community=home.community, name="山西路便利店")
    # the editor's promotion, submitted to the street office's review
    promo = promotion(home, merchant=shop, listing=ListingFactory(partner=shop), title="便利店周末八折",
                      starts_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC), days=365 * 100, live=False)
    promo.save_revision(user=editor)
    Workflow.objects.get(name=PROMOTION_WORKFLOW).start(promo, editor)
    return {"home": home, "editor": editor, "resident": resident, "reviewer": reviewer(mobile="13655551003"),
            "promotion": promo}


def sign_in(page, base: str, mobile: str, next_path: str = "/") -> None:
    page.goto(f"{base}/accounts/login/?next={next_path}")
    page.fill("#id_login-username", mobile)
    page.fill("#id_login-password", PASSWORD)
    with page.expect_navigation():
        page.locator("button[name=login_submit]").click()
    assert "/accounts/login/" not in page.url, f"signing in as {mobile} failed"


def publish_from_admin(page) -> None:
    """Press Wagtail's 发布 (publish) in the footer's action menu (it sits in a dropdown)."""
    with page.expect_navigation():
        page.evaluate("document.querySelector('button[name=\"action-publish\"]').click()")


def set_field(page, selector: str, value: str) -> None:
    """Type into a field that may sit on another tab of the editor."""
    page.evaluate("([s, v]) => { const el = document.querySelector(s); el.value = v;"
                  " el.dispatchEvent(new Event('input', {bubbles: true}));"
                  " el.dispatchEvent(new Event('change', {bubbles: true})); }",
                  [selector, value])


def test_an_editor_publishes_a_resident_signs_up_and_a_promotion_waits_for_the_reviewer(
        chromium, neighbourhood, live_server, tmp_path):
    from cms.models import EventPage, EventSignup, NoticePage

    base = live_server.url
    home = neighbourhood["home"]
    errors: list[str] = []

    # 1. the editor publishes a notice and an event under their community
    with browser_page(viewport=DESKTOP) as page:
        page.on("pageerror", lambda error: errors.append(f"admin: {error}"))
        sign_in(page, base, neighbourhood["editor"].mobile, "/cms-admin/")
        page.goto(f"{base}/cms-admin/pages/add/cms/noticepage/{home.pk}/")
        page.fill("#id_title", "楼道消防检查通知")
        set_field(page, "#id_slug", "fire-check")
        page.select_option("#id_category", "safety")
        page.check("#id_pinned")
        publish_from_admin(page)
        page.screenshot(path=str(tmp_path / "01-notice-published.png"), full_page=True)
        page.goto(f"{base}/cms-admin/pages/add/cms/eventpage/{home.pk}/")
        page.fill("#id_title", "智能手机课堂")
        set_field(page, "#id_slug", "phone-class")
        set_field(page, "#id_starts_at", "2099-01-01 09:00")
        set_field(page, "#id_ends_at", "2099-01-01 11:00")
        page.fill("#id_place_name", "社区党群服务中心二楼")
        page.fill("#id_place_lat", str(home.community.centroid_lat))
        page.fill("#id_place_lng", str(home.community.centroid_lng))
        page.fill("#id_capacity", "2")
        publish_from_admin(page)
        page.screenshot(path=str(tmp_path / "02-event-published.png"), full_page=True)
    notice = NoticePage.objects.get(title="楼道消防检查通知")
    event = EventPage.objects.get(title="智能手机课堂")
    assert notice.live and notice.get_parent().pk == home.pk, "the notice was not published"
    assert event.live and event.capacity == 2, "the event was not published"

    # 2. the resident, on a 390 px phone, meets their community on / and signs up
    resident = neighbourhood["resident"]
    with browser_page(viewport=PHONE_390) as phone:
        phone.on("pageerror", lambda error: errors.append(f"resident: {error}"))
        sign_in(phone, base, resident.mobile)
        phone.goto(f"{base}/")
        main = phone.inner_text("main")
        assert "山西路社区" in main and "楼道消防检查通知" in main and "智能手机课堂" in main, main[:800]
        assert "便利店周末八折" not in main, "a promotion showed before the reviewer approved it"
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE_390["width"], f"the home page is {width} px wide on a 390 px phone"
        phone.screenshot(path=str(tmp_path / "03-home.png"), full_page=True)
        with phone.expect_navigation():
            phone.locator("a.event-title", has_text="智能手机课堂").click()
        with phone.expect_navigation():
            phone.locator("button[name=signup]").click()
        assert "您已报名" in phone.inner_text("main")
        phone.screenshot(path=str(tmp_path / "04-signed-up.png"), full_page=True)
    assert EventSignup.objects.get(event=event, user=resident).status == "confirmed"

    # 3. the reviewer approves the promotion; then, and only then, the home page shows it
    with browser_page(viewport=DESKTOP) as admin:
        admin.on("pageerror", lambda error: errors.append(f"reviewer: {error}"))
        sign_in(admin, base, neighbourhood["reviewer"].mobile, "/cms-admin/")
        admin.goto(f"{base}/cms-admin/pages/{neighbourhood['promotion'].pk}/edit/")
        with admin.expect_navigation():
            admin.evaluate("document.querySelector('button[data-workflow-action-name=\"approve\"]"
                           ":not([data-workflow-action-modal-url])').click()")
        admin.screenshot(path=str(tmp_path / "05-approved.png"), full_page=True)
    neighbourhood["promotion"].refresh_from_db()
    assert neighbourhood["promotion"].live, "the reviewer's approval did not publish the promotion"
    with browser_page(viewport=PHONE_390) as phone:
        sign_in(phone, base, resident.mobile)
        phone.goto(f"{base}/")
        assert "便利店周末八折" in phone.inner_text("main"), "the approved promotion is not on the home page"
        phone.screenshot(path=str(tmp_path / "06-home-with-promotion.png"), full_page=True)
    assert not [e for e in errors if not re.search(r"ResizeObserver", e)], errors
