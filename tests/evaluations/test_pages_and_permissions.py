"""Who sees and does what, page by page: secretary, reviewer, staff, a member, an unrelated user."""
from datetime import date, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from branches.models import Role
from evaluations import services
from evaluations.models import Rectification, SheetKind, Step
from tests.branches.factories import UserFactory, grant
from tests.evaluations.factories import entries


@pytest.fixture
def in_review(ev_a1, users, standard):
    services.self_assessment_save(evaluation=ev_a1, by=users.secretary, entries=entries(standard[1], P1=20),
                                  submit=True)
    sheet = services.reviewer_assign(evaluation=ev_a1, reviewer=users.reviewer, by=users.staff)
    return ev_a1, sheet


@pytest.fixture
def rect(tree, users):
    return services.rectification_create(organization=tree.a1, problem="问题", requirement="要求",
                                         due_on=date.today() + timedelta(days=10), responsible_person="张",
                                         by=users.reviewer)


def login(client, user):
    """Log in with the stored user: UserFactory sets the password without saving it, and a session made from the
    in-memory object would not survive the next request's session-hash check."""
    client.force_login(get_user_model().objects.get(pk=user.pk))


def _status(client, user, url, method="get", data=None):
    login(client, user)
    return getattr(client, method)(url, data or {}).status_code


@pytest.mark.parametrize("who,expected", [
    ("secretary", 200), ("reviewer", 200), ("staff", 200), ("staff_a", 200), ("nobody", 403), ("superuser", 200)])
def test_evaluation_page_of_branch_a1(client, users, ev_a1, who, expected):
    # nobody has no page role at all → 403 from the page mixin (no page access); agency: API only
    assert _status(client, getattr(users, who), ev_a1.get_absolute_url()) == expected


def test_unrelated_staff_and_secretary_get_404(client, users, tree, cycle):
    other = grant(UserFactory(username="other_sec"), tree.b1, Role.SECRETARY)
    ev_b1 = cycle.evaluations.get(organization=tree.b1)
    ev_a1 = cycle.evaluations.get(organization=tree.a1)
    assert _status(client, users.secretary, ev_b1.get_absolute_url()) == 404
    assert _status(client, users.staff_a, ev_b1.get_absolute_url()) == 404   # staff of 甲党总支 only
    assert _status(client, other, ev_a1.get_absolute_url()) == 404
    assert _status(client, other, reverse("evaluations:scorecard", args=[tree.a1.pk])) == 404


def test_self_assessment_only_for_own_branch_and_only_in_self_step(client, users, ev_a1, standard, tree, cycle):
    url = reverse("evaluations:self_assessment", args=[ev_a1.pk])
    assert _status(client, users.reviewer, url) == 404      # no CHANGE right: row is missing for them
    ev_b1 = cycle.evaluations.get(organization=tree.b1)
    assert _status(client, users.secretary, reverse("evaluations:self_assessment", args=[ev_b1.pk])) == 404
    login(client, users.secretary)
    ind = standard[1]
    r = client.post(url, {f"p_{ind['P1'].pk}": "30", "narrative": "x"})
    assert r.status_code == 200 and "超过上限" in r.content.decode()
    r = client.post(url, {f"p_{ind['P1'].pk}": "22", "narrative": "总结", "submit": "1"})
    assert r.status_code == 302
    ev_a1.refresh_from_db()
    assert ev_a1.step == Step.REVIEW
    assert client.get(url).status_code == 403


def test_reviewer_scores_only_assigned_sheet(client, users, in_review, tree):
    ev, sheet = in_review
    url = reverse("evaluations:score_sheet", args=[sheet.pk])
    other_reviewer = grant(UserFactory(username="r2"), tree.root, Role.REVIEWER)
    assert _status(client, other_reviewer, url) == 404
    assert _status(client, users.secretary, url) == 404
    assert _status(client, users.staff, url) == 404   # staff don't write someone else's sheet
    login(client, users.reviewer)
    page = client.get(url)
    assert page.status_code == 200 and "实时合计" in page.content.decode()


def test_reviewer_draft_then_submit_via_page(client, users, in_review, standard):
    ev, sheet = in_review
    ind = standard[1]
    url = reverse("evaluations:score_sheet", args=[sheet.pk])
    login(client, users.reviewer)
    assert client.post(url, {f"p_{ind['P1'].pk}": "20", "save": "1"}).status_code == 302
    sheet.refresh_from_db()
    assert sheet.status == "draft" and sheet.lines.get(indicator=ind["P1"]).points == 20
    assert client.post(url, {f"p_{ind['L1'].pk}": "99", "submit": "1"}).status_code == 200  # refused: over max
    r = client.post(url, {f"p_{ind['L1'].pk}": "20", "submit": "1"})
    assert r.status_code == 302 and r.url == reverse("evaluations:worklist")


def test_staff_actions_are_refused_for_secretary_and_reviewer(client, users, in_review):
    ev, _ = in_review
    url = reverse("evaluations:evaluation_action", args=[ev.pk, "close_review"])
    assert _status(client, users.secretary, url, "post") == 403
    assert _status(client, users.reviewer, url, "post") == 403
    ev.refresh_from_db()
    assert ev.step == Step.REVIEW


def test_staff_assigns_and_cannot_assign_a_branch_member(client, users, ev_a1, tree):
    from tests.members.factories import MemberFactory

    insider = grant(UserFactory(username="insider"), tree.root, Role.REVIEWER)
    MemberFactory(branch=tree.a1, user=insider)
    login(client, users.staff)
    url = reverse("evaluations:evaluation_action", args=[ev_a1.pk, "assign"])
    r = client.post(url, {"reviewer": insider.pk}, follow=True)
    assert "回避" in r.content.decode()
    assert not ev_a1.sheets.filter(kind=SheetKind.REVIEW).exists()
    client.post(url, {"reviewer": users.reviewer.pk})
    assert ev_a1.sheets.filter(kind=SheetKind.REVIEW, reviewer=users.reviewer).exists()


