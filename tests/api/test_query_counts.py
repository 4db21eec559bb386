"""List endpoints issue a fixed number of queries, whatever the number of rows."""
import json
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from branches.services import term_start
from portal import scoping
from tests.api.conftest import bearer, login
from tests.branches.factories import make_org
from tests.members.factories import MemberFactory
from tests.orglife.activity_factories import attend, log

# token: client lookup, granted_paths (one UNION query), the page, the usage-log insert
TOKEN_LIST_QUERIES = 4
# session: session row, user row, granted_paths, the page
SESSION_LIST_QUERIES = 4
# the member list of a small scope also reads its organizations' ids (members.selectors.registry.small_scope_ids)
SMALL_SCOPE_IDS = 1


def grow(tree, n):
    for i in range(n):
        branch = make_org(tree.gb, name=f"增补支部{i}")
        MemberFactory.create_batch(2, branch=branch)
        term_start(organization=branch, started_on=date(2024, 1, 1),
                   ends_on=date(2027, 1, 1), seats=[])


def grow_life(tree, members, n):
    """n more branches, each with a 党小组, two members, and records whose attendance grows with them."""
    log(tree.a1, "general_meeting", date(2025, 2, 1))
    attend(log(tree.a1g, "group_meeting", date(2025, 2, 8)), members.a1)
    attend(log(tree.b1, "theme_day", date(2025, 2, 9)), members.b1)
    for i in range(n):
        branch = make_org(tree.gb, name=f"增补支部{i}")
        group = make_org(branch, name=f"增补党小组{i}")
        people = MemberFactory.create_batch(2, branch=branch, party_group=group)
        for code, day in (("general_meeting", 3), ("theme_day", 4)):
            activity = log(branch, code, date(2025, 2, day))
            for person in people:
                attend(activity, person)
        attend(log(group, "group_meeting", date(2025, 2, 5)), people[0])


@pytest.mark.parametrize("extra_rows", [0, 25])
@pytest.mark.parametrize("url", ["/api/v1/organizations/", "/api/v1/members/"])
def test_token_list_queries_are_constant(api, tokens, tree, members, extra_rows, url, django_assert_num_queries):
    grow(tree, extra_rows)
    client = bearer(api, tokens.root)
    client.get(url)  # first use also records last_used_at (at most once a minute)
    with django_assert_num_queries(TOKEN_LIST_QUERIES + ((1 + SMALL_SCOPE_IDS) if url.endswith("members/") else 0)):
        response = client.get(url)
    assert len(response.json()["results"]) >= 3 + extra_rows


@pytest.mark.parametrize("extra_rows", [0, 25])
@pytest.mark.parametrize("url", ["/api/v1/organizations/", "/api/v1/members/"])
def test_session_list_queries_are_constant(client, users, tree, members, extra_rows, url, django_assert_num_queries):
    grow(tree, extra_rows)
    login(client, users.staff)
    with django_assert_num_queries(SESSION_LIST_QUERIES + (SMALL_SCOPE_IDS if url.endswith("members/") else 0)):
        response = client.get(url)
    assert len(response.json()["results"]) >= 3 + extra_rows


def test_organization_detail_queries_are_constant(client, users, tree, members):
    login(client, users.staff)
    counts = []
    for org in (tree.a2, tree.a1):
        with CaptureQueriesContext(connection) as ctx:
            client.get(f"/api/v1/organizations/{org.pk}/")
        counts.append(len(ctx))
    term_start(organization=tree.a1, started_on=date(2024, 1, 1),
               ends_on=date(2027, 1, 1), seats=[(members.a1, "secretary")])
    with CaptureQueriesContext(connection) as ctx:
        client.get(f"/api/v1/organizations/{tree.a1.pk}/")
    # session, user, grants, the row, its terms; their seats (members joined) only once there are terms
    assert counts == [5, 5] and len(ctx) == 6


# activities: + the attendance prefetch (members joined). compliance: the page of organizations, then the engine:
# organizations annotated, the groups under the branches not among them, member counts, rules (types joined),
# monthly activity counts. (Talk counts are read only when a per-member rule has a window in the period: not in a
# quarter with the default rules.)
LIFE_QUERIES = {"/api/v1/activities/": 1, "/api/v1/compliance/?period=2025-Q1": 5}


@pytest.mark.parametrize("extra_rows", [0, 25])
@pytest.mark.parametrize("url", sorted(LIFE_QUERIES))
def test_token_life_queries_are_constant(api, tokens, tree, members, extra_rows, url, django_assert_num_queries):
    grow_life(tree, members, extra_rows)
    client = bearer(api, tokens.root)
    client.get(url)
    with django_assert_num_queries(TOKEN_LIST_QUERIES + LIFE_QUERIES[url]):
        response = client.get(url)
    assert len(response.json()["results"]) >= 3 + extra_rows


@pytest.mark.parametrize("extra_rows", [0, 25])
@pytest.mark.parametrize("url", sorted(LIFE_QUERIES))
def test_session_life_queries_are_constant(client, users, tree, members, extra_rows, url, django_assert_num_queries):
    grow_life(tree, members, extra_rows)
    login(client, users.staff)
    with django_assert_num_queries(SESSION_LIST_QUERIES + LIFE_QUERIES[url]):
        response = client.get(url)
    assert len(response.json()["results"]) >= 3 + extra_rows


def test_activity_detail_queries_are_constant(api, users, tree, members):
    api.force_authenticate(users.staff)
    small = log(tree.a2, "lecture", date(2025, 3, 1))
    attend(small, members.a2)
    big = log(tree.b1, "general_meeting", date(2025, 3, 1))
    for person in MemberFactory.create_batch(30, branch=tree.b1):
        attend(big, person)
    counts = []
    for activity in (small, big):
        scoping.forget(users.staff)  # force_authenticate keeps one user object
        with CaptureQueriesContext(connection) as ctx:
            assert len(api.get(f"/api/v1/activities/{activity.pk}/").json()["attendance"]) in (1, 30)
        counts.append(len(ctx))
    assert counts == [3, 3]  # grants, the record (organization and type joined), its attendance


def _scans_outside_subplans(node: dict, table: str, in_subplan: bool = False) -> int:
    here = node.get("Relation Name") == table and not in_subplan
    return here + sum(_scans_outside_subplans(child, table, in_subplan or child.get("Parent Relationship") == "SubPlan")
                      for child in node.get("Plans", ()))


def test_activity_page_reads_member_names_by_key_not_by_joining_the_member_table(client, users, tree, members):
    """The attendance of a page (~2,000 rows for 100 records) takes each member's name by primary key. Joined,
    PostgreSQL hashed every member of the database for it: 51 ms at N=5,000 and ~400 ms at N=50,000, the
    activity list's growth with the data. The plan's shape is checked, as it holds at any size."""
    if connection.vendor != "postgresql":
        pytest.skip("the plan is PostgreSQL's: set DATABASE_URL")
    grow_life(tree, members, 3)
    login(client, users.staff)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/api/v1/activities/").status_code == 200
    sql = next(q["sql"] for q in ctx.captured_queries if 'FROM "orglife_attendance"' in q["sql"])
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql)
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    assert "members_member" in json.dumps(plan)
    assert _scans_outside_subplans(plan[0]["Plan"], "members_member") == 0, json.dumps(plan, indent=1)
