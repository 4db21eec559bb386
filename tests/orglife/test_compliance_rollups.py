"""The compliance roll-ups (ComplianceRollup: a subtree's standings summed at each 党委 / 党总支 above them).

- Generated over principals, not one role: for every page user of the fixture tree, users with several grants
  (nested, disjoint, a 党支部 beside a 党总支) and a superuser, and every 范围 × 组织类型 choice the page offers
  them, the compliance page's year summary and bars read through the roll-ups equal the same page summed from the
  rows' standings (the way test_compliance_results proves equal to the engine), on a day in, after and before the
  year, with figures moved by writes after the year was built; and the roll-ups do serve the whole-tree views
  (else this test would pass with them unused).
- Two writers under the same 党委 at the same instant (real PostgreSQL transactions held at a barrier just before
  they write roll-up rows that do not exist yet) both count.
That every write path keeps them in step is test_compliance_results' `in_step()` (`differences` compares them).
"""
from __future__ import annotations

from datetime import date
from functools import partial

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from branches.models import Organization, OrganizationKind, Role
from orglife import results
from orglife import views as orglife_views
from orglife.defaults import seed_defaults
from orglife.models import (
    ActivityType,
    ComplianceRollup,
    ComplianceStanding,
    ComplianceWindow,
    FrequencyRule,
)
from tests.branches.factories import UserFactory, grant, make_org
from tests.concurrency import all_at_once, failures, held_at
from tests.orglife.activity_factories import log

DAYS = (date(2026, 6, 15), date(2027, 1, 10), date(2025, 12, 31))


def principals(tree):
    """Users the page serves, each with the 范围 choices it offers them (None: 全部)."""
    make = [("staff", [(tree.root, Role.STAFF)]), ("staff_a", [(tree.ga, Role.STAFF)]),
            ("secretary", [(tree.a1, Role.SECRETARY)]), ("reviewer", [(tree.root, Role.REVIEWER)]),
            ("two generals", [(tree.ga, Role.STAFF), (tree.gb, Role.STAFF)]),
            ("nested", [(tree.root, Role.STAFF), (tree.ga, Role.STAFF)]),
            ("branch and general", [(tree.a1, Role.STAFF), (tree.gb, Role.STAFF)]),
            ("two roots", [(tree.root, Role.STAFF), (tree.other, Role.STAFF)])]
    users = []
    for name, grants in make:
        user = UserFactory(username=f"rollup {name}")
        for org, role in grants:
            grant(user, org, role)
        users.append(user)
    users.append(UserFactory(username="rollup superuser", is_superuser=True, is_staff=True))
    out = []
    for user in users:
        scope = Organization.objects.restrict(user, "view").exclude(kind=OrganizationKind.PARTY_GROUP)
        out.append((user, [None, *scope.order_by("path")]))
    return out


@pytest.fixture
def wide_tree(tree, members):
    """The fixture tree with 党小组 under two 党总支, a second 党委 with its own 党总支, and records on both sides of
    the day (overdue shortfalls, different 完成率), written after the year was built (the roll-ups moved by writes)."""
    results.rebuild(2026)
    tree.b1g = make_org(tree.b1, name="乙一第一党小组")
    tree.other = make_org(name="另一党委")
    tree.og = make_org(tree.other, kind=OrganizationKind.GENERAL_BRANCH, name="丙党总支")
    tree.o1 = make_org(tree.og, name="丙一支部")
    tree.o2 = make_org(tree.other, name="丁一支部")
    for org, code, day in [(tree.a1, "theme_day", date(2026, 2, 10)), (tree.a1, "general_meeting", date(2026, 3, 2)),
                           (tree.a1g, "group_meeting", date(2026, 1, 20)), (tree.b1, "theme_day", date(2026, 5, 5)),
                           (tree.b1g, "group_meeting", date(2026, 4, 8)), (tree.o1, "theme_day", date(2026, 1, 9)),
                           (tree.o1, "committee_meeting", date(2026, 2, 9)), (tree.a2, "lecture", date(2026, 3, 3))]:
        log(org, code, day)
    assert results.differences(2026) == []
    return tree


def page(client, query):
    response = client.get(reverse("orglife:compliance") + query)
    assert response.status_code == 200, query
    return response.context["summary"], response.context["chart"]