def test_worklist_lists_only_own_assignments(client, users, in_review):
    login(client, users.reviewer)
    assert in_review[0].organization.name in client.get(reverse("evaluations:worklist")).content.decode()
    login(client, users.staff)
    assert in_review[0].organization.name not in client.get(reverse("evaluations:worklist")).content.decode()


def test_rectification_permissions(client, users, rect, tree):
    url = rect.get_absolute_url()
    assert _status(client, users.secretary, url) == 200
    other = grant(UserFactory(username="other_sec"), tree.b1, Role.SECRETARY)
    assert _status(client, other, url) == 404
    # the branch reports, a reviewer verifies; not the other way round
    assert _status(client, users.reviewer, url, "post", {"action": "report", "text": "x"}) == 403
    assert _status(client, users.secretary, url, "post", {"action": "report", "text": "已整改"}) == 302
    assert _status(client, users.secretary, url, "post", {"action": "verify", "decision": "close", "text": "x"}) == 403
    assert _status(client, users.reviewer, url, "post", {"action": "verify", "decision": "close", "text": "好"}) == 302
    assert Rectification.objects.get(pk=rect.pk).status == "closed"


def test_overdue_rectification_on_branch_page_and_staff_list(client, users, rect, tree):
    Rectification.objects.filter(pk=rect.pk).update(due_on=date.today() - timedelta(days=1))
    login(client, users.secretary)
    page = client.get(tree.a1.get_absolute_url()).content.decode()
    assert "逾期未销号" in page and "evaluation-panel" in page
    login(client, users.staff)
    listing = client.get(reverse("evaluations:rectification_list"), {"overdue": "true"}).content.decode()
    assert "问题" in listing and "逾期" in listing


def test_attachment_is_served_only_within_scope(client, users, ev_a1, tree):
    from django.core.files.uploadedfile import SimpleUploadedFile

    att = services.evidence_add(evaluation=ev_a1, by=users.secretary,
                                upload=SimpleUploadedFile("证明.pdf", b"%PDF-1.4\n%%EOF\n"))
    url = reverse("evaluations:attachment", args=[att.pk])
    login(client, users.secretary)
    r = client.get(url)
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    other = grant(UserFactory(username="other_sec"), tree.b1, Role.SECRETARY)
    assert _status(client, other, url) == 404


def test_dashboard_and_export_for_staff_only(client, users, cycle):
    assert _status(client, users.staff, cycle.get_absolute_url()) == 200
    assert _status(client, users.secretary, cycle.get_absolute_url()) == 200   # sees the cycle over their branch
    assert _status(client, users.secretary, reverse("evaluations:cycle_export", args=[cycle.pk])) == 404
    login(client, users.staff)
    r = client.get(reverse("evaluations:cycle_export", args=[cycle.pk]))
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")


def test_cycle_dashboard_queries_do_not_grow_with_branches(client, users, tree, standard, django_assert_max_num_queries):
    from tests.branches.factories import make_org
    from tests.evaluations.factories import make_cycle

    for i in range(6):
        make_org(tree.gb, name=f"加支部{i}")
    cycle = make_cycle(tree.root, standard[0], users.staff, year=2024)
    login(client, users.staff)
    with django_assert_max_num_queries(20):
        assert client.get(cycle.get_absolute_url()).status_code == 200


def test_publicity_page_for_members_and_objection(client, users, ev_a1, members):
    from evaluations.models import Objection

    Step_ = Step
    ev_a1.step, ev_a1.total, ev_a1.proposed_stars = Step_.PUBLICITY, 91, 5
    ev_a1.publicity_starts_on, ev_a1.publicity_ends_on = date.today(), date.today() + timedelta(days=5)
    ev_a1.save()
    member_user = UserFactory(username="m1")
    members.a2.user = member_user
    members.a2.save()
    url = reverse("evaluations:publicity", args=[ev_a1.cycle.pk])
    login(client, member_user)
    assert "提出异议" in client.get(url).content.decode()
    assert client.post(url, {"evaluation": ev_a1.pk, "text": "材料不实"}).status_code == 302
    assert Objection.objects.get().lodged_by == member_user
    stranger = UserFactory(username="stranger")
    assert _status(client, stranger, url) == 403  # no page access at all


def test_standard_pages(client, users, standard):
    st = standard[0]
    assert _status(client, users.staff, st.get_absolute_url()) == 200
    assert _status(client, users.staff, reverse("evaluations:standard_export", args=[st.pk])) == 200
    login(client, users.secretary)
    assert client.post(st.get_absolute_url(), {"action": "copy", "year": 2026}).status_code == 404


def test_api_is_scoped(client, users, cycle, tree, rect):
    login(client, users.secretary)
    data = client.get("/api/v1/branch-results/").json()
    assert {r["organization"] for r in data["results"]} == {tree.a1.pk}
    assert data["results"][0]["total"] is None  # not shown before 公示
    assert len(client.get("/api/v1/evaluation-cycles/").json()["results"]) == 1
    assert len(client.get("/api/v1/rectifications/").json()["results"]) == 1
    login(client, users.agency)   # agency on 乙党总支
    data = client.get("/api/v1/branch-results/").json()
    assert {r["organization"] for r in data["results"]} == {tree.b1.pk}
    assert client.get("/api/v1/rectifications/").json()["results"] == []
    login(client, users.nobody)
    assert client.get("/api/v1/branch-results/").json()["results"] == []
    client.logout()
    assert client.get("/api/v1/branch-results/").status_code in (401, 403)
