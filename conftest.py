"""Fixtures for every test. Service fixtures (PostgreSQL, Redis, Elasticsearch, Celery) live in
tests/services.py and are registered here."""

import pytest

pytest_plugins = ["tests.services", "tests.search_fixtures"]


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    # whole-page cache off unless a test turns it on (catalog/tests/test_page_cache.py): tests
    # change rows the outbox does not track (categories, images) and look at the page again
    settings.PAGE_CACHE_SECONDS = 0


@pytest.hookimpl(trylast=True)  # after pytest-django's own ordering
def pytest_collection_modifyitems(config, items):
    """Tests marked `outage` stop a shared service: run them after every other test."""
    items.sort(key=lambda item: item.get_closest_marker("outage") is not None)


@pytest.fixture(autouse=True)
def _fresh_search_labels():
    """The facets' per-process map of categories and formats (catalog/search/labels.py) never
    outlives a test's rolled-back data."""
    from catalog.search.labels import forget

    forget()


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


# --- the clock ----------------------------------------------------------------------------------
#
# Tests never read the wall clock for a business rule. To prove it for the code that reasons
# about hours (dispatch, checkout, slots and delivery windows in the basket), every test of
# these modules runs three times, with the clock started (and then ticking) at three times of
# day in Beijing: early morning, noon, and ten minutes before midnight. A test that passes at
# noon and fails at 23:50 fails here, in every run.

CLOCK_MODULES = ("delivery/tests/test_dispatch", "shop/checkout/tests/", "shop/basket/tests/")
TIMES_OF_DAY = {"06:05": (6, 5), "12:00": (12, 0), "23:50": (23, 50)}
CLOCK_DATE = (2026, 3, 18)  # a Wednesday, any date works


def pytest_generate_tests(metafunc):
    path = metafunc.definition.path.relative_to(metafunc.config.rootpath).as_posix()
    if "beijing_clock" in metafunc.fixturenames and path.startswith(CLOCK_MODULES):
        metafunc.parametrize("beijing_clock", list(TIMES_OF_DAY), indirect=True, ids=lambda t: f"beijing-{t}")


@pytest.fixture(autouse=True)
def beijing_clock(request):
    """In CLOCK_MODULES: the clock starts at the parametrised Beijing time of day and ticks on
    (time-machine). Elsewhere: the real clock."""
    time_of_day = getattr(request, "param", None)
    if time_of_day is None:
        yield None
        return
    from datetime import datetime
    from zoneinfo import ZoneInfo

    import time_machine

    hour, minute = TIMES_OF_DAY[time_of_day]
    start = datetime(*CLOCK_DATE, hour, minute, tzinfo=ZoneInfo("Asia/Shanghai"))
    with time_machine.travel(start, tick=True):
        yield start
