"""/healthz: the state of every configured service, 200 when all answer, 503 naming the failures.

Anyone may ask (load balancers do), so the public answer says only which service fails; the
probes' details (exception text, hosts) are for staff. Probes reuse one client per service with
short timeouts, and an answer is reused for RESULT_TTL_SECONDS: during an outage a burst of
health calls costs one round of probes, not a probe per call holding every worker.
"""

import threading
import time
from functools import lru_cache

from django.conf import settings
from django.db import connection
from django.http import JsonResponse

PROBE_TIMEOUT_SECONDS = 1
RESULT_TTL_SECONDS = 5
_last: dict = {}
_lock = threading.Lock()


def _database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return connection.vendor


@lru_cache(maxsize=4)
def _redis_client(url: str):
    import redis

    return redis.Redis.from_url(url, socket_timeout=PROBE_TIMEOUT_SECONDS, socket_connect_timeout=PROBE_TIMEOUT_SECONDS)


@lru_cache(maxsize=4)
def _es_client(url: str):
    from elasticsearch import Elasticsearch

    return Elasticsearch(url, request_timeout=PROBE_TIMEOUT_SECONDS, max_retries=0)


def _redis() -> str:
    _redis_client(settings.REDIS_URL).ping()
    return "pong"


def _elasticsearch() -> str:
    health = _es_client(settings.ELASTICSEARCH_URL).cluster.health()
    if health["status"] == "red":
        raise RuntimeError("cluster status red")
    return health["status"]


def _celery_broker() -> str:
    from shop.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=PROBE_TIMEOUT_SECONDS)
    return "connected"


def configured_checks() -> dict:
    """Only the services this deployment uses: the demo has no Redis or Elasticsearch."""
    checks = {"database": _database}
    if settings.REDIS_URL:
        checks["redis"] = _redis
    if settings.ELASTICSEARCH_URL:
        checks["elasticsearch"] = _elasticsearch
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        checks["celery_broker"] = _celery_broker
    return checks


def probe(*, now: float | None = None) -> tuple[dict, int]:
    """The full answer (with details) and its status, reused for RESULT_TTL_SECONDS."""
    now = time.monotonic() if now is None else now
    with _lock:
        if _last and now - _last["at"] < RESULT_TTL_SECONDS and _last["key"] == _settings_key():
            return _last["body"], _last["status"]
        body, status = _probe_now()
        _last.update(at=now, body=body, status=status, key=_settings_key())
        return body, status


def _settings_key():
    from shop.celery import app

    return (settings.DATABASES["default"].get("NAME"), settings.REDIS_URL, settings.ELASTICSEARCH_URL,
            settings.CELERY_TASK_ALWAYS_EAGER, app.conf.broker_url)


def healthz(request):
    body, status = probe()
    if not (settings.DEBUG or getattr(request, "user", None) and request.user.is_staff):
        body = {**body, "services": {name: {"status": service["status"]} for name, service in body["services"].items()}}
    return JsonResponse(body, status=status)


def _probe_now() -> tuple[dict, int]:
    services, failing = {}, []
    for name, check in configured_checks().items():
        started = time.perf_counter()
        try:
            detail = check()
            services[name] = {"status": "ok", "detail": detail}
        except Exception as exc:  # any failure of a probe is a failing service, never a 500
            services[name] = {"status": "error", "detail": f"{type(exc).__name__}: {exc}"[:300]}
            failing.append(name)
        services[name]["ms"] = round((time.perf_counter() - started) * 1000, 1)
    body = {"status": "ok" if not failing else "error", "failing": failing, "services": services}
    if settings.CELERY_TASK_ALWAYS_EAGER:
        body["celery"] = "eager (tasks run in-process)"
    return body, 503 if failing else 200
