"""Lifecycle pages: who may see and do what (grants and denials), and XLSX exports."""
from datetime import date, timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from members.models import Candidate, DuesClass, DuesRecord, MilestoneKind, Stage, Transfer
from members.services import dues
from tests.members.factories import MemberFactory
from tests.members.lifecycle_helpers import activist, applicant, login

LIST_PAGES = ["members:development", "members:due", "members:dues", "members:dues_pay", "members:dues_arrears",
              "members:transfers", "members:birthdays", "members:appraisals", "members:points",
              "members:points_entries"]


@pytest.mark.parametrize("name", LIST_PAGES)
def test_pages_open_for_secretary_and_staff_and_are_refused_without_a_role(client, users, members, name):
    for user in (users.secretary, users.staff, users.superuser):
        login(client, user)
        assert client.get(reverse(name)).status_code == 200, user
    login(client, users.nobody)
    assert client.get(reverse(name)).status_code == 403
    login(client, users.agency)  # API-only account
    assert client.get(reverse(name)).status_code == 403
    client.logout()
    assert client.get(reverse(name)).status_code == 302


# Pages that write for a branch: a reviewer (read rights over the whole tree, no branch to record for)
# is refused with 403 on POST; on pages that are only a form, on GET as well. Readable list pages stay 200.
WRITE_PAGES = {"members:candidate_create": True, "members:dues_pay": True, "members:transfer_in": True,
               "members:appraisals": False, "members:points_entries": False}


@pytest.mark.parametrize("name,form_only", WRITE_PAGES.items())
def test_reviewer_cannot_write_on_recording_pages(client, users, members, name, form_only):
    login(client, users.reviewer)
    assert client.get(reverse(name)).status_code == (403 if form_only else 200)
    response = client.post(reverse(name), {"branch": members.a1.branch_id, "year": 2026})
    assert response.status_code == 403
    login(client, users.secretary)
    assert client.get(reverse(name)).status_code == 200


def test_candidate_outside_scope_is_404_and_reviewer_cannot_record(client, tree, users):
    mine, other = applicant(tree.a1, name="本支部"), applicant(tree.b1, name="外支部")
    login(client, users.secretary)
    assert client.get(reverse("members:candidate", args=[mine.pk])).status_code == 200
    assert client.get(reverse("members:candidate", args=[other.pk])).status_code == 404
    assert client.post(reverse("members:candidate", args=[other.pk]), {}).status_code == 404
    login(client, users.reviewer)
    assert client.get(reverse("members:candidate", args=[other.pk])).status_code == 200
    resp = client.post(reverse("members:candidate", args=[other.pk]),
                       {"kind": "first_talk", "on": date.today().isoformat()})
    assert resp.status_code == 403


def test_secretary_records_a_step_and_sees_the_rule_when_refused(client, tree, users):
    c = activist(tree.a1, applied_on=date.today() - timedelta(days=400), decided_on=date.today() - timedelta(days=100))
    login(client, users.secretary)
    url = reverse("members:candidate", args=[c.pk])
    resp = client.post(url, {"kind": "candidate_decision", "on": date.today().isoformat()})
    assert resp.status_code == 200
    assert "积极分子培养考察一年以上方可列为发展对象" in resp.content.decode()
    assert "exception_reason" not in resp.context["form"].fields   # secretaries cannot approve exceptions
    c.refresh_from_db()
    assert c.stage == Stage.ACTIVIST
    resp = client.post(url, {"kind": "activist_review", "on": date.today().isoformat(), "note": "表现良好"})
    assert resp.status_code == 302 and c.milestones.filter(kind=MilestoneKind.ACTIVIST_REVIEW).exists()


def test_candidate_create_only_in_own_branch(client, tree, users):
    login(client, users.secretary)
    data = {"name": "新申请", "gender": "male", "birth_date": "1999-01-01", "applied_on": date.today().isoformat()}
    resp = client.post(reverse("members:candidate_create"), {**data, "branch": tree.b1.pk})
    assert resp.status_code == 200 and not Candidate.objects.exists()
    resp = client.post(reverse("members:candidate_create"), {**data, "branch": tree.a1.pk})
    assert resp.status_code == 302 and Candidate.objects.get().branch == tree.a1


def test_due_list_xlsx(client, tree, users):
    applicant(tree.a1, name="待谈话", applied_on=date.today() - timedelta(days=10))
    login(client, users.secretary)
    resp = client.get(reverse("members:due"), {"list": "talks", "format": "xlsx"})
    ws = load_workbook(BytesIO(b"".join(resp.streaming_content))).active
    assert [c.value for c in ws[1]][:2] == ["姓名", "党支部"] and ws["A2"].value == "待谈话"


def test_dues_pay_marks_only_own_branch_records(client, tree, users, members):
    for m in (members.a1, members.b1):
        dues.dues_base_set(member=m, dues_class=DuesClass.IN_SERVICE, base=Decimal("4000"),
                           effective_from=date(2026, 1, 1))
    dues.dues_generate_month(month=date(2026, 1, 1))
    mine, other = DuesRecord.objects.get(member=members.a1), DuesRecord.objects.get(member=members.b1)
    login(client, users.secretary)
    page = client.get(reverse("members:dues_pay"), {"month": "2026-01"})  # her only branch is preselected
    assert page.status_code == 200 and members.a1.name in page.content.decode()
    resp = client.post(reverse("members:dues_pay"), {"branch": tree.a1.pk, "month": "2026-01", "records": [
        mine.pk, other.pk], "paid_on": "2026-01-15", "method": "wechat"})
    assert resp.status_code == 302
    mine.refresh_from_db()
    other.refresh_from_db()
    assert mine.paid_on == date(2026, 1, 15) and mine.amount_paid == Decimal("40.00") and other.paid_on is None
    assert client.post(reverse("members:dues_pay"), {"branch": tree.b1.pk, "month": "2026-01", "records": [other.pk],
                                                     "paid_on": "2026-01-15", "method": "cash"}).status_code == 200
    other.refresh_from_db()
    assert other.paid_on is None
    assert client.post(reverse("members:dues_generate"), {"month": "2026-02"}).status_code == 403


