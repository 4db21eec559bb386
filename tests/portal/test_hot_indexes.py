"""The indexes the hot queries need exist and the planner can use them (EXPLAIN on PostgreSQL).

With sequential scans switched off and the table's other plain indexes dropped for the transaction, a query the
index serves is planned as an index (or bitmap index) scan on that index; without the index the plan falls back to
a sequential scan and the test fails.
Timings live in benchmarks/, not here. (A member's attendance is left out: on empty tables the planner ties its
index with the attendance unique constraint, so the plan would not tell the two apart.)
"""
from datetime import date, datetime, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from branches.models import Organization
from branches.selectors import parent_path
from members.models import Member
from orglife.models import Activity, ActivityCount, Talk

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="EXPLAIN plans are PostgreSQL's (CI runs it)"),
]


def _index_names(plan) -> set[str]:
    found = set()
    if isinstance(plan, dict):
        if "Index Name" in plan:
            found.add(plan["Index Name"])
        for value in plan.values():
            found |= _index_names(value)
    elif isinstance(plan, list):
        for value in plan:
            found |= _index_names(value)
    return found


def _plan_indexes(qs) -> set[str]:
    import json

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    try:
        return _index_names(json.loads(qs.explain(format="json")))
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = on")


def _drop_other_indexes(table: str, wanted: set[str]) -> None:
    """Drop the table's other plain indexes inside the test's transaction (rolled back after it): the question is
    whether the wanted index serves the query, and on near-empty tables the planner's choice between two usable
    indexes follows whatever statistics earlier tests left, so it flipped between runs."""
    prefixes = tuple(w[:-1] for w in wanted if w.endswith("*"))
    constraints = connection.introspection.get_constraints(connection.cursor(), table)
    others = [n for n, c in constraints.items() if c["index"] and not c["unique"] and not c["primary_key"]
              and n not in wanted and not (prefixes and n.startswith(prefixes))]
    with connection.cursor() as cursor:
        for name in others:
            cursor.execute(f'DROP INDEX "{name}"')


def _auto_index(model, column: str) -> str:
    """Name of the db_index Django generated for `column` (its name carries a hash)."""
    constraints = connection.introspection.get_constraints(connection.cursor(), model._meta.db_table)
    names = [n for n, c in constraints.items() if c["index"] and c["columns"] == [column] and not c["primary_key"]]
    assert names, f"no index on {model._meta.db_table}.{column}"
    return names[0]


since = timezone.make_aware(datetime(2025, 1, 1))
quarter = (date(2025, 7, 1), date(2025, 9, 30))


@pytest.mark.parametrize("name, query, index", [
    ("subtree of an organization (every scoped list)",
     lambda: Organization.objects.filter(path__startswith="0001"), "org_path_prefix"),
    ("children of an organization (the tree page a level at a time, paged)",
     lambda: Organization.objects.annotate(p=parent_path()).filter(p="0001"), "org_parent_path"),
    ("records of one organization in a period (branch page, compliance)",
     lambda: Activity.objects.filter(organization_id=1, held_on__range=quarter, status="submitted", is_voided=False),
     "activity_org_date"),
    ("records by date across the tree (API by date)",
     lambda: Activity.objects.filter(held_on__gte=quarter[0]).order_by("held_on", "id"), "activity_held_on"),
    ("monthly counts of one year (compliance engine)",
     lambda: ActivityCount.objects.filter(year=2025), "activity_count_year"),
    ("active members of a branch (member counts, rosters)",
     lambda: Member.objects.filter(branch_id=1, is_active=True), {"member_branch_status", "member_active_orgs"}),
    ("talks of a branch in a year (谈心谈话 coverage)",
     # the composite index, or the foreign key's own (named before the table moved to orglife): both lead with
     # organization_id; the planner picks between them on row estimates
     lambda: Talk.objects.filter(organization_id=1, held_on__gte=date(2025, 1, 1)),
     {"talk_org_date", "branches_talk_organization_id*", "orglife_talk_organization_id*"}),
])
def test_hot_query_uses_its_index(name, query, index):
    wanted = {index} if isinstance(index, str) else index
    qs = query()
    _drop_other_indexes(qs.model._meta.db_table, wanted)
    used = _plan_indexes(qs)
    prefixes = tuple(w[:-1] for w in wanted if w.endswith("*"))
    assert used & wanted or any(u.startswith(prefixes) for u in used if prefixes), f"{name}: plan uses {used or 'no index'}, expected one of {wanted}"


@pytest.mark.parametrize("model", [Organization, Member, Activity])
def test_incremental_sync_filters_on_an_indexed_updated_at(model):
    """updated_since on the API lists: an index on updated_at, used by the planner."""
    index = _auto_index(model, "updated_at")
    _drop_other_indexes(model._meta.db_table, {index})   # else a full scan of another index may look as cheap
    assert index in _plan_indexes(model.objects.filter(updated_at__gte=since - timedelta(days=1)))
