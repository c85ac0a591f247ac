"""The deployment files, checked without a Docker engine: docker-compose.yml (services, health
checks, dependencies, env wiring, 127.0.0.1-only ports), the Dockerfile, .dockerignore,
.env.example against the settings, and the Makefile / CI entry point."""

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
APP_SERVICES = ("web", "worker", "beat")
BACKING_SERVICES = ("postgres", "redis", "elasticsearch")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


def environment(service: dict) -> dict:
    env = service.get("environment", {})
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return env


def test_the_production_topology_is_complete(services):
    assert set(BACKING_SERVICES + APP_SERVICES) <= set(services)
    assert services["postgres"]["image"].split(":")[1].startswith("15")
    assert services["redis"]["image"].split(":")[1].startswith("7")
    assert services["elasticsearch"]["image"] == "docker.elastic.co/elasticsearch/elasticsearch:8.19.9"
    for name in APP_SERVICES + ("migrate",):
        assert services[name]["build"] == "."


def test_elasticsearch_is_a_single_node_without_security_and_a_small_heap(services):
    env = environment(services["elasticsearch"])
    assert env["discovery.type"] == "single-node"
    assert str(env["xpack.security.enabled"]).lower() == "false"
    assert "-Xmx512m" in env["ES_JAVA_OPTS"] and "-Xms512m" in env["ES_JAVA_OPTS"]


@pytest.mark.parametrize("name", BACKING_SERVICES + APP_SERVICES)
def test_every_long_running_service_has_a_health_check(services, name):
    check = services[name]["healthcheck"]
    assert check["test"][0] in ("CMD", "CMD-SHELL")
    assert len(check["test"]) >= 2
    assert check["interval"] and check["retries"] >= 3


def test_the_health_checks_probe_the_right_thing(services):
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    assert services["redis"]["healthcheck"]["test"][1:] == ["redis-cli", "ping"]
    assert "_cluster/health?wait_for_status=yellow" in " ".join(services["elasticsearch"]["healthcheck"]["test"])
    web = " ".join(services["web"]["healthcheck"]["test"])
    assert "/healthz" in web and "X-Forwarded-Proto" in web  # production redirects plain http
    assert "inspect ping" in " ".join(services["worker"]["healthcheck"]["test"])
    assert "celerybeat.pid" in " ".join(services["beat"]["healthcheck"]["test"])


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_wait_for_healthy_backing_services_and_migrations(services, name):
    depends_on = services[name]["depends_on"]
    for backing in BACKING_SERVICES:
        assert depends_on[backing]["condition"] == "service_healthy"
    assert depends_on["migrate"]["condition"] == "service_completed_successfully"
    migrate_depends_on = services["migrate"]["depends_on"]
    assert all(migrate_depends_on[b]["condition"] == "service_healthy" for b in BACKING_SERVICES)


@pytest.mark.parametrize("name", APP_SERVICES + ("migrate",))
def test_app_services_get_env_from_dotenv_and_the_service_urls(services, name):
    service = services[name]
    env_files = service["env_file"] if isinstance(service["env_file"], list) else [service["env_file"]]
    assert ".env" in env_files
    env = environment(service)
    assert env["DJANGO_SETTINGS_MODULE"] == "shop.settings.production"
    assert re.fullmatch(r"postgres://\$\{POSTGRES_USER[^}]*\}:\$\{POSTGRES_PASSWORD[^}]*\}@postgres:5432/\$\{POSTGRES_DB[^}]*\}",
                        env["DATABASE_URL"])
    assert env["REDIS_URL"].startswith("redis://redis:6379/")
    assert env["CELERY_BROKER_URL"].startswith("redis://redis:6379/")
    assert env["ELASTICSEARCH_URL"] == "http://elasticsearch:9200"
    assert str(env["CELERY_TASK_ALWAYS_EAGER"]).lower() == "false"


def test_the_commands_of_web_worker_and_beat(services):
    assert services["web"]["command"][0] == "gunicorn"
    assert "shop.wsgi:application" in services["web"]["command"]
    worker = " ".join(services["worker"]["command"])
    assert "celery -A shop worker" in worker and "scripts/celery-queues.py" in worker
    assert services["beat"]["command"][:4] == ["celery", "-A", "shop", "beat"]