def test_transfer_pages_each_side(client, tree, users, members):
    login(client, users.secretary)
    resp = client.post(reverse("members:transfer_initiate", args=[members.a1.pk]),
                       {"kind": "internal", "to_branch_code": tree.b1.code, "on": date.today().isoformat(),
                        "reason": "调动"})
    assert resp.status_code == 302
    t = Transfer.objects.get()
    assert t.to_branch == tree.b1
    page = client.get(reverse("members:transfer_initiate", args=[members.a1.pk])).content.decode()
    assert tree.a2.name not in page   # no list of branches outside her scope
    resp = client.post(reverse("members:transfer_initiate", args=[members.a1.pk]),
                       {"kind": "internal", "to_branch_code": "NOPE", "on": date.today().isoformat()})
    assert "未找到该编码的在册党支部" in resp.content.decode()
    assert client.get(reverse("members:transfer_initiate", args=[members.b1.pk])).status_code == 404
    client.post(reverse("members:transfer_decide", args=[t.pk, "accept"]))
    t.refresh_from_db()
    assert t.status == "pending"   # the out-branch cannot accept
    login(client, users.staff)
    client.post(reverse("members:transfer_decide", args=[t.pk, "return"]), {"reason": "请补材料"})
    t.refresh_from_db()
    assert t.status == "returned"


def test_status_page_rights(client, tree, users, members):
    login(client, users.secretary)
    url = reverse("members:status_change", args=[members.a1.pk])
    resp = client.post(url, {"kind": "discipline", "on": date.today().isoformat(), "months": 12, "reason": "违纪"})
    assert resp.status_code == 403
    login(client, users.staff_a)
    resp = client.post(url, {"kind": "discipline", "on": date.today().isoformat(), "months": 12, "reason": "违纪"})
    assert resp.status_code == 302
    members.a1.refresh_from_db()
    assert not members.a1.has_vote_on(date.today())
    assert client.get(reverse("members:status_change", args=[members.b1.pk])).status_code == 404


def test_member_panel_and_points_audit_rights(client, tree, users, members):
    login(client, users.secretary)
    resp = client.get(members.a1.get_absolute_url())
    assert "党员管理" in resp.content.decode() and "核定党费基数" in resp.content.decode()
    from members.models import PointsItem
    from members.services.points import points_entry_add

    e = points_entry_add(member=members.a1, item=PointsItem.objects.get(name="受到表彰奖励"),
                         occurred_on=date.today(), note="表彰")
    assert client.post(reverse("members:points_audit", args=[e.pk]), {"approve": "1"}).status_code == 403
    login(client, users.staff)
    assert client.post(reverse("members:points_audit", args=[e.pk]), {"approve": "1"}).status_code == 302
    e.refresh_from_db()
    assert e.status == "approved"


@pytest.mark.parametrize("rows", [1, 15])
def test_dues_pay_page_queries_do_not_grow(client, tree, users, rows, django_assert_max_num_queries):
    for _ in range(rows):
        MemberFactory(branch=tree.a1)
    dues.dues_generate_month(month=date(2026, 1, 1))
    login(client, users.secretary)
    client.get(reverse("members:dues_pay"), {"month": "2026-01"})
    with django_assert_max_num_queries(14):
        assert client.get(reverse("members:dues_pay"), {"month": "2026-01"}).status_code == 200


def test_transfer_initiate_unknown_member_is_404(client, users):
    login(client, users.secretary)
    assert client.get(reverse("members:transfer_initiate", args=[999999])).status_code == 404


def test_political_birthdays_list_the_months_anniversaries_in_scope(client, tree, users, members):
    """政治生日: members whose 入党 date falls in the month, with years since joining and the greeting; not
    those who joined in that very year; not other branches' members for a secretary; XLSX has the same rows."""
    MemberFactory(branch=tree.a1, name="三月老党员", joined_on=date(2016, 3, 15))
    MemberFactory(branch=tree.a1, name="四月党员", joined_on=date(2016, 4, 15))
    MemberFactory(branch=tree.a1, name="今年入党", joined_on=date(2026, 3, 2))
    MemberFactory(branch=tree.b1, name="乙支部三月", joined_on=date(2011, 3, 20))
    login(client, users.secretary)
    url = reverse("members:birthdays") + "?month=2026-03&greeting=1"
    html = client.get(url).content.decode()
    assert "三月老党员" in html and "您已入党10年" in html
    assert "四月党员" not in html and "今年入党" not in html and "乙支部三月" not in html
    wb = load_workbook(BytesIO(b"".join(client.get(url + "&format=xlsx").streaming_content)), read_only=True)
    names = [r[0] for r in wb.active.iter_rows(min_row=2, values_only=True)]
    assert names == ["三月老党员"]
    login(client, users.staff)
    html = client.get(url).content.decode()
    assert "三月老党员" in html and "乙支部三月" in html and "您已入党15年" in html


def test_dues_pay_preselects_only_a_single_branch_and_refuses_none(client, tree, users, members):
    login(client, users.secretary)                                   # one branch: chosen for her
    assert client.get(reverse("members:dues_pay")).context["form"].is_bound
    login(client, users.staff)                                       # three: she chooses
    assert not client.get(reverse("members:dues_pay")).context["form"].is_bound
    login(client, users.reviewer)                                    # may record for none
    assert client.get(reverse("members:dues_pay")).status_code == 403
