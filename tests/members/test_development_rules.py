"""发展党员 timing rules at their edges, exceptions with reasons, prerequisites and the due lists."""
from datetime import date, timedelta

import pytest
from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError

from members.models import IntervalRule, MemberStatus, RuleException, Stage
from members.models import MilestoneKind as K
from members.services.development import DUE_LISTS, _latest_start, due_count, due_list, milestone_record
from tests.members.factories import MemberFactory
from tests.members.lifecycle_helpers import activist, applicant, development_target, probationary, voted


def messages(exc):
    return " ".join(exc.value.messages)


# --- age ≥18 at application ---------------------------------------------------------------------------
def test_application_on_18th_birthday_is_accepted(tree):
    c = applicant(tree.a1, birth_date=date(2005, 3, 1), applied_on=date(2023, 3, 1))
    assert c.stage == Stage.APPLICANT
    assert c.milestones.get().kind == K.APPLICATION


def test_application_the_day_before_18th_birthday_is_refused_quoting_the_rule(tree, users):
    with pytest.raises(ValidationError) as exc:
        applicant(tree.a1, birth_date=date(2005, 3, 1), applied_on=date(2023, 2, 28))
    assert "申请入党须年满十八岁" in messages(exc) and "党章第一条" in messages(exc)
    # no exception is possible for age, not even by staff
    with pytest.raises(ValidationError) as exc:
        applicant(tree.a1, birth_date=date(2005, 3, 1), applied_on=date(2023, 2, 28), by=users.staff,
                  exception_reason="特殊")
    assert "不允许例外" in messages(exc)


# --- talk within 1 month ------------------------------------------------------------------------------
def test_talk_exactly_one_month_after_application_is_accepted(tree):
    c = applicant(tree.a1, applied_on=date(2023, 1, 31))
    m = milestone_record(candidate=c, kind=K.FIRST_TALK, on=date(2023, 2, 28))  # one calendar month (clamped)
    assert m.pk


def test_talk_one_day_late_is_refused_then_accepted_with_staff_exception(tree, users):
    c = applicant(tree.a1, applied_on=date(2023, 1, 10))
    with pytest.raises(ValidationError) as exc:
        milestone_record(candidate=c, kind=K.FIRST_TALK, on=date(2023, 2, 11), by=users.secretary)
    assert "一个月内派人谈话" in messages(exc) and "2023-02-10" in messages(exc)
    # a secretary cannot approve the exception herself
    with pytest.raises(ValidationError) as exc:
        milestone_record(candidate=c, kind=K.FIRST_TALK, on=date(2023, 2, 11), by=users.secretary,
                         exception_reason="申请人出国")
    assert "只有党务工作人员可以批准例外" in messages(exc)
    m = milestone_record(candidate=c, kind=K.FIRST_TALK, on=date(2023, 2, 11), by=users.staff,
                         exception_reason="申请人出国学习，返回后即谈话")
    exc_row = RuleException.objects.get(milestone=m)
    assert exc_row.rule.code == "talk_within_1_month" and exc_row.approved_by == users.staff
    assert exc_row.reason.startswith("申请人出国")


# --- ≥1 year as 积极分子 -------------------------------------------------------------------------------
def test_candidate_decision_exactly_one_year_after_activist_decision(tree):
    c = activist(tree.a1, decided_on=date(2023, 3, 1))
    milestone_record(candidate=c, kind=K.CANDIDATE_DECISION, on=date(2024, 3, 1))
    c.refresh_from_db()
    assert c.stage == Stage.CANDIDATE


def test_candidate_decision_one_day_early_is_refused(tree):
    c = activist(tree.a1, decided_on=date(2023, 3, 1))
    with pytest.raises(ValidationError) as exc:
        milestone_record(candidate=c, kind=K.CANDIDATE_DECISION, on=date(2024, 2, 29))
    assert "一年以上" in messages(exc) and "最早可于 2024-03-01" in messages(exc)
    c.refresh_from_db()
    assert c.stage == Stage.ACTIVIST


