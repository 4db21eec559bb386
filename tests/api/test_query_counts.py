"""List endpoints issue a fixed number of queries, whatever the number of rows."""
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from branches.services import term_start
from tests.api.conftest import bearer, login
from tests.branches.factories import make_org
from tests.members.factories import MemberFactory

# token: client lookup, granted_paths (one UNION query), the page, the usage-log insert
TOKEN_LIST_QUERIES = 4
# session: session row, user row, granted_paths, the page
SESSION_LIST_QUERIES = 4


def grow(tree, n):
    for i in range(n):
        branch = make_org(tree.gb, name=f"增补支部{i}")
        MemberFactory.create_batch(2, branch=branch)
        term_start(organization=branch, started_on=date(2024, 1, 1),
                   ends_on=date(2027, 1, 1), seats=[])


@pytest.mark.parametrize("extra_rows", [0, 25])
@pytest.mark.parametrize("url", ["/api/v1/organizations/", "/api/v1/members/"])
def test_token_list_queries_are_constant(api, tokens, tree, members, extra_rows, url, django_assert_num_queries):
    grow(tree, extra_rows)
    client = bearer(api, tokens.root)
    client.get(url)  # first use also records last_used_at (at most once a minute)
    with django_assert_num_queries(TOKEN_LIST_QUERIES + (1 if url.endswith("members/") else 0)):
        response = client.get(url)
    assert len(response.json()["results"]) >= 3 + extra_rows


@pytest.mark.parametrize("extra_rows", [0, 25])
@pytest.mark.parametrize("url", ["/api/v1/organizations/", "/api/v1/members/"])
def test_session_list_queries_are_constant(client, users, tree, members, extra_rows, url, django_assert_num_queries):
    grow(tree, extra_rows)
    login(client, users.staff)
    with django_assert_num_queries(SESSION_LIST_QUERIES):
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
