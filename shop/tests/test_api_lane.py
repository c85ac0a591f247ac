"""Issue 16 (search API overhead): /api/v1/ requests take a shorter middleware chain
(shop.core.middleware.ApiLaneMiddleware), plain JSON Accept headers skip DRF's negotiation
(shop.core.apiviews.JsonFirstNegotiation), and the nonce-free CSP policy is built once per
process (shop.core.middleware.CSPMiddleware) — with the same headers, sign-in and answers."""

import json

import pytest
from csp.utils import build_policy
from django.conf import settings

from communities.tests.factories import UserFactory

pytestmark = pytest.mark.django_db
API_URL = "/api/v1/search/suggest/"  # answers without a search engine or a database row
SECURITY_HEADERS = ("Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy",
                    "Cross-Origin-Opener-Policy")


def policy_parts(header: str) -> set[str]:
    return {part.strip() for part in header.split(";")}  # django-csp writes them in no fixed order


def test_an_api_request_skips_the_storefront_middleware_and_keeps_every_security_header(client):
    # given the middleware of the whole site, with the lane first
    assert settings.MIDDLEWARE[0] == "shop.core.middleware.ApiLaneMiddleware"
    # when a page and an API answer are asked for
    page = client.get("/healthz")
    api = client.get(API_URL, {"q": ""})
    # then the page went through flash messages and Oscar's basket middleware, the API did not
    assert hasattr(page.wsgi_request, "_messages") and hasattr(page.wsgi_request, "strategy")
    assert not hasattr(api.wsgi_request, "_messages") and not hasattr(api.wsgi_request, "strategy")
    # and the API answer carries every security header the page carries, with the same values
    assert api.status_code == 200 and api.json() == {"q": "", "backend": "none", "suggestions": []}
    for name in SECURITY_HEADERS:
        assert api.has_header(name), name
        assert policy_parts(api[name]) == policy_parts(page[name]), name


def test_the_lane_keeps_the_language_the_session_and_the_trailing_slash(client):
    # given a signed-in resident (a session cookie, as the storefront's own scripts send)
    user = UserFactory()
    client.force_login(user)
    # when the API is asked in English, for the resident's profile
    answer = client.get("/api/v1/me/", HTTP_ACCEPT_LANGUAGE="en")
    # then the session signed the resident in, and the language was chosen
    assert answer.status_code == 200, answer.content
    assert answer.json()["id"] == user.pk
    assert answer["Content-Language"] == "en"
    # and a path without its slash is still redirected (CommonMiddleware runs in the lane)
    assert client.get("/api/v1/me").status_code == 301
    # and without the session the profile is refused as before
    client.logout()
    assert client.get("/api/v1/me/").status_code in (401, 403)


@pytest.mark.parametrize("accept", [None, "*/*", "application/json"])
def test_plain_json_accept_headers_get_the_json_renderer(client, accept):
    extra = {"HTTP_ACCEPT": accept} if accept else {}
    answer = client.get(API_URL, {"q": ""}, **extra)
    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/json"
    assert answer.content == b'{"q":"","backend":"none","suggestions":[]}'


def test_other_accept_headers_still_go_through_drfs_negotiation(client):
    # an indent asked for: DRF's indented JSON
    indented = client.get(API_URL, {"q": ""}, HTTP_ACCEPT="application/json; indent=2")
    assert indented["Content-Type"] == "application/json"
    assert indented.content.startswith(b'{\n  "q": ""') and json.loads(indented.content)["backend"] == "none"
    # a browser: the browsable API
    browsable = client.get(API_URL, {"q": ""}, HTTP_ACCEPT="text/html")
    assert browsable["Content-Type"].startswith("text/html") and b"suggestions" in browsable.content
    # something the API cannot write: 406 in the API's error shape
    refused = client.get(API_URL, {"q": ""}, HTTP_ACCEPT="application/xml")
    assert refused.status_code == 406 and refused.json()["error"] == "not_acceptable"


def test_the_kept_policy_is_django_csps_and_follows_a_changed_setting(client, settings):
    # given the policy from the settings
    assert policy_parts(client.get(API_URL, {"q": ""})["Content-Security-Policy"]) == policy_parts(build_policy())
    # when the setting changes (as a test or a reload does)
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": ["'none'"], "frame-ancestors": ["'none'"]}}
    # then the next answer carries the new policy, not the kept one
    assert policy_parts(client.get(API_URL, {"q": ""})["Content-Security-Policy"]) == {
        "default-src 'none'", "frame-ancestors 'none'"}