@pytest.mark.django_db
def test_the_pages_year_summary_from_the_rollups_equals_the_standings_sum_for_every_principal_and_choice(
        wide_tree, monkeypatch):
    real = results._unit_sums_from_rollups
    served = []

    def counted(**kwargs):
        sums = real(**kwargs)
        served.append(sums is not None)
        return sums

    compared = 0
    for user, choices in principals(wide_tree):
        client = Client()
        client.force_login(user)
        for today in DAYS:
            monkeypatch.setattr(orglife_views, "_today", lambda today=today: today)
            for org in choices:
                for kind in ("", "groups"):
                    query = f"?period=2026&kind={kind}" + (f"&organization={org.pk}" if org else "")
                    monkeypatch.setattr(results, "_unit_sums_from_rollups", counted)
                    with_rollups = page(client, query)
                    monkeypatch.setattr(results, "_unit_sums_from_rollups", lambda **kwargs: None)
                    from_standings = page(client, query)
                    assert with_rollups[0] == pytest.approx(from_standings[0]), (user.username, today, query)
                    assert with_rollups[1] == from_standings[1], (user.username, today, query)
                    compared += 1
    assert compared > 150
    assert sum(served) >= 20 and not all(served)   # the roll-ups answered the wide views, the standings the rest


@pytest.mark.django_db
def test_homes_overdue_branches_from_the_rollups_equal_the_statement_and_the_engine_for_every_principal(
        wide_tree, monkeypatch):
    """Home's 逾期的支部 for staff: its number read from the roll-ups of the scope's subtrees (less the dissolved
    党支部 behind, which the roll-ups still hold) and its first rows from the index in the panel's order equal the
    same panel counted over the scope's standings, and the engine's rows of the active branches, for every principal
    on a day in the year and after it (the year not stored: the engine alone)."""
    from django.test import RequestFactory

    from branches.models import BRANCH_KINDS
    from branches.services import organization_dissolve
    from orglife import panels
    from orglife.compliance import Period, compliance_table
    from orglife.models import RulePer

    gone = make_org(wide_tree.ga, name="甲三支部", established_on=date(2025, 1, 1))
    organization_dissolve(organization=gone, on=date(2026, 5, 31), reason="合并")
    gone.refresh_from_db()
    assert gone.dissolved_on and results.differences(2026) == []
    real = results._behind_branches_from_rollups
    served = []

    def counted(**kwargs):
        n = real(**kwargs)
        served.append(n is not None)
        return n

    def panel(user, today, rollups):
        monkeypatch.setattr(panels.timezone, "localdate", lambda: today)
        monkeypatch.setattr(results, "_behind_branches_from_rollups", counted if rollups else lambda **kwargs: None)
        request = RequestFactory().get("/")
        request.user = user
        _template, context = panels.home_panel(request, {"mode": "staff"})
        return [(r.organization.pk, r.overdue, pytest.approx(r.rate)) for r in context["rows"]], context["total"]

    compared, users = 0, [user for user, _choices in principals(wide_tree)]
    for user in users:
        for today in DAYS[:2]:
            with_rollups, from_standings = panel(user, today, True), panel(user, today, False)
            assert with_rollups == from_standings, (user.username, today)
            branches = Organization.objects.restrict(user, "view").active().filter(kind__in=BRANCH_KINDS)
            behind = sorted((r for r in compliance_table(organizations_qs=branches, today=today,
                                                         period=Period.containing(RulePer.YEAR, today))
                             if r.overdue), key=lambda r: (-r.overdue, r.organization_id))
            assert with_rollups[1] == len(behind), (user.username, today)
            assert with_rollups[0] == [(r.organization_id, r.overdue, pytest.approx(r.rate))
                                       for r in behind[:panels.HOME_OVERDUE_LIMIT]], (user.username, today)
            assert gone.pk not in [pk for pk, _overdue, _rate in with_rollups[0]]
            compared += 1
    assert compared == 2 * len(users)
    assert any(served) and not all(served)   # the wide scopes from the roll-ups, a 党支部 grant from its rows
    # the dissolved branch is behind and still in its 党委's roll-up: the correction is what the equality above tested
    assert ComplianceStanding.objects.filter(organization=gone, year=2026, month=6, overdue__gt=0).exists()


