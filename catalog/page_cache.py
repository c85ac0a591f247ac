"""Cached storefront pages (the product page and the catalogue list), never stale in what they sell.

A page is cached whole, as HTML, under a key made of everything it depends on:

- the catalogue *generation*, a counter in the cache bumped by every write of the search
  outbox (catalog.search.outbox: a listing saved or its counters moved by a checkout, a product,
  a merchant or its hours changed), once when the row is written and once more when its
  transaction commits, and again when the search index has applied the outbox (the list page's
  matches and facets come from Elasticsearch). A price change, a sell-out or an unpublish
  therefore shows on the next request; nothing waits for a timeout;
- the page (kind and full path with its query), the language, and for the list pages the
  minute (opening hours move with the clock; a goods product page shows none);
- the resident's chosen location (it draws the circle and every distance shown);
- the visitor: user id and the basket's id, item count and total (the header shows them).
  Two people never share an entry unless both are anonymous with an empty basket.

Per-request parts are holes filled on the way out: the CSRF token (rendered as a placeholder,
replaced by this request's token, which also sets the cookie) and the CSP nonce of the inline
script. A request with flash messages to show is neither served from nor stored in the cache.

What has no outbox row (a category renamed, an image added) shows after
``settings.PAGE_CACHE_SECONDS`` at the latest (0 turns the cache off: the test profile's
default, tests that cache turn it on). If the cache is unreachable the page renders as usual.
A home service's page lists the merchant's next slots with the places left: every write of a
slot (a booking or its release in delivery.services, the slots written from templates, an
admin edit) bumps the generation too, and the page is kept no longer than until the first slot
it shows starts (``valid_until``, called by the add-to-basket form's ``service_slots``). On a cache hit the product page does not send Oscar's ``product_viewed`` signal (the view
counter of oscar.apps.analytics and the recently-viewed cookie; neither is shown anywhere).
"""

from __future__ import annotations

import hashlib
import logging
import time

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone, translation

from communities import location as locations

log = logging.getLogger(__name__)

GENERATION_KEY = "pages:generation"
CSRF_HOLE = "PAGECACHECSRFHOLE0"
NONCE_HOLE = "PAGECACHENONCEHOLE0"


# --- the generation ---------------------------------------------------------------------------


def generation() -> int:
    value = cache.get(GENERATION_KEY)
    if value is None:  # never set, or evicted: start somewhere no earlier entry can have used
        cache.add(GENERATION_KEY, time.time_ns(), timeout=None)
        value = cache.get(GENERATION_KEY)
    return int(value)


def bump() -> None:
    """Every cached page is out of date from now on."""
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # missing: a fresh start is a new generation too
        cache.add(GENERATION_KEY, time.time_ns(), timeout=None)
    except Exception:  # cache away: nothing is read from it either; PAGE_CACHE_SECONDS bounds the rest
        log.warning("could not bump the page cache generation", exc_info=True)


def catalogue_changed() -> None:
    """An outbox row was written: out of date once the transaction commits (at once outside one).
    One bump is enough: a page rendered before the commit read the old data under the old
    generation, which the bump retires; a page rendered after it reads the new data."""
    transaction.on_commit(bump)


