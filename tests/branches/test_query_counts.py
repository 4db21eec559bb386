"""Pages issue a fixed number of queries, whatever the number of rows."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from branches.models import OrganizationKind, SeatRole
from branches.services import term_start
from tests.branches.factories import make_org
from tests.members.factories import MemberFactory

pytestmark = pytest.mark.django_db


def count_queries(client, url, **params):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def grow(tree, n):
    """Add n branches, each with members, a group and a committee term."""
    for _ in range(n):
        b = make_org(tree.ga)
        make_org(b, kind=OrganizationKind.PARTY_GROUP)
        people = MemberFactory.create_batch(4, branch=b)
        term_start(organization=b, started_on=tree.a1.established_on, seats=[(people[0], SeatRole.SECRETARY)])


def test_tree_page(client, tree, users):
    client.force_login(users.staff)
    url = reverse("branches:tree")
    grow(tree, 1)
    small = count_queries(client, url)
    grow(tree, 8)
    assert count_queries(client, url) == small
    assert small <= 8


def test_branch_page(client, tree, users):
    client.force_login(users.staff)
    url = reverse("branches:detail", args=[tree.ga.pk])
    grow(tree, 1)
    small = count_queries(client, url)
    grow(tree, 6)
    assert count_queries(client, url) == small
    assert small <= 16  # constant in rows (asserted above); panels of every app included


def test_member_list(client, tree, users):
    client.force_login(users.staff)
    url = reverse("members:list")
    MemberFactory.create_batch(2, branch=tree.a1, party_group=tree.a1g)
    small = count_queries(client, url)
    MemberFactory.create_batch(40, branch=tree.a1, party_group=tree.a1g)
    MemberFactory.create_batch(10, branch=tree.b1)
    assert count_queries(client, url) == small
    assert small <= 10  # session, user, roles, grants x2, count, org choices, page rows


def test_warnings_page(client, tree, users):
    client.force_login(users.staff)
    url = reverse("branches:warnings")
    grow(tree, 1)
    small = count_queries(client, url)
    grow(tree, 5)
    assert count_queries(client, url) == small


def test_home_page(client, tree, users):
    client.force_login(users.staff)
    grow(tree, 1)
    small = count_queries(client, reverse("home"))
    grow(tree, 5)
    assert count_queries(client, reverse("home")) == small
