"""Real-service fixtures: PostgreSQL, Redis, Elasticsearch and a real Celery worker.

Registered for every test by the root conftest.py. A test that needs a service asks for its
fixture (or carries the matching marker, which pulls the fixture in):

    fixture               marker                        gives
    postgres              @pytest.mark.postgres         django.db.connection (and database access)
    redis_client          @pytest.mark.redis            redis.Redis on settings.REDIS_URL
    es_client             @pytest.mark.elasticsearch    Elasticsearch on settings.ELASTICSEARCH_URL
    live_celery_worker    @pytest.mark.celery           a `celery -A shop worker` subprocess

The services come from the environment (`make test` exports scripts/env.sh: PostgreSQL on
127.0.0.1:15432, Redis 16379 database 1, Elasticsearch 19200). When one is absent the test is
skipped with the reason, except under CI=true, where a missing service is a failure.

The worker runs with the tests' environment, with DATABASE_URL pointed at pytest-django's test
database; it only sees committed rows, so a test whose task reads the database uses
`transactional_db` (or `django_db(transaction=True)`) rather than `db`.
"""

from __future__ import annotations

import functools
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

PROBE_TIMEOUT_SECONDS = 3
WORKER_START_TIMEOUT_SECONDS = 60
HINT = "start the services with `make services` and run the tests with `make test` (URLs: scripts/env.sh)"


def in_ci() -> bool:
    return os.environ.get("CI") == "true"


def service_missing(service: str, reason: str):
    """Skip (locally) or fail (CI=true) the current test because `service` is not available."""
    message = f"{service} is not available: {reason}. To run this test, {HINT}."
    if in_ci():
        pytest.fail(f"{message} [CI=true: a missing service is a failure, never a skip]", pytrace=False)
    pytest.skip(message)


def closed_port() -> int:
    """A local TCP port nothing listens on (bound and released at once)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- PostgreSQL --------------------------------------------------------------------------------


@functools.cache
def _postgres_problem() -> str | None:
    from django.db import connection

    if connection.vendor != "postgresql":
        return f"the database is {connection.vendor}, not PostgreSQL (set DATABASE_URL=postgres://...)"
    import psycopg

    params = connection.settings_dict
    try:
        # The maintenance database: the test database may not exist yet.
        psycopg.connect(
            host=params["HOST"] or None, port=params["PORT"] or None, user=params["USER"],
            password=params["PASSWORD"], dbname="postgres", connect_timeout=PROBE_TIMEOUT_SECONDS,
        ).close()
    except psycopg.Error as exc:
        return f"PostgreSQL at {params['HOST']}:{params['PORT']} does not answer ({type(exc).__name__}: {exc})"
    return None


@pytest.fixture
def postgres(request):
    """The Django connection to the real PostgreSQL, with database access for the test."""
    problem = _postgres_problem()
    if problem:
        service_missing("PostgreSQL", problem)
    if "transactional_db" not in request.fixturenames:
        request.getfixturevalue("db")
    from django.db import connection

    return connection


# --- Redis ---------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def redis_client():
    """A client of the real Redis at settings.REDIS_URL (responses decoded to str)."""
    import redis
    from django.conf import settings

    if not settings.REDIS_URL:
        service_missing("Redis", "REDIS_URL is not set")
    client = redis.Redis.from_url(
        settings.REDIS_URL, socket_timeout=PROBE_TIMEOUT_SECONDS,
        socket_connect_timeout=PROBE_TIMEOUT_SECONDS, decode_responses=True,
    )
    try:
        client.ping()
    except redis.RedisError as exc:
        service_missing("Redis", f"{settings.REDIS_URL} does not answer PING ({type(exc).__name__}: {exc})")
    yield client
    client.close()


# --- Elasticsearch -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def es_client():
    """A client of the real Elasticsearch at settings.ELASTICSEARCH_URL, cluster at least yellow."""
    from django.conf import settings
    from elasticsearch import Elasticsearch

    if not settings.ELASTICSEARCH_URL:
        service_missing("Elasticsearch", "ELASTICSEARCH_URL is not set")
    client = Elasticsearch(settings.ELASTICSEARCH_URL, request_timeout=10, max_retries=0)
    try:
        # Not client.info()/ping(): the integ-test zip has no `GET /` (no rest-root module).
        health = client.cluster.health(wait_for_status="yellow", timeout="10s")
    except Exception as exc:  # connection refused, timeouts, HTTP errors: all mean "not available"
        service_missing("Elasticsearch", f"{settings.ELASTICSEARCH_URL} does not answer ({type(exc).__name__}: {exc})")
    if health["status"] not in ("green", "yellow"):
        service_missing("Elasticsearch", f"cluster health is {health['status']}")
    yield client
    client.close()


# --- Celery worker -----------------------------------------------------------------------------


@dataclass(frozen=True)
class LiveWorker:
    hostname: str  # the worker's node name, e.g. pytest-1234@host
    pid: int
    queues: tuple[str, ...]
    log_path: Path


def _test_database_url(database_name: str) -> str | None:
    """DATABASE_URL with the database name replaced by pytest-django's test database."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://", "pgsql://")):
        return None
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{database_name}"))


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


