"""Records: roster at the meeting date, quorum and votes with 预备党员 and 留党察看, locked periods, attachments, check-in."""
import io
from datetime import date, datetime, time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from members.models import MemberStatus
from members.services import quorum as q
from orglife import services as svc
from orglife.models import ActivityStatus, AttendanceStatus, PeriodClose
from tests.members.factories import MemberFactory
from tests.orglife.activity_factories import activity_type

D = date(2025, 9, 10)


def general_meeting(org, **kw):
    return svc.activity_create(organization=org, activity_type=activity_type("general_meeting"), held_on=D,
                               title="支部党员大会", **kw)


def mark(activity, members, status):
    svc.attendance_set(activity=activity, marks={m.pk: (status, "") for m in members})


class TestQuorumArithmetic:
    @pytest.mark.parametrize("should,present,met", [(10, 5, False), (10, 6, True), (9, 5, True), (9, 4, False),
                                                    (1, 1, True), (0, 0, False)])
    def test_more_than_half(self, should, present, met):
        assert q.Quorum(should, present).met is met

    @pytest.mark.parametrize("should,present,met", [(10, 8, False), (10, 9, True), (5, 4, False), (5, 5, True),
                                                    (7, 6, True), (7, 5, False)])
    def test_elections_need_more_than_four_fifths(self, should, present, met):
        assert q.Quorum(should, present, election=True).met is met

    @pytest.mark.parametrize("yes,written,should,passes", [(5, 0, 10, False), (6, 0, 10, True), (5, 1, 10, True),
                                                           (5, 0, 9, True), (4, 0, 9, False)])
    def test_yes_votes_counted_against_those_who_should_attend(self, yes, written, should, passes):
        assert q.motion_passes(yes=yes, written_yes=written, should_attend=should) is passes


