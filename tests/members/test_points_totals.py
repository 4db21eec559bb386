"""The stored yearly totals (PointsTotal) and the branch figures (PointsBranchTotal) follow the services that change
what they count, agree with a recount, and the points page ranks by them, paged."""
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from members.models import DuesRecord, PointsBranchTotal, PointsItem, PointsTotal
from members.selectors import points as point_selectors
from members.services import points, registry
from members.services.dues import dues_mark_paid, dues_unmark
from tests.members.factories import MemberFactory

pytestmark = pytest.mark.django_db
D = Decimal


def stored(member, year=2025):
    return PointsTotal.objects.filter(member=member, year=year).values_list("total", flat=True).first()


def counted(member, year=2025):
    return points.member_scores(members=[member], start=date(year, 1, 1), end=date(year, 12, 31))[0].total


def test_totals_follow_manual_items_and_dues_payments(tree, users):
    a = MemberFactory(branch=tree.a1, name="甲")
    entry = points.points_entry_add(member=a, item=PointsItem.objects.get(name="受到表彰奖励"),
                                    occurred_on=date(2025, 5, 1), note="优秀党员", by=users.secretary)
    assert stored(a) is None                                  # pending: counts nothing yet
    points.points_entry_audit(entry=entry, approve=True, by=users.staff)
    assert stored(a) == counted(a)
    record = DuesRecord.objects.create(member=a, branch=a.branch, month=date(2025, 3, 1), amount_due=D("10"))
    before = stored(a)
    dues_mark_paid(records=[record], paid_on=date(2025, 3, 10), method="cash", by=users.secretary)
    assert stored(a) == counted(a) > before                   # paid on time: a points item
    dues_unmark(record=DuesRecord.objects.get(pk=record.pk), by=users.secretary)
    assert stored(a) == counted(a) == before
    assert points.points_totals_differences(year=2025) == [] or all(
        d.member_id != a.pk for d in points.points_totals_differences(year=2025))


def test_the_check_command_finds_and_repairs_a_difference(tree, users):
    a = MemberFactory(branch=tree.a1, name="甲")
    points.points_totals_rebuild(year=2025)
    call_command("points_totals", year=2025)                  # in step: no error
    PointsTotal.objects.filter(member=a, year=2025).update(total=D("999"))
    with pytest.raises(CommandError):
        call_command("points_totals", year=2025)
    call_command("points_totals", year=2025, repair=True)
    assert stored(a) == counted(a)
    call_command("points_totals", year=2025)


def test_the_points_page_ranks_by_the_stored_totals(client, tree, users):
    low, high = MemberFactory(branch=tree.a1, name="低分"), MemberFactory(branch=tree.a1, name="高分")
    PointsTotal.objects.create(member=low, year=2025, total=D("61"))
    PointsTotal.objects.create(member=high, year=2025, total=D("80"))
    points.points_branch_totals_rebuild(year=2025)           # written here, not by a service: the bulk load's step
    client.force_login(users.staff)
    html = client.get(reverse("members:points"), {"year": 2025, "branch": tree.a1.pk}).content.decode()
    assert html.index("高分") < html.index("低分")
    html = client.get(reverse("members:points"), {"year": 2025}).content.decode()
    assert tree.a1.name in html and "70.5" in html            # the branch's average of the stored totals


def branch_figure(branch, year=2025):
    return PointsBranchTotal.objects.filter(organization=branch, year=year, members__gt=0).values_list(
        "members", "average").first()


def test_branch_figures_follow_every_members_write(tree, users):
    """What the branch ranking reads is kept by the writes: a total changing, a member moving to another branch,
    leaving the registry and coming back (each changes which totals a branch's average counts)."""
    a, b = MemberFactory(branch=tree.a1, name="甲"), MemberFactory(branch=tree.a1, name="乙")
    points.points_totals_refresh(member_ids=[a.pk, b.pk], year=2025)
    base = stored(a)
    assert branch_figure(tree.a1) == (2, base)
    entry = points.points_entry_add(member=a, item=PointsItem.objects.get(name="受到表彰奖励"),
                                    occurred_on=date(2025, 5, 1), note="优秀党员", by=users.secretary)
    points.points_entry_audit(entry=entry, approve=True, by=users.staff)
    assert stored(a) > base and branch_figure(tree.a1) == (2, ((stored(a) + base) / 2).quantize(D("0.0001")))
    registry.member_move(member=a, to_branch=tree.a2, on=date(2025, 6, 1), by=users.staff)
    assert branch_figure(tree.a1) == (1, base) and branch_figure(tree.a2) == (1, stored(a))
    registry.member_deactivate(member=b, on=date(2025, 7, 1), reason="去世", by=users.staff)
    assert branch_figure(tree.a1) is None                     # nobody counted: ranked last
    registry.member_restore(member=b, on=date(2025, 7, 2), reason="误操作", by=users.staff)
    assert branch_figure(tree.a1) == (1, base)
    assert points.points_branch_totals_differences(year=2025) == []
    assert points.points_totals_differences(year=2025) == []


