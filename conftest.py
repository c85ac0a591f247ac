"""Fixtures for every test. Service fixtures (PostgreSQL, Redis, Elasticsearch, Celery) live in
tests/services.py and are registered here."""

import pytest

pytest_plugins = ["tests.services", "tests.search_fixtures"]


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.hookimpl(trylast=True)  # after pytest-django's own ordering
def pytest_collection_modifyitems(config, items):
    """Tests marked `outage` stop a shared service: run them after every other test."""
    items.sort(key=lambda item: item.get_closest_marker("outage") is not None)


@pytest.fixture(autouse=True)
def _fresh_sign_in_limits():
    """Sign-in lockouts (django-axes), API throttles and SMS-code limits are counted in the
    cache for the whole run: each test starts with none (every test client is 127.0.0.1)."""
    yield
    from django.conf import settings
    from django.core.cache import cache

    patterns = ["*axes*", "*throttle_*", "*sms:*"]
    if "Redis" in settings.CACHES["default"]["BACKEND"]:
        client = cache._cache.get_client(write=True)
        for pattern in patterns:
            keys = list(client.scan_iter(match=pattern, count=1000))
            if keys:
                client.delete(*keys)
    else:
        cache.clear()
