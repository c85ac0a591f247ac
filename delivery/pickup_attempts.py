"""A limit on guessing a group's 6-digit pickup code at handover.

    check(group, now=)            raise TooManyAttempts (429) while the group is locked
    record_failure(group, now=)   count a wrong code; answer how many tries are left (0: now locked)
    reset(group)                  a right code clears the count

After MAX_FAILURES wrong codes within WINDOW_SECONDS (counted from the first of them), every
attempt on that group, right or wrong, is refused for LOCKOUT_SECONDS; then the count starts
again from nothing. Other groups are not affected.

Where the count lives: Redis (shop.core.redis, the client of live positions too) when REDIS_URL is set,
updated by one Lua script so concurrent wrong codes are all counted; Django's cache otherwise
(the embedded demo: local memory). The count must outlive the request: a wrong code raises, the
request's transaction rolls back, so it is not kept in the database. When Redis is configured
but does not answer, the count falls back to this process's memory (a warning is logged): the
limit then holds per worker process instead of across them, and pickups keep working.

The caller holds the group's row lock (select_for_update), so attempts on one group are checked
and counted one after another.
"""

from __future__ import annotations

import logging
import math
import time
from datetime import datetime

from django.core.cache import cache as django_cache
from django.core.cache.backends.locmem import LocMemCache
from django.utils.translation import gettext as _

from shop.core.errors import TooManyAttempts
from shop.core.redis import redis_client

log = logging.getLogger(__name__)

MAX_FAILURES = 5
WINDOW_SECONDS = 15 * 60
LOCKOUT_SECONDS = 15 * 60
KEY_PREFIX = "pickup_code:attempts"

# Fallback when the configured Redis does not answer: this process's memory.
_local = LocMemCache("pickup-code-attempts", {"TIMEOUT": None, "OPTIONS": {"MAX_ENTRIES": 10_000}})

# KEYS[1] the group's hash {n, since, until}; ARGV now, max_failures, window, lockout; times in
# whole milliseconds (exact in Lua's doubles, unlike fractions of a second).
# Answers {tries_left, locked_until}: a failure while locked is not counted.
_RECORD_LUA = """
local now, limit, window, lockout = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local s = redis.call('HMGET', KEYS[1], 'n', 'since', 'until')
local n, since, locked = tonumber(s[1]) or 0, tonumber(s[2]) or 0, tonumber(s[3]) or 0
if locked > now then return {0, tostring(locked)} end
if n == 0 or now - since >= window then n = 0; since = now end
n = n + 1
if n >= limit then
  redis.call('HSET', KEYS[1], 'n', 0, 'since', 0, 'until', tostring(now + lockout))
  redis.call('PEXPIRE', KEYS[1], lockout + 60000)
  return {0, tostring(now + lockout)}
end
redis.call('HSET', KEYS[1], 'n', n, 'since', tostring(since), 'until', 0)
redis.call('PEXPIRE', KEYS[1], window + 60000)
return {limit - n, '0'}
"""


def key_for(group) -> str:
    """One key per group; the creation time keeps a reused id (a fresh test database) apart."""
    return f"{KEY_PREFIX}:{group.pk}:{int(group.created_at.timestamp() * 1_000_000)}"


def _epoch_ms(now: datetime | None) -> int:
    return round((now.timestamp() if now is not None else time.time()) * 1000)


# --- the two stores ----------------------------------------------------------------------------


def _record_in_cache(cache, key: str, now: int) -> tuple[int, int]:
    state = cache.get(key) or {"n": 0, "since": 0, "until": 0}
    if state["until"] > now:
        return 0, state["until"]
    n, since = state["n"], state["since"]
    if n == 0 or now - since >= WINDOW_SECONDS * 1000:
        n, since = 0, now
    n += 1
    if n >= MAX_FAILURES:
        until = now + LOCKOUT_SECONDS * 1000
        cache.set(key, {"n": 0, "since": 0, "until": until}, timeout=LOCKOUT_SECONDS + 60)
        return 0, until
    cache.set(key, {"n": n, "since": since, "until": 0}, timeout=WINDOW_SECONDS + 60)
    return MAX_FAILURES - n, 0


def _locked_until_in_cache(cache, key: str) -> int:
    return (cache.get(key) or {}).get("until", 0)


def _redis():
    return redis_client()


def _fallback(action: str, key: str):
    log.warning("Redis did not answer (%s %s); counting pickup-code attempts in process memory",
                action, key, exc_info=True)
    return _local


def _locked_until(key: str) -> int:
    """When the lock ends, in epoch milliseconds (0: not locked)."""
    client = _redis()
    if client is None:
        return _locked_until_in_cache(django_cache, key)
    try:
        return int(float(client.hget(key, "until") or 0))
    except Exception:
        return _locked_until_in_cache(_fallback("reading", key), key)


# --- the interface -----------------------------------------------------------------------------


def check(group, *, now: datetime | None = None) -> None:
    """Raise TooManyAttempts while the group is locked after too many wrong codes."""
    until = _locked_until(key_for(group))
    wait_ms = until - _epoch_ms(now)
    if wait_ms > 0:
        seconds = math.ceil(wait_ms / 1000)
        raise TooManyAttempts(
            _("取货码错误次数过多, 请 %(minutes)s 分钟后再试") % {"minutes": math.ceil(seconds / 60)},
            retry_after=seconds,
        )


def record_failure(group, *, now: datetime | None = None) -> int:
    """Count one wrong code; answer how many more wrong codes the group allows before it is
    locked (0: locked now)."""
    key, at = key_for(group), _epoch_ms(now)
    client = _redis()
    if client is None:
        left, _until = _record_in_cache(django_cache, key, at)
        return left
    try:
        left, _until = client.eval(_RECORD_LUA, 1, key, at, MAX_FAILURES, WINDOW_SECONDS * 1000,
                                   LOCKOUT_SECONDS * 1000)
        return int(left)
    except Exception:
        left, _until = _record_in_cache(_fallback("counting", key), key, at)
        return left


def reset(group) -> None:
    """A right code: forget the wrong ones."""
    key = key_for(group)
    client = _redis()
    if client is None:
        django_cache.delete(key)
        return
    try:
        client.delete(key)
    except Exception:
        log.warning("Redis did not answer; could not reset the pickup-code attempts %s", key, exc_info=True)
    _local.delete(key)