def test_rule_values_are_data(tree):
    IntervalRule.objects.filter(code="activist_1_year").update(min_months=18)
    c = activist(tree.a1, decided_on=date(2023, 3, 1))
    with pytest.raises(ValidationError):
        milestone_record(candidate=c, kind=K.CANDIDATE_DECISION, on=date(2024, 3, 1))
    IntervalRule.objects.filter(code="activist_1_year").update(is_active=False)
    milestone_record(candidate=c, kind=K.CANDIDATE_DECISION, on=date(2024, 3, 1))


# --- approval within 3 months, at most 6 --------------------------------------------------------------
def test_approval_exactly_three_months_after_vote_creates_probationary_member(tree):
    c = voted(tree.a1, vote_on=date(2024, 6, 1))
    milestone_record(candidate=c, kind=K.UPPER_APPROVAL, on=date(2024, 9, 1))
    c.refresh_from_db()
    assert c.stage == Stage.PROBATIONARY
    m = c.member
    assert m.status == MemberStatus.PROBATIONARY and m.branch == tree.a1
    assert m.joined_on == date(2024, 6, 1)            # 预备期 counts from the 支部大会
    assert m.probation_ends_on == date(2025, 6, 1)    # 预备期 1 year (rule data)
    assert m.moves.get().kind == "registered"


def test_approval_after_three_months_needs_exception_and_after_six_is_refused(tree, users):
    c = voted(tree.a1, vote_on=date(2024, 6, 1))
    with pytest.raises(ValidationError) as exc:
        milestone_record(candidate=c, kind=K.UPPER_APPROVAL, on=date(2024, 9, 2), by=users.staff)
    assert "三个月内审批" in messages(exc)
    with pytest.raises(ValidationError) as exc:
        milestone_record(candidate=c, kind=K.UPPER_APPROVAL, on=date(2024, 12, 2), by=users.staff,
                         exception_reason="党委会推迟")
    assert "不得超过六个月" in messages(exc) and "不允许例外" in messages(exc)
    milestone_record(candidate=c, kind=K.UPPER_APPROVAL, on=date(2024, 12, 1), by=users.staff,
                     exception_reason="党委换届，审批会议推迟")
    assert RuleException.objects.filter(candidate=c, rule__code="approval_3_months").count() == 1


# --- prerequisites and stage order --------------------------------------------------------------------
def test_vote_needs_training_review_and_two_full_member_introducers(tree):
    c = development_target(tree.a1)
    with pytest.raises(ValidationError) as exc:
        milestone_record(candidate=c, kind=K.BRANCH_VOTE, on=date(2024, 6, 1), meeting_ref="X")
    assert "短期集中培训" in messages(exc) and "政治审查" in messages(exc)
    with pytest.raises(ValidationError):
        milestone_record(candidate=c, kind=K.TRAINING, on=date(2024, 4, 1), hours=16)
    probationary_member = MemberFactory(branch=tree.a1, status=MemberStatus.PROBATIONARY, confirmed_on=None,
                                        joined_on=date(2024, 1, 1))
    with pytest.raises(ValidationError) as exc:
        milestone_record(candidate=c, kind=K.INTRODUCERS, on=date(2024, 4, 1),
                         people=[MemberFactory(branch=tree.a1), probationary_member])
    assert "两名正式党员" in messages(exc)


def test_vote_must_name_the_meeting(tree):
    c = development_target(tree.a1)
    milestone_record(candidate=c, kind=K.TRAINING, on=date(2024, 4, 1), hours=24)
    milestone_record(candidate=c, kind=K.POLITICAL_REVIEW, on=date(2024, 4, 2))
    milestone_record(candidate=c, kind=K.INTRODUCERS, on=date(2024, 4, 3),
                     people=[MemberFactory(branch=tree.a1), MemberFactory(branch=tree.a1)])
    with pytest.raises(ValidationError) as exc:
        milestone_record(candidate=c, kind=K.BRANCH_VOTE, on=date(2024, 6, 1))
    assert "会议记录编号" in messages(exc)
    m = milestone_record(candidate=c, kind=K.BRANCH_VOTE, on=date(2024, 6, 1), meeting_ref="党大〔2024〕3号",
                         votes_for=20)
    assert m.meeting_on == date(2024, 6, 1) and m.meeting_ref == "党大〔2024〕3号"


