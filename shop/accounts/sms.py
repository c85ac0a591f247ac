"""One-time SMS codes that prove a person holds a mobile number (registration, password reset,
changing an account's number: the code goes to the new number).

Plain functions, reusable by every entry point (storefront forms, the API, the mini-program):

    send_code(mobile=..., purpose="register", client_ip=...)   # raises SmsRateLimited
    check_code(mobile=..., purpose="register", code="123456")  # True once, then the code is spent

The sandbox backend (`SMS_BACKEND=sandbox`, the default) sends nothing: it writes the code to
the `shop.sms` log, which the demo prints. A real SMS gateway plugs in at `_deliver`.

Contract:
- a code is 6 ASCII digits, valid SMS_CODE_TTL_SECONDS, good for one successful check, and
  dropped after SMS_CODE_ATTEMPTS wrong tries (a 6-digit code cannot be walked);
- at most one code per number and purpose every SMS_RESEND_SECONDS, SMS_PER_NUMBER_HOURLY per
  number and SMS_PER_ADDRESS_HOURLY per client address an hour (SmsRateLimited otherwise);
- the caller never learns whether the number has an account: `send_code` answers the same
  either way (a reset code is simply not delivered to a number with no account);
- codes are stored hashed (keyed with SECRET_KEY) in the cache: Redis in the full stack.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

from shop.core.errors import TooManyAttempts

log = logging.getLogger("shop.sms")

PURPOSES = ("register", "reset", "change")  # change: a new mobile number for a signed-in account
HOUR = 3600


class SmsRateLimited(TooManyAttempts):
    """Too many codes asked for this number or from this address; `retry_after` in seconds."""

    code = "sms_rate_limited"

    def __init__(self, retry_after: int):
        super().__init__(str(_("验证码发送太频繁, 请稍后再试")), retry_after=retry_after)


def _key(*parts: str) -> str:
    return "sms:" + ":".join(parts)


def _digest(mobile: str, purpose: str, code: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"{purpose}:{mobile}:{code}".encode(), hashlib.sha256).hexdigest()


def _count(key: str, window: int) -> int:
    """Increment a counter living `window` seconds from its first use; the new value."""
    cache.add(key, 0, timeout=window)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        return 1


def send_code(*, mobile: str, purpose: str, client_ip: str | None, deliver: bool = True) -> None:
    """Create and send a fresh code for `mobile`; raises SmsRateLimited past a limit.

    `deliver=False` counts and answers exactly as a real send (no enumeration) but sends nothing:
    for a password reset of a number without an account.
    """
    if purpose not in PURPOSES:
        raise ValueError(f"unknown purpose {purpose!r}")
    if not cache.add(_key("wait", purpose, mobile), 1, timeout=settings.SMS_RESEND_SECONDS):
        raise SmsRateLimited(settings.SMS_RESEND_SECONDS)
    if _count(_key("hour", mobile), HOUR) > settings.SMS_PER_NUMBER_HOURLY:
        raise SmsRateLimited(HOUR)
    if client_ip and _count(_key("ip", client_ip), HOUR) > settings.SMS_PER_ADDRESS_HOURLY:
        raise SmsRateLimited(HOUR)
    code = f"{secrets.randbelow(10**6):06d}"
    cache.set(_key("code", purpose, mobile), {"digest": _digest(mobile, purpose, code), "tries": 0},
              timeout=settings.SMS_CODE_TTL_SECONDS)
    if deliver:
        _deliver(mobile, code, purpose)
    else:
        cache.delete(_key("code", purpose, mobile))  # nothing sent, nothing that could match


def _deliver(mobile: str, code: str, purpose: str) -> None:
    if settings.SMS_BACKEND == "sandbox":
        log.warning("sandbox SMS to %s: %s code %s (valid %s s)", mobile, purpose, code, settings.SMS_CODE_TTL_SECONDS)
        return
    raise NotImplementedError(f"SMS backend {settings.SMS_BACKEND!r} is not configured")


def check_code(*, mobile: str, purpose: str, code: str) -> bool:
    """Whether `code` is the live code of `mobile` for `purpose`; a right code is spent at once."""
    key = _key("code", purpose, mobile)
    stored = cache.get(key)
    if not stored or not code or not code.isascii():
        return False
    if hmac.compare_digest(stored["digest"], _digest(mobile, purpose, code.strip())):
        cache.delete(key)
        return True
    stored["tries"] += 1
    if stored["tries"] >= settings.SMS_CODE_ATTEMPTS:
        cache.delete(key)
    else:
        cache.set(key, stored, timeout=settings.SMS_CODE_TTL_SECONDS)
    return False