def test_the_check_command_finds_a_wrong_branch_figure(tree, users):
    MemberFactory(branch=tree.a1, name="甲")
    points.points_totals_rebuild(year=2025)
    assert branch_figure(tree.a1) is not None
    call_command("points_totals", year=2025)
    PointsBranchTotal.objects.filter(organization=tree.a1, year=2025).update(members=5)
    assert [d.organization_id for d in points.points_branch_totals_differences(year=2025)] == [tree.a1.pk]
    with pytest.raises(CommandError):
        call_command("points_totals", year=2025)
    call_command("points_totals", year=2025, repair=True)
    call_command("points_totals", year=2025)


def test_the_branch_ranking_reads_one_stored_row_per_branch(tree, users):
    """The ranking's query reads the branches' stored figures, not their members' totals: its work follows the
    branches of the scope (it averaged every member of the scope on each view: 2.98 s at N=50,000)."""
    MemberFactory(branch=tree.a1, name="甲")
    points.points_totals_rebuild(year=2025)
    qs = point_selectors.points_branch_ranking(user=users.staff, year=2025)
    with CaptureQueriesContext(connection) as ctx:
        rows = list(qs[:50])
    assert rows[0] == tree.a1 and rows[0].n == 1
    sql = ctx.captured_queries[-1]["sql"]
    assert "members_pointsbranchtotal" in sql
    assert "members_member" not in sql and "members_pointstotal" not in sql


def test_the_rebuild_counts_the_records_once_whatever_the_number_of_members(tree, users):
    """Each provider's records are read once for the whole year, not once per chunk of members (the rebuild grew
    x89 for x10 data at N=50,000: every chunk re-read the year's attendance)."""
    MemberFactory.create_batch(6, branch=tree.a1)

    def attendance_reads(batch_size):
        with CaptureQueriesContext(connection) as ctx:
            points.points_totals_rebuild(year=2025, batch_size=batch_size)
        return sum('"orglife_attendance"' in q["sql"] and "GROUP BY" in q["sql"] for q in ctx.captured_queries)

    assert attendance_reads(batch_size=2) == attendance_reads(batch_size=1000) > 0
    assert points.points_totals_differences(year=2025, batch_size=2) == []
    assert points.points_branch_totals_differences(year=2025) == []


def test_branch_figures_follow_the_admins_edits(rf, tree, users):
    """The Django admin edits a member without the registry services: the figures follow its saves and deletes."""
    from types import SimpleNamespace

    from django.contrib import admin

    from members.models import Member

    a, b = MemberFactory(branch=tree.a1, name="甲"), MemberFactory(branch=tree.a1, name="乙")
    points.points_totals_refresh(member_ids=[a.pk, b.pk], year=2025)
    model_admin, request = admin.site._registry[Member], rf.post("/")
    request.user = users.superuser
    a.branch = tree.a2
    model_admin.save_model(request, a, SimpleNamespace(changed_data=["branch"]), change=True)
    assert branch_figure(tree.a1)[0] == 1 and branch_figure(tree.a2)[0] == 1
    b.is_active = False
    model_admin.save_model(request, b, SimpleNamespace(changed_data=["is_active"]), change=True)
    assert branch_figure(tree.a1) is None
    Member.objects.filter(pk=a.pk).update(is_active=True)
    model_admin.delete_queryset(request, Member.objects.filter(pk=a.pk))
    assert branch_figure(tree.a2) is None
    assert points.points_branch_totals_differences(year=2025) == []


