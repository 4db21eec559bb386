"""Which database the suite runs on: CI runs PostgreSQL; `make test` without DATABASE_URL runs SQLite."""
import pytest
from django.db import connection


def postgresql_only(needs: str):
    """Skip unless on PostgreSQL; `needs` says what the test needs of it (row locks, a plan, SKIP LOCKED...)."""
    return pytest.mark.skipif(connection.vendor != "postgresql", reason=f"{needs} need PostgreSQL: set DATABASE_URL")
