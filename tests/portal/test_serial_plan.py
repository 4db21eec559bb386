"""portal.perf.serial_plan: the block's queries are planned without parallel workers, and nothing after it is."""
import pytest
from django.db import DataError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal.perf import serial_plan

pytestmark = [pytest.mark.django_db,
              pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL setting")]


def workers():
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_parallel_workers_per_gather")
        return cursor.fetchone()[0]


def test_inside_the_block_no_workers_and_after_it_the_setting_is_back():
    before = workers()
    assert before != "0"                     # PostgreSQL's default is 2: the test would prove nothing at 0
    with serial_plan():
        assert workers() == "0"
    assert workers() == before               # the test runs inside a transaction: the nested case restores
    with pytest.raises(RuntimeError), serial_plan():
        raise RuntimeError("the block fails")
    assert workers() == before


def test_an_error_inside_the_block_rolls_the_setting_back_with_it():
    before = workers()
    with transaction.atomic():
        with pytest.raises(DataError), serial_plan():
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1/0")
        assert workers() == before


def test_the_birthdays_page_reads_its_rows_without_workers(client, tree, users, members):
    client.force_login(users.staff)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("members:birthdays")).status_code == 200
    sql = [q["sql"] for q in ctx.captured_queries]
    at = next(i for i, s in enumerate(sql) if "max_parallel_workers_per_gather = 0" in s)
    rows = [i for i, s in enumerate(sql) if s.startswith('SELECT "members_member"') and "ORDER BY" in s
            and "LIMIT" in s and "joined_on" in s]
    assert rows and all(i > at for i in rows), sql
