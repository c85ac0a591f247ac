"""A crash renders the Chinese 500 page, without a traceback, when DEBUG is off."""

import pytest
from django.test import Client
from django.urls import path

from shop import urls as project_urls


def exploding_view(request):
    raise RuntimeError("secret internal detail")


urlpatterns = [path("explode/", exploding_view), *project_urls.urlpatterns]
handler404 = project_urls.handler404
handler500 = project_urls.handler500


@pytest.mark.django_db
def test_an_unhandled_error_shows_the_chinese_500_page_without_a_traceback(settings):
    settings.DEBUG = False
    settings.ROOT_URLCONF = __name__
    client = Client(raise_request_exception=False)
    response = client.get("/explode/")
    html = response.content.decode()
    assert response.status_code == 500
    assert "抱歉, 系统出了点问题" in html
    assert "Traceback" not in html and "secret internal detail" not in html and "RuntimeError" not in html
