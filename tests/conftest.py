"""Shared fixtures: a small tree with two branches under two 党总支, users of every role."""
import pytest

from branches.models import OrganizationKind, Role
from tests.branches.factories import UserFactory, grant, make_org
from tests.members.factories import MemberFactory


@pytest.fixture
def tree(db):
    """root 党委 → (general A → branch A1 (+ group A1g), branch A2), (general B → branch B1)."""
    root = make_org(name="测试党委")
    ga = make_org(root, kind=OrganizationKind.GENERAL_BRANCH, name="甲党总支")
    gb = make_org(root, kind=OrganizationKind.GENERAL_BRANCH, name="乙党总支")
    a1 = make_org(ga, name="甲一支部")
    a1g = make_org(a1, name="甲一第一党小组")
    a2 = make_org(ga, name="甲二支部")
    b1 = make_org(gb, name="乙一支部")
    from types import SimpleNamespace

    return SimpleNamespace(root=root, ga=ga, gb=gb, a1=a1, a1g=a1g, a2=a2, b1=b1)


@pytest.fixture
def users(tree):
    from types import SimpleNamespace

    staff = grant(UserFactory(username="staff"), tree.root, Role.STAFF)
    staff_a = grant(UserFactory(username="staff_a"), tree.ga, Role.STAFF)
    secretary = grant(UserFactory(username="secretary"), tree.a1, Role.SECRETARY)
    reviewer = grant(UserFactory(username="reviewer"), tree.root, Role.REVIEWER)
    agency = grant(UserFactory(username="agency"), tree.gb, Role.AGENCY)
    nobody = UserFactory(username="nobody")
    superuser = UserFactory(username="root", is_superuser=True, is_staff=True)
    return SimpleNamespace(staff=staff, staff_a=staff_a, secretary=secretary, reviewer=reviewer, agency=agency,
                           nobody=nobody, superuser=superuser)


@pytest.fixture
def members(tree):
    from types import SimpleNamespace

    return SimpleNamespace(
        a1=MemberFactory(branch=tree.a1, party_group=tree.a1g, name="甲一党员"),
        a2=MemberFactory(branch=tree.a2, name="甲二党员"),
        b1=MemberFactory(branch=tree.b1, name="乙一党员"),
    )


@pytest.fixture
def celery_eager():
    """Run Celery tasks in-process for a test even when CI configures a real broker (worker tests don't use it)."""
    from portal.celery import app

    old = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = old
