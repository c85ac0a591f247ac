import pytest

from bureau import selectors
from bureau.tests.world import TODAY, build_world


@pytest.fixture
def today(monkeypatch):
    """The bureau's pages end at a fixed date in these tests (they never read the clock)."""
    monkeypatch.setattr(selectors, "today", lambda: TODAY)
    return TODAY


@pytest.fixture
def world(db, today):
    from django.core.cache import cache

    cache.clear()
    return build_world()
