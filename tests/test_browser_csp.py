"""The Content-Security-Policy holds on the pages people use: the storefront, the merchant and
staff dashboard, the CMS editor and the tracking map load with no violation in a real Chromium
(a phone's width), and every response carries the policy and the other security headers."""

from __future__ import annotations

import pytest
from django.test import Client

from catalog.tests.factories import ProductFactory
from communities.tests.factories import UserFactory
from delivery.tests.factories import order_with_groups
from merchants.tests.factories import ListingFactory
from tests.browser import PHONE, browser_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def session_cookie(user, live_server):
    client = Client()
    client.force_login(user)
    cookie = client.cookies["sessionid"]
    return {"name": "sessionid", "value": cookie.value, "url": live_server.url}


def violations_on(page, url: str) -> list[str]:
    messages: list[str] = []
    page.on("console", lambda message: messages.append(message.text) if "Content Security Policy" in message.text else None)
    response = page.goto(url)
    assert response.status < 400, (url, response.status)
    page.wait_for_load_state("networkidle")
    return messages


def test_the_pages_people_use_load_with_no_csp_violation(chromium, live_server):
    # given a product, a resident with an order, and a superuser (storefront staff, CMS editor)
    listing = ListingFactory(product=ProductFactory(title="土鸡蛋", description="<p><b>新鲜</b></p>"))
    resident = UserFactory(mobile="13800000061")
    order = order_with_groups(user=resident, lines=[(listing, 1)])
    staff = UserFactory(mobile="13800000062", is_staff=True, is_superuser=True)
    pages = {
        resident: ["/", listing.product.get_absolute_url(), "/basket/", "/circle/",
                   f"/orders/{order.number}/tracking/", "/accounts/login/", "/accounts/password-reset/sms/"],
        staff: ["/dashboard/", "/dashboard/catalogue/", "/dashboard/merchant-orders/", "/cms-admin/",
                "/cms-admin/pages/", "/django-admin/", "/api/docs/"],
    }
    cookies = {user: session_cookie(user, live_server) for user in pages}  # before the browser's event loop
    found = {}
    for user, urls in pages.items():
        with browser_page(viewport=PHONE) as page:
            page.context.add_cookies([cookies[user]])
            for url in urls:
                problems = violations_on(page, live_server.url + url)
                if problems:
                    found[url] = problems
    # then nothing was refused
    assert found == {}


@pytest.mark.parametrize("url", ["/", "/api/v1/merchants/", "/accounts/login/"])
def test_every_response_carries_the_security_headers(client, url):
    response = client.get(url)
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "object-src 'none'" in policy and "'unsafe-inline'" not in policy.split(
        "script-src")[1].split(";")[0]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "SAMEORIGIN"
