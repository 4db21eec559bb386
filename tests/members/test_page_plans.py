"""Pages whose SQL read every member of the scope (issue #23, N=50,000): the query can be served by the index made for
it, so its work follows what the page shows. Checked on the plan's shape with sequential scans disabled (the test
tables are too small for the planner to prefer an index by itself), which holds at any size."""
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.members.factories import MemberFactory

pytestmark = [pytest.mark.django_db,
              pytest.mark.skipif(connection.vendor != "postgresql", reason="the plan is PostgreSQL's: set DATABASE_URL")]


def page_queries(client, user, url, params=None):
    client.force_login(user)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, params or {}).status_code == 200
    return [q["sql"] for q in ctx.captured_queries]


def plan_of(sql, *, scope_wide=False):
    """`scope_wide`: no nested loop either — the member side read once for the whole scope, as at scale (with a
    handful of test branches the planner may otherwise probe each branch's members by another index, depending on
    the statistics earlier tests left)."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        if scope_wide:
            cursor.execute("SET LOCAL enable_nestloop = off")
        cursor.execute("EXPLAIN " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_birthdays_count_reads_the_months_index_entries_only(client, tree, users):
    """The page's count of the month's 政治生日 read every member row of the scope (100 ms at N=5,000, 456 ms at
    N=50,000). For a chosen branch it is an index-only scan of the month's entries (of either index that begins with
    the month; at this size the planner's costs tie). (For the whole
    scope it is the stored month figures less the month's joiners of the viewed year, a range of (month, 入党日期):
    tests/members/test_birthdays_count.py shows that plan on a table large enough for the planner to choose it.)"""
    MemberFactory(branch=tree.a1, name="甲", joined_on=date(2001, 7, 1))
    MemberFactory(branch=tree.a2, name="乙", joined_on=date(2010, 7, 15))
    sqls = page_queries(client, users.staff, reverse("members:birthdays"), {"month": "2025-07", "branch": tree.a1.pk})
    count = next(s for s in sqls if s.startswith("SELECT COUNT(*)") and '"members_member"' in s)
    plan = plan_of(count, scope_wide=True)
    assert ("Index Only Scan using member_birthday_month" in plan
            or "Index Only Scan using member_joined_month_on" in plan), plan
    assert "Seq Scan on members_member" not in plan, plan


def test_transfers_page_reads_only_the_mobile_members(client, tree, users):
    """流动党员 (≤200 shown) were found by reading every active member of the scope (77 ms at N=5,000): a partial
    index holds only the members away."""
    MemberFactory(branch=tree.a1, name="甲", mobile_location="广东省深圳市")
    MemberFactory(branch=tree.a1, name="乙")
    sqls = page_queries(client, users.staff, reverse("members:transfers"))
    mobile = next(s for s in sqls if s.startswith('SELECT "members_member"') and '"mobile_location" = \'\'' in s)
    plan = plan_of(mobile)
    # an index scan or a bitmap index scan of the partial index, never a scan of the member table
    assert ("using member_mobile on members_member" in plan or "Bitmap Index Scan on member_mobile" in plan), plan
    assert "Seq Scan on members_member" not in plan, plan


def test_home_probation_due_count_reads_only_the_probationary_members(client, tree, users):
    """预备期届满 on home counted the scope's active probationary members due within 30 days by scanning every member
    (42 ms at N=5,000 for two rows): a partial index holds the active probationary members by end date."""
    from members.models import MemberStatus

    MemberFactory(branch=tree.a1, name="甲", status=MemberStatus.PROBATIONARY, joined_on=date(2024, 1, 1),
                  probation_ends_on=date(2025, 1, 1))
    MemberFactory(branch=tree.a1, name="乙")
    sqls = page_queries(client, users.staff, reverse("home"))
    count = next(s for s in sqls if s.startswith("SELECT COUNT(*)") and "probation_ends_on" in s)
    plan = plan_of(count)
    assert ("using member_probation_due on members_member" in plan
            or "Bitmap Index Scan on member_probation_due" in plan), plan
    assert "Seq Scan on members_member" not in plan, plan