@pytest.mark.django_db
class TestRosterAndVotes:
    def test_roster_is_taken_at_the_meeting_date(self, tree):
        present = MemberFactory(branch=tree.a1, joined_branch_on=date(2020, 1, 1))
        MemberFactory(branch=tree.a1, joined_branch_on=date(2025, 10, 1))  # joined later
        left_later = MemberFactory(branch=tree.a1, is_active=False, left_on=date(2025, 12, 1), left_reason="退休转出")
        MemberFactory(branch=tree.a1, is_active=False, left_on=date(2025, 1, 1), left_reason="转出")  # left before
        expected = set(svc.expected_members(organization=tree.a1, on=D))
        assert expected == {present, left_later}

    def test_member_who_moved_away_later_is_still_expected(self, tree):
        from members.services.registry import member_create, member_move

        m = member_create(branch=tree.a1, name="调动者", gender="male", birth_date=date(1980, 1, 1),
                          joined_on=date(2005, 1, 1), confirmed_on=date(2006, 1, 1), registered_on=date(2015, 1, 1))
        member_move(member=m, to_branch=tree.b1, on=date(2025, 11, 1))
        assert m in set(svc.expected_members(organization=tree.a1, on=D))
        assert m not in set(svc.expected_members(organization=tree.b1, on=D))

    def test_probationary_members_have_no_vote(self, tree):
        full = MemberFactory.create_batch(4, branch=tree.a1)
        prob = MemberFactory.create_batch(3, branch=tree.a1, status=MemberStatus.PROBATIONARY, confirmed_on=None)
        meeting = general_meeting(tree.a1)
        mark(meeting, full[2:], AttendanceStatus.ABSENT)  # 2 of 4 voting present: not more than half
        quorum = svc.general_meeting_quorum(meeting)
        assert (quorum.should_attend, quorum.present, quorum.met) == (4, 2, False)
        with pytest.raises(ValidationError, match="未超过应到会 4 人的半数"):
            svc.vote_record(activity=meeting, subject="接收张三为预备党员", kind="admission", subject_member=prob[0], yes=2)
        mark(meeting, full[2:3], AttendanceStatus.LATE)  # late counts as present
        vote = svc.vote_record(activity=meeting, subject="接收张三为预备党员", kind="admission", subject_member=prob[0], yes=3)
        assert vote.passed and vote.should_attend == 4 and vote.present == 3

    def test_member_confirmed_after_the_meeting_had_no_vote_then(self, tree):
        MemberFactory.create_batch(2, branch=tree.a1)
        MemberFactory(branch=tree.a1, confirmed_on=date(2025, 12, 1))
        assert svc.general_meeting_quorum(general_meeting(tree.a1)).should_attend == 2

    def test_lifecycle_hook_for_liudang_chakan(self, tree, monkeypatch):
        from members.models import Member

        on_probation = MemberFactory(branch=tree.a1, name="留党察看者")
        MemberFactory.create_batch(2, branch=tree.a1)
        monkeypatch.setattr(Member, "has_vote_on", lambda self, d: self.name != "留党察看者", raising=False)
        meeting = general_meeting(tree.a1)
        assert svc.general_meeting_quorum(meeting).should_attend == 2
        assert not q.has_vote(on_probation, D)

    def test_vote_passes_only_with_more_than_half_of_should_attend(self, tree):
        voters = MemberFactory.create_batch(10, branch=tree.a1)
        meeting = general_meeting(tree.a1)
        mark(meeting, voters[:3], AttendanceStatus.ABSENT)  # 7 of 10 present
        assert not svc.vote_record(activity=meeting, subject="事项一", yes=5, no=2).passed
        assert svc.vote_record(activity=meeting, subject="事项二", yes=5, written_yes=1).passed
        with pytest.raises(ValidationError, match="超过实到"):
            svc.vote_record(activity=meeting, subject="事项三", yes=6, no=2)
        with pytest.raises(ValidationError):
            svc.vote_record(activity=meeting, subject="事项四", yes=5, written_yes=4)

    def test_election_needs_four_fifths(self, tree):
        voters = MemberFactory.create_batch(10, branch=tree.a1)
        meeting = general_meeting(tree.a1, is_election=True)
        mark(meeting, voters[:2], AttendanceStatus.LEAVE)
        with pytest.raises(ValidationError, match="五分之四"):
            svc.vote_record(activity=meeting, subject="选举支部委员会", kind="election", yes=8)
        mark(meeting, voters[:1], AttendanceStatus.PRESENT)
        assert svc.vote_record(activity=meeting, subject="选举支部委员会", kind="election", yes=8).passed

    def test_decision_without_quorum_cannot_be_submitted(self, tree):
        voters = MemberFactory.create_batch(4, branch=tree.a1)
        meeting = general_meeting(tree.a1, host=voters[0], recorder=voters[1], minutes="讨论了某事项。")
        mark(meeting, voters[:2], AttendanceStatus.ABSENT)
        svc.activity_update(activity=meeting, resolutions="同意某事项")
        with pytest.raises(ValidationError) as exc:
            svc.activity_submit(activity=meeting, today=date(2025, 9, 30))
        assert "半数" in str(exc.value.message_dict["resolutions"])
        svc.activity_update(activity=meeting, resolutions="")
        assert svc.activity_submit(activity=meeting, today=date(2025, 9, 30)).status == ActivityStatus.SUBMITTED

    def test_votes_only_at_general_meetings(self, tree):
        MemberFactory(branch=tree.a1)
        theme = svc.activity_create(organization=tree.a1, activity_type=activity_type("theme_day"), held_on=D, title="x")
        with pytest.raises(ValidationError):
            svc.vote_record(activity=theme, subject="x", yes=1)

    def test_holder_checks(self, tree):
        with pytest.raises(ValidationError):
            svc.activity_create(organization=tree.a1, activity_type=activity_type("group_meeting"), held_on=D, title="x")
        with pytest.raises(ValidationError):
            svc.activity_create(organization=tree.a1g, activity_type=activity_type("general_meeting"), held_on=D, title="x")
        with pytest.raises(ValidationError):
            svc.activity_create(organization=tree.a1, activity_type=activity_type("talk"), held_on=D, title="x")

    def test_lecture_needs_lecturer(self, tree):
        lecture = svc.activity_create(organization=tree.a1, activity_type=activity_type("lecture"), held_on=D, title="党课")
        with pytest.raises(ValidationError):
            svc.activity_submit(activity=lecture, today=D)
        svc.activity_update(activity=lecture, lecturer="林晓梅", lecture_title="学习党章")
        svc.activity_submit(activity=lecture, today=D)

    def test_future_meeting_cannot_be_submitted(self, tree):
        a = svc.activity_create(organization=tree.a1, activity_type=activity_type("theme_day"), held_on=D, title="x")
        with pytest.raises(ValidationError):
            svc.activity_submit(activity=a, today=D - timedelta(days=1))


