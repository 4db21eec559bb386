from datetime import date

import pytest
from django.core.exceptions import ValidationError

from branches.models import CommitteeTerm, Locality, Organization, OrganizationKind, SeatRole
from branches.services import organization_create, organization_dissolve, term_start
from tests.branches.factories import make_org
from tests.members.factories import MemberFactory

pytestmark = pytest.mark.django_db


def test_subtree_is_one_prefix_query(tree, django_assert_num_queries):
    with django_assert_num_queries(1):
        names = set(Organization.objects.filter(path__startswith=tree.ga.path).values_list("name", flat=True))
    assert names == {"甲党总支", "甲一支部", "甲一第一党小组", "甲二支部"}


@pytest.mark.parametrize(
    "parent_attr,kind",
    [("a1", OrganizationKind.BRANCH), ("root", OrganizationKind.PARTY_GROUP), ("a1g", OrganizationKind.PARTY_GROUP),
     ("ga", OrganizationKind.GENERAL_BRANCH)],
)
def test_kind_must_fit_parent(tree, parent_attr, kind):
    with pytest.raises(ValidationError) as exc:
        organization_create(parent=getattr(tree, parent_attr), kind=kind, name="错误", code="BAD1",
                            established_on=date(2020, 1, 1))
    assert "不能设在" in str(exc.value)
    assert not Organization.objects.filter(code="BAD1").exists()


def test_joint_and_temporary_branches_hold_groups(tree):
    joint = make_org(tree.ga, kind=OrganizationKind.JOINT_BRANCH)
    group = make_org(joint, kind=OrganizationKind.PARTY_GROUP)
    assert joint.is_branch and group.parent_path == joint.path


def test_dissolve_refused_while_members_remain(tree, members):
    with pytest.raises(ValidationError) as exc:
        organization_dissolve(organization=tree.a1, on=date(2025, 1, 1), reason="机构调整")
    assert "在册党员" in str(exc.value)
    tree.a1.refresh_from_db()
    assert tree.a1.is_active


def test_dissolve_keeps_record_and_dissolves_groups(tree):
    organization_dissolve(organization=tree.a2, on=date(2025, 1, 1), reason="机构调整")
    tree.a2.refresh_from_db()
    assert tree.a2.dissolved_on == date(2025, 1, 1) and tree.a2.dissolution_reason == "机构调整"
    assert Organization.objects.filter(pk=tree.a2.pk).exists()
    assert tree.a2.history.count() >= 2


def test_dissolve_needs_reason(tree):
    with pytest.raises(ValidationError):
        organization_dissolve(organization=tree.a2, on=date(2025, 1, 1), reason=" ")


@pytest.mark.parametrize("locality,override,years", [(Locality.GENERAL, None, 3), (Locality.VILLAGE, None, 5),
                                                      (Locality.COMMUNITY, None, 5), (Locality.GENERAL, 4, 4)])
def test_default_term_length(tree, locality, override, years):
    org = make_org(tree.ga, locality=locality, term_years=override)
    member = MemberFactory(branch=org)
    term = term_start(organization=org, started_on=date(2024, 3, 1), seats=[(member, SeatRole.SECRETARY)])
    assert term.ends_on == date(2024 + years, 3, 1)


def test_new_term_closes_previous_and_keeps_seats(tree):
    m1, m2 = MemberFactory(branch=tree.a1), MemberFactory(branch=tree.a1)
    first = term_start(organization=tree.a1, started_on=date(2021, 5, 1), seats=[(m1, SeatRole.SECRETARY)])
    second = term_start(organization=tree.a1, started_on=date(2024, 5, 1), seats=[(m2, SeatRole.SECRETARY)])
    first.refresh_from_db()
    assert first.closed_on == date(2024, 5, 1) and second.is_current
    assert first.seats.get().ended_on == date(2024, 5, 1)
    assert CommitteeTerm.objects.filter(organization=tree.a1).count() == 2


def test_seat_holder_must_belong_to_branch(tree, members):
    with pytest.raises(ValidationError):
        term_start(organization=tree.a1, started_on=date(2024, 1, 1), seats=[(members.b1, SeatRole.SECRETARY)])
    assert not CommitteeTerm.objects.filter(organization=tree.a1).exists()


def test_term_longer_than_allowed_is_refused(tree, members):
    with pytest.raises(ValidationError):
        term_start(organization=tree.a1, started_on=date(2020, 1, 1), ends_on=date(2028, 1, 1),
                   seats=[(members.a1, SeatRole.SECRETARY)])


def test_tree_page_counts_are_the_same_with_and_without_groups(client, tree, users):
    """党小组 are left out in SQL unless asked for; the members counted up the tree do not change."""
    from django.urls import reverse

    MemberFactory.create_batch(3, branch=tree.a1, party_group=tree.a1g)
    MemberFactory.create_batch(2, branch=tree.b1)
    client.force_login(users.staff)
    without = client.get(reverse("branches:tree")).context["orgs"]
    with_groups = client.get(reverse("branches:tree"), {"groups": "1"}).context["orgs"]
    assert tree.a1g.pk not in {o.pk for o in without}
    assert tree.a1g.pk in {o.pk for o in with_groups}
    counts = {o.pk: o.subtree_member_count for o in with_groups}
    assert {o.pk: o.subtree_member_count for o in without} == {pk: n for pk, n in counts.items() if pk != tree.a1g.pk}
    assert counts[tree.root.pk] == 5 and counts[tree.ga.pk] == 3 and counts[tree.a1.pk] == 3
