"""No page loads anything from another host (no CDN, no trackers) and links stay on the site."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.urls import reverse

pytestmark = pytest.mark.django_db

# any URL attribute pointing to another host: http://, https:// or protocol-relative //
EXTERNAL_ATTRIBUTE = re.compile(r"""\b(?:src|href|action|srcset|poster|data)\s*=\s*["']?\s*(?:https?:)?//""", re.I)
EXTERNAL_CSS_URL = re.compile(r"""(?:url\(\s*["']?|@import\s+["'])\s*(?:https?:)?//""", re.I)
STYLESHEET = re.compile(r"""<link[^>]+href=["']/static/([^"'?#]+\.css)""", re.I)
SCRIPT = re.compile(r"""<script[^>]+src=["']([^"']+)""", re.I)


def _pages(catalogue):
    return {
        "/": "/",
        "catalogue": reverse("catalogue:index"),
        "category": catalogue.fresh.get_absolute_url(),
        "search": reverse("search:search") + "?q=白菜",
        "detail": catalogue.cabbage.get_absolute_url(),
        "community": "/community/",
        "login": reverse("customer:login"),
        "basket": reverse("basket:summary"),
    }


@pytest.mark.parametrize("page", ["/", "catalogue", "category", "search", "detail", "community", "login", "basket"])
def test_a_page_references_no_other_host(client, catalogue, page):
    # when fetching a main page (following the home page's redirect)
    response = client.get(_pages(catalogue)[page], follow=True)
    assert response.status_code == 200
    html = response.content.decode()
    # then no attribute points to another host, inline styles included
    assert EXTERNAL_ATTRIBUTE.findall(html) == []
    assert EXTERNAL_CSS_URL.findall(html) == []
    # and the stylesheets it links load nothing from another host either
    for path in STYLESHEET.findall(html):
        found = finders.find(path)
        assert found, f"stylesheet {path} is not a local static file"
        assert EXTERNAL_CSS_URL.findall(Path(found).read_text(encoding="utf-8")) == [], path
    # and every script is served from /static/
    assert all(src.startswith(settings.STATIC_URL) for src in SCRIPT.findall(html))


def test_jquery_is_the_local_copy(client, catalogue):
    html = client.get(reverse("catalogue:index")).content.decode()
    assert '<script src="/static/oscar/js/jquery/jquery.min.js"></script>' in html
    assert "googleapis" not in html and "googletagmanager" not in html


def test_no_analytics_even_when_an_id_is_configured(client, catalogue, settings):
    settings.OSCAR_GOOGLE_ANALYTICS_ID = "G-TEST"
    html = client.get(reverse("catalogue:index")).content.decode()
    assert "googletagmanager" not in html and "G-TEST" not in html