@pytest.mark.django_db
class TestLockedPeriods:
    def test_closed_period_locks_the_subtree_until_reopened(self, tree, users):
        a = svc.activity_create(organization=tree.a1, activity_type=activity_type("theme_day"), held_on=D, title="x")
        close = svc.period_close(organization=tree.ga, period="2025-Q3", by=users.staff)
        with pytest.raises(ValidationError, match="关账"):
            svc.activity_update(activity=a, title="改")
        with pytest.raises(ValidationError, match="关账"):
            svc.activity_create(organization=tree.a1g, activity_type=activity_type("group_meeting"), held_on=D, title="x")
        with pytest.raises(ValidationError):
            svc.attendance_set(activity=a, marks={})
        with pytest.raises(ValidationError):
            svc.activity_void(activity=a, reason="x")
        # other subtree and other periods are open
        svc.activity_create(organization=tree.b1, activity_type=activity_type("theme_day"), held_on=D, title="x")
        svc.activity_create(organization=tree.a1, activity_type=activity_type("theme_day"), held_on=date(2025, 10, 1), title="x")
        # a record cannot be moved into a closed period either
        b = svc.activity_create(organization=tree.a1, activity_type=activity_type("theme_day"), held_on=date(2025, 10, 2), title="y")
        with pytest.raises(ValidationError):
            svc.activity_update(activity=b, held_on=D)
        with pytest.raises(ValidationError):
            svc.period_close(organization=tree.ga, period="2025-Q3")
        with pytest.raises(ValidationError):
            svc.period_reopen(close=close, reason=" ", by=users.staff)
        svc.period_reopen(close=close, reason="补录遗漏的出席情况", by=users.staff)
        svc.activity_update(activity=a, title="改")
        assert PeriodClose.objects.get(pk=close.pk).reopened_by == users.staff

    def test_changes_after_submission_are_kept_in_history(self, tree, users):
        a = svc.activity_create(organization=tree.a1, activity_type=activity_type("theme_day"), held_on=D, title="原题",
                                by=users.secretary)
        svc.activity_submit(activity=a, by=users.secretary, today=D)
        svc.activity_update(activity=a, title="新题", by=users.staff)
        latest = a.history.first()
        assert latest.title == "新题" and latest.history_user == users.staff
        assert a.history.count() == 3


def _jpeg(size=(800, 600)):
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buf, "JPEG")
    return buf.getvalue()


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.mark.django_db
class TestAttachments:
    @pytest.fixture
    def activity(self, tree, settings, tmp_path):
        settings.MEDIA_ROOT = str(tmp_path)
        return svc.activity_create(organization=tree.a1, activity_type=activity_type("theme_day"), held_on=D, title="x")

    def test_photo_gets_a_thumbnail(self, activity):
        att = svc.attachment_add(activity=activity, uploaded=SimpleUploadedFile("现场.jpg", _jpeg()))
        assert att.kind == "image" and att.content_type == "image/jpeg"
        with Image.open(att.thumbnail.path) as thumb:
            assert max(thumb.size) <= 480

    def test_pdf_accepted(self, activity):
        att = svc.attachment_add(activity=activity, uploaded=SimpleUploadedFile("纪要.pdf", PDF))
        assert att.kind == "pdf" and not att.thumbnail

    def test_lying_extension_is_refused(self, activity):
        with pytest.raises(ValidationError, match="扩展名与实际内容"):
            svc.attachment_add(activity=activity, uploaded=SimpleUploadedFile("照片.jpg", PDF))
        with pytest.raises(ValidationError, match="扩展名与实际内容"):
            svc.attachment_add(activity=activity, uploaded=SimpleUploadedFile("纪要.pdf", _jpeg()))

    def test_wrong_type_refused(self, activity):
        with pytest.raises(ValidationError, match="类型不支持"):
            svc.attachment_add(activity=activity, uploaded=SimpleUploadedFile("run.jpg", b"MZ\x90\x00" + b"\x00" * 200))
        with pytest.raises(ValidationError, match="类型不支持：此处仅可上传JPG、PNG、WEBP 图片和PDF、Word 文档"):
            svc.attachment_add(activity=activity, uploaded=SimpleUploadedFile("a.html", b"<html><script>x</script></html>"))

    def test_one_bad_file_in_a_batch_stores_nothing(self, activity, tmp_path):
        with pytest.raises(ValidationError, match="a.svg"):
            svc.attachments_add(activity=activity, uploads=[SimpleUploadedFile("现场.jpg", _jpeg()),
                                                            SimpleUploadedFile("a.svg", b"<svg/>")])
        assert not activity.attachments.exists()
        assert not [p for p in tmp_path.rglob("*") if p.is_file()]

    def test_oversize_refused(self, activity, settings):
        settings.ORGLIFE_ATTACHMENT_MAX_BYTES = 1000
        with pytest.raises(ValidationError, match="文档不能超过 1000 字节"):
            svc.attachment_add(activity=activity, uploaded=SimpleUploadedFile("big.pdf", PDF + b"0" * 2000))


