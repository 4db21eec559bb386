"""Faults: Redis down, PostgreSQL restarted, storage failing (see test_uploads.py) — the portal keeps answering."""
from __future__ import annotations

import io
import json
import sys

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django.test import Client, override_settings
from django.urls import reverse

from . import walker
from .pg import admin_connection, requires_postgres

REDIS_DOWN = {
    "CACHES": {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                           "LOCATION": "redis://127.0.0.1:1/0"}},   # nothing listens on port 1
    "CELERY_BROKER_URL": "redis://127.0.0.1:1/0",
    "CELERY_TASK_ALWAYS_EAGER": False,
}


@pytest.mark.django_db
def test_every_page_loads_with_redis_down(tree, users, members):
    """Cache and broker unreachable: every page (and the API) answers without a 5xx, log-in included."""
    from django.core.cache import cache

    with override_settings(**REDIS_DOWN):
        with pytest.raises(Exception):  # noqa: B017 - prove Redis really is unreachable in this test
            cache.get("probe")
        anonymous = Client()
        assert anonymous.get(reverse("login")).status_code == 200
        response = anonymous.post(reverse("login"), {"username": "staff", "password": "test-pass-123"})
        assert response.status_code == 302, "log-in must work without Redis"
        client = Client()
        client.force_login(users.superuser)
        failures, walked = [], 0
        for ep in walker.endpoints():
            if ep.is_admin or ep.name == "logout":
                continue
            values = walker.fill(ep, users.superuser, in_scope=True)
            if values is None:
                continue
            url = ep.url(values)
            response = client.get(url)
            walked += 1
            if response.status_code >= 500:
                failures.append(f"{ep.name} {url} -> {response.status_code}")
        assert walked > 10
        assert not failures, "\n".join(failures)


def _wsgi_get(path: str, cookie: str = "") -> tuple[int, bytes]:
    """A request through the real WSGI handler (the test client skips the per-request connection checks)."""
    environ = {
        "REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": "", "SERVER_NAME": "testserver",
        "SERVER_PORT": "80", "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(b""), "wsgi.errors": sys.stderr,
        "wsgi.version": (1, 0), "wsgi.multithread": False, "wsgi.multiprocess": False, "wsgi.run_once": False,
        "REMOTE_ADDR": "127.0.0.1", "HTTP_COOKIE": cookie,
    }
    status = []
    response = WSGIHandler()(environ, lambda s, h, exc_info=None: status.append(int(s.split()[0])))
    body = b"".join(response)
    response.close()   # request_finished: Django's end-of-request connection handling
    return status[0], body


def _terminate_other_backends() -> int:
    conn = admin_connection()
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                        "WHERE datname = %s AND pid <> pg_backend_pid()", [connection.settings_dict["NAME"]])
            return cur.fetchone()[0]
    finally:
        conn.close()


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_requests_succeed_after_postgresql_drops_every_connection(tree, users, members, settings):
    """CONN_MAX_AGE keeps connections; CONN_HEALTH_CHECKS finds the dead one and reconnects (no 500)."""
    assert connection.settings_dict["CONN_HEALTH_CHECKS"] and connection.settings_dict["CONN_MAX_AGE"] > 0
    client = Client()
    client.force_login(users.staff)
    cookie = f"sessionid={client.cookies['sessionid'].value}"

    assert _wsgi_get("/healthz/")[0] == 200
    assert _wsgi_get(reverse("members:list"), cookie)[0] == 200
    assert connection.connection is not None           # persistent connection kept between requests
    assert _terminate_other_backends() >= 1             # "PostgreSQL restarted"

    status, body = _wsgi_get("/healthz/")
    assert status == 200 and json.loads(body)["database"] == "ok"
    status, body = _wsgi_get(reverse("members:list"), cookie)
    assert status == 200 and members.a1.name in body.decode()


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_without_health_checks_the_first_request_after_a_restart_fails(tree, users):
    """Control: the same sequence with the health check off answers 503, so the test above can fail."""
    assert _wsgi_get("/healthz/")[0] == 200
    connection.health_check_enabled = False
    try:
        _terminate_other_backends()
        assert _wsgi_get("/healthz/")[0] == 503
    finally:
        connection.health_check_enabled = connection.settings_dict["CONN_HEALTH_CHECKS"]
        connection.close()


@pytest.mark.django_db(transaction=True)   # real commits: the request is sent to the queue after commit
def test_report_request_with_the_queue_down_is_kept_and_runs_when_it_is_back(client, tree, users, members,
                                                                            settings, tmp_path, monkeypatch):
    from kombu.exceptions import OperationalError as BrokerDown

    from portal.celery import app
    from reports import services, tasks
    from reports.models import JobStatus, ReportJob
    from reports.views import QUEUE_UNAVAILABLE

    settings.MEDIA_ROOT = str(tmp_path)
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True   # when the queue answers, tasks run in-process
    try:
        _queue_down_then_back(client, tree, users, monkeypatch, services, tasks, JobStatus, ReportJob,
                              QUEUE_UNAVAILABLE, BrokerDown)
    finally:
        app.conf.task_always_eager = eager


def _queue_down_then_back(client, tree, users, monkeypatch, services, tasks, JobStatus, ReportJob,
                          QUEUE_UNAVAILABLE, BrokerDown):
    send = tasks.run_report.apply_async

    def broker_down(*args, **kwargs):
        raise BrokerDown("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.run_report, "apply_async", broker_down)
    client.force_login(users.secretary)
    url = reverse("reports:organization", args=[tree.a1.pk])
    response = client.post(url, {"kind": "branch-monthly", "period": "2025-09", "format": "xlsx"}, follow=True)

    assert response.status_code == 200 and str(QUEUE_UNAVAILABLE) in response.content.decode()
    job = ReportJob.objects.get()
    assert job.status == JobStatus.QUEUED and job.stage == services.QUEUE_WAITING   # the request is kept
    assert services.QUEUE_WAITING in client.get(url).content.decode()               # and the page says why
    assert tasks.requeue_waiting() == 0                      # beat while still down: nothing lost, nothing sent
    assert ReportJob.objects.get().status == JobStatus.QUEUED

    monkeypatch.setattr(tasks.run_report, "apply_async", send)   # Redis is back
    assert tasks.requeue_waiting() == 1
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.file and ReportJob.objects.count() == 1