def test_steps_out_of_order_are_refused(tree):
    c = applicant(tree.a1)
    with pytest.raises(ValidationError) as exc:
        milestone_record(candidate=c, kind=K.CANDIDATE_DECISION, on=date(2024, 3, 1))
    assert "入党积极分子阶段" in messages(exc)
    milestone_record(candidate=c, kind=K.FIRST_TALK, on=date(2023, 1, 20))
    with pytest.raises(ValidationError):
        milestone_record(candidate=c, kind=K.ACTIVIST_DECISION, on=date(2023, 1, 15))  # before the last step


# --- 预备期 1 year and confirmation -------------------------------------------------------------------
def test_confirmation_vote_at_probation_end_and_not_before(tree, users):
    c = probationary(tree.a1, vote_on=date(2024, 6, 1))
    with pytest.raises(ValidationError) as exc:
        milestone_record(candidate=c, kind=K.CONFIRMATION_VOTE, on=date(2025, 5, 31), meeting_ref="党大〔2025〕2号")
    assert "预备期满方可讨论转正" in messages(exc)
    milestone_record(candidate=c, kind=K.CONFIRMATION_VOTE, on=date(2025, 6, 1), meeting_ref="党大〔2025〕2号")
    c.refresh_from_db()
    assert c.stage == Stage.FULL
    assert c.member.status == MemberStatus.FULL and c.member.confirmed_on == date(2025, 6, 1)


def test_extension_6_to_12_months_moves_the_probation_end(tree):
    c = probationary(tree.a1, vote_on=date(2024, 6, 1))
    for bad in (5, 13):
        with pytest.raises(ValidationError) as exc:
            milestone_record(candidate=c, kind=K.EXTENSION, on=date(2025, 6, 1), months=bad, note="考察不足",
                             meeting_ref="党大〔2025〕2号")
        assert "不少于半年" in messages(exc)
    milestone_record(candidate=c, kind=K.EXTENSION, on=date(2025, 6, 1), months=6, note="考察不足",
                     meeting_ref="党大〔2025〕2号")
    c.member.refresh_from_db()
    assert c.member.probation_ends_on == date(2025, 12, 1)
    with pytest.raises(ValidationError):
        milestone_record(candidate=c, kind=K.CONFIRMATION_VOTE, on=date(2025, 11, 30), meeting_ref="Y")


# --- due lists -----------------------------------------------------------------------------------------
def test_due_lists(tree, users, members):
    today = date.today()
    talk = applicant(tree.a1, name="待谈话", applied_on=today - relativedelta(days=20))
    applicant(tree.b1, name="乙支部待谈话", applied_on=today - relativedelta(days=20))
    done = applicant(tree.a1, name="已谈话", applied_on=today - relativedelta(days=20))
    milestone_record(candidate=done, kind=K.FIRST_TALK, on=today)
    rows = due_list(user=users.secretary, kind="talks")
    assert [r.name for r in rows] == ["待谈话"]
    assert rows[0].due_on == talk.applied_on + relativedelta(months=1) and not rows[0].overdue
    assert {r.name for r in due_list(user=users.staff, kind="talks")} == {"待谈话", "乙支部待谈话"}
    assert due_list(user=users.nobody, kind="talks") == []

    act = activist(tree.a1, name="待考察", applied_on=today - relativedelta(months=8),
                   decided_on=today - relativedelta(months=6, days=1))
    rows = due_list(user=users.secretary, kind="reviews")
    assert [r.name for r in rows] == ["待考察"] and rows[0].overdue
    milestone_record(candidate=act, kind=K.ACTIVIST_REVIEW, on=today)
    assert due_list(user=users.secretary, kind="reviews") == []

    ending = MemberFactory(branch=tree.a1, name="将满", status=MemberStatus.PROBATIONARY, confirmed_on=None,
                           joined_on=today - relativedelta(months=11, days=15),
                           probation_ends_on=today + relativedelta(days=15))
    MemberFactory(branch=tree.a1, name="未满", status=MemberStatus.PROBATIONARY, confirmed_on=None,
                  joined_on=today - relativedelta(months=6), probation_ends_on=today + relativedelta(months=6))
    assert [r.name for r in due_list(user=users.secretary, kind="probation")] == [ending.name]

    late = voted(tree.a1, name="审批逾期", vote_on=today - relativedelta(months=4))
    rows = due_list(user=users.secretary, kind="approvals")
    assert [r.name for r in rows] == [late.name] and rows[0].overdue and rows[0].note == ""
    # the home page's counts are the lists' own rule, counted in SQL
    for user in (users.secretary, users.staff, users.nobody):
        for kind in DUE_LISTS:
            assert due_count(user=user, kind=kind) == len(due_list(user=user, kind=kind)), (user, kind)


