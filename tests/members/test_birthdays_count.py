"""政治生日's 共 N 条 for a whole scope: from the stored 入党-month figures, equal to COUNT of the page's rows for every
principal (narrow, nested, disjoint, a second root), every month and a viewed year before, inside and after the
joiners' years; in step through the write paths that change a member's 入党日期, branch or standing."""
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from branches import figures
from branches.models import OrganizationFigures
from members.models import Member
from members.selectors.registry import political_birthdays, political_birthdays_count
from members.services.registry import member_deactivate, member_move, member_update
from tests.members.factories import MemberFactory
from tests.members.test_member_list_total import principals  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def joined(tree, principals):  # noqa: F811
    """Members of several branches joined in every month, some this year and later (no anniversary yet)."""
    branches = (tree.a1, tree.a2, tree.b1)
    for i in range(36):
        MemberFactory(branch=branches[i % 3], joined_on=date(2000 + i % 27, 1 + i % 12, 1 + i % 28))
    MemberFactory(branch=tree.a1, joined_on=date(2026, 3, 2))
    MemberFactory(branch=tree.b1, joined_on=date(2027, 3, 9))   # a date typed ahead
    return principals


def months():
    for year in (2001, 2016, 2026, 2027):
        for month in range(1, 13):
            yield date(year, month, 1)


def test_the_count_equals_the_rows_for_every_principal_and_month(tree, joined):
    figures_in_step()
    checked = 0
    for name, user in joined.items():
        for month in months():
            rows = political_birthdays(user=user, month=month)
            assert political_birthdays_count(user=user, month=month) == rows.count(), (name, month)
            checked += 1
    assert checked == 9 * 48
    march = political_birthdays(user=joined["staff"], month=date(2026, 3, 1))
    assert march.exists() and not march.filter(joined_on__year__gte=2026).exists()


def figures_in_step():
    assert figures.differences() == []


def test_a_changed_joining_date_branch_or_standing_moves_the_month(tree, users, joined):
    staff, month = joined["staff"], date(2026, 5, 1)
    member = MemberFactory(branch=tree.a1, joined_on=date(2010, 4, 30))
    before = political_birthdays_count(user=staff, month=month)
    member_update(member=member, joined_on=date(2010, 5, 1))
    figures_in_step()
    assert political_birthdays_count(user=staff, month=month) == before + 1
    assert political_birthdays_count(user=joined["staff_a"], month=month) == \
        political_birthdays(user=joined["staff_a"], month=month).count()
    member_move(member=member, to_branch=tree.b1, on=date(2026, 5, 2), by=staff)
    figures_in_step()
    for user in joined.values():
        assert political_birthdays_count(user=user, month=month) == political_birthdays(user=user, month=month).count()
    member_deactivate(member=member, on=date(2026, 5, 3), reason="去世", by=staff)
    figures_in_step()
    assert political_birthdays_count(user=staff, month=month) == before


def test_the_whole_scope_reads_the_figures_not_every_member_of_the_month(tree, joined):
    user, month = joined["superuser"], date(2026, 3, 1)
    with CaptureQueriesContext(connection) as ctx:
        total = political_birthdays_count(user=user, month=month)
    sql = " ".join(q["sql"] for q in ctx.captured_queries)
    assert "branches_organizationfigures" in sql
    # the members read are only those joined in the viewed year or later (the 2026 and 2027 joiners of March)
    member_reads = [q["sql"] for q in ctx.captured_queries if "members_member" in q["sql"]]
    assert len(member_reads) == 1 and "2026-01-01" in member_reads[0]
    assert total == political_birthdays(user=user, month=month).count()


def test_a_root_without_figures_is_counted(tree, joined):
    OrganizationFigures.objects.filter(organization=tree.ga).delete()
    user = joined["staff_a"]
    for month in months():
        assert political_birthdays_count(user=user, month=month) == political_birthdays(user=user, month=month).count()


def test_the_page_shows_it_and_a_chosen_branch_is_counted(client, tree, joined):
    client.force_login(joined["staff"])
    response = client.get(reverse("members:birthdays"), {"month": "2026-03"})
    paginator = response.context["page_obj"].paginator
    assert paginator.count == political_birthdays(user=joined["staff"], month=date(2026, 3, 1)).count() > 0
    response = client.get(reverse("members:birthdays"), {"month": "2026-03", "branch": tree.b1.pk})
    assert response.context["page_obj"].paginator.count == political_birthdays(
        user=joined["staff"], month=date(2026, 3, 1), branch_ids=[tree.b1.pk]).count()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the plan is PostgreSQL's")
def test_the_joiners_taken_off_are_a_range_of_their_index_not_the_whole_month(tree, joined):
    """The month's joiners of the viewed year or later are read as a range of (month, 入党日期), not by checking the
    date of every member of the month (plan shape, on a table large enough for the planner to tell the two indexes
    apart: 2,400 members, analyzed)."""
    Member.objects.bulk_create(MemberFactory.build(branch=(tree.a1, tree.b1)[i % 2],
                                                   joined_on=date(1980 + i % 40, 1 + i % 12, 1 + i % 28))
                               for i in range(2400))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE members_member")
    with CaptureQueriesContext(connection) as ctx:
        political_birthdays_count(user=joined["staff"], month=date(2026, 3, 1))
    sql = next(q["sql"] for q in ctx.captured_queries if "members_member" in q["sql"])
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("EXPLAIN " + sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "member_joined_month_on" in plan, plan
