"""Production settings pass Django's deployment checks, and nothing starts a public site on
the published demo secrets or loads the demo users into a production database."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
PRODUCTION = {"DJANGO_SETTINGS_MODULE": "shop.settings.production", "DJANGO_SECRET_KEY": "k" * 30 + "Q7#x" * 10,
              "SANDBOX_PAYMENT_SECRET": "a-real-secret", "DJANGO_ALLOWED_HOSTS": "shop.example.org",
              "DATABASE_URL": "postgres://u:p@127.0.0.1:1/x", "REDIS_URL": "redis://127.0.0.1:1/0"}


def run(args, env, code=None):
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SANDBOX_", "DATABASE_", "REDIS_"))}
    command = [sys.executable, *(["-c", code] if code else ["manage.py", *args])]
    return subprocess.run(command, cwd=ROOT, env={**base, **env}, capture_output=True, text=True, timeout=120)


def test_check_deploy_is_clean_under_production_settings():
    result = run(["check", "--deploy", "--fail-level", "WARNING"], PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("missing", ["DJANGO_SECRET_KEY", "SANDBOX_PAYMENT_SECRET", "REDIS_URL"])
def test_production_refuses_to_start_without_a_secret_or_redis(missing):
    env = {k: v for k, v in PRODUCTION.items() if k != missing}
    result = run(["check"], env)
    assert result.returncode != 0 and missing in result.stderr


def test_base_settings_refuse_the_published_secrets_for_a_public_host():
    env = {"DJANGO_SETTINGS_MODULE": "shop.settings.base", "DJANGO_ALLOWED_HOSTS": "shop.example.org"}
    result = run(["check"], env)
    assert result.returncode != 0 and "published" in result.stderr


def test_the_wsgi_and_celery_entry_points_default_to_production():
    code = ("import os, importlib.util as u\n"
            "for m in ['shop.wsgi', 'shop.celery']:\n"
            "    src = open(u.find_spec(m).origin).read()\n"
            "    assert 'setdefault(\"DJANGO_SETTINGS_MODULE\", \"shop.settings.production\")' in src, m\n"
            "print('ok')")
    assert run([], {}, code=code).stdout.strip() == "ok"


def test_load_demo_is_refused_under_production_settings():
    result = run(["load_demo"], PRODUCTION)
    assert result.returncode != 0 and "DEMO_DATA_ALLOWED" in result.stderr
