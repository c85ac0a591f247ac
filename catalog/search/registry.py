"""The search engines by name, and which one answers: the one named by
``settings.SEARCH_BACKEND``, the database when that one is not installed or cannot answer
(``SearchBackendUnavailable``). Every backend class answers ``search`` (listings), ``suggest``
(titles for the search box) and, for the circle, ``merchants_in_circle``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string

from catalog.search.backends.base import ListingSearchBackend, SearchBackendUnavailable

logger = logging.getLogger(__name__)

DEFAULT_BACKEND = "database"
# Backend name (settings.SEARCH_BACKEND) -> class, for listings and suggestions.
SEARCH_BACKENDS = {
    "database": "catalog.search.backends.database.DatabaseListingBackend",
    "elasticsearch": "catalog.search.backends.elasticsearch.ElasticsearchListingBackend",
}
# ... and for the merchants within a circle.
CIRCLE_BACKENDS = {
    "database": "catalog.search.backends.database.DatabaseCircleBackend",
    "elasticsearch": "catalog.search.backends.elasticsearch.ElasticsearchCircleBackend",
}


def configured_name() -> str:
    return getattr(settings, "SEARCH_BACKEND", DEFAULT_BACKEND) or DEFAULT_BACKEND


def get_search_backend(name: str | None = None, *, backends: dict[str, str] = SEARCH_BACKENDS) -> ListingSearchBackend:
    name = name or configured_name()
    path = backends.get(name)
    if path is None:
        logger.warning("unknown SEARCH_BACKEND %r, using the database backend", name)
        path = backends[DEFAULT_BACKEND]
    try:
        backend_class = import_string(path)
    except ImportError:
        if name == DEFAULT_BACKEND:
            raise
        logger.warning("search backend %s is not installed, using the database backend", name)
        backend_class = import_string(backends[DEFAULT_BACKEND])
    return backend_class()


def ask(question: Callable[[Any], Any], *, backends: dict[str, str] = SEARCH_BACKENDS):
    """`question(backend)` of the configured backend, of the database when it cannot answer.
    Answers (result, name of the backend that answered)."""
    backend = get_search_backend(backends=backends)
    try:
        return question(backend), backend.name
    except SearchBackendUnavailable:
        if backend.name == DEFAULT_BACKEND:
            raise
        logger.warning("search backend %s unavailable, answering from the database", backend.name, exc_info=True)
        return question(get_search_backend(DEFAULT_BACKEND, backends=backends)), DEFAULT_BACKEND
