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
    top = {o.pk: o.subtree_member_count for o in client.get(reverse("branches:tree")).context["orgs"]}
    without = client.get(reverse("branches:tree"), {"parent": tree.a1.pk}).context["orgs"]
    with_groups = client.get(reverse("branches:tree"), {"parent": tree.a1.pk, "groups": "1"}).context["orgs"]
    assert tree.a1g.pk not in {o.pk for o in without}
    assert tree.a1g.pk in {o.pk for o in with_groups}
    counts = {o.pk: o.subtree_member_count for o in with_groups}
    assert {o.pk: o.subtree_member_count for o in without} == {pk: n for pk, n in counts.items() if pk != tree.a1g.pk}
    assert top[tree.root.pk] == 5 and top[tree.ga.pk] == 3 and counts[tree.a1.pk] == 3


# --- the tree page, a level at a time -------------------------------------------------------------------------


def _tree_rows(client, **params):
    response = client.get("/org/", params)
    assert response.status_code == 200
    return [o.pk for o in response.context["orgs"]]


def test_tree_page_shows_the_top_two_levels_and_opens_one_organization(client, tree, users, members):
    client.force_login(users.staff)
    assert _tree_rows(client) == [tree.root.pk, tree.ga.pk, tree.gb.pk]
    assert _tree_rows(client, parent=tree.ga.pk) == [tree.ga.pk, tree.a1.pk, tree.a2.pk]
    opened = client.get("/org/", {"parent": tree.ga.pk}).context["orgs"]
    assert {o.pk: o.subtree_member_count for o in opened} == {tree.ga.pk: 2, tree.a1.pk: 1, tree.a2.pk: 1}
    assert _tree_rows(client, parent=tree.a1.pk, groups=1) == [tree.a1.pk, tree.a1g.pk]


def test_tree_page_starts_at_each_grant_and_never_opens_outside_it(client, tree, users):
    client.force_login(users.staff_a)                      # 甲党总支
    assert _tree_rows(client) == [tree.ga.pk, tree.a1.pk, tree.a2.pk]
    assert client.get("/org/", {"parent": tree.gb.pk}).status_code == 404
    assert _tree_rows(client, q="乙") == []


def test_tree_search_finds_matches_at_any_depth(client, tree, users):
    client.force_login(users.staff)
    assert _tree_rows(client, q="甲一") == [tree.a1.pk]
    assert _tree_rows(client, q="甲一", groups=1) == [tree.a1.pk, tree.a1g.pk]
