"""/healthz against the real services, against a closed port, and in the embedded default."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from shop.celery import app as celery_app
from tests.services import closed_port

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def test_all_real_services_answer(admin_client, postgres, redis_client, es_client):
    # given the full stack: PostgreSQL, Redis, Elasticsearch and a Redis broker
    # when a staff member asks for the health (details are for staff)
    response = admin_client.get("/healthz")

    # then every configured service is ok
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "ok"
    assert body["failing"] == []
    assert set(body["services"]) == {"database", "redis", "elasticsearch", "celery_broker"}
    assert all(service["status"] == "ok" for service in body["services"].values())
    assert body["services"]["database"]["detail"] == "postgresql"
    assert body["services"]["elasticsearch"]["detail"] in ("green", "yellow")


@pytest.mark.parametrize("service", ["redis", "elasticsearch", "celery_broker"])
def test_a_service_on_a_closed_port_is_named_with_503(
    admin_client, postgres, redis_client, es_client, settings, monkeypatch, service
):
    # given the full stack with one service pointed at a port nothing listens on
    dead = f"127.0.0.1:{closed_port()}"
    if service == "redis":
        settings.REDIS_URL = f"redis://{dead}/0"
    elif service == "elasticsearch":
        settings.ELASTICSEARCH_URL = f"http://{dead}"
    else:
        # Celery reads CELERY_BROKER_URL from the environment before its configuration
        monkeypatch.setenv("CELERY_BROKER_URL", f"redis://{dead}/0")
        monkeypatch.setitem(celery_app.conf, "broker_url", f"redis://{dead}/0")

    # when a staff member asks for the health
    response = admin_client.get("/healthz")

    # then it answers 503 in JSON, naming that service and only that one
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["status"] == "error"
    assert body["failing"] == [service]
    assert body["services"][service]["status"] == "error"
    assert body["services"][service]["detail"]
    others = {name: s["status"] for name, s in body["services"].items() if name != service}
    assert set(others.values()) == {"ok"}, others


def test_the_public_answer_names_failing_services_without_details_or_hosts(client, postgres, settings):
    # given Redis pointed at a dead port
    dead = f"127.0.0.1:{closed_port()}"
    settings.REDIS_URL = f"redis://{dead}/0"
    # when anyone (a visitor, a load balancer) asks
    response = client.get("/healthz")
    # then it names the failing service, and no exception text or host
    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["redis"]
    assert body["services"]["redis"] == {"status": "error"}
    assert dead not in response.content.decode() and "Error" not in response.content.decode()


def test_a_burst_of_health_calls_during_an_outage_probes_once(client, postgres, settings, monkeypatch):
    from shop.core import health

    settings.REDIS_URL = f"redis://127.0.0.1:{closed_port()}/0"
    calls = []
    original = health._redis
    monkeypatch.setattr(health, "_redis", lambda: calls.append(1) or original())
    monkeypatch.setattr(health, "configured_checks", lambda: {"database": health._database, "redis": health._redis})
    health._last.clear()
    for _ in range(5):
        assert client.get("/healthz").status_code == 503
    assert len(calls) == 1


def test_embedded_default_in_process_checks_only_the_database(client, db, settings):
    # given the settings of the embedded default: no Redis, no Elasticsearch, eager tasks
    settings.REDIS_URL = ""
    settings.ELASTICSEARCH_URL = ""
    settings.CELERY_TASK_ALWAYS_EAGER = True

    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert list(body["services"]) == ["database"]
    assert body["services"]["database"]["status"] == "ok"
    assert body["celery"].startswith("eager")


def test_embedded_default_answers_200_with_only_the_database(tmp_path):
    # given a fresh process with none of the service variables (the `make demo` configuration),
    # its SQLite file in a temporary directory
    env = {
        name: value for name, value in os.environ.items()
        if not name.startswith(("DJANGO_", "CELERY_", "DATABASE_", "SEARCH_"))
        and name not in ("REDIS_URL", "ELASTICSEARCH_URL")
    }
    # empty, not absent, so a developer's .env cannot fill them in
    env.update(REDIS_URL="", ELASTICSEARCH_URL="", DJANGO_SETTINGS_MODULE="shop.settings.base", DJANGO_DEBUG="true",
               DATABASE_URL=f"sqlite:///{tmp_path / 'embedded.sqlite3'}")
    script = (
        "import django, json; django.setup()\n"
        "from django.test import Client\n"
        "r = Client().get('/healthz')\n"
        "print(json.dumps({'code': r.status_code, 'body': r.json()}))\n"
    )

    # when it answers /healthz
    completed = subprocess.run(
        [sys.executable, "-c", script], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120,
    )

    # then 200, with the database (SQLite) as the only service and tasks in-process
    assert completed.returncode == 0, completed.stderr
    answer = json.loads(completed.stdout.strip().splitlines()[-1])
    assert answer["code"] == 200, answer
    assert answer["body"]["status"] == "ok"
    assert answer["body"]["services"].keys() == {"database"}
    assert answer["body"]["services"]["database"]["detail"] == "sqlite"
    assert answer["body"]["celery"].startswith("eager")