@pytest.mark.django_db
def test_the_rollups_hold_integers_that_equal_a_recount_and_a_fill(wide_tree):
    """Moved by writes, filled from the standings in SQL (`rebuild_rollups`), summed from the recount in Python
    (`differences`): the same integers; the mean of the 完成率 read from them is within 10⁻⁹ of the exact mean."""
    moved = set(ComplianceRollup.objects.filter(year=2026).exclude(rated=0).values_list(
        "organization_id", "month", "branch_rows", "behind", "completion_required", "completion_credited", "rated",
        "rate_sum"))
    assert moved
    results.rebuild_rollups(2026)
    filled = set(ComplianceRollup.objects.filter(year=2026).exclude(rated=0).values_list(
        "organization_id", "month", "branch_rows", "behind", "completion_required", "completion_credited", "rated",
        "rate_sum"))
    assert moved == filled
    assert results.differences(2026) == []
    ComplianceRollup.objects.filter(year=2026, organization=wide_tree.root).update(rate_sum=1)  # around the writes
    found = results.differences(2026)
    assert found and all(key[1] == "rollup" and key[0] == wide_tree.root.pk for key, _s, _r in found)
    results.repair(2026, found)
    assert results.differences(2026) == []
    assert results.row_rate(1, 3) == 333_333_333 and results.row_rate(2, 3) == 666_666_667


@pytest.mark.django_db(transaction=True)
def test_two_writers_under_one_committee_at_the_same_instant_both_count(monkeypatch):
    """A record in each of two 党支部 under one 党委 at the same instant, twice: first with their stored rows and the
    党委's roll-ups missing (as after an un-store), so both writers INSERT the same roll-up rows, then both adding
    to them. Each writer is held at a barrier before its first roll-up write, when neither has committed."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL: set DATABASE_URL")
    if not ActivityType.objects.exists():   # another transactional test flushed the data migration's (xdist order)
        seed_defaults(ActivityType, FrequencyRule)
    root = make_org(name="并发党委")
    general = make_org(root, kind=OrganizationKind.GENERAL_BRANCH, name="并发党总支")
    branches = [make_org(general, name=f"并发支部{i}") for i in range(2)]
    results.rebuild(2026)
    ComplianceWindow.objects.filter(organization__in=branches).delete()
    ComplianceStanding.objects.filter(organization__in=branches).delete()
    ComplianceRollup.objects.filter(organization__in=[root, general]).delete()
    errors = []
    # Each writer waits before its first roll-up write only (a record shifts several).
    with held_at(monkeypatch, results, "_shift_rollups", parties=2, once_per_thread=True):
        for day in (date(2026, 2, 10), date(2026, 3, 10)):
            errors += failures(all_at_once(*(partial(log, b, "theme_day", day) for b in branches)))
    assert not errors, errors
    assert results.differences(2026) == []
    after_the_year = ComplianceRollup.objects.get(organization=root, year=2026, month=13, branch_rows=True)
    assert after_the_year.rated == 2 and after_the_year.completion_credited == 4


@pytest.mark.django_db
def test_a_whole_years_check_in_chunks_finds_what_the_whole_comparison_finds(wide_tree):
    """The nightly check compares a year a few thousand rows at a time (memory); one row per chunk finds the same
    differences as one chunk: a tampered window, a tampered standing, a roll-up, and rows stored for an organization
    that holds none (a 党总支)."""
    assert results.differences(2026, chunk=1) == []
    ComplianceWindow.objects.filter(organization=wide_tree.a1, ends_on__month=2).update(credited=0)
    ComplianceStanding.objects.filter(organization=wide_tree.b1g, month=13).update(required=99)
    ComplianceRollup.objects.filter(organization=wide_tree.og, month=13, branch_rows=True).update(behind=7)
    ComplianceWindow.objects.create(organization=wide_tree.ga, per="month", ends_on=date(2026, 3, 31),
                                    starts_on=date(2026, 3, 1), required=1, credited=0)
    whole = results.differences(2026, chunk=10 ** 6)
    assert sorted(map(str, results.differences(2026, chunk=1))) == sorted(map(str, whole))
    assert {key[0] for key, _stored, _recounted in whole} == {wide_tree.a1.pk, wide_tree.b1g.pk, wide_tree.og.pk,
                                                             wide_tree.ga.pk}
    results.repair(2026, whole)
    assert results.differences(2026, chunk=1) == []
