"""PostgreSQL helpers for the fault and backup tests (skipped on SQLite)."""
from urllib.parse import quote

import pytest
from django.db import connection

requires_postgres = pytest.mark.skipif(
    "connection.vendor != 'postgresql'",
    reason="needs PostgreSQL (set DATABASE_URL=postgres://...); the embedded SQLite has no server to restart or dump",
)


def url_for(name: str | None = None) -> str:
    s = connection.settings_dict
    auth = quote(s["USER"] or "", safe="")
    if s.get("PASSWORD"):
        auth += ":" + quote(s["PASSWORD"], safe="")
    host = s.get("HOST") or "localhost"
    port = s.get("PORT") or 5432
    return f"postgresql://{auth}@{host}:{port}/{name or s['NAME']}"


def admin_connection():
    """A separate autocommit connection to the maintenance database."""
    import psycopg2

    conn = psycopg2.connect(url_for("postgres"))
    conn.autocommit = True
    return conn
