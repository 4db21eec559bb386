"""Contract of /api/v1/activities/: fields, attendance, the shared FilterSet, ordering, cursor pages, tombstones."""
from datetime import date, time, timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from orglife.models import Activity, ActivityStatus, AttendanceStatus
from orglife.services import activity_void, attendance_set
from tests.api.conftest import bearer, ids
from tests.members.factories import MemberFactory
from tests.orglife.activity_factories import attend, log

URL = "/api/v1/activities/"
FIELDS = {
    "id", "organization", "organization_code", "organization_name", "type", "type_name", "type_category", "title",
    "held_on", "starts_at", "ends_at", "place", "topics", "first_topic", "lecturer", "lecturer_role", "lecture_title",
    "is_election", "status",
    "status_display", "submitted_at", "is_deleted", "deleted_reason", "is_active", "attendance", "created_at",
    "updated_at",
}
ATTENDANCE_FIELDS = {"member", "name", "is_guest", "status", "status_display", "leave_reason", "leave_reason_display",
                     "checked_in_at"}


@pytest.fixture
def records(tree, members):
    """a1: a general meeting with attendance and a guest; a1g: a group meeting; a2: a draft lecture; b1: a 支委会."""
    a1 = log(tree.a1, "general_meeting", date(2026, 3, 10), title="一季度党员大会", place="三楼会议室",
             topics="学习贯彻条例", starts_at=time(9, 0), ends_at=time(11, 30))
    zhang = MemberFactory(branch=tree.a1, name="张三")
    attend(a1, members.a1)
    attend(a1, zhang, AttendanceStatus.LEAVE, leave_reason="sick")
    attend(a1, None, guest_name="上级联系人")
    a1g = log(tree.a1g, "group_meeting", date(2026, 3, 5), title="三月党小组会")
    a2 = log(tree.a2, "lecture", date(2026, 2, 1), status=ActivityStatus.DRAFT, title="专题党课",
             lecturer="王书记", lecture_title="新时代党建")
    b1 = log(tree.b1, "committee_meeting", date(2026, 1, 15), title="一月支委会")
    attend(b1, members.b1, AttendanceStatus.ABSENT)
    return SimpleNamespace(a1=a1, a1g=a1g, a2=a2, b1=b1, zhang=zhang)


def test_fields_and_nested_attendance(api, tokens, records, members):
    [row] = bearer(api, tokens.gb).get(URL).json()["results"]
    assert set(row) == FIELDS
    assert row["id"] == records.b1.pk and row["organization"] == records.b1.organization_id
    assert (row["type"], row["type_name"], row["type_category"]) == ("committee_meeting", "支部委员会会议",
                                                                    "committee_meeting")
    assert row["organization_name"] == "乙一支部" and row["is_deleted"] is False and row["is_active"] is True
    assert row["attendance"] == [{
        "member": members.b1.pk, "name": "乙一党员", "is_guest": False, "status": "absent", "status_display": "缺席",
        "leave_reason": "", "leave_reason_display": "", "checked_in_at": None,
    }]


def test_detail_lists_members_by_name_then_guests(api, users, records, members):
    api.force_authenticate(users.staff)
    body = api.get(f"{URL}{records.a1.pk}/").json()
    assert set(body) == FIELDS
    assert (body["held_on"], body["starts_at"], body["ends_at"], body["place"], body["topics"]) == (
        "2026-03-10", "09:00:00", "11:30:00", "三楼会议室", "学习贯彻条例")
    rows = body["attendance"]
    assert all(set(r) == ATTENDANCE_FIELDS for r in rows)
    assert [(r["member"], r["name"], r["status"], r["leave_reason"]) for r in rows] == [
        (records.zhang.pk, "张三", "leave", "sick"),
        (members.a1.pk, "甲一党员", "present", ""),
        (None, "上级联系人", "present", ""),
    ]
    assert rows[2]["is_guest"] is True and rows[0]["leave_reason_display"] == "病假"


def test_attendance_shows_no_personal_data(api, tokens, tree, records):
    person = MemberFactory(branch=tree.b1, name="李四", phone="13912345678")
    attend(records.b1, person)
    text = bearer(api, tokens.root).get(f"{URL}{records.b1.pk}/").content.decode()
    assert "李四" in text and "1391234" not in text and "id_number" not in text


