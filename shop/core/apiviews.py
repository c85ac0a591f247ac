"""What a hot read-only API view (the search) does not need to pay for on every request.

- ``JsonFirstNegotiation`` (every API view, REST_FRAMEWORK's DEFAULT_CONTENT_NEGOTIATION_CLASS):
  DRF's content negotiation parses the Accept header into media types and matches every renderer
  against them (~0.05 ms). For what nearly every client sends (no Accept header, ``*/*`` or
  ``application/json``) when the view's first renderer is JSON, the answer is known: that renderer
  and ``application/json``, exactly what DRF would pick. Anything else (a browser's
  ``text/html``, ``application/json; indent=2``, a ``?format=``/suffix override) goes through
  DRF's negotiation unchanged.
- ``OutsideRequestTransaction``: the view runs outside ``ATOMIC_REQUESTS``' transaction
  (``transaction.non_atomic_requests``). For a view that writes nothing: the request's BEGIN and
  COMMIT are skipped, and a search answered by Elasticsearch opens no database connection at all
  (with ``CONN_MAX_AGE`` > 0 the kept connection's health check, a round trip, is skipped; with
  0, a whole connect). ``shop.core.errors.api_exception_handler`` then leaves any surrounding
  transaction alone on an error (it is not the request's).
"""

from __future__ import annotations

from django.db import transaction
from rest_framework.negotiation import DefaultContentNegotiation

JSON = "application/json"
PLAIN_ACCEPTS = frozenset({"*/*", JSON})


class JsonFirstNegotiation(DefaultContentNegotiation):
    def select_renderer(self, request, renderers, format_suffix=None):
        if (not format_suffix and renderers and renderers[0].media_type == JSON
                and getattr(request, "_request", request).META.get("HTTP_ACCEPT", "*/*") in PLAIN_ACCEPTS
                and not (self.settings.URL_FORMAT_OVERRIDE and self.settings.URL_FORMAT_OVERRIDE in request.query_params)):
            return renderers[0], JSON
        return super().select_renderer(request, renderers, format_suffix)


class OutsideRequestTransaction:
    """Mixin for an APIView that writes nothing (put it before APIView in the bases)."""

    request_transaction = False  # read by shop.core.errors.api_exception_handler

    @classmethod
    def as_view(cls, **initkwargs):
        return transaction.non_atomic_requests(super().as_view(**initkwargs))
