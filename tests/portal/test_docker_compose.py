"""docker-compose.yml and the image agree with what the settings read."""
import ast
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
APP_SERVICES = ("web", "worker", "beat")
# Read by Django / Celery themselves, not by portal/settings.
FRAMEWORK_ENV = {"DJANGO_SETTINGS_MODULE"}


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def settings_env_names() -> set[str]:
    """Names read through env(...), env.bool(...), env.list(...), env.db_url(...) etc. in portal/settings."""
    names = set()
    for path in (ROOT / "portal" / "settings").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func = node.func
            is_env = (isinstance(func, ast.Name) and func.id == "env") or (
                isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "env"
            )
            first = node.args[0]
            if is_env and isinstance(first, ast.Constant) and isinstance(first.value, str):
                names.add(first.value)
    return names


def env_of(service: dict) -> dict:
    env = service.get("environment", {})
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return env


def test_settings_parser_finds_the_documented_variables():
    names = settings_env_names()
    assert {"DJANGO_SECRET_KEY", "DJANGO_DEBUG", "DJANGO_ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL",
            "CELERY_BROKER_URL", "FIELD_ENCRYPTION_KEYS", "MEDIA_ROOT", "STATIC_ROOT", "EMAIL_URL"} <= names


def test_the_five_services_exist(compose):
    assert {"postgres", "redis", "web", "worker", "beat"} <= set(compose["services"])


@pytest.mark.parametrize("name", ["postgres", "redis", "web"])
def test_health_checks(compose, name):
    test = compose["services"][name]["healthcheck"]["test"]
    command = " ".join(test) if isinstance(test, list) else test
    expected = {"postgres": "pg_isready", "redis": "redis-cli ping", "web": "healthcheck.py"}[name]
    assert expected in command


def test_web_health_check_targets_healthz():
    source = (ROOT / "scripts" / "healthcheck.py").read_text(encoding="utf-8")
    assert "/healthz/" in source


def test_app_services_share_one_environment(compose):
    keys = {name: set(env_of(compose["services"][name])) for name in APP_SERVICES}
    assert keys["web"] == keys["worker"] == keys["beat"]
    assert keys["web"]


def test_every_env_var_passed_is_read_by_settings(compose):
    read = settings_env_names() | FRAMEWORK_ENV
    for name in APP_SERVICES:
        unknown = set(env_of(compose["services"][name])) - read
        assert not unknown, f"{name} passes variables no settings module reads: {sorted(unknown)}"


def test_production_settings_are_used(compose):
    for name in APP_SERVICES:
        assert env_of(compose["services"][name])["DJANGO_SETTINGS_MODULE"] == "portal.settings.production"
    assert "DJANGO_SETTINGS_MODULE=portal.settings.production" in (ROOT / "Dockerfile").read_text(encoding="utf-8")


def test_secrets_are_required_not_embedded(compose):
    env = env_of(compose["services"]["web"])
    for name in ("DJANGO_SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "DJANGO_ALLOWED_HOSTS"):
        assert re.fullmatch(r"\$\{" + name + r":\?[^}]*\}", str(env[name])), f"{name} must be ${{{name}:?...}}"


def test_urls_point_at_the_compose_services(compose):
    env = env_of(compose["services"]["web"])
    assert re.fullmatch(r"postgres://[^@]+@postgres:5432/\w+", env["DATABASE_URL"])
    assert re.fullmatch(r"redis://redis:6379/\d+", env["REDIS_URL"])
    for name in APP_SERVICES:
        needs = compose["services"][name]["depends_on"]
        assert needs["postgres"]["condition"] == "service_healthy"
        assert needs["redis"]["condition"] == "service_healthy"


def test_web_runs_gunicorn_and_beat_uses_database_scheduler(compose):
    services = compose["services"]
    assert services["web"]["command"][:2] == ["gunicorn", "portal.wsgi:application"]
    assert services["worker"]["command"][:4] == ["celery", "-A", "portal", "worker"]
    beat = services["beat"]
    assert beat["command"][:4] == ["celery", "-A", "portal", "beat"]
    assert "django_celery_beat.schedulers:DatabaseScheduler" in beat["command"]
    assert beat.get("deploy", {}).get("replicas", 1) == 1


def test_migrations_run_before_the_app_starts(compose):
    services = compose["services"]
    migrate = services["migrate"]
    assert migrate["command"] == ["python", "manage.py", "migrate", "--noinput"]
    assert migrate["restart"] == "no"
    for name in APP_SERVICES:
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


def test_volumes_for_postgres_data_and_media(compose):
    assert any(v.endswith(":/var/lib/postgresql/data") for v in compose["services"]["postgres"]["volumes"])
    media_root = env_of(compose["services"]["web"])["MEDIA_ROOT"]
    for name in ("web", "worker"):
        mounts = compose["services"][name]["volumes"]
        assert f"media:{media_root}" in mounts
    named = set(compose["volumes"])
    assert {"pgdata", "media"} <= named


def test_image_runs_as_non_root_and_ignores_local_state():
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"^FROM python:3\.11-slim-bookworm\s*$", dockerfile, re.M)
    users = re.findall(r"^USER\s+(\S+)", dockerfile, re.M)
    assert users and users[-1] not in ("root", "0")
    for lib in ("libpango-1.0-0", "libharfbuzz-subset0", "libpq5", "libmagic1"):
        assert lib in dockerfile
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert {".git", ".venv", "var", ".env"} <= set(ignored)


def test_healthcheck_host_comes_from_allowed_hosts():
    import importlib.util

    spec = importlib.util.spec_from_file_location("healthcheck", ROOT / "scripts" / "healthcheck.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.pick_host("portal.example.org,other.example.org") == "portal.example.org"
    assert module.pick_host(".example.org") == "healthz.example.org"
    assert module.pick_host("*") == "localhost"
    assert module.pick_host("") == "localhost"
