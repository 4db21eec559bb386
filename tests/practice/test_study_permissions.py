"""A member edits only her own study records; a secretary her branch's; staff their subtree; others are refused."""
from datetime import date

import pytest
from django.urls import reverse

from practice.models import StudyRecord
from practice.permissions import can_edit_study, editable_study_records

pytestmark = pytest.mark.django_db

FORM = {"studied_on": "2026-03-02", "topic": "学习强国答题", "hours": "1.5", "source": "xuexi", "notes": ""}


def test_member_records_her_own_study(client, member_user, members):
    client.force_login(member_user)
    resp = client.post(reverse("practice:study_mine"), FORM)
    assert resp.status_code == 302
    record = StudyRecord.objects.get()
    assert record.member == members.a1 and record.organization == members.a1.branch
    assert record.recorded_by == member_user


def test_member_cannot_choose_another_member(client, member_user, members):
    client.force_login(member_user)
    client.post(reverse("practice:study_mine"), {**FORM, "member": members.b1.pk})
    assert StudyRecord.objects.get().member == members.a1


def test_member_edits_own_record_but_not_a_colleagues(client, member_user, members, study, tree):
    from tests.members.factories import MemberFactory

    own = study(members.a1)
    colleague = study(MemberFactory(branch=tree.a1))
    client.force_login(member_user)
    assert client.get(reverse("practice:study_edit", args=[own.pk])).status_code == 200
    # A colleague's record is not visible to a member without a role: 404, as if missing.
    assert client.get(reverse("practice:study_edit", args=[colleague.pk])).status_code == 404
    assert client.post(reverse("practice:study_edit", args=[colleague.pk]), FORM).status_code == 404
    colleague.refresh_from_db()
    assert colleague.topic == "党章"


def test_member_without_link_cannot_record(client, users):
    client.force_login(users.secretary)  # has a role but no member record
    resp = client.post(reverse("practice:study_mine"), FORM)
    assert resp.status_code == 403
    assert not StudyRecord.objects.exists()


def test_secretary_edits_her_branch_not_another(client, users, members, study):
    mine, other = study(members.a1), study(members.a2)
    client.force_login(users.secretary)
    resp = client.post(reverse("practice:study_edit", args=[mine.pk]), {**FORM, "topic": "改过"})
    assert resp.status_code == 302
    mine.refresh_from_db()
    assert mine.topic == "改过"
    assert client.get(reverse("practice:study_edit", args=[other.pk])).status_code == 404


def test_reviewer_sees_but_cannot_edit(client, users, members, study):
    record = study(members.a1)
    client.force_login(users.reviewer)
    assert client.get(reverse("practice:study_edit", args=[record.pk])).status_code == 403
    assert not can_edit_study(users.reviewer, record)


def test_staff_edit_their_subtree_only(users, members, study):
    a1, b1 = study(members.a1), study(members.b1)
    assert set(editable_study_records(users.staff_a)) == {a1}
    assert set(editable_study_records(users.staff)) == {a1, b1}
    assert not can_edit_study(users.staff_a, b1)
    assert list(editable_study_records(users.nobody)) == []


def test_deactivate_keeps_the_row(client, member_user, members, study):
    record = study(members.a1)
    client.force_login(member_user)
    resp = client.post(reverse("practice:deactivate", args=["study", record.pk]), {"reason": "重复"})
    assert resp.status_code == 302
    record.refresh_from_db()
    assert record.is_voided and record.void_reason == "重复"
    assert record.history.count() == 2


def test_future_date_and_bad_hours_are_refused(client, member_user):
    client.force_login(member_user)
    resp = client.post(reverse("practice:study_mine"), {**FORM, "studied_on": date(2099, 1, 1).isoformat()})
    assert resp.status_code == 200 and "不能晚于今天" in resp.content.decode()
    resp = client.post(reverse("practice:study_mine"), {**FORM, "hours": "0"})
    assert resp.status_code == 200
    assert not StudyRecord.objects.exists()


def test_secretary_study_create_offers_only_her_members(client, users, members):
    client.force_login(users.secretary)
    resp = client.post(reverse("practice:study_create"), {**FORM, "member": members.b1.pk})
    assert resp.status_code == 200  # not a valid choice
    assert not StudyRecord.objects.exists()
    resp = client.post(reverse("practice:study_create"), {**FORM, "member": members.a1.pk})
    assert resp.status_code == 302
