"""Rules at their edges (issue #20): 支委会 quorum (half vs more than half), what a 党员大会 record needs to be submitted."""
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from branches.models import SeatRole
from branches.services import term_start
from orglife import services as svc
from orglife.models import ActivityStatus, AttendanceStatus
from tests.members.factories import MemberFactory
from tests.orglife.activity_factories import activity_type

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


APPROVAL = {"approved_by": "中共测试党委", "approval_doc_no": "测党字〔2026〕12号", "approved_on": date(2026, 12, 1)}


@pytest.mark.django_db
class TestTermLength:
    """党章第三十一条 (3–5 years) and 《关于党的基层组织任期的意见》: 3 by default, 5 for 村/社区, moved ≤1 year with approval."""

    START = date(2024, 1, 1)

    def start(self, org, member, **kw):
        return term_start(organization=org, started_on=self.START, seats=[(member, SeatRole.SECRETARY)], **kw)

    def test_three_years_needs_no_approval(self, tree, members):
        assert self.start(tree.a1, members.a1).ends_on == date(2027, 1, 1)
        assert self.start(tree.a2, members.a2, ends_on=date(2027, 1, 1)).ends_on == date(2027, 1, 1)

    def test_three_years_and_a_day_without_approval_is_refused(self, tree, members):
        with pytest.raises(ValidationError) as exc:
            self.start(tree.a1, members.a1, ends_on=date(2027, 1, 2))
        assert "须经上级党组织批准" in str(exc.value)
        assert not tree.a1.terms.exists()

    def test_one_day_short_without_approval_is_refused(self, tree, members):
        with pytest.raises(ValidationError):
            self.start(tree.a1, members.a1, ends_on=date(2026, 12, 31))

    def test_extension_with_approval_up_to_one_year(self, tree, members):
        term = self.start(tree.a1, members.a1, ends_on=date(2028, 1, 1), approval=APPROVAL)
        assert (term.ends_on, term.approval_doc_no) == (date(2028, 1, 1), "测党字〔2026〕12号")

    def test_extension_beyond_one_year_is_refused_even_with_approval(self, tree, members):
        with pytest.raises(ValidationError, match="不超过 1 年"):
            self.start(tree.a1, members.a1, ends_on=date(2028, 1, 2), approval=APPROVAL)

    def test_shortened_by_one_year_with_approval_but_not_more(self, tree, members):
        approval = {**APPROVAL, "approved_on": date(2025, 6, 1)}
        assert self.start(tree.a1, members.a1, ends_on=date(2026, 1, 1), approval=approval)
        with pytest.raises(ValidationError, match="不超过 1 年"):
            self.start(tree.a2, members.a2, ends_on=date(2025, 12, 31), approval=approval)

    def test_an_approval_needs_all_three_facts(self, tree, members):
        with pytest.raises(ValidationError):
            self.start(tree.a1, members.a1, ends_on=date(2028, 1, 1), approval={**APPROVAL, "approval_doc_no": ""})

    def test_village_and_community_terms_are_five_years(self, tree, members):
        from branches.models import Locality

        tree.a1.locality = Locality.VILLAGE
        tree.a1.save()
        assert self.start(tree.a1, members.a1).ends_on == date(2029, 1, 1)
        tree.a2.locality = Locality.COMMUNITY
        tree.a2.save()
        with pytest.raises(ValidationError):  # 3 years is a shortened term there
            self.start(tree.a2, members.a2, ends_on=date(2027, 1, 1))

    def test_per_organization_length_within_three_to_five(self, tree, members):
        tree.a1.term_years = 4
        tree.a1.full_clean()
        tree.a1.save()
        assert self.start(tree.a1, members.a1).ends_on == date(2028, 1, 1)
        tree.a1.term_years = 6
        with pytest.raises(ValidationError):
            tree.a1.full_clean()

    def test_election_early_within_the_window_is_on_time(self, tree, members):
        first = self.start(tree.a1, members.a1)
        other = MemberFactory(branch=tree.a1)
        term_start(organization=tree.a1, started_on=date(2026, 10, 3), seats=[(other, SeatRole.SECRETARY)])  # 90 days
        first.refresh_from_db()
        assert first.closed_on == date(2026, 10, 3) and not first.has_approval

    def test_election_brought_forward_needs_approval(self, tree, members):
        first = self.start(tree.a1, members.a1)
        other = MemberFactory(branch=tree.a1)
        with pytest.raises(ValidationError, match="提前换届"):
            term_start(organization=tree.a1, started_on=date(2026, 10, 2), seats=[(other, SeatRole.SECRETARY)])
        first.refresh_from_db()
        assert first.closed_on is None
        early = {**APPROVAL, "approved_on": date(2026, 9, 1)}
        term_start(organization=tree.a1, started_on=date(2026, 10, 2), seats=[(other, SeatRole.SECRETARY)],
                   early_approval=early)
        first.refresh_from_db()
        assert first.closed_on == date(2026, 10, 2) and first.approval_doc_no == APPROVAL["approval_doc_no"]

    def test_the_term_form_takes_the_approval(self, client, tree, users, members):
        client.force_login(users.staff)
        url = reverse("branches:term_create", args=[tree.a1.pk])
        data = {"started_on": "2024-01-01", "ends_on": "2027-06-01", "secretary": members.a1.pk}
        response = client.post(url, data)
        assert response.status_code == 200 and "须经上级党组织批准" in response.content.decode()
        assert not tree.a1.terms.exists()
        response = client.post(url, {**data, "approved_by": "中共测试党委", "approval_doc_no": "测党字〔2026〕12号",
                                     "approved_on": "2026-12-01"})
        assert response.status_code == 302
        assert tree.a1.terms.get().approved_by == "中共测试党委"