def test_due_cutoff_is_the_month_arithmetic_of_the_rows():
    """d + n months (the 31st clamped to the month's end) ≤ limit  ⇔  d ≤ _latest_start(limit, n), every day of
    four years, so the SQL filter keeps exactly the rows the list would."""
    day = date(2024, 1, 1)
    for months in (1, 3, 6):
        for offset in range(0, 4 * 366, 1):
            limit = day + timedelta(days=offset)
            cut = _latest_start(limit, months)
            assert cut + relativedelta(months=months) <= limit
            assert cut + timedelta(days=1) + relativedelta(months=months) > limit


# --- vote milestones link to the 支部党员大会 record ------------------------------------------------------
def test_vote_links_to_the_branch_general_meeting_record(tree):
    from tests.orglife.activity_factories import log

    c = development_target(tree.a1)
    milestone_record(candidate=c, kind=K.TRAINING, on=date(2024, 4, 1), hours=24)
    milestone_record(candidate=c, kind=K.POLITICAL_REVIEW, on=date(2024, 4, 2))
    milestone_record(candidate=c, kind=K.INTRODUCERS, on=date(2024, 4, 3),
                     people=[MemberFactory(branch=tree.a1), MemberFactory(branch=tree.a1)])
    other_branch = log(tree.a2, "general_meeting", date(2024, 6, 1), title="甲二支部党员大会")
    committee = log(tree.a1, "committee_meeting", date(2024, 6, 1), title="支委会")
    for wrong in (other_branch, committee):
        with pytest.raises(ValidationError) as exc:
            milestone_record(candidate=c, kind=K.BRANCH_VOTE, on=date(2024, 6, 1), meeting=wrong)
        assert "本支部已登记的支部党员大会" in messages(exc)
    meeting = log(tree.a1, "general_meeting", date(2024, 6, 1), title="讨论接收预备党员")
    m = milestone_record(candidate=c, kind=K.BRANCH_VOTE, on=date(2024, 6, 1), meeting=meeting)
    assert m.meeting == meeting and m.meeting_on == date(2024, 6, 1) and m.meeting_ref == "讨论接收预备党员"
    milestone_record(candidate=c, kind=K.UPPER_APPROVAL, on=date(2024, 7, 1))
    c.refresh_from_db()
    confirm_meeting = log(tree.a1, "general_meeting", date(2025, 6, 5), title="讨论转正")
    milestone_record(candidate=c, kind=K.CONFIRMATION_VOTE, on=date(2025, 6, 5), meeting=confirm_meeting)
    c.refresh_from_db()
    assert c.member.status == MemberStatus.FULL
    assert c.member.status_changes.get().meeting == confirm_meeting
    assert c.milestones.get(kind=K.CONFIRMATION_VOTE).meeting == confirm_meeting


def _vote(meeting, *, kind, subject, passed, member=None, yes=None):
    """A decision recorded at the meeting (counts frozen as branches.activity_services.vote_record does)."""
    from orglife.models import Vote

    return Vote.objects.create(activity=meeting, kind=kind, subject=subject, subject_member=member,
                               yes=yes if yes is not None else (9 if passed else 3), should_attend=10, present=9,
                               passed=passed)


def _ready_for_vote(branch):
    c = development_target(branch)
    milestone_record(candidate=c, kind=K.TRAINING, on=date(2024, 4, 1), hours=24)
    milestone_record(candidate=c, kind=K.POLITICAL_REVIEW, on=date(2024, 4, 2))
    milestone_record(candidate=c, kind=K.INTRODUCERS, on=date(2024, 4, 3),
                     people=[MemberFactory(branch=branch), MemberFactory(branch=branch)])
    return c


