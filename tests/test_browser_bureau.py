"""The bureau's pages in a real browser (Debian's Chromium via Playwright): the analyst signs in,
opens the district, a community, exports XLSX and opens the printable report, on a desktop and
on a 390 px phone; a resident and a merchant are refused."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from bureau import selectors
from bureau.tests.world import START, TODAY, build_world
from tests.browser import browser_page

pytestmark = [pytest.mark.browser, pytest.mark.postgres,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]
PASSWORD = "demo-pass-123"  # communities.tests.factories.UserFactory
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
PERIOD = f"?start={START.isoformat()}&end={TODAY.isoformat()}"


@pytest.fixture
def city(monkeypatch):
    from django.core.cache import cache

    cache.clear()
    monkeypatch.setattr(selectors, "today", lambda: TODAY)
    return build_world()


def sign_in(page, base: str, mobile: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_login-username", mobile)
    page.fill("#id_login-password", PASSWORD)
    with page.expect_navigation(wait_until="load"):
        page.locator("button[name=login_submit]").click()


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_analyst_reads_the_district_and_a_community(chromium, live_server, city, viewport, tmp_path):
    base = live_server.url
    with browser_page(viewport=viewport) as page:
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        sign_in(page, base, city.analyst.mobile)
        # the district: the map, the ranking, a chart drawn from the ranking table
        response = page.goto(f"{base}/bureau/{PERIOD}")
        assert response.status == 200
        assert page.locator("svg.bureau-map path").count() == 2
        assert page.locator("#ranking tbody tr").count() == 2
        page.wait_for_selector(".bureau-chart canvas")
        # how coverage moved: a row a day, drawn as a chart too
        assert page.locator("#coverage-trend tbody tr").count() == (TODAY - START).days + 1
        assert page.locator("section[aria-labelledby=coverage-trend-title] .bureau-chart canvas").count() == 1
        assert no_sideways_scroll(page)
        # a community, from the ranking
        with page.expect_navigation(wait_until="load"):
            page.locator("#ranking a", has_text="甲社区").click()
        assert "/bureau/communities/jia/" in page.url
        assert page.locator("[data-figure=tier]").inner_text() == "未达标"
        assert page.locator("#gaps tbody tr[data-code=elderly_care] td").nth(3).inner_text() == "12"
        assert no_sideways_scroll(page)
        # the coverage table as XLSX
        with page.expect_download() as download:
            page.locator("a[data-export=\"coverage.xlsx\"]").click()
        path = tmp_path / download.value.suggested_filename
        download.value.save_as(path)
        assert path.suffix == ".xlsx"
        sheet = load_workbook(io.BytesIO(path.read_bytes())).active
        assert sheet.max_row == 27  # a header and the 26 formats
        # the printable one-page report
        with page.expect_navigation(wait_until="load"):
            page.locator("a", has_text="打印报告").click()
        assert "一刻钟便民生活圈情况报告" in page.locator("h1").inner_text()
        assert page.locator("#coverage tbody tr").count() == 26
        # the demonstration communities
        page.goto(f"{base}/bureau/demonstration/{PERIOD}")
        assert page.locator(".bureau-demo[data-slug=jia]").count() == 1
        with page.expect_download() as download:
            page.locator("a[data-export=\"demonstration.xlsx\"]").click()
        path = tmp_path / download.value.suggested_filename
        download.value.save_as(path)
        rows = list(load_workbook(io.BytesIO(path.read_bytes())).active.iter_rows(values_only=True))
        assert rows[0][:2] == ("社区", "街道") and len(rows) == 1 + 5  # jia's five criteria
        assert not errors, errors


def test_residents_and_merchants_are_refused(chromium, live_server, city):
    from django.contrib.auth.models import Permission

    from communities.tests.factories import ResidentAddressFactory, UserFactory

    resident = ResidentAddressFactory(user=UserFactory(mobile="13912340001")).user
    merchant = UserFactory(mobile="13912340002")
    merchant.user_permissions.add(Permission.objects.get(codename="dashboard_access", content_type__app_label="partner"))
    city.shops["store"].users.add(merchant)
    for user in (resident, merchant):
        with browser_page(viewport=PHONE) as page:
            sign_in(page, live_server.url, user.mobile)
            response = page.goto(f"{live_server.url}/bureau/")
            assert response.status == 403
            assert page.locator("#ranking").count() == 0
