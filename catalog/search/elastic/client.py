"""Elasticsearch connections and the circuit breaker around user-facing queries.

Two clients: `indexing` (patient: bulk writes from tasks and commands) and `query`
(impatient: SEARCH_TIMEOUT_SECONDS, no retries) for requests a resident waits on. When
queries fail, the breaker stays open for a cool-down so every request in that time goes
straight to the database backend instead of waiting for a timeout.
"""

from __future__ import annotations

import threading
import time
from functools import lru_cache

from django.conf import settings
from elasticsearch import Elasticsearch
from elasticsearch import exceptions as es_exceptions

from catalog.search.backends.base import SearchBackendUnavailable

# What counts as "the engine cannot answer now" (as opposed to a bug in our query).
UNAVAILABLE_ERRORS = (es_exceptions.ConnectionError, es_exceptions.ConnectionTimeout, es_exceptions.TransportError)


def is_unavailable(exc: Exception) -> bool:
    """Down, slow, overloaded or not built yet; a 400 (our query is wrong) is a bug, not this."""
    if isinstance(exc, UNAVAILABLE_ERRORS):
        return True
    if isinstance(exc, es_exceptions.ApiError):
        return exc.meta.status == 404 or exc.meta.status == 429 or exc.meta.status >= 500
    return False


@lru_cache(maxsize=8)
def _client(url: str, timeout: float, retries: int) -> Elasticsearch:
    # Keyed by the settings it is made from, so a changed setting never meets a stale client.
    return Elasticsearch(url, request_timeout=timeout, max_retries=retries, retry_on_timeout=retries > 0)


def indexing_client() -> Elasticsearch:
    return _client(settings.ELASTICSEARCH_URL, 60.0, 2)


def query_client() -> Elasticsearch:
    return _client(settings.ELASTICSEARCH_URL, float(settings.SEARCH_TIMEOUT_SECONDS), 0)


class CircuitBreaker:
    """Open after `threshold` consecutive failures; let one trial through after `cooldown` s."""

    def __init__(self, threshold: int, cooldown: float):
        self.threshold, self.cooldown = threshold, cooldown
        self._failures, self._opened_at = 0, 0.0
        self._lock = threading.Lock()

    @property
    def is_open(self) -> bool:
        with self._lock:
            return self._failures >= self.threshold and time.monotonic() - self._opened_at < self.cooldown

    def record_success(self) -> None:
        with self._lock:
            self._failures = 0

    def record_failure(self) -> None:
        with self._lock:
            self._failures += 1
            if self._failures >= self.threshold:
                self._opened_at = time.monotonic()

    def reset(self) -> None:
        with self._lock:
            self._failures, self._opened_at = 0, 0.0


breaker = CircuitBreaker(
    threshold=getattr(settings, "SEARCH_BREAKER_THRESHOLD", 1),
    cooldown=getattr(settings, "SEARCH_BREAKER_COOLDOWN_SECONDS", 10.0),
)


def guarded_search(index: str, body: dict) -> dict:
    """Run a user-facing search; SearchBackendUnavailable when the engine cannot answer."""
    if not settings.ELASTICSEARCH_URL:
        raise SearchBackendUnavailable("Elasticsearch is not configured")
    if breaker.is_open:
        raise SearchBackendUnavailable("circuit open after recent Elasticsearch failures")
    try:
        response = query_client().search(index=index, body=body)
    except Exception as exc:
        if not is_unavailable(exc):
            raise
        breaker.record_failure()
        raise SearchBackendUnavailable(f"{type(exc).__name__}: {exc}") from exc
    breaker.record_success()
    return response.body
