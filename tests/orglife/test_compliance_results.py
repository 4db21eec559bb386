"""Stored compliance results (orglife.results): equal to a recount by the engine after each kind of write, and the
compliance page's summary, bars, order and the home page's overdue branches read from them equal what the engine's
rows give (one definition: the rows are the engine's window results)."""
from __future__ import annotations

import io
from datetime import date

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from django.urls import reverse

from branches.models import BRANCH_KINDS, CommitteeSeat, Organization, OrganizationKind, SeatRole
from branches.services import organization_create, organization_dissolve, term_start
from members.services.importing import import_members
from members.services.registry import member_deactivate, member_move
from orglife import results
from orglife import services as svc
from orglife.compliance import Period, compliance_table
from orglife.figures import completion_rate, completion_totals
from orglife.models import ActivityStatus, ComplianceWindow, FrequencyRule
from orglife.selectors import compliance_by_unit
from orglife.tasks import check_compliance_results
from tests.members.factories import MemberFactory
from tests.members.test_import import row as import_row
from tests.members.test_import import xlsx
from tests.orglife.activity_factories import activity_type, log

pytestmark = pytest.mark.django_db
TODAY = date(2026, 6, 15)
PERIODS = [Period.parse(p) for p in ("2026", "2026-Q2", "2026-06", "2026-03", "2025", "2025-Q4")]


def in_step():
    for year in results.stored_years():
        assert results.differences(year) == [], year


def engine_view(rows_qs, period, today):
    """What the compliance page computed from the engine's rows before the results were stored."""
    rows = compliance_table(organizations_qs=rows_qs, period=period, today=today)
    branch_rows = [r for r in rows if r.kind != OrganizationKind.PARTY_GROUP]
    totals = [completion_totals(r) for r in branch_rows]
    rated = [completion_rate(r) for r in branch_rows if completion_rate(r) is not None]
    summary = {"orgs": len(rows), "behind": sum(1 for r in rows if r.overdue),
               "required": sum(t[0] for t in totals), "held": sum(t[1] for t in totals),
               "rate": sum(rated) / len(rated) if rated else None}
    return rows, summary, compliance_by_unit(rows=rows)


def assert_reads_equal_the_engine(rows_qs):
    for period in PERIODS:
        # the month's last and next day: home's standings count a window overdue from the day after it ends
        for today in (TODAY, date(2027, 1, 10), date(2026, 1, 1), date(2026, 6, 30), date(2026, 7, 1)):
            rows, want, chart = engine_view(rows_qs, period, today)
            stored = results.summary(rows_qs=rows_qs, period=period, today=today)
            if period.year not in results.stored_years():
                assert stored is None
                continue
            got, units = stored
            assert got == pytest.approx(want), (period, today)
            assert compliance_by_unit(totals=units) == chart, (period, today)
            by_missing = sorted(rows, key=lambda r: (-r.missing, -r.overdue, r.path))
            ordered = results.ordered_rows(rows_qs=rows_qs, period=period, today=today, sort="missing")
            assert [o.pk for o in ordered] == [r.organization_id for r in by_missing], (period, today)
            by_rate = sorted(rows, key=lambda r: (2 if completion_rate(r) is None else completion_rate(r), r.path))
            ordered = results.ordered_rows(rows_qs=rows_qs, period=period, today=today, sort="rate")
            assert [o.pk for o in ordered] == [r.organization_id for r in by_rate], (period, today)
            branches = rows_qs.filter(kind__in=BRANCH_KINDS)
            behind = sorted((r for r in compliance_table(organizations_qs=branches, period=period, today=today)
                             if r.overdue), key=lambda r: (-r.overdue, r.organization_id))
            top, total = results.overdue_branches(rows_qs=branches, period=period, today=today, limit=8)
            assert total == len(behind)
            assert [(t.organization.pk, t.overdue, t.rate) for t in top] == [
                (r.organization_id, r.overdue, pytest.approx(r.rate)) for r in behind[:8]]


