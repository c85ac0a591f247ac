"""Fixtures for every test. Service fixtures (PostgreSQL, Redis, Elasticsearch, Celery) live in
tests/services.py and are registered here."""

import pytest

pytest_plugins = ["tests.services", "tests.search_fixtures"]


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