def _outbox_row_written(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        catalogue_changed()


def _listings_changed(sender, listing_ids, **kwargs):
    if listing_ids:
        catalogue_changed()


def _index_applied(sender=None, **kwargs):
    bump()


def _slot_written(sender, raw=False, **kwargs):
    if not raw:
        catalogue_changed()


def connect() -> None:
    """Called from catalog.apps: listen to the same writes as the search outbox."""
    from celery.signals import task_success

    from catalog.models import SearchOutbox
    from merchants.signals import listings_changed

    post_save.connect(_outbox_row_written, sender=SearchOutbox, dispatch_uid="page-cache-outbox-row")
    listings_changed.connect(_listings_changed, dispatch_uid="page-cache-listings-changed")
    task_success.connect(_index_applied, sender="search.apply_outbox", dispatch_uid="page-cache-index-applied")
    # a slot saved or deleted one by one (admin, forms); bulk writes call catalogue_changed() themselves
    post_save.connect(_slot_written, sender="delivery.Slot", dispatch_uid="page-cache-slot-saved")
    post_delete.connect(_slot_written, sender="delivery.Slot", dispatch_uid="page-cache-slot-deleted")


# --- the key ----------------------------------------------------------------------------------


def page_key(request, *, kind: str, clock: bool = True, now: float | None = None) -> str | None:
    """The cache key of this request's page, or None when it must not be cached."""
    if settings.PAGE_CACHE_SECONDS <= 0 or request.method != "GET":
        return None
    if len(messages.get_messages(request)):  # shown once, to this person only
        return None
    user = request.user
    basket = request.basket
    visitor = (user.pk if user.is_authenticated else 0, basket.pk or 0)
    if basket.pk:
        visitor += (basket.num_items, str(basket.total_incl_tax if basket.is_tax_known else basket.total_excl_tax))
    location = locations.get_location(request)
    where = sorted(location.as_session().items()) if location is not None else None
    minute = int((now if now is not None else time.time()) // 60) if clock else 0
    digest = hashlib.sha1(repr((request.get_full_path(), visitor, where)).encode()).hexdigest()
    return f"page:{kind}:{generation()}:{translation.get_language()}:{minute}:{digest}"


def read(key: str) -> str | None:
    try:
        return cache.get(key)
    except Exception:
        log.warning("page cache unreachable", exc_info=True)
        return None


def valid_until(request, when) -> None:
    """What this request's page shows stops being true at ``when`` (the first slot it lists
    starts): it is kept no longer."""
    earlier = getattr(request, "_page_valid_until", None)
    if earlier is None or when < earlier:
        request._page_valid_until = when


def timeout_for(request, *, now=None) -> int:
    """Seconds to keep this request's page: PAGE_CACHE_SECONDS, less if it stops being true sooner
    (0: do not keep it)."""
    until = getattr(request, "_page_valid_until", None)
    if until is None:
        return settings.PAGE_CACHE_SECONDS
    left = int((until - (now or timezone.now())).total_seconds())  # rounded down: never past the start
    return max(0, min(settings.PAGE_CACHE_SECONDS, left))


def store(key: str, body: str, *, timeout: int | None = None) -> None:
    timeout = settings.PAGE_CACHE_SECONDS if timeout is None else timeout
    if timeout <= 0:
        return
    try:
        cache.set(key, body, timeout=timeout)
    except Exception:
        log.warning("page cache unreachable", exc_info=True)


def fill_holes(request, body: str) -> str:
    return body.replace(CSRF_HOLE, get_token(request)).replace(NONCE_HOLE, str(request.csp_nonce))


# --- the views --------------------------------------------------------------------------------


class CachedPageMixin:
    """For a TemplateResponse view: serve GET from the cache, or render, store and serve."""

    page_kind = ""
    depends_on_clock = True  # the minute is part of the key (opening hours, "open now")
    rendering_for_cache = False

    @classmethod
    def as_view(cls, **initkwargs):
        # no request-wide transaction: a hit then never opens a database connection, and a miss
        # only reads (Oscar's view counter, on a miss, commits its own UPDATE)
        return transaction.non_atomic_requests(super().as_view(**initkwargs))

    def get(self, request, *args, **kwargs):
        key = page_key(request, kind=self.page_kind, clock=self.depends_on_clock)
        if key is None:
            return super().get(request, *args, **kwargs)
        body = read(key)
        if body is not None:
            return HttpResponse(fill_holes(request, body), content_type="text/html; charset=utf-8")
        self.rendering_for_cache = True
        response = super().get(request, *args, **kwargs)
        if response.status_code != 200 or not hasattr(response, "render") or not self.page_is_cacheable():
            return response
        response.render()
        body = response.content.decode(response.charset)
        nonce = getattr(request, "_csp_nonce", None)
        if nonce:
            body = body.replace(nonce, NONCE_HOLE)
        store(key, body, timeout=timeout_for(request))
        response.content = fill_holes(request, body)
        return response

    def page_is_cacheable(self) -> bool:
        return True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.rendering_for_cache and self.page_is_cacheable():
            context["csrf_token"] = CSRF_HOLE  # {% csrf_token %} reads it; filled per request
        return context
