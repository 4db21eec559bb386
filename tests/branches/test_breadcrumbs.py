"""The organization page's breadcrumb links only the ancestors its viewer may open; the others are plain names."""
import pytest

from branches.templatetags.org_perms import viewable_by
from portal.scoping import unit_of_work

pytestmark = pytest.mark.django_db


def page(client, user, org):
    client.force_login(user)
    response = client.get(org.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    return html[html.index('class="breadcrumbs'):].split("</nav>")[0]


def test_secretary_sees_ancestors_as_plain_names(client, tree, users):
    crumbs = page(client, users.secretary, tree.a1)
    for ancestor in (tree.root, tree.ga):
        assert ancestor.name in crumbs and f'href="{ancestor.get_absolute_url()}"' not in crumbs
        assert client.get(ancestor.get_absolute_url()).status_code == 404   # what a link would have led to


def test_staff_of_a_general_branch_links_it_but_not_the_committee(client, tree, users):
    crumbs = page(client, users.staff_a, tree.a1)
    assert f'href="{tree.ga.get_absolute_url()}"' in crumbs
    assert tree.root.name in crumbs and f'href="{tree.root.get_absolute_url()}"' not in crumbs


def test_breadcrumb_checks_cost_no_query(tree, users, django_assert_num_queries):
    """The viewer's scope is read once per request (the request's Scope), not once per ancestor."""
    user = users.secretary
    with unit_of_work(), django_assert_num_queries(1):
        assert [viewable_by(o, user) for o in (tree.root, tree.ga, tree.a1, tree.a1g, tree.b1)] == [
            False, False, True, True, False]
