"""Settings modules behave as documented: production refuses demo values, the embedded default needs no servers.

Each case runs in a subprocess, because settings are read once per process.
"""
import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[2]
# Variables the settings read that must not leak from the developer's or CI's shell into these cases.
CLEARED = (
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "DJANGO_SETTINGS_MODULE", "DJANGO_SECRET_KEY", "DJANGO_DEBUG", "DJANGO_ALLOWED_HOSTS",
    "DJANGO_CSRF_TRUSTED_ORIGINS", "DATABASE_URL", "DB_OPTIONS", "REDIS_URL", "CELERY_BROKER_URL", "FIELD_ENCRYPTION_KEYS",
    "DJANGO_SECURE_SSL_REDIRECT", "DJANGO_HSTS_SECONDS",
)


def run(args, **env):
    base = {k: v for k, v in os.environ.items() if k not in CLEARED}
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env={**base, **env}, capture_output=True, text=True, timeout=120
    )


def production_env(**overrides):
    env = {
        "DJANGO_SETTINGS_MODULE": "portal.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "DJANGO_ALLOWED_HOSTS": "portal.example.org",
    }
    env.update(overrides)
    return {k: v for k, v in env.items() if v is not None}


def check_deploy(*extra, **env):
    return run(["manage.py", "check", "--deploy", "--fail-level", "WARNING", *extra], **production_env(**env))


def test_production_deploy_check_security_is_clean():
    result = check_deploy("--tag", "security")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
    assert "WARNING" not in result.stderr


@pytest.mark.skipif(not (ROOT / "portal" / "urls.py").exists(), reason="portal.urls not on this branch yet")
def test_production_deploy_check_all_tags_is_clean():
    result = check_deploy()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
    assert "WARNING" not in result.stderr


@pytest.mark.parametrize("secret_key", [None, "demo-insecure-key-do-not-use-in-production-4f1c2e", "short-key"])
def test_production_refuses_demo_or_weak_secret_key(secret_key):
    result = check_deploy(DJANGO_SECRET_KEY=secret_key)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_refuses_debug():
    result = check_deploy(DJANGO_DEBUG="true")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_DEBUG" in result.stderr


def test_production_refuses_demo_field_encryption_key():
    result = check_deploy(FIELD_ENCRYPTION_KEYS=None)
    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEYS" in result.stderr


PRINT_SETTINGS = """
import json
import django
from django.conf import settings
django.setup()
print(json.dumps({
    "engine": settings.DATABASES["default"]["ENGINE"],
    "name": str(settings.DATABASES["default"]["NAME"]),
    "eager": settings.CELERY_TASK_ALWAYS_EAGER,
    "broker": settings.CELERY_BROKER_URL,
    "cache": settings.CACHES["default"]["BACKEND"],
    "cache_location": str(settings.CACHES["default"].get("LOCATION", "")),
    "db_options": settings.DATABASES["default"].get("OPTIONS", {}).get("options", ""),
    "debug": settings.DEBUG,
}))
"""


def print_settings(module, **env):
    result = run(["-c", PRINT_SETTINGS], DJANGO_SETTINGS_MODULE=module, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("module", ["portal.settings.dev", "portal.settings.test"])
def test_embedded_default_is_sqlite_and_eager_celery(module):
    values = print_settings(module)
    assert values["engine"] == "django.db.backends.sqlite3"
    assert values["name"] == str(ROOT / "var" / "portal.sqlite3")
    assert values["eager"] is True
    assert values["broker"] == ""
    assert values["cache"].endswith("LocMemCache")


def test_servers_come_from_the_environment():
    values = print_settings(
        "portal.settings.dev",
        DATABASE_URL="postgres://portal:pw@db.internal:5432/portal",
        REDIS_URL="redis://cache.internal:6379/3",
    )
    assert values["engine"] == "django.db.backends.postgresql"
    assert values["name"] == "portal"
    assert values["eager"] is False
    assert values["broker"] == "redis://cache.internal:6379/3"
    assert values["cache"].endswith("RedisCache")


def test_parallel_test_processes_each_have_their_own_broker_and_cache():
    """Two pytest-xdist processes sharing one broker: a real worker started by one took the other's messages
    (and ran them against its own test database), and one's purge dropped the other's. Each gets its own."""
    seen = []
    for worker in ("gw0", "gw1"):
        values = print_settings("portal.settings.test", REDIS_URL="redis://127.0.0.1:6379/0",
                                PYTEST_XDIST_WORKER=worker)
        assert values["eager"] is False
        seen += [values["broker"], values["cache_location"]]
    assert len(set(seen)) == 4 and "redis://127.0.0.1:6379/0" not in seen, seen
    # a broker chosen explicitly is left alone
    values = print_settings("portal.settings.test", REDIS_URL="redis://127.0.0.1:6379/0",
                            CELERY_BROKER_URL="redis://broker.internal:6379/2", PYTEST_XDIST_WORKER="gw1")
    assert values["broker"] == "redis://broker.internal:6379/2"


def test_postgresql_cursors_are_planned_for_all_their_rows():
    """Django's iterator() (every ModelChoiceField's options) reads through a WITH HOLD cursor that PostgreSQL
    materializes whole; planned for its first 10 % of rows, a 12-option <select> took 27 ms at N=50,000 instead of
    2.7 ms. The connection asks for whole-result plans; DB_OPTIONS replaces it; SQLite gets nothing."""
    url = "postgres://portal:pw@db.internal:5432/portal"
    assert print_settings("portal.settings.dev", DATABASE_URL=url)["db_options"] == "-c cursor_tuple_fraction=1.0"
    assert print_settings("portal.settings.dev", DATABASE_URL=url + "?options=-c%20statement_timeout%3D5000")[
        "db_options"] == "-c statement_timeout=5000 -c cursor_tuple_fraction=1.0"
    assert print_settings("portal.settings.dev", DATABASE_URL=url, DB_OPTIONS="")["db_options"] == ""
    assert print_settings("portal.settings.dev")["db_options"] == ""


@pytest.mark.django_db
def test_the_connection_plans_cursors_for_all_their_rows():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's planner setting: set DATABASE_URL")
    with connection.cursor() as cursor:
        cursor.execute("SHOW cursor_tuple_fraction")
        assert float(cursor.fetchone()[0]) == 1.0


def test_dev_shows_the_portal_error_pages_unless_a_developer_asks_for_debug():
    assert print_settings("portal.settings.dev")["debug"] is False
    assert print_settings("portal.settings.dev", DJANGO_DEBUG="1")["debug"] is True
    assert print_settings("portal.settings.base")["debug"] is False


@pytest.mark.skipif(os.environ.get("CI") != "true", reason="CI only: CI must test against PostgreSQL and Redis")
@pytest.mark.django_db
def test_ci_runs_against_postgresql_and_redis():
    from django.conf import settings
    from django.core.cache import cache
    from django.db import connection

    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        assert cursor.fetchone()[0].startswith("PostgreSQL")
    assert settings.CACHES["default"]["BACKEND"].endswith("RedisCache")
    assert settings.CELERY_TASK_ALWAYS_EAGER is False
    key = f"ci-probe-{secrets.token_hex(4)}"
    cache.set(key, "ok", 10)
    assert cache.get(key) == "ok"
    cache.delete(key)
