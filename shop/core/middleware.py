"""Middleware of our own: django-csp's with the policy of a nonce-free answer built once per
process, and the API lane (below).

django-csp builds the Content-Security-Policy string from the settings on every response
(twice: the policy and the report-only one), ~0.1 ms a request. The string depends only on the
settings unless the page used its nonce (``request.csp_nonce`` in a template) or a view set a
policy of its own (``@csp_update``/``@csp_replace``/``@csp`` and their report-only twins):
every other answer (JSON from the API, pages without an inline script) gets the very same
headers, so they are built once and kept until a setting changes (``setting_changed``: tests).
An answer with a nonce or its own policy goes through django-csp unchanged.
"""

from __future__ import annotations

import http.client

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject
from csp.middleware import CSPMiddleware as BaseCSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.core.handlers.base import BaseHandler
from django.core.handlers.exception import convert_exception_to_response
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.module_loading import import_string

# what a view sets on its response to change the policy (django-csp's decorators)
PER_RESPONSE = ("_csp_config", "_csp_update", "_csp_replace", "_csp_config_ro", "_csp_update_ro", "_csp_replace_ro")
_built: dict[bool, tuple[str, tuple[str, ...]]] = {}


def settings_policy(*, report_only: bool) -> tuple[str, tuple[str, ...]]:
    """The policy (or report-only policy) the settings give a nonce-free answer, and the path
    prefixes it excludes."""
    if report_only not in _built:
        policy = getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY" if report_only else "CONTENT_SECURITY_POLICY", None) or {}
        _built[report_only] = (build_policy(report_only=report_only), tuple(policy.get("EXCLUDE_URL_PREFIXES", None) or ()))
    return _built[report_only]


@receiver(setting_changed)
def _forget(setting, **kwargs):
    if setting in ("CONTENT_SECURITY_POLICY", "CONTENT_SECURITY_POLICY_REPORT_ONLY"):
        _built.clear()


class CSPMiddleware(BaseCSPMiddleware):
    def process_response(self, request, response):
        if getattr(request, "_csp_nonce", None) is not None or any(getattr(response, name, None) is not None for name in PER_RESPONSE):
            return super().process_response(request, response)
        if response.status_code in (http.client.INTERNAL_SERVER_ERROR, http.client.NOT_FOUND) and settings.DEBUG:
            return response  # django-csp leaves Django's debug pages alone
        for header, report_only, exempt in ((HEADER, False, "_csp_exempt"), (HEADER_REPORT_ONLY, True, "_csp_exempt_ro")):
            policy, excluded = settings_policy(report_only=report_only)
            if policy and header not in response and getattr(response, exempt, False) is False \
                    and not request.path_info.startswith(excluded):
                response[header] = policy
        # as django-csp does: asking for the nonce after the header is written is an error
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response


class ApiLaneMiddleware:
    """First in MIDDLEWARE: a request under ``settings.API_LANE_PREFIX`` (/api/v1/) goes through
    ``settings.API_MIDDLEWARE`` instead of the rest of MIDDLEWARE — its own chain of the same
    middleware classes minus those a JSON API answer never uses (WhiteNoise's static files,
    flash messages, Oscar's basket cookie, the flatpage and Wagtail redirect fallbacks of a 404),
    over the same URLconf and views. On a search answered by Elasticsearch that is ~0.1–0.2 ms
    of CPU a request. Every other request goes on down MIDDLEWARE unchanged. The lane is built as
    Django's handler builds its chain (synchronous: the site runs under WSGI)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.prefix = getattr(settings, "API_LANE_PREFIX", "")
        self.lane = _Lane(settings.API_MIDDLEWARE)._middleware_chain if self.prefix else None

    def __call__(self, request):
        if self.lane is not None and request.path_info.startswith(self.prefix):
            return self.lane(request)
        return self.get_response(request)


class _Lane(BaseHandler):
    def __init__(self, paths: list[str]):
        self._view_middleware, self._template_response_middleware, self._exception_middleware = [], [], []
        handler = convert_exception_to_response(self._get_response)
        for path in reversed(paths):
            try:
                instance = import_string(path)(handler)
            except MiddlewareNotUsed:
                continue
            if hasattr(instance, "process_view"):
                self._view_middleware.insert(0, instance.process_view)
            if hasattr(instance, "process_template_response"):
                self._template_response_middleware.append(instance.process_template_response)
            if hasattr(instance, "process_exception"):
                self._exception_middleware.append(instance.process_exception)
            handler = convert_exception_to_response(instance)
        self._middleware_chain = handler
