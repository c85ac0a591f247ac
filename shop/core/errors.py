"""One JSON error shape for the whole API: {"error": code, "detail": message, "fields": {...}}."""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler, set_rollback


class DomainError(Exception):
    """A business rule refused the request; views turn it into a JSON error."""

    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    code = "unprocessable"

    def __init__(self, detail: str, *, fields: dict | None = None, code: str | None = None, **extra):
        super().__init__(detail)
        if code:
            self.code = code
        self.detail = detail
        self.fields = fields or {}
        self.extra = extra


class NotFoundError(DomainError):
    """The thing asked for does not exist, or is not the caller's (we never say which)."""

    status_code = status.HTTP_404_NOT_FOUND
    code = "not_found"


class ConflictError(DomainError):
    status_code = status.HTTP_409_CONFLICT
    code = "conflict"


class TooManyAttempts(DomainError):
    """429: too many tries of something guessable (a pickup code); try again in `retry_after`
    seconds (in the body and the Retry-After header)."""

    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    code = "too_many_attempts"

    def __init__(self, detail: str, *, retry_after: int, **kwargs):
        super().__init__(detail, retry_after=int(retry_after), **kwargs)
        self.retry_after = int(retry_after)


def error_body(code: str, detail: str, fields: dict | None = None, **extra) -> dict:
    return {"error": code, "detail": str(detail), "fields": fields or {}, **extra}


def _flatten(detail) -> dict:
    if isinstance(detail, dict):
        return {key: [str(m) for m in (value if isinstance(value, list) else [value])] for key, value in detail.items()}
    return {}


def _answer_outside_transaction(exc):
    """DRF's exception_handler without its set_rollback(), for a view that runs outside the
    request's transaction (shop.core.apiviews.OutsideRequestTransaction): an atomic block around
    it is someone else's (a test's, a caller's) and must not be marked for rollback."""
    if not isinstance(exc, exceptions.APIException):
        return None
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = "%d" % exc.wait
    return Response(exc.detail if isinstance(exc.detail, (list, dict)) else {"detail": exc.detail},
                    status=exc.status_code, headers=headers)


def api_exception_handler(exc, context):
    in_request_transaction = getattr(context.get("view"), "request_transaction", True)
    if isinstance(exc, DomainError):
        if in_request_transaction:
            set_rollback()  # the request's transaction (ATOMIC_REQUESTS) must not commit half a change
        response = Response(error_body(exc.code, exc.detail, exc.fields, **exc.extra), status=exc.status_code)
        if getattr(exc, "retry_after", None) is not None:
            response["Retry-After"] = str(exc.retry_after)
        return response
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = exception_handler(exc, context) if in_request_transaction else _answer_outside_transaction(exc)
    if response is None:
        return None  # a real bug: let Django's 500 handling log it
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        first = next(iter(fields.items()), None)
        detail = f"{first[0]}: {first[1][0]}" if first else "; ".join(map(str, exc.detail))
        response.data = error_body("invalid", detail, fields)
    else:
        code = exc.get_codes() if isinstance(exc.get_codes(), str) else exc.default_code
        response.data = error_body(code, getattr(exc, "detail", str(exc)))
    return response