def test_stored_results_equal_a_recount_after_each_kind_of_write(tree, members, users):
    results.rebuild(2026)
    results.rebuild(2025)
    in_step()
    theme = activity_type("theme_day")

    # records, through the services (draft, submit, a move across months and years, void) and on a 党小组
    a = svc.activity_create(organization=tree.a1, activity_type=theme, held_on=date(2026, 3, 10), title="主题党日")
    in_step()
    svc.activity_submit(activity=a, today=TODAY)
    in_step()
    svc.activity_update(activity=a, held_on=date(2025, 12, 3))
    in_step()
    svc.activity_void(activity=a, reason="误登")
    in_step()
    log(tree.a1g, "group_meeting", date(2026, 2, 3))
    log(tree.a2, "committee_meeting", date(2026, 1, 20))
    svc.activity_create(organization=tree.b1, activity_type=theme, held_on=date(2026, 5, 5), title="已提交",
                        status=ActivityStatus.SUBMITTED)
    in_step()

    # a member import (bulk: no post_save)
    import_members(fileobj=xlsx([import_row(tree, 1), import_row(tree, 2, **{"党支部编码": tree.b1.code})]),
                   by=users.staff)
    in_step()

    # 谈心谈话 (a per-member rule)
    other = MemberFactory(branch=tree.a1, name="甲一党员二")
    in_step()  # a new member: the branch's requirement
    svc.talk_create(organization=tree.a1, held_on=date(2026, 4, 1), participants=[members.a1, other], topic="谈心")
    in_step()

    # rules: an override on a subtree, then a change of the default rule
    svc.rule_override(organization=tree.ga, activity_type=activity_type("lecture"), holder="branch", per="month",
                      min_count=1)
    in_step()
    default = FrequencyRule.objects.filter(organization__isnull=True, activity_type=theme).first()
    default.min_count = 2
    default.save()
    in_step()

    # members: a move and a departure
    member_move(member=other, to_branch=tree.a2, on=date(2026, 5, 1))
    in_step()
    member_deactivate(member=members.b1, on=date(2026, 5, 2), reason="出党")
    in_step()

    # a committee (seats decide whether 支委会 is required)
    seated = [MemberFactory(branch=tree.b1, name=f"委员{i}") for i in range(3)]
    in_step()
    term_start(organization=tree.b1, started_on=date(2026, 1, 1), seats=[
        (seated[0], SeatRole.SECRETARY), (seated[1], SeatRole.ORGANIZATION), (seated[2], SeatRole.PROPAGANDA)])
    in_step()
    CommitteeSeat.objects.filter(term__organization=tree.b1, role=SeatRole.PROPAGANDA).first().delete()
    in_step()

    # organizations: a new branch (held to the part of the year it existed), a dissolved group, a type change
    organization_create(parent=tree.gb, kind=OrganizationKind.BRANCH, name="新支部", code="NEW001",
                        established_on=date(2026, 4, 16))
    in_step()
    organization_dissolve(organization=tree.a1g, on=date(2026, 5, 1), reason="调整")
    in_step()
    t = activity_type("lecture")
    t.counts_for_completion = False
    t.save()
    in_step()

    for rows_qs in (Organization.objects.all(), Organization.objects.filter(path__startswith=tree.ga.path),
                    Organization.objects.filter(kind=OrganizationKind.PARTY_GROUP), Organization.objects.none()):
        assert_reads_equal_the_engine(rows_qs)


def test_check_repair_rebuild_and_the_nightly_task(tree, members, caplog):
    log(tree.a1, "theme_day", date(2026, 3, 10))
    assert not results.is_stored(2026)
    call_command("compliance_results", "--rebuild", "2026", stdout=io.StringIO())
    assert results.is_stored(2026)
    call_command("compliance_results", stdout=io.StringIO())  # in step: exit 0
    ComplianceWindow.objects.filter(organization=tree.a1).update(credited=0, completion_credited=0)  # around it
    with pytest.raises(CommandError):
        call_command("compliance_results", stdout=io.StringIO())
    call_command("compliance_results", "--repair", stdout=io.StringIO())
    in_step()
    ComplianceWindow.objects.filter(organization=tree.a1).delete()
    assert check_compliance_results() > 0
    in_step()
    assert "compliance results differ" in caplog.text