def test_the_nightly_check_logs_a_write_that_went_around_the_totals_and_rebuilds_the_year(tree, users, caplog):
    from django_celery_beat.models import PeriodicTask

    from members.tasks import check_points_totals

    a = MemberFactory(branch=tree.a1, name="甲")
    entry = points.points_entry_add(member=a, item=PointsItem.objects.get(name="受到表彰奖励"),
                                    occurred_on=date(2025, 5, 1), note="优秀党员", by=users.secretary)
    points.points_entry_audit(entry=entry, approve=True, by=users.staff)
    assert check_points_totals(2025) == 0
    PointsTotal.objects.filter(member=a, year=2025).update(total=D("999"))   # around the services
    PointsBranchTotal.objects.filter(organization=tree.a1, year=2025).update(total=D("999"))
    assert check_points_totals(2025) >= 2
    assert "points total of member" in caplog.text and "points figures of branch" in caplog.text
    assert "rebuilt" in caplog.text
    assert stored(a) == counted(a) and check_points_totals(2025) == 0
    assert points.points_branch_totals_differences(year=2025) == []
    assert PeriodicTask.objects.filter(task="members.tasks.check_points_totals", enabled=True).exists()


def test_the_branch_ranking_pages_equal_one_sort_of_the_scope_for_every_principal(tree, users):
    """Every page of the ranking, at several page sizes, for principals on different subtrees (and several grants,
    and a superuser), equals one sort of the scope's active 党支部 by their stored figures: best average first with
    ties in the order the branches were made, then the branches without an average (a row without members, or no
    row) in tree order; a dissolved branch never shows; the count is the scope's active 党支部."""
    from django.core.paginator import Paginator

    from branches.models import Organization, Role
    from branches.services import organization_dissolve
    from portal.scoping import VIEW
    from tests.branches.factories import UserFactory, grant, make_org

    extra = [make_org(tree.ga, name=f"甲{n}支部") for n in range(3, 7)] + [make_org(tree.gb, name=f"乙{n}支部")
                                                                         for n in range(2, 5)]
    gone = make_org(tree.gb, name="乙九支部")
    averages = dict(zip([tree.a1, tree.a2, tree.b1, *extra, gone],
                        [D("90"), D("85.5"), D("90"), None, D("70"), "no row", D("85.5"), D("90"), None, "no row",
                         D("99")], strict=True))
    for org, average in averages.items():
        if average != "no row":
            PointsBranchTotal.objects.update_or_create(organization=org, year=2025, defaults={
                "members": 0 if average is None else 3, "total": 0 if average is None else average * 3,
                "average": average})
    organization_dissolve(organization=gone, on=date(2025, 6, 30), reason="撤并")
    two = grant(grant(UserFactory(username="a1 and gb"), tree.a1, Role.STAFF), tree.gb, Role.STAFF)
    compared = 0
    for user in (users.staff, users.staff_a, users.secretary, users.reviewer, users.superuser, two):
        scope = list(Organization.objects.restrict(user, VIEW).active().branches())
        average = {org.pk: (None if averages.get(org) in (None, "no row") else averages[org]) for org in scope}
        want = sorted(scope, key=lambda o: (0, -average[o.pk], o.pk) if average[o.pk] is not None else (1, o.path))
        want = [(o.pk, average[o.pk]) for o in want]
        assert gone.pk not in [pk for pk, _avg in want] and len(want) > 0
        for size in (1, 2, 3, 5, 50):
            paginator = Paginator(point_selectors.points_branch_ranking(user=user, year=2025), size)
            got = [(b.pk, b.avg) for number in paginator.page_range for b in paginator.page(number).object_list]
            assert paginator.count == len(want), (user.username, size)
            assert got == want, (user.username, size)
            compared += 1
    assert compared == 30


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the plan is PostgreSQL's")
def test_a_page_of_the_branch_ranking_walks_the_index_of_the_averages(tree, users):
    """A page of the ranked branches is a walk of the year's averages in the page's order, each branch checked
    against the scope: not every branch of the scope joined to its figures and sorted (plan shape, any size)."""
    for org, average in ((tree.a1, D("90")), (tree.a2, D("80")), (tree.b1, D("85"))):
        PointsBranchTotal.objects.update_or_create(organization=org, year=2025,
                                                   defaults={"members": 2, "total": average * 2, "average": average})
    ranking = point_selectors.points_branch_ranking(user=users.staff, year=2025)
    assert [b.pk for b in ranking[0:2]] == [tree.a1.pk, tree.b1.pk]
    sql, params = ranking.ranked()[0:50].query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "points_branch_rank" in plan and "Sort" not in plan, plan
