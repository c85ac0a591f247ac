"""Chinese first, English available: the storefront's language, and its error page."""

import re

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", response.content.decode(), flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_storefront_is_chinese_by_default(client, catalogue):
    # when a browser sends no language preference
    response = client.get(reverse("catalogue:index"))
    # then the page and its navigation are Chinese
    assert '<html lang="zh-hans"' in response.content.decode()
    text = _text(response)
    for label in ["首页", "全部商品", "社区", "我的订单", "登录", "购物车", "搜索", "有货", "查看详情", "店铺类型"]:
        assert label in text
    assert "¥2.50" in text


def test_a_chinese_browser_gets_chinese(client, catalogue):
    response = client.get(reverse("catalogue:index"), HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9,en;q=0.8")
    assert "首页" in _text(response)


def test_an_english_browser_gets_english(client, catalogue):
    # when the browser prefers English
    response = client.get(reverse("catalogue:index"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    # then our strings, Oscar's and the business formats are English
    assert '<html lang="en"' in response.content.decode()
    text = _text(response)
    for label in ["Home", "All products", "Communities", "My orders", "Log in", "Basket", "In stock",
                  "View details", "about 500 g per pack", "fresh-food store / greengrocer", "5 results"]:
        assert label in text
    assert "首页" not in text
    assert "CN¥2.50" in text  # babel's English symbol for CNY


def test_the_language_switch_sets_english_and_back(client, catalogue):
    # given the language switch in the header posts to Django's set_language
    page = client.get(reverse("catalogue:index")).content.decode()
    assert 'action="/i18n/setlang/"' in page and 'name="language" value="en"' in page
    # when choosing English
    response = client.post("/i18n/setlang/", {"language": "en", "next": catalogue.cabbage.get_absolute_url()})
    # then the cookie is set and the product page is English
    assert response.status_code == 302
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    text = _text(client.get(catalogue.cabbage.get_absolute_url()))
    assert "Shops selling this" in text and "Weighed goods, sold in packs" in text and "In stock" in text
    # and choosing 中文 brings Chinese back
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert "有售的店铺" in _text(client.get(catalogue.cabbage.get_absolute_url()))


def test_oscar_pages_use_the_corrected_chinese(client, db):
    response = client.get(reverse("customer:login"))
    text = _text(response)
    assert "登录" in text and "登陆" not in text


def test_the_404_page_is_chinese_without_a_traceback(client, settings, db):
    # given production settings
    settings.DEBUG = False
    # when a resident follows a broken link
    response = client.get("/no-such-page/")
    # then a Chinese page, no technical details
    assert response.status_code == 404
    text = _text(response)
    assert "页面未找到" in text and "返回首页" in text
    assert "Traceback" not in text and "urlpatterns" not in text and "Using the URLconf" not in text


def test_a_missing_product_is_the_chinese_404_page(client, settings, db):
    settings.DEBUG = False
    response = client.get(reverse("catalogue:detail", kwargs={"product_slug": "x", "pk": 999999}))
    assert response.status_code == 404
    assert "页面未找到" in _text(response)


def test_a_signed_in_resident_sees_account_and_logout_instead_of_login(client, catalogue):
    from communities.tests.factories import UserFactory

    # given a signed-in resident
    client.force_login(UserFactory())
    # when opening the catalogue
    text = _text(client.get(reverse("catalogue:index")))
    # then
    assert "我的账户" in text and "退出" in text and "我的订单" in text
    assert " 登录 " not in text