def test_the_compliance_page_and_the_home_panel_read_the_stored_results(tree, members, users):
    log(tree.a1, "theme_day", date.today().replace(day=1))
    client = Client()
    client.force_login(users.staff)
    page = reverse("orglife:compliance") + "?sort=missing"
    live, home_live = client.get(page), client.get(reverse("home"))
    results.rebuild(date.today().year)
    stored, home_stored = client.get(page), client.get(reverse("home"))
    assert live.status_code == stored.status_code == 200
    assert live.context["summary"] == pytest.approx(stored.context["summary"])
    assert live.context["chart"] == stored.context["chart"]
    assert [r.organization_id for r in live.context["rows"]] == [r.organization_id for r in stored.context["rows"]]
    assert {t.pk for t in live.context["types"]} <= {t.pk for t in stored.context["types"]}
    assert home_live.status_code == home_stored.status_code == 200
    assert b'data-panel="orglife-overdue"' in home_stored.content


def test_a_rule_over_a_big_subtree_unstores_the_years_until_a_task_stores_them(
        tree, members, monkeypatch, celery_eager, django_capture_on_commit_callbacks):
    log(tree.a1, "theme_day", date(2026, 3, 10))
    results.rebuild(2026)
    monkeypatch.setattr(results, "INLINE_LIMIT", 1)
    rule = FrequencyRule.objects.filter(organization__isnull=True, activity_type=activity_type("theme_day")).first()
    rule.min_count = 3
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        rule.save()
    assert not results.is_stored(2026)  # meanwhile the page computes 2026 with the engine: still right
    assert results.summary(rows_qs=Organization.objects.all(), period=Period.parse("2026"), today=TODAY) is None
    for callback in callbacks:
        callback()
    assert results.is_stored(2026)
    in_step()


def test_the_summary_adds_up_the_same_on_the_embedded_database(tree, members, monkeypatch):
    """The summary is one PostgreSQL statement (GROUPING SETS, FILTER, ::double precision) that SQLite, the embedded
    default of `make run`, cannot run (the compliance page and the home panel answered 500 there): on SQLite the rows
    are added up in Python. On PostgreSQL both ways run here and must agree, so the SQLite way is tested on CI."""

    log(tree.a1g, "group_meeting", date(2026, 2, 3))
    log(tree.a2, "committee_meeting", date(2026, 1, 20))
    log(tree.b1, "theme_day", date(2026, 5, 5))
    results.rebuild(2026)
    for rows_qs in (Organization.objects.all(), Organization.objects.filter(kind__in=BRANCH_KINDS),
                    Organization.objects.filter(kind=OrganizationKind.PARTY_GROUP)):
        for period in PERIODS[:4]:
            for today in (TODAY, date(2027, 1, 10)):
                native = results.summary(rows_qs=rows_qs, period=period, today=today)
                with monkeypatch.context() as patched:
                    patched.setattr(connection, "vendor", "sqlite")
                    in_python = results.summary(rows_qs=rows_qs, period=period, today=today)
                assert in_python[0] == pytest.approx(native[0]), (period, today)
                assert in_python[1] == native[1], (period, today)
                assert native[0]["required"] > 0 or rows_qs.filter(kind__in=BRANCH_KINDS).count() == 0


