"""Organizational-life and practice pages read what they show, not the whole member table (issue #23).

At N=50,000 (1.5 M members) these pages' SQL grew with the size of the database although they show one branch or
a page of rows: an OR beside an indexed condition made PostgreSQL filter every member. The plan's shape is checked
on PostgreSQL with sequential scans discouraged (`enable_seqscan = off`): a query that can use an index then does,
at any size; one that cannot (the old ORs) still scans the table, so these tests fail on the old queries.
"""
from __future__ import annotations

import json
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orglife import services as svc
from tests.members.factories import MemberFactory

pytestmark = pytest.mark.django_db


def whole_reads(sql: str, params=None) -> list[str]:
    """Tables the plan of `sql` reads whole (a sequential scan, or an index walked without a condition), with
    sequential scans made as costly as PostgreSQL allows."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        try:
            cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params or None)
            plan = cursor.fetchone()[0]
        finally:
            cursor.execute("SET LOCAL enable_seqscan = on")
    plan = json.loads(plan) if isinstance(plan, str) else plan

    def walk(node):
        if node["Node Type"] in ("Seq Scan", "Index Scan", "Index Only Scan") and "Index Cond" not in node:
            yield node["Relation Name"]
        for child in node.get("Plans", ()):
            yield from walk(child)
    return list(walk(plan[0]["Plan"]))


def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("the plan is PostgreSQL's: set DATABASE_URL")


def test_a_branch_roster_is_read_by_index_not_by_filtering_every_member(tree):
    """The new-record form draws the branch's roster (expected_members). Members who moved away after the meeting
    date were an EXISTS beside `branch =` in one OR: 606 ms at N=5,000 for a roster of 41 (every member filtered)."""
    postgres_only()
    MemberFactory.create_batch(5, branch=tree.a1)
    MemberFactory.create_batch(5, branch=tree.b1)
    qs = svc.expected_members(organization=tree.a1, on=date(2025, 9, 10))
    sql, params = qs.query.sql_with_params()
    assert "members_member" not in whole_reads(sql, params)


def page_whole_reads(client, user, url: str, tables=("members_member", "branches_organization")) -> list[str]:
    """The page's queries (SQL) whose plan reads one of `tables` whole."""
    client.force_login(user)
    client.get(url)  # warm: grants, caches
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return [q["sql"][:300] for q in ctx.captured_queries
            if q["sql"].lstrip().upper().startswith("SELECT") and set(tables) & set(whole_reads(q["sql"]))]


@pytest.mark.parametrize("who", ["secretary", "staff"])
def test_the_study_form_asks_whether_there_is_a_member_without_reading_every_member(client, users, tree, members,
                                                                                     who):
    """记录学习 asks whether the user keeps any member. Asked of study_members (her own record OR her branches' members,
    DISTINCT), PostgreSQL joined every member of the database to its branch: 155 ms for a secretary at N=5,000."""
    postgres_only()
    MemberFactory.create_batch(5, branch=tree.b1)
    assert page_whole_reads(client, getattr(users, who), "/practice/study/new/") == []


@pytest.mark.parametrize("who", ["secretary", "staff", "reviewer"])
def test_the_attendance_page_reads_the_stored_counts_and_the_pages_members_only(client, users, tree, members, who):
    """出席统计's totals and trend come from the stored subtree counts of the scope's roots, the lowest rates from the
    page's branches' members: no query reads the attendance, member or organization table whole. Counted from the
    attendance rows, a 党委's year cost 13 s of SQL at N=5,000 and a secretary's 4.8 s (a whole-table hash)."""
    from orglife.models import AttendanceStatus
    from tests.orglife.activity_factories import attend, log

    postgres_only()
    for branch in (tree.a1, tree.a2, tree.b1):
        meeting = log(branch, "theme_day", date(2025, 9, 10))
        for i, person in enumerate(MemberFactory.create_batch(4, branch=branch)):
            attend(meeting, person, AttendanceStatus.PRESENT if i else AttendanceStatus.ABSENT)
    tables = ("orglife_attendance", "members_member", "branches_organization", "orglife_activity")
    assert page_whole_reads(client, getattr(users, who), "/org/life/attendance/?period=2025", tables) == []
