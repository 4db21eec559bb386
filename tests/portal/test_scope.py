"""The request-scoped Scope (issue #15): grants loaded once per request or task, never stored on the user object,
forgotten when they change, and a fresh read outside any unit of work."""
import pytest
from django.urls import reverse

from branches.models import Role
from branches.services import role_grant
from portal import scoping
from portal.scoping import CHANGE, MANAGE, VIEW, scope_for, unit_of_work

pytestmark = pytest.mark.django_db


def test_one_scope_per_principal_per_unit_of_work(tree, users, django_assert_num_queries):
    user = users.secretary
    with unit_of_work():
        assert scope_for(user) is scope_for(user)
        with django_assert_num_queries(1):   # all actions from the one grants query
            assert scope_for(user).can(VIEW, tree.a1.path) and scope_for(user).can(CHANGE, tree.a1g.path)
            assert not scope_for(user).can(MANAGE, tree.a1.path)
            assert not scope_for(user).can(VIEW, tree.b1.path)
        inner = scope_for(user)
    with unit_of_work():
        assert scope_for(user) is not inner   # the next request reads the grants again
    assert scope_for(user) is not scope_for(user)   # outside a request or task: always fresh
    assert "_scope_cache" not in user.__dict__ and not any(isinstance(v, scoping.Scope) for v in user.__dict__.values())


def test_a_grant_counts_within_the_same_request(tree, users):
    user = users.secretary
    with unit_of_work():
        assert not scope_for(user).can(VIEW, tree.b1.path)
        role_grant(user=user, organization=tree.b1, role=Role.SECRETARY)
        assert scope_for(user).can(VIEW, tree.b1.path)


def test_q_is_the_subtree_condition(tree, users):
    from branches.models import Organization

    scope = scope_for(users.secretary)
    assert set(Organization.objects.filter(scope.q(VIEW))) == set(Organization.objects.restrict(users.secretary))
    assert Organization.objects.filter(scope_for(users.superuser).q(VIEW)).count() == Organization.objects.count()


def test_each_request_has_its_own_scopes(client, tree, users):
    """Two requests as different users through the middleware: each sees its own tree, nothing carried over."""
    client.force_login(users.secretary)
    assert client.get(reverse("branches:detail", args=[tree.b1.pk])).status_code == 404
    client.force_login(users.staff)
    assert client.get(reverse("branches:detail", args=[tree.b1.pk])).status_code == 200
    assert scoping._unit_of_work.get() is None   # closed with the request


def test_a_task_is_a_unit_of_work(tree, users):
    from celery.signals import task_postrun, task_prerun

    task_prerun.send(sender=None, task_id="t1", task=None, args=(), kwargs={})
    try:
        assert scope_for(users.secretary) is scope_for(users.secretary)
    finally:
        task_postrun.send(sender=None, task_id="t1", task=None, args=(), kwargs={}, retval=None, state="SUCCESS")
    assert scoping._unit_of_work.get() is None
