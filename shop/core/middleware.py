"""django-csp's middleware with the policy of a nonce-free answer built once per process.

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
from django.core.signals import setting_changed
from django.dispatch import receiver

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
