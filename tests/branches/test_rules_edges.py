"""Rules at their edges (issue #20): 支委会 quorum (half vs more than half), what a 党员大会 record needs to be submitted."""
from datetime import date

import pytest
from django.core.exceptions import ValidationError

from branches import activity_services as svc
from branches.models import ActivityStatus, AttendanceStatus, SeatRole
from branches.services import term_start
from tests.branches.activity_factories import activity_type
from tests.members.factories import MemberFactory

D = date(2025, 9, 10)
ROLES = [SeatRole.SECRETARY, SeatRole.ORGANIZATION, SeatRole.PROPAGANDA, SeatRole.DISCIPLINE, SeatRole.MEMBER,
         SeatRole.YOUTH]


def committee(tree, seated: int):
    people = MemberFactory.create_batch(seated + 2, branch=tree.a1)
    term_start(organization=tree.a1, started_on=date(2024, 1, 1), seats=list(zip(people[:seated], ROLES[:seated], strict=True)))
    return people[:seated]


def committee_meeting(tree, **kw):
    return svc.activity_create(organization=tree.a1, activity_type=activity_type("committee_meeting"), held_on=D,
                               title="支委会", resolutions="同意推荐张三为入党积极分子", **kw)


def mark(activity, members, status):
    svc.attendance_set(activity=activity, marks={m.pk: (status, "") for m in members})


@pytest.mark.django_db
class TestCommitteeQuorum:
    @pytest.mark.parametrize("seated,absent,met", [
        (5, 3, False),  # 2 of 5: not more than half
        (5, 2, True),   # 3 of 5: more than half
        (4, 2, False),  # 2 of 4: exactly half is not more than half
        (4, 1, True),   # 3 of 4
        (5, 4, False),  # the case: 1 of 5 recorded a resolution
    ])
    def test_a_resolution_needs_more_than_half_of_the_seated_members(self, tree, seated, absent, met):
        seats = committee(tree, seated)
        meeting = committee_meeting(tree)
        mark(meeting, seats[:absent], AttendanceStatus.ABSENT)
        quorum = svc.committee_meeting_quorum(meeting)
        assert (quorum.should_attend, quorum.present, quorum.met) == (seated, seated - absent, met)
        if met:
            assert svc.activity_submit(activity=meeting, today=D).status == ActivityStatus.SUBMITTED
        else:
            with pytest.raises(ValidationError) as exc:
                svc.activity_submit(activity=meeting, today=D)
            assert "未超过应到会委员" in str(exc.value.message_dict["resolutions"])
            meeting.refresh_from_db()
            assert meeting.status == ActivityStatus.DRAFT

    def test_late_counts_as_present_leave_does_not(self, tree):
        seats = committee(tree, 4)
        meeting = committee_meeting(tree)
        mark(meeting, seats[:2], AttendanceStatus.LEAVE)
        assert not svc.committee_meeting_quorum(meeting).met
        mark(meeting, seats[:1], AttendanceStatus.LATE)
        assert svc.committee_meeting_quorum(meeting).met

    def test_a_meeting_without_a_resolution_may_be_recorded_as_held(self, tree):
        seats = committee(tree, 5)
        meeting = committee_meeting(tree)
        svc.activity_update(activity=meeting, resolutions="")
        mark(meeting, seats[:4], AttendanceStatus.ABSENT)
        assert svc.activity_submit(activity=meeting, today=D).is_submitted

    def test_the_detail_page_shows_the_live_count(self, client, tree, users):
        seats = committee(tree, 5)
        meeting = committee_meeting(tree)
        mark(meeting, seats[:3], AttendanceStatus.ABSENT)
        client.force_login(users.secretary)
        body = client.get(meeting.get_absolute_url()).content.decode()
        assert "委员应到 5 人，实到 2 人" in body and "不能作出决定" in body


@pytest.mark.django_db
class TestGeneralMeetingRecord:
    def meeting(self, tree, **kw):
        return svc.activity_create(organization=tree.a1, activity_type=activity_type("general_meeting"), held_on=D,
                                   title="支部党员大会", **kw)

    def test_a_draft_may_lack_host_recorder_and_minutes(self, tree):
        MemberFactory.create_batch(3, branch=tree.a1)
        assert self.meeting(tree).status == ActivityStatus.DRAFT

    @pytest.mark.parametrize("missing", ["host", "recorder", "minutes"])
    def test_submitting_needs_each_of_them(self, tree, missing):
        people = MemberFactory.create_batch(3, branch=tree.a1)
        fields = {"host": people[0], "recorder": people[1], "minutes": "会议学习了有关文件。"}
        fields[missing] = "   " if missing == "minutes" else None
        meeting = self.meeting(tree, **fields)
        with pytest.raises(ValidationError) as exc:
            svc.activity_submit(activity=meeting, today=D)
        assert set(exc.value.message_dict) == {missing}
        meeting.refresh_from_db()
        assert meeting.status == ActivityStatus.DRAFT

    def test_with_all_three_it_is_submitted(self, tree):
        people = MemberFactory.create_batch(3, branch=tree.a1)
        meeting = self.meeting(tree, host=people[0], recorder=people[1], minutes="会议学习了有关文件。")
        assert svc.activity_submit(activity=meeting, today=D).is_submitted

    def test_other_activities_do_not_need_them(self, tree):
        MemberFactory.create_batch(3, branch=tree.a1)
        theme = svc.activity_create(organization=tree.a1, activity_type=activity_type("theme_day"), held_on=D, title="x")
        assert svc.activity_submit(activity=theme, today=D).is_submitted
