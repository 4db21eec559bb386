"""Services per kind: data rules, and who may act through the pages."""
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from practice import services
from practice.models import BrandRecognition, ContactFinding, HonourKind, PostKind

pytestmark = pytest.mark.django_db


def test_brand_matrix_has_two_levels_within_the_subtree(tree, users):
    top = services.brand_create(organization=tree.ga, name="总品牌", launched_on=date(2024, 1, 1), by=users.staff)
    child = services.brand_create(organization=tree.a1, parent=top, name="子品牌", launched_on=date(2024, 2, 1), by=users.staff)
    with pytest.raises(ValidationError):
        services.brand_create(organization=tree.a1, parent=child, name="孙品牌", launched_on=date(2024, 3, 1), by=users.staff)
    with pytest.raises(ValidationError):
        services.brand_create(organization=tree.b1, parent=top, name="外部", launched_on=date(2024, 3, 1), by=users.staff)


def test_selection_round_ranks_and_awards(tree, users):
    rnd = services.round_create(organization=tree.root, name="评选", year=2026, award_count=1, by=users.staff)
    b1 = services.brand_create(organization=tree.a1, name="甲", launched_on=date(2024, 1, 1), by=users.staff)
    b2 = services.brand_create(organization=tree.b1, name="乙", launched_on=date(2024, 1, 1), by=users.staff)
    e1 = services.round_enter(round=rnd, brand=b1, by=users.staff)
    e2 = services.round_enter(round=rnd, brand=b2, by=users.staff)
    with pytest.raises(ValidationError):
        services.round_enter(round=rnd, brand=b1, by=users.staff)
    with pytest.raises(ValidationError):
        services.entry_score(entry=e1, judge=users.reviewer, score=Decimal("90"))   # not scoring yet
    services.round_start_scoring(round=rnd, by=users.staff)
    services.entry_score(entry=e1, judge=users.reviewer, score=Decimal("80"))
    with pytest.raises(ValidationError):
        services.round_close(round=rnd, by=users.staff)                          # e2 unscored
    services.entry_score(entry=e2, judge=users.reviewer, score=Decimal("95"))
    services.entry_score(entry=e1, judge=users.staff, score=Decimal("90"))
    services.round_close(round=rnd, on=date(2026, 9, 1), by=users.staff)
    e1.refresh_from_db(), e2.refresh_from_db()
    assert (e2.rank, e2.awarded, e1.rank, e1.awarded) == (1, True, 2, False)
    assert e1.average_score == Decimal("85.00")
    assert list(BrandRecognition.objects.values_list("brand__name", flat=True)) == ["乙"]


def test_post_holders_must_be_members_of_the_branch(tree, members, users):
    with pytest.raises(ValidationError):
        services.post_create(organization=tree.a1, kind=PostKind.POST, name="岗", starts_on=date(2026, 1, 1),
                             holders=[members.b1], by=users.staff)
    with pytest.raises(ValidationError):
        services.post_create(organization=tree.ga, kind=PostKind.POST, name="岗", starts_on=date(2026, 1, 1),
                             holders=[], by=users.staff)  # a 党总支 is not a branch
    post = services.post_create(organization=tree.a1, kind=PostKind.AREA, name="区", starts_on=date(2026, 1, 1),
                                holders=[members.a1], by=users.staff)
    assert list(post.holders.all()) == [members.a1]


def test_visit_finding_goes_to_rectification_or_stays_pending(tree, users, django_capture_on_commit_callbacks):
    point = services.contact_point_assign(organization=tree.a1, year=2026, contact_user=users.staff, by=users.staff)
    with pytest.raises(ValidationError):
        services.contact_visit_record(contact_point=point, visited_on=date(2025, 5, 1), checked="x", by=users.staff)
    problem = {"problem": "记录不全", "requirement": "补齐", "due_on": date(2026, 12, 31), "responsible_person": "书记"}
    with django_capture_on_commit_callbacks(execute=True):
        services.contact_visit_record(contact_point=point, visited_on=date(2026, 5, 1), checked="台账", by=users.staff,
                                      problems=[problem])
    finding = ContactFinding.objects.get()
    try:
        from evaluations.services import rectification_create  # noqa: F401
    except ImportError:
        assert finding.pending_rectification and finding.rectification_id is None
    else:
        assert not finding.pending_rectification and finding.rectification_id


def test_visit_rights(client, tree, users):
    point = services.contact_point_assign(organization=tree.a1, year=2026, contact_user=users.staff, by=users.staff)
    data = {"visited_on": "2026-05-01", "checked": "台账"}
    client.force_login(users.secretary)   # can view the branch, is not the contact
    assert client.post(reverse("practice:contact_detail", args=[point.pk]), data).status_code == 403
    client.force_login(users.staff)
    assert client.post(reverse("practice:contact_detail", args=[point.pk]), data).status_code == 302
    assert point.visits.count() == 1


def test_honour_member_or_organization(tree, members, users):
    with pytest.raises(ValidationError):
        services.honour_award(kind=HonourKind.EXCELLENT_MEMBER, level="county", year=2026, organization=tree.a1, by=users.staff)
    h = services.honour_award(kind=HonourKind.EXCELLENT_MEMBER, level="county", year=2026, member=members.a1, by=users.staff)
    assert h.organization == tree.a1
    with pytest.raises(ValidationError):
        services.honour_award(kind=HonourKind.ADVANCED_ORG, level="county", year=2026, member=members.a1, by=users.staff)


@pytest.mark.parametrize("kind,data", [
    ("honour", {"kind": "advanced_org", "level": "county", "year": 2026}),
    ("course", {"name": "班", "kind": "secretary", "hours": "8", "starts_on": "2026-01-01", "ends_on": "2026-01-02"}),
    ("contact", {"year": 2026}),
])
def test_secretaries_cannot_do_staff_work(client, tree, users, kind, data):
    client.force_login(users.secretary)
    resp = client.post(reverse("practice:create", args=[kind]), {**data, "organization": tree.a1.pk})
    assert resp.status_code == 403


def test_secretary_keeps_her_branch_brand_but_not_others(client, tree, users):
    client.force_login(users.secretary)
    ok = client.post(reverse("practice:create", args=["brand"]),
                     {"organization": tree.a1.pk, "name": "新品牌", "launched_on": "2025-01-01"})
    assert ok.status_code == 302
    bad = client.post(reverse("practice:create", args=["brand"]),
                      {"organization": tree.a2.pk, "name": "别人的", "launched_on": "2025-01-01"})
    assert bad.status_code == 200 and "别人的" not in [b.name for b in tree.a2.brands.all()]
    other = services.brand_create(organization=tree.a2, name="甲二品牌", launched_on=date(2024, 1, 1), by=users.staff)
    assert client.get(reverse("practice:edit", args=["brand", other.pk])).status_code == 404
