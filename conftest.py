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