@pytest.mark.django_db
class TestCheckin:
    def test_member_opening_the_code_in_the_window_is_marked_present(self, tree, members, users):
        from tests.branches.factories import UserFactory

        user = UserFactory()
        members.a1.user = user
        members.a1.save()
        a = svc.activity_create(organization=tree.a1, activity_type=activity_type("theme_day"), held_on=D, title="x",
                                starts_at=time(14, 30), ends_at=time(16, 0))
        svc.attendance_set(activity=a, marks={members.a1.pk: (AttendanceStatus.ABSENT, "")})
        tz = timezone.get_current_timezone()
        with pytest.raises(ValidationError, match="不在签到时间"):
            svc.checkin(code=a.checkin_code, user=user, now=datetime(2025, 9, 10, 13, 0, tzinfo=tz))
        row = svc.checkin(code=a.checkin_code.lower(), user=user, now=datetime(2025, 9, 10, 14, 20, tzinfo=tz))
        assert row.status == AttendanceStatus.PRESENT and row.checked_in_at
        with pytest.raises(ValidationError, match="签到码无效"):
            svc.checkin(code="ZZZZZZ", user=user, now=datetime(2025, 9, 10, 14, 20, tzinfo=tz))
        with pytest.raises(ValidationError, match="未关联党员"):
            svc.checkin(code=a.checkin_code, user=users.staff, now=datetime(2025, 9, 10, 14, 20, tzinfo=tz))

    def test_member_of_another_branch_cannot_check_in(self, tree, members):
        from tests.branches.factories import UserFactory

        user = UserFactory()
        members.b1.user = user
        members.b1.save()
        a = svc.activity_create(organization=tree.a1, activity_type=activity_type("theme_day"), held_on=D, title="x")
        with pytest.raises(ValidationError, match="不在本次活动的应到名单"):
            svc.checkin(code=a.checkin_code, user=user,
                        now=datetime(2025, 9, 10, 10, 0, tzinfo=timezone.get_current_timezone()))


@pytest.mark.django_db
class TestRuleOverride:
    def test_stricter_needs_no_reason_looser_does(self, tree):
        lecture = activity_type("lecture")
        svc.rule_override(organization=tree.root, activity_type=lecture, holder="branch", per="month", min_count=1)
        with pytest.raises(ValidationError, match="调整理由"):
            svc.rule_override(organization=tree.ga, activity_type=lecture, holder="branch", per="quarter", min_count=1)
        rule = svc.rule_override(organization=tree.ga, activity_type=lecture, holder="branch", per="quarter",
                                 min_count=1, reason="业务繁忙，按季度")
        assert rule.reason
        assert svc.inherited_rule(organization=tree.a1, activity_type=lecture) == rule


@pytest.mark.django_db
def test_committee_meeting_expects_the_committee_members_only(tree):
    from branches.models import SeatRole
    from branches.services import term_start

    people = MemberFactory.create_batch(5, branch=tree.a1)
    term_start(organization=tree.a1, started_on=date(2024, 1, 1),
               seats=list(zip(people[:3], [SeatRole.SECRETARY, SeatRole.ORGANIZATION, SeatRole.PROPAGANDA], strict=True)))
    meeting = svc.activity_create(organization=tree.a1, activity_type=activity_type("committee_meeting"), held_on=D,
                                  title="支委会")
    assert set(meeting.attendances.values_list("member_id", flat=True)) == {p.pk for p in people[:3]}
