"""The Redis client for what the domain keeps in Redis (live courier positions, the
pickup-code limiter), or None in the embedded demo (no REDIS_URL). One client per URL, with
short timeouts: a Redis that does not answer must not hold up a request."""

from __future__ import annotations

import functools

from django.conf import settings


@functools.cache
def _client(url: str):
    import redis

    return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2, decode_responses=True)


def redis_client():
    """The configured Redis, or None without REDIS_URL."""
    return _client(settings.REDIS_URL) if settings.REDIS_URL else None