def test_linked_meeting_must_be_submitted_and_held_on_the_decision_date(tree):
    from orglife.models import ActivityStatus
    from tests.orglife.activity_factories import log

    c = _ready_for_vote(tree.a1)
    draft = log(tree.a1, "general_meeting", date(2024, 6, 1), title="草稿", status=ActivityStatus.DRAFT)
    with pytest.raises(ValidationError) as exc:
        milestone_record(candidate=c, kind=K.BRANCH_VOTE, on=date(2024, 6, 1), meeting=draft)
    assert "尚未提交" in messages(exc)
    voided = log(tree.a1, "general_meeting", date(2024, 6, 1), title="作废", is_voided=True)
    with pytest.raises(ValidationError) as exc:
        milestone_record(candidate=c, kind=K.BRANCH_VOTE, on=date(2024, 6, 1), meeting=voided)
    assert "本支部已登记的支部党员大会" in messages(exc)
    meeting = log(tree.a1, "general_meeting", date(2024, 6, 1), title="讨论接收预备党员")
    for other_day in (date(2024, 5, 31), date(2024, 6, 2)):
        with pytest.raises(ValidationError) as exc:
            milestone_record(candidate=c, kind=K.BRANCH_VOTE, on=other_day, meeting=meeting)
        assert "须与所选支部党员大会的召开日期（2024-06-01）一致" in messages(exc)
    assert not c.milestones.filter(kind=K.BRANCH_VOTE).exists()
    m = milestone_record(candidate=c, kind=K.BRANCH_VOTE, on=date(2024, 6, 1), meeting=meeting)
    assert m.meeting == meeting and m.meeting_on == date(2024, 6, 1)


def test_admission_refused_when_the_linked_meeting_voted_it_down(tree):
    """The meeting's own vote decides: a failed 接收预备党员 vote on this applicant cannot back the milestone;
    a vote on someone else does not count either way; a passed vote does."""
    from orglife.models import VoteKind
    from tests.orglife.activity_factories import log

    c = _ready_for_vote(tree.a1)
    meeting = log(tree.a1, "general_meeting", date(2024, 6, 1), title="讨论接收预备党员")
    _vote(meeting, kind=VoteKind.ADMISSION, subject="接收某某为预备党员", passed=True)       # another applicant
    failed = _vote(meeting, kind=VoteKind.ADMISSION, subject=f"接收{c.name}为预备党员", passed=False, yes=4)
    with pytest.raises(ValidationError) as exc:
        milestone_record(candidate=c, kind=K.BRANCH_VOTE, on=date(2024, 6, 1), meeting=meeting)
    assert f"对“接收{c.name}为预备党员”的表决未通过（赞成 4 票，须超过应到会有表决权党员 10 人的半数）" in messages(exc)
    failed.delete()
    _vote(meeting, kind=VoteKind.ADMISSION, subject=f"接收{c.name}为预备党员", passed=True)
    m = milestone_record(candidate=c, kind=K.BRANCH_VOTE, on=date(2024, 6, 1), meeting=meeting)
    assert m.meeting == meeting


def test_confirmation_follows_the_linked_meetings_vote_on_the_member(tree):
    from members.services.status import member_confirm
    from orglife.models import VoteKind
    from tests.members.lifecycle_helpers import probationary
    from tests.orglife.activity_factories import log

    c = probationary(tree.a1)
    member = c.member
    meeting = log(tree.a1, "general_meeting", date(2025, 6, 5), title="讨论转正")
    _vote(meeting, kind=VoteKind.CONFIRMATION, subject="预备党员转正", member=member, passed=False, yes=5)
    with pytest.raises(ValidationError) as exc:
        member_confirm(member=member, on=date(2025, 6, 5), meeting=meeting)
    assert "表决未通过" in messages(exc)
    member.refresh_from_db()
    assert member.status == MemberStatus.PROBATIONARY and not member.status_changes.exists()
    later = log(tree.a1, "general_meeting", date(2025, 6, 20), title="再次讨论转正")
    _vote(later, kind=VoteKind.CONFIRMATION, subject="预备党员转正", member=member, passed=True)
    with pytest.raises(ValidationError):   # the decision date must be the meeting's date
        member_confirm(member=member, on=date(2025, 6, 21), meeting=later)
    member_confirm(member=member, on=date(2025, 6, 20), meeting=later)
    member.refresh_from_db()
    assert member.status == MemberStatus.FULL and member.status_changes.get().meeting == later
