"""Fixtures for the search contract tests: every case runs on the database backend and on the
real Elasticsearch (indices under a prefix of their own, deleted afterwards)."""

import uuid

import pytest


@pytest.fixture
def es_index(es_client, settings):
    """A private index prefix on the real Elasticsearch; yields a function that rebuilds both indices."""
    from catalog.search.elastic import indexer
    from catalog.search.elastic.client import breaker

    prefix = f"test-{uuid.uuid4().hex[:10]}"
    settings.SEARCH_INDEX_PREFIX = prefix
    settings.SEARCH_TIMEOUT_SECONDS = 5  # a busy CI machine is not what these tests measure
    breaker.reset()

    def rebuild():
        for kind in indexer.KINDS:
            indexer.rebuild(kind)

    yield rebuild
    names = list(es_client.indices.get(index=f"{prefix}-*", allow_no_indices=True, ignore_unavailable=True))
    if names:  # deleting by wildcard is refused (action.destructive_requires_name)
        es_client.indices.delete(index=",".join(names), ignore_unavailable=True)
    breaker.reset()


@pytest.fixture(params=["database", "elasticsearch"])
def search_backend(request, settings):
    """The backend under test, and `sync()` that brings it up to date with the database."""
    settings.SEARCH_BACKEND = request.param
    if request.param == "database":
        yield type("Backend", (), {"name": "database", "sync": staticmethod(lambda: None)})
        return
    rebuild = request.getfixturevalue("es_index")
    settings.ELASTICSEARCH_URL = settings.ELASTICSEARCH_URL  # set by the environment (es_client checked it)
    yield type("Backend", (), {"name": "elasticsearch", "sync": staticmethod(rebuild)})
