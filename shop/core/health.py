"""/healthz: the state of every configured service, 200 when all answer, 503 naming the failures."""

import time

from django.conf import settings
from django.db import connection
from django.http import JsonResponse

PROBE_TIMEOUT_SECONDS = 2


def _database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return connection.vendor


def _redis() -> str:
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=PROBE_TIMEOUT_SECONDS,
                                  socket_connect_timeout=PROBE_TIMEOUT_SECONDS)
    client.ping()
    return "pong"


def _elasticsearch() -> str:
    from elasticsearch import Elasticsearch

    client = Elasticsearch(settings.ELASTICSEARCH_URL, request_timeout=PROBE_TIMEOUT_SECONDS)
    health = client.cluster.health()
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


def healthz(request):
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
    return JsonResponse(body, status=503 if failing else 200)