def test_gunicorn_keeps_its_database_connections(services):
    # every gunicorn start reuses connections for 60 s; settings check them before reuse
    assert str(environment(services["web"])["DATABASE_CONN_MAX_AGE"]) == "60"
    assert re.search(r"^ENV DATABASE_CONN_MAX_AGE=60$", (ROOT / "Dockerfile").read_text(), re.M)
    assert 'DATABASE_CONN_MAX_AGE="${DATABASE_CONN_MAX_AGE:-60}"' in (ROOT / "scripts" / "web.sh").read_text()
    for name in ("base.py", "production.py"):
        assert "CONN_HEALTH_CHECKS" in (ROOT / "shop" / "settings" / name).read_text()


def test_published_ports_are_bound_to_127_0_0_1_only(services):
    published = []
    for name, service in services.items():
        for port in service.get("ports", []):
            if isinstance(port, dict):
                assert port.get("host_ip") == "127.0.0.1", (name, port)
            else:
                assert str(port).startswith("127.0.0.1:"), (name, port)
            published.append(name)
    assert {"web", "postgres", "redis", "elasticsearch"} <= set(published)


def test_data_lives_in_named_volumes(compose, services):
    assert {"pgdata", "redisdata", "esdata"} <= set(compose["volumes"])
    assert "pgdata:/var/lib/postgresql/data" in services["postgres"]["volumes"]
    assert "esdata:/usr/share/elasticsearch/data" in services["elasticsearch"]["volumes"]


# --- Dockerfile and .dockerignore ----------------------------------------------------------------


def test_the_dockerfile_builds_a_non_root_gunicorn_image():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11", dockerfile, re.M)
    assert "uv sync --frozen --no-dev" in dockerfile
    assert "collectstatic" in dockerfile
    assert re.search(r"^USER (?!root)\w+", dockerfile, re.M)
    assert re.search(r'^CMD \["gunicorn"', dockerfile, re.M)
    assert "ENV DJANGO_SETTINGS_MODULE=shop.settings.production" in dockerfile


def test_dockerignore_keeps_secrets_and_local_state_out():
    ignored = (ROOT / ".dockerignore").read_text().split()
    for entry in (".env", ".git", ".venv", "var/"):
        assert entry in ignored


# --- .env.example ------------------------------------------------------------------------------------

SETTINGS_ENV_CALL = re.compile(r"""\benv(?:\.\w+)?\(\s*["']([A-Z][A-Z0-9_]*)["']""")
DOCUMENTED = re.compile(r"^#?\s*([A-Z][A-Z0-9_]*)=", re.M)


def documented_variables() -> set[str]:
    return set(DOCUMENTED.findall((ROOT / ".env.example").read_text()))


def test_env_example_documents_every_variable_the_settings_read():
    read = set()
    for path in (ROOT / "shop" / "settings").glob("*.py"):
        read |= set(SETTINGS_ENV_CALL.findall(path.read_text()))
    assert {"DJANGO_SECRET_KEY", "DATABASE_URL", "REDIS_URL", "ELASTICSEARCH_URL"} <= read
    missing = read - documented_variables()
    assert not missing, f".env.example does not document {sorted(missing)}"


def test_env_example_documents_every_variable_compose_substitutes():
    text = (ROOT / "docker-compose.yml").read_text()
    substituted = set(re.findall(r"(?<!\$)\$\{([A-Z][A-Z0-9_]*)", text))
    assert {"POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB"} <= substituted
    missing = substituted - documented_variables()
    assert not missing, f".env.example does not document {sorted(missing)}"


def test_env_example_has_no_real_secret():
    values = dict(re.findall(r"^([A-Z][A-Z0-9_]*)=(.*)$", (ROOT / ".env.example").read_text(), re.M))
    assert "change-me" in values["DJANGO_SECRET_KEY"]
    assert "change-me" in values["POSTGRES_PASSWORD"]


# --- Makefile and CI ---------------------------------------------------------------------------------


def test_makefile_has_the_documented_targets():
    makefile = (ROOT / "Makefile").read_text()
    targets = set(re.findall(r"^([a-z][a-z-]*):", makefile, re.M))
    assert {"install", "demo", "services", "up", "down", "test"} <= targets
    assert "uv sync --frozen" in (ROOT / "scripts" / "install.sh").read_text()


def test_ci_runs_make_test_strictly():
    run = (ROOT / ".ci" / "run").read_text()
    assert run.startswith("#!/usr/bin/env bash")
    assert "set -euo pipefail" in run
    assert "make test" in run
