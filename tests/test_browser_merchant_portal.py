"""The merchant portal issue's definition of done, in a real browser at a 390 px phone width: a
shop applies, an operator approves it, the owner adds a weighed product and a home service
with slots, imports 200 listings from CSV (two bad rows reported, the rest applied), and a
resident finds the new listings in search within seconds (real Celery worker, Elasticsearch)."""

from __future__ import annotations

import json
import time
import urllib.parse
import urllib.request

import pytest
from PIL import Image

from tests.browser import browser_page

pytestmark = [pytest.mark.browser, pytest.mark.celery, pytest.mark.postgres, pytest.mark.elasticsearch,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE_390 = {"width": 390, "height": 844}
PASSWORD = "portal-pass-123"
SEARCH_SECONDS = 20


@pytest.fixture
def world(tmp_path):
    from catalog.models import Category
    from catalog.tests.factories import FreshProductClassFactory, ProductClassFactory, ServiceProductClassFactory
    from communities.tests.factories import StandardAddressFactory, UserFactory
    from merchants.formats import upsert_formats
    from merchants.models import BusinessFormat

    upsert_formats(BusinessFormat)  # the migration's rows, in case an earlier transactional test flushed them
    ProductClassFactory(), FreshProductClassFactory(), ServiceProductClassFactory()
    Category.add_root(name="蔬菜"), Category.add_root(name="家政")
    applicant = UserFactory(mobile="13500001111")
    applicant.set_password(PASSWORD)
    applicant.save()
    operator = UserFactory(mobile="13500002222", is_staff=True)
    operator.set_password(PASSWORD)
    operator.save()
    address = StandardAddressFactory(code="NJ-PORTAL-0001")
    photo = tmp_path / "licence.png"
    Image.new("RGB", (120, 80), "white").save(photo, "PNG")
    rows = ["sku,title,kind,category,price,stock,sale_unit,pack_size_g"]
    rows += [f"IMP-{n:03d},山野好货{n:03d},packaged,蔬菜,{5 + n % 20}.50,{10 + n % 30},piece," for n in range(198)]
    rows += ["IMP-198,坏价格,packaged,蔬菜,abc,10,piece,", "IMP-199,没有的分类,packaged,水果,3.00,10,piece,"]
    listing_file = tmp_path / "listings.csv"
    listing_file.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return {"address": address, "photo": str(photo), "csv": str(listing_file)}


def sign_in(page, base: str, mobile: str) -> None:
    page.goto(base + "/accounts/login/")
    page.fill("#id_login-username", mobile)
    page.fill("#id_login-password", PASSWORD)
    page.locator("button[name=login_submit]").click()
    page.wait_for_load_state()
    assert "/accounts/login/" not in page.url, f"signing in as {mobile} failed"


def fits_the_phone(page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    wide = page.evaluate("""() => [...document.querySelectorAll('body *')]
        .filter(e => e.getBoundingClientRect().right > window.innerWidth + 2)
        .slice(0, 8).map(e => e.tagName + '#' + e.id + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))""")
    assert overflow <= 2, f"{page.url} is {overflow}px wider than a 390 px phone: {wide}"


def test_a_shop_opens_stocks_itself_and_residents_find_it(chromium, world, live_server, live_celery_worker, settings):
    from catalog.search.elastic import indexer
    from catalog.search.elastic.client import breaker

    # residents search Elasticsearch, which the session's worker keeps up to date from the outbox
    settings.SEARCH_BACKEND = "elasticsearch"
    settings.SEARCH_TIMEOUT_SECONDS = 5  # a busy CI machine is not what this test measures
    breaker.reset()
    for kind in indexer.KINDS:  # fresh indices behind the aliases (an earlier run may have left a squatter)
        indexer.rebuild(kind)
    base = live_server.url
    # a shop applies
    with browser_page(viewport=PHONE_390) as page:
        sign_in(page, base, "13500001111")
        page.goto(base + "/dashboard/shop/")  # no shop yet: the way to apply
        assert page.url.endswith("/dashboard/shop/apply/")
        page.fill("#id_name", "山野小铺")
        page.select_option("#id_format", "fresh_grocery")
        page.fill("#id_address_code", "NJ-PORTAL-0001")
        page.fill("#id_phone", "025-86001111")
        page.fill("#id_licence_number", "91320100MA1PORTAL")
        page.set_input_files("#id_licence_photo", world["photo"])
        page.fill("#id_floor_area_m2", "45")
        fits_the_phone(page)
        page.locator("#apply-form button[type=submit]").click()
        page.wait_for_load_state()
        assert page.locator("[data-application=pending]").count() == 1
    # an operator approves it
    with browser_page(viewport=PHONE_390) as page:
        sign_in(page, base, "13500002222")
        page.goto(base + "/dashboard/shop/applications/")
        page.get_by_text("查看").first.click()
        page.wait_for_load_state()
        page.locator("button[value=approve]").click()
        page.wait_for_load_state()
    with browser_page(viewport=PHONE_390) as page:
        sign_in(page, base, "13500001111")
        page.goto(base + "/dashboard/shop/")
        assert "山野小铺" in page.content()
        fits_the_phone(page)
        # a weighed product
        page.goto(base + "/dashboard/shop/listings/add/")
        form = page.locator("#new-product-form")
        form.locator("#id_kind").select_option("fresh")
        form.locator("#id_title").fill("山野小青菜")
        form.locator("#id_category").select_option(label="蔬菜")
        form.locator("#id_price").fill("4.50")
        form.locator("#id_partner_sku").fill("VEG-1")
        form.locator("#id_num_in_stock").fill("30")
        form.locator("#id_sale_unit").select_option("weight")
        form.locator("#id_pack_size_g").fill("500")
        form.locator("button[type=submit]").click()
        page.wait_for_load_state()
        assert "/dashboard/shop/listings/" in page.url and "山野小青菜" in page.content()
        # a home service, then its slots
        page.goto(base + "/dashboard/shop/listings/add/")
        form = page.locator("#new-product-form")
        form.locator("#id_kind").select_option("service")
        form.locator("#id_title").fill("山野上门保洁")
        form.locator("#id_category").select_option(label="家政")
        form.locator("#id_price").fill("80.00")
        form.locator("#id_partner_sku").fill("SVC-1")
        form.locator("#id_service_duration_min").fill("120")
        form.locator("button[type=submit]").click()
        page.wait_for_load_state()
        assert "山野上门保洁" in page.content()
        page.goto(base + "/dashboard/shop/slots/")
        new = page.locator("#new-template")
        new.locator("#id_new-kind").select_option("service")
        new.locator("#id_new-product").select_option(label="山野上门保洁")
        new.locator("#id_new-starts").fill("09:00")
        new.locator("#id_new-ends").fill("17:00")
        new.locator("#id_new-slot_minutes").fill("120")
        new.locator("#id_new-capacity").fill("2")
        new.locator("button[type=submit]").click()
        page.wait_for_load_state()
        assert page.locator("#coming-slots [data-slot]").count() >= 4
        fits_the_phone(page)
        # 200 listings from CSV: a dry run names the two bad rows, then the valid rows go in
        page.goto(base + "/dashboard/shop/import/")
        page.set_input_files("#import-file", world["csv"])
        page.locator("#import-form button[type=submit]").click()
        page.wait_for_selector("#problem-count", timeout=60_000)
        assert page.locator("#import-problems [data-line]").count() == 2
        assert "价格" in page.content() and "分类" in page.content()
        page.locator("button[value=apply_valid]").click()
        page.wait_for_selector(".alert-success", timeout=60_000)
        assert "198" in page.locator(".alert-success").inner_text()
        fits_the_phone(page)
        # every page of the portal reads on the phone: the table (searched and filtered), a listing,
        # the profile with its map, the staff, the figures with their charts, the statement
        for path, marker in (("/dashboard/shop/listings/", "[data-listing]"),
                             ("/dashboard/shop/listings/?q=山野&kind=fresh&stock=in&published=1", "[data-listing]"),
                             ("/dashboard/shop/profile/", "#area-map"), ("/dashboard/shop/staff/", "#staff-form"),
                             ("/dashboard/shop/figures/", "#sales-chart"), ("/dashboard/shop/settlement/", "#settlement-totals")):
            page.goto(base + path)
            assert page.locator(marker).count() >= 1, path
            fits_the_phone(page)
        page.goto(base + "/dashboard/shop/listings/?q=山野小青菜")
        page.locator("[data-listing] a").first.click()
        page.wait_for_load_state()
        assert "山野小青菜" in page.content() and "/dashboard/shop/listings/" in page.url
        fits_the_phone(page)
    # a resident finds the new listings in search within seconds (the worker applies the outbox)
    address = world["address"]
    deadline = time.monotonic() + SEARCH_SECONDS
    query = urllib.parse.urlencode({"q": "山野好货", "lat": address.lat, "lng": address.lng})
    found = {}
    while time.monotonic() < deadline:
        with urllib.request.urlopen(f"{base}/api/v1/search/?{query}") as response:
            found = json.loads(response.read())
        if found.get("backend") == "elasticsearch" and found.get("count", 0) >= 198:
            break
        time.sleep(1)
    assert found.get("backend") == "elasticsearch" and found.get("count") >= 198, found.get("count")
