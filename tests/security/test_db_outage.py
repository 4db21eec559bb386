"""PostgreSQL unreachable: every request answers 503 + Retry-After (Chinese page; JSON under /api/), never 500.

The outage is real but private: the test points this process's connection at a local port where nothing
listens (the shared PostgreSQL keeps running), sends requests through the real WSGI handler, then points it
back and checks the next request works (time to recovery = the first request after it is back).
"""
from __future__ import annotations

import io
import json
import socket
import sys
import time

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django.test import Client
from django.urls import reverse

from .pg import requires_postgres


def wsgi(path: str, cookie: str = "", method: str = "GET") -> tuple[int, dict, bytes]:
    environ = {
        "REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": "", "SERVER_NAME": "testserver",
        "SERVER_PORT": "80", "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(b""), "wsgi.errors": sys.stderr,
        "wsgi.version": (1, 0), "wsgi.multithread": False, "wsgi.multiprocess": False, "wsgi.run_once": False,
        "REMOTE_ADDR": "127.0.0.1", "HTTP_COOKIE": cookie, "CONTENT_LENGTH": "0",
    }
    seen = {}

    def start_response(status, headers, exc_info=None):
        seen["status"], seen["headers"] = int(status.split()[0]), dict(headers)

    response = WSGIHandler()(environ, start_response)
    body = b"".join(response)
    response.close()
    return seen["status"], seen["headers"], body


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_postgresql_down_answers_503_with_retry_after_and_recovers(tree, users, members):
    client = Client()
    client.force_login(users.staff)
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    pages = [reverse("members:list"), reverse("home"), tree.a1.get_absolute_url()]
    for page in pages:
        assert wsgi(page, cookie)[0] == 200

    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update(HOST="127.0.0.1", PORT=str(closed_port()))   # PostgreSQL "down"
    try:
        for page in pages + ["/login/"]:
            status, headers, body = wsgi(page, cookie)
            assert status == 503, (page, status)
            assert int(headers["Retry-After"]) > 0
            assert "数据库暂时无法连接" in body.decode()
        status, headers, body = wsgi("/api/v1/organizations/", cookie)
        data = json.loads(body)
        assert status == 503 and headers["Content-Type"].startswith("application/json")
        assert data["code"] == "database_unavailable" and "数据库暂时无法连接" in data["detail"]
        assert int(headers["Retry-After"]) > 0
        status, headers, body = wsgi("/healthz/")
        assert status == 503 and json.loads(body)["database"] == "unavailable" and "broker" in json.loads(body)
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)

    started = time.monotonic()
    status, _, body = wsgi(reverse("members:list"), cookie)        # PostgreSQL back: the next request works
    assert status == 200 and members.a1.name in body.decode()
    print(f"\nfirst request after PostgreSQL is back: {time.monotonic() - started:.2f}s")
    assert json.loads(wsgi("/healthz/")[2])["database"] == "ok"


@pytest.mark.django_db
def test_a_query_error_is_still_a_500_not_a_503():
    """Only a lost connection is 'unavailable'; a bug (bad SQL) must stay visible as a 500."""
    from django.db import OperationalError

    from portal.middleware import is_database_unavailable

    assert is_database_unavailable(OperationalError('connection to server at "127.0.0.1", port 1 failed: '
                                                    "Connection refused"))
    assert is_database_unavailable(OperationalError("server closed the connection unexpectedly"))
    assert not is_database_unavailable(OperationalError("deadlock detected"))
    assert not is_database_unavailable(OperationalError("no such table: x"))
    assert not is_database_unavailable(ValueError("connection"))


def test_healthz_reports_database_and_broker_separately(client, db):
    data = client.get("/healthz/").json()
    assert data["database"] == "ok" and data["broker"] in ("ok", "not_configured")
