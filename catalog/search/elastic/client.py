"""Elasticsearch connections and the circuit breaker around user-facing queries.

Two clients: `indexing` (patient: bulk writes from tasks and commands) and `query`
(impatient: SEARCH_TIMEOUT_SECONDS, no retries) for requests a resident waits on. When
queries keep failing, the breaker opens for a cool-down so every request in that time goes
straight to the database backend instead of waiting for a timeout, then lets one probe through.
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
    """Closed until `threshold` failures fall within `window` seconds (one slow query is not an
    outage); then open for `cooldown` s, every query going straight to the database; then
    half-open: ONE probe query goes to the engine (the others still to the database) and its
    outcome closes the breaker or opens it for another cool-down. A probe that never reports
    (its worker died) frees its slot after another `cooldown`. Per process, in memory."""

    def __init__(self, threshold: int, cooldown: float, window: float, clock=time.monotonic):
        self.threshold, self.cooldown, self.window, self.clock = max(1, threshold), cooldown, window, clock
        self._lock = threading.Lock()
        self.reset()

    @property
    def state(self) -> str:
        with self._lock:
            if self._opened_at is None:
                return "closed"
            return "open" if self.clock() - self._opened_at < self.cooldown else "half-open"

    @property
    def is_open(self) -> bool:
        return self.state != "closed"

    def allow(self) -> bool:
        """May this query go to the engine? Half-open: only the first caller (the probe)."""
        with self._lock:
            now = self.clock()
            if self._opened_at is None:
                return True
            if now - self._opened_at < self.cooldown:
                return False
            if self._probe_at is not None and now - self._probe_at < self.cooldown:
                return False
            self._probe_at = now
            return True

    def record_success(self) -> None:
        with self._lock:
            self._failures.clear()
            self._opened_at = self._probe_at = None

    def record_failure(self) -> None:
        with self._lock:
            now = self.clock()
            if self._opened_at is not None:  # the probe failed (or a query let through before)
                self._opened_at, self._probe_at = now, None
                return
            self._failures = [at for at in self._failures if now - at < self.window] + [now]
            if len(self._failures) >= self.threshold:
                self._opened_at, self._probe_at = now, None
                self._failures.clear()

    def reset(self) -> None:
        with self._lock:
            self._failures: list[float] = []
            self._opened_at: float | None = None
            self._probe_at: float | None = None


breaker = CircuitBreaker(
    threshold=getattr(settings, "SEARCH_BREAKER_THRESHOLD", 5),
    cooldown=getattr(settings, "SEARCH_BREAKER_COOLDOWN_SECONDS", 10.0),
    window=getattr(settings, "SEARCH_BREAKER_WINDOW_SECONDS", 30.0),
)


def guarded_search(index: str, body: dict) -> dict:
    """Run a user-facing search; SearchBackendUnavailable when the engine cannot answer."""
    if not settings.ELASTICSEARCH_URL:
        raise SearchBackendUnavailable("Elasticsearch is not configured")
    if not breaker.allow():
        raise SearchBackendUnavailable("circuit open after repeated Elasticsearch failures")
    try:
        response = query_client().search(index=index, body=body)
    except Exception as exc:
        if not is_unavailable(exc):
            raise
        breaker.record_failure()
        raise SearchBackendUnavailable(f"{type(exc).__name__}: {exc}") from exc
    breaker.record_success()
    return response.body