def test_a_years_summary_and_overdue_branches_read_the_months_standings(tree, members, users):
    """A year: one month's ComplianceStanding rows of the scope, none of the windows (at N=50,000 grouping the year's
    850,204 windows took 485 ms for home and 640 ms for the summary), on a day in the year, after it (month 13) and
    before it; a quarter or a month still groups its windows. The answers equal the windows' (and, above, the
    engine's)."""
    from django.test.utils import CaptureQueriesContext

    results.rebuild(2026)
    log(tree.a1, "theme_day", date(2026, 2, 10))
    branches = Organization.objects.filter(kind__in=BRANCH_KINDS)
    for today in (TODAY, date(2027, 1, 10), date(2025, 12, 31)):
        with CaptureQueriesContext(connection) as ctx:
            top, total = results.overdue_branches(rows_qs=branches, period=Period.parse("2026"), today=today, limit=8)
            summary = results.summary(rows_qs=Organization.objects.all(), period=Period.parse("2026"), today=today)
        tables = " ".join(q["sql"] for q in ctx.captured_queries)
        assert "orglife_compliancestanding" in tables and "orglife_compliancewindow" not in tables, today
        windows_top, windows_total = results.overdue_from_windows(rows_qs=branches, period=Period.parse("2026"),
                                                                  today=today, limit=8)
        assert total == windows_total and (total > 0) == (today > TODAY.replace(month=1, day=31))
        assert [(t.organization.pk, t.overdue, t.rate) for t in top] == [
            (t.organization.pk, t.overdue, t.rate) for t in windows_top]
        assert summary[0]["required"] > 0 or today.year == 2025
    for period in ("2026-Q2", "2026-06"):
        with CaptureQueriesContext(connection) as ctx:
            results.overdue_branches(rows_qs=branches, period=Period.parse(period), today=TODAY, limit=8)
            results.summary(rows_qs=Organization.objects.all(), period=Period.parse(period), today=TODAY)
        assert "orglife_compliancestanding" not in " ".join(q["sql"] for q in ctx.captured_queries)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the plan is PostgreSQL's")
def test_home_reads_only_the_branch_rows_behind_through_their_index(tree, members):
    """Three in four of a month's standings are 党小组 rows, which home's 逾期的支部 never shows: the partial index
    of branch rows with an overdue shortfall serves it (plan shape with sequential scans off, any size)."""
    from django.test.utils import CaptureQueriesContext

    results.rebuild(2026)
    with CaptureQueriesContext(connection) as ctx:
        results.overdue_branches(rows_qs=Organization.objects.all(), period=Period.parse("2026"), today=TODAY,
                                 limit=8)
    sql = next(q["sql"] for q in ctx.captured_queries if "orglife_compliancestanding" in q["sql"])
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    # either partial index of branch rows behind (the second also in the panel's order)
    assert "compliance_standing_behind" in plan or "compliance_standing_most" in plan, plan


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the plan is PostgreSQL's")
def test_homes_first_rows_walk_the_index_in_the_panels_order(tree, members):
    """With the number from the roll-ups (`roots`), home's first 逾期的支部 are the first entries of the index ordered
    as the panel is (most overdue, then the order they were made): no sort of every branch behind, which at N=50,000
    was 50,010 rows joined and sorted for 8 (plan shape with sequential scans and sorts off, any size)."""
    from django.test.utils import CaptureQueriesContext

    results.rebuild(2026)
    roots = list(Organization.objects.filter(depth=1).values_list("path", flat=True))
    with CaptureQueriesContext(connection) as ctx:
        top, total = results.overdue_branches(rows_qs=Organization.objects.active().filter(kind__in=BRANCH_KINDS),
                                              period=Period.parse("2026"), today=TODAY, limit=8, roots=roots)
    assert total == results.overdue_branches(rows_qs=Organization.objects.active().filter(kind__in=BRANCH_KINDS),
                                             period=Period.parse("2026"), today=TODAY, limit=8)[1] > 0
    sql = next(q["sql"] for q in ctx.captured_queries
               if "orglife_compliancestanding" in q["sql"] and "ORDER BY" in q["sql"])
    assert "OVER" not in sql   # no window count over every row behind
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("EXPLAIN " + sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "compliance_standing_most" in plan and "Sort" not in plan, plan