@pytest.fixture(scope="session")
def live_celery_worker(redis_client, django_db_setup, tmp_path_factory):
    """A real `celery -A shop worker` subprocess (solo pool) on the tests' broker, for the session.

    Tasks sent with .delay()/.apply_async() in a test run in this worker; results come back
    through the result backend (Redis).
    """
    from django.conf import settings
    from django.db import connection

    from shop.celery import app
    from shop.core.tasks import queue_names

    if settings.CELERY_TASK_ALWAYS_EAGER:
        service_missing("Celery worker", "CELERY_TASK_ALWAYS_EAGER is true, tasks would never reach a worker")
    broker = app.conf.broker_url or ""
    if not broker.startswith(("redis://", "rediss://")):
        service_missing("Celery worker", f"the broker is {broker or 'unset'!r}, not Redis (set CELERY_BROKER_URL/REDIS_URL)")
    with app.connection_for_write() as conn:
        try:
            conn.ensure_connection(max_retries=1, timeout=PROBE_TIMEOUT_SECONDS)
        except Exception as exc:
            service_missing("Celery worker", f"the broker {broker} does not answer ({type(exc).__name__}: {exc})")

    queues = tuple(queue_names(app))
    hostname = f"pytest-{os.getpid()}@{socket.gethostname()}"
    env = dict(os.environ, CELERY_TASK_ALWAYS_EAGER="false", PYTHONUNBUFFERED="1")
    env.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings.test")
    test_database_url = _test_database_url(connection.settings_dict["NAME"])  # test_<name> by now
    if test_database_url:
        env["DATABASE_URL"] = test_database_url

    # Messages left in the test broker by an interrupted earlier run must not reach this worker.
    with app.connection_for_write() as conn:
        for queue in queues:
            conn.default_channel.queue_purge(queue)

    log_path = tmp_path_factory.mktemp("celery") / "worker.log"
    command = [
        sys.executable, "-m", "celery", "-A", "shop", "worker", "--pool=solo", "--concurrency=1",
        "-Q", ",".join(queues), "-n", hostname, "--without-gossip", "--without-mingle",
        "--loglevel=INFO", f"--logfile={log_path}",
    ]
    with open(log_path.with_suffix(".out"), "wb") as output:
        process = subprocess.Popen(
            command, env=env, cwd=Path(__file__).resolve().parent.parent,
            stdout=output, stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + WORKER_START_TIMEOUT_SECONDS
        while True:
            if process.poll() is not None:
                pytest.fail(
                    f"the Celery worker exited with {process.returncode} while starting:\n"
                    f"{_tail(log_path.with_suffix('.out'))}\n{_tail(log_path)}", pytrace=False,
                )
            if app.control.ping(destination=[hostname], timeout=1.0):
                break
            if time.monotonic() > deadline:
                pytest.fail(
                    f"the Celery worker {hostname} did not answer a ping within "
                    f"{WORKER_START_TIMEOUT_SECONDS}s:\n{_tail(log_path)}", pytrace=False,
                )
        yield LiveWorker(hostname=hostname, pid=process.pid, queues=queues, log_path=log_path)
    finally:
        process.terminate()  # warm shutdown
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


# --- simulated couriers ------------------------------------------------------------------------

# The simulator steps every second and rides 30 s per step (about 96 m on an e-bike): a courier
# ~300 m from the shop and ~600 m from the door is there in ~4 and ~7 steps, ~15 s in all.
SIMULATOR_ARGS = ["--interval", "1", "--speed-up", "30", "--no-sweeps", "--seconds", "240"]


@pytest.fixture
def simulated_couriers(live_celery_worker, tmp_path):
    """`manage.py simulate_couriers` on the test database (a subprocess, with the live worker
    dispatching), for the test; yields the path of its log."""
    import signal

    from django.db import connection

    env = dict(os.environ, CELERY_TASK_ALWAYS_EAGER="false", PYTHONUNBUFFERED="1")
    env.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings.test")
    database_url = _test_database_url(connection.settings_dict["NAME"])
    if database_url:
        env["DATABASE_URL"] = database_url
    log = tmp_path / "couriers.log"
    with open(log, "wb") as output:
        process = subprocess.Popen([sys.executable, "manage.py", "simulate_couriers", *SIMULATOR_ARGS],
                                   cwd=Path(__file__).resolve().parent.parent, env=env,
                                   stdout=output, stderr=subprocess.STDOUT)
    yield log
    process.send_signal(signal.SIGINT)  # the command stops cleanly on Ctrl-C
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


# --- markers --------------------------------------------------------------------------------------

MARKER_FIXTURES = {
    "postgres": "postgres",
    "redis": "redis_client",
    "elasticsearch": "es_client",
    "celery": "live_celery_worker",
}


@pytest.fixture(autouse=True)
def _real_service_markers(request):
    """@pytest.mark.postgres / redis / elasticsearch / celery pull in the matching fixture.

    A test that flushes the database and uses the live worker waits, after it ends, until the
    worker is idle: the worker's tasks for that test (payments settling, the search outbox) would
    otherwise hold row locks while the flush's TRUNCATE runs, and that deadlocked once (every
    transactional test after it then failed).
    """
    for marker, fixture in MARKER_FIXTURES.items():
        if request.node.get_closest_marker(marker):
            request.getfixturevalue(fixture)
    uses_worker = "live_celery_worker" in request.fixturenames or request.node.get_closest_marker("celery")
    if not (uses_worker and _flushes_the_database(request)):
        yield
        return
    # Set the database up before the wait, so that its flush is torn down after it.
    request.getfixturevalue("_django_db_helper")
    worker = request.getfixturevalue("live_celery_worker")
    yield
    wait_until_idle(worker)


def _flushes_the_database(request) -> bool:
    marker = request.node.get_closest_marker("django_db")
    return (
        "transactional_db" in request.fixturenames
        or "live_server" in request.fixturenames
        or bool(marker and marker.kwargs.get("transaction"))
    )


def wait_until_idle(worker: LiveWorker, seconds: float = 30) -> bool:
    """Wait (at most `seconds`) until the worker has no task running, reserved or scheduled.

    A broker connection that a test's own Redis restart left broken is retried on a fresh one."""
    from kombu.exceptions import OperationalError
    from redis.exceptions import RedisError

    from shop.celery import app

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with app.connection_for_write() as connection:
                inspector = app.control.inspect(destination=[worker.hostname], timeout=1.0, connection=connection)
                busy = [task for answer in (inspector.active(), inspector.reserved(), inspector.scheduled())
                        for tasks in (answer or {}).values() for task in tasks]
        except (OperationalError, RedisError, OSError):
            busy = ["the broker did not answer"]
        if not busy:
            return True
        time.sleep(0.5)
    return False