def test_filters(api, users, tree, records):
    api.force_authenticate(users.staff)
    everything = {records.a1.pk, records.a1g.pk, records.a2.pk, records.b1.pk}
    assert ids(api.get(URL)) == everything
    assert ids(api.get(URL, {"organization": tree.ga.pk})) == {records.a1.pk, records.a1g.pk, records.a2.pk}
    assert ids(api.get(URL, {"organization": tree.a1g.pk})) == {records.a1g.pk}
    assert ids(api.get(URL, {"type": "lecture"})) == {records.a2.pk}
    assert ids(api.get(URL, {"type": ["lecture", "group_meeting"]})) == {records.a2.pk, records.a1g.pk}
    assert ids(api.get(URL, {"status": "draft"})) == {records.a2.pk}
    assert ids(api.get(URL, {"status": "submitted"})) == everything - {records.a2.pk}
    assert ids(api.get(URL, {"held_on_after": "2026-02-01", "held_on_before": "2026-03-05"})) == {
        records.a2.pk, records.a1g.pk}
    assert ids(api.get(URL, {"held_on_after": "2026-03-06"})) == {records.a1.pk}
    assert ids(api.get(URL, {"q": "条例"})) == {records.a1.pk}      # topics
    assert ids(api.get(URL, {"q": "三楼"})) == {records.a1.pk}      # place
    assert ids(api.get(URL, {"q": "党小组"})) == {records.a1g.pk}   # title
    assert ids(api.get(URL, {"q": "   "})) == everything


def test_voided_records_hidden_by_default_and_sent_as_tombstones(api, users, records):
    api.force_authenticate(users.staff)
    since = timezone.now()
    activity_void(activity=records.a1g, reason="重复登记", by=users.staff)
    assert records.a1g.pk not in ids(api.get(URL))
    assert ids(api.get(URL, {"active": "0"})) == {records.a1g.pk}
    rows = api.get(URL, {"updated_since": since.isoformat()}).json()["results"]
    assert [(r["id"], r["is_deleted"], r["is_active"], r["deleted_reason"]) for r in rows] == [
        (records.a1g.pk, True, False, "重复登记")]
    # explicitly asking for valid records only drops the tombstone again
    assert ids(api.get(URL, {"updated_since": since.isoformat(), "active": "1"})) == set()
    # like dissolved organizations: gone from the default detail, readable with active=all
    assert api.get(f"{URL}{records.a1g.pk}/").status_code == 404
    assert api.get(f"{URL}{records.a1g.pk}/", {"active": "all"}).json()["is_deleted"] is True


def test_updated_since_returns_only_what_changed(api, users, records):
    api.force_authenticate(users.staff)
    Activity.objects.update(updated_at=timezone.now() - timedelta(days=2))
    since = timezone.now() - timedelta(days=1)
    assert ids(api.get(URL, {"updated_since": since.isoformat()})) == set()
    records.a2.title = "改过的党课"
    records.a2.save()
    assert ids(api.get(URL, {"updated_since": since.isoformat()})) == {records.a2.pk}


def test_attendance_change_moves_the_record_into_the_next_pull(api, users, records, members):
    api.force_authenticate(users.staff)
    Activity.objects.update(updated_at=timezone.now() - timedelta(days=2))
    since = (timezone.now() - timedelta(days=1)).isoformat()
    # unchanged marks are no change
    attendance_set(activity=records.b1, marks={members.b1.pk: (AttendanceStatus.ABSENT, "")}, by=users.staff)
    assert ids(api.get(URL, {"updated_since": since})) == set()
    attendance_set(activity=records.b1, marks={members.b1.pk: (AttendanceStatus.LEAVE, "official")}, by=users.staff)
    [row] = api.get(URL, {"updated_since": since}).json()["results"]
    assert row["id"] == records.b1.pk
    assert [(a["status"], a["leave_reason"]) for a in row["attendance"]] == [("leave", "official")]
    attendance_set(activity=records.a2, marks={}, guests=["区委联络员"], by=users.staff)
    assert ids(api.get(URL, {"updated_since": since})) == {records.b1.pk, records.a2.pk}


def test_ordering_and_cursor_pages(api, users, records):
    api.force_authenticate(users.staff)
    first = api.get(URL, {"page_size": 2, "ordering": "-held_on"}).json()
    assert [r["id"] for r in first["results"]] == [records.a1.pk, records.a1g.pk]
    second = api.get(first["next"]).json()
    assert [r["id"] for r in second["results"]] == [records.a2.pk, records.b1.pk]
    assert second["next"] is None and second["previous"]
    by_id = api.get(URL).json()["results"]
    assert [r["id"] for r in by_id] == sorted(r["id"] for r in by_id)  # default: id


@pytest.mark.parametrize("params, field", [
    ({"type": "no_such_type"}, "type"),
    ({"status": "finished"}, "status"),
    ({"held_on_after": "2026-02-30"}, "held_on_after"),
    ({"held_on_before": "yesterday"}, "held_on_before"),
    ({"active": "maybe"}, "active"),
    ({"ordering": "title"}, "ordering"),
    ({"organization": "x"}, "organization"),
    ({"updated_since": "2026-13-01T00:00:00Z"}, "updated_since"),
    ({"page_size": "0"}, "page_size"),
])
def test_bad_input_is_400_on_the_field(api, users, records, params, field):
    api.force_authenticate(users.staff)
    response = api.get(URL, params)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "validation_error" and set(body["fields"]) == {field}


def test_read_only(api, users, records):
    api.force_authenticate(users.superuser)
    assert api.post(URL, {"title": "x"}).status_code == 405
    assert api.delete(f"{URL}{records.a1.pk}/").status_code == 405
