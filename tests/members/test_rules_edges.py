"""Issue #20 rules at their edges in the member lifecycle: the 预备期 and 培养期 cannot be shortened, not even by an
approved exception; an exception may only extend (a step done late)."""
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError

from members.models import MemberStatus, RuleException, Stage
from members.models import MilestoneKind as K
from members.services.development import milestone_record
from members.services.registry import member_create
from members.services.status import member_confirm
from tests.members.lifecycle_helpers import activist, applicant

TODAY = date(2026, 3, 10)


def probationer(branch, *, probation_ends_on: date):
    joined = date(probation_ends_on.year - 1, probation_ends_on.month, probation_ends_on.day)
    return member_create(branch=branch, name="预备甲", gender="male", birth_date=date(1998, 1, 1),
                         status=MemberStatus.PROBATIONARY, joined_on=joined)


@pytest.mark.parametrize("ends,allowed", [
    (TODAY - timedelta(days=1), True),   # 预备期 full yesterday
    (TODAY, True),                       # full today: the 支部大会 may discuss 转正 today
    (TODAY + timedelta(days=1), False),  # full tomorrow: one day short of a year
])
def test_confirmation_at_the_end_of_the_probation_year(tree, users, ends, allowed):
    m = probationer(tree.a1, probation_ends_on=ends)
    assert m.probation_ends_on == ends
    if allowed:
        member_confirm(member=m, on=TODAY, meeting_ref="党大〔2026〕1号", by=users.staff)
        m.refresh_from_db()
        assert m.status == MemberStatus.FULL and m.confirmed_on == ends  # 党龄 from the day the 预备期 is full
    else:
        with pytest.raises(ValidationError) as exc:
            member_confirm(member=m, on=TODAY, meeting_ref="党大〔2026〕1号", by=users.staff,
                           exception_reason="工作需要，提前转正")
        assert "不能缩短" in " ".join(exc.value.messages)
        m.refresh_from_db()
        assert m.status == MemberStatus.PROBATIONARY and m.confirmed_on is None
        assert not RuleException.objects.exists()


def test_three_months_early_confirmation_with_a_staff_exception_is_refused(tree, users):
    """The issue's case: a 转正 three months before the 预备期 ended, with the early date stored."""
    m = probationer(tree.a1, probation_ends_on=date(2026, 6, 10))
    with pytest.raises(ValidationError):
        member_confirm(member=m, on=date(2026, 3, 10), meeting_ref="党大〔2026〕1号", by=users.staff,
                       exception_reason="特殊情况")
    m.refresh_from_db()
    assert m.status == MemberStatus.PROBATIONARY


def test_the_probation_end_cannot_be_edited_shorter(tree):
    m = probationer(tree.a1, probation_ends_on=date(2026, 6, 10))
    m.probation_ends_on = date(2026, 6, 9)
    with pytest.raises(ValidationError) as exc:
        m.full_clean(exclude=["user"])
    assert "probation_ends_on" in exc.value.message_dict
    m.probation_ends_on = date(2026, 12, 10)  # extended: fine
    m.full_clean(exclude=["user"])


def test_the_probation_rule_row_cannot_shorten_the_year(tree):
    from members.models import IntervalRule

    IntervalRule.objects.filter(code="probation_1_year").update(min_months=9, max_months=9)
    m = probationer(tree.a1, probation_ends_on=date(2026, 6, 10))
    assert m.probation_ends_on == date(2026, 6, 10)


def test_cultivation_year_cannot_be_shortened_by_an_exception(tree, users):
    c = activist(tree.a1, decided_on=date(2023, 3, 1))
    with pytest.raises(ValidationError) as exc:
        milestone_record(candidate=c, kind=K.CANDIDATE_DECISION, on=date(2023, 12, 1), by=users.staff,
                         exception_reason="表现突出")
    assert "不能缩短" in " ".join(exc.value.messages)
    with pytest.raises(ValidationError):  # one day short is just as short
        milestone_record(candidate=c, kind=K.CANDIDATE_DECISION, on=date(2024, 2, 29), by=users.staff,
                         exception_reason="表现突出")
    c.refresh_from_db()
    assert c.stage == Stage.ACTIVIST and not RuleException.objects.filter(candidate=c).exists()
    milestone_record(candidate=c, kind=K.CANDIDATE_DECISION, on=date(2024, 3, 1), by=users.staff)
    c.refresh_from_db()
    assert c.stage == Stage.CANDIDATE


def test_an_exception_still_extends_a_deadline(tree, users):
    c = applicant(tree.a1, applied_on=date(2023, 1, 10))
    milestone_record(candidate=c, kind=K.FIRST_TALK, on=date(2023, 2, 11), by=users.staff, exception_reason="出国学习")
    assert RuleException.objects.get(candidate=c).rule.code == "talk_within_1_month"


# --- 民主评议 不合格: disposal recorded, grades adopted by the 支部党员大会 ---------------------------------------
@pytest.fixture
def appraisal_round(tree):
    from members.services import appraisal
    from tests.members.factories import MemberFactory

    for i in range(6):
        MemberFactory(branch=tree.a1, name=f"正式{i}")
    return appraisal.appraisal_open(branch=tree.a1, year=2025, on=date(2026, 1, 10))


def _one_unqualified(rnd):
    from members.models import Grade

    entries = list(rnd.entries.order_by("id"))
    return entries[0], {e.pk: (Grade.UNQUALIFIED if i == 0 else Grade.QUALIFIED) for i, e in enumerate(entries)}


def test_unqualified_grade_cannot_close_without_a_disposal(appraisal_round):
    from members.services import appraisal

    bad, grades = _one_unqualified(appraisal_round)
    with pytest.raises(ValidationError) as exc:
        appraisal.appraisal_decide(round=appraisal_round, grades=grades, on=date(2026, 1, 20),
                                   meeting_on=date(2026, 1, 20), meeting_ref="党大〔2026〕1号")
    assert "须确定组织处置" in exc.value.messages[0] and bad.member.name in exc.value.messages[0]
    with pytest.raises(ValidationError, match="不在可选范围"):
        appraisal.appraisal_decide(round=appraisal_round, grades=grades, on=date(2026, 1, 20),
                                   disposals={bad.pk: "shoot"}, meeting_on=date(2026, 1, 20), meeting_ref="x")
    appraisal_round.refresh_from_db()
    assert not appraisal_round.is_closed
    appraisal.appraisal_decide(round=appraisal_round, grades=grades, on=date(2026, 1, 20), disposals={bad.pk: "correct"},
                               meeting_on=date(2026, 1, 20), meeting_ref="党大〔2026〕1号")
    bad.refresh_from_db()
    appraisal_round.refresh_from_db()
    assert (bad.grade, bad.disposal) == ("unqualified", "correct")
    assert appraisal_round.is_closed and appraisal_round.meeting_ref == "党大〔2026〕1号"


def test_closing_needs_the_general_meeting_that_adopted_the_grades(appraisal_round):
    from members.services import appraisal

    _, grades = _one_unqualified(appraisal_round)
    first = next(iter(grades))
    with pytest.raises(ValidationError) as exc:
        appraisal.appraisal_decide(round=appraisal_round, grades=grades, on=date(2026, 1, 20),
                                   disposals={first: "correct"})
    assert "meeting_ref" in exc.value.message_dict
    appraisal_round.refresh_from_db()
    assert not appraisal_round.is_closed


def test_grades_tied_to_a_submitted_general_meeting_record(tree, appraisal_round):
    from members.services import appraisal
    from tests.orglife.activity_factories import log

    _, grades = _one_unqualified(appraisal_round)
    first = next(iter(grades))
    committee = log(tree.a1, "committee_meeting", date(2026, 1, 15), title="支委会提出评定意见")
    with pytest.raises(ValidationError):  # the 支委会 only proposes
        appraisal.appraisal_decide(round=appraisal_round, grades=grades, on=date(2026, 1, 15),
                                   disposals={first: "correct"}, meeting=committee)
    meeting = log(tree.a1, "general_meeting", date(2026, 1, 20), title="民主评议党员大会")
    appraisal.appraisal_decide(round=appraisal_round, grades=grades, on=date(2026, 1, 25), disposals={first: "remove"},
                               meeting=meeting)
    appraisal_round.refresh_from_db()
    assert appraisal_round.meeting == meeting and appraisal_round.decided_on == date(2026, 1, 20)


def test_disposal_options_are_configurable(appraisal_round, settings):
    from members.services import appraisal

    settings.APPRAISAL_DISPOSALS = [("warn", "诫勉谈话"), ("remove", "除名")]
    assert [c for c, _ in appraisal.disposal_choices()] == ["warn", "remove"]
    bad, grades = _one_unqualified(appraisal_round)
    with pytest.raises(ValidationError):
        appraisal.appraisal_decide(round=appraisal_round, grades=grades, on=date(2026, 1, 20),
                                   disposals={bad.pk: "correct"}, meeting_on=date(2026, 1, 20), meeting_ref="x")
    appraisal.appraisal_decide(round=appraisal_round, grades=grades, on=date(2026, 1, 20), disposals={bad.pk: "warn"},
                               meeting_on=date(2026, 1, 20), meeting_ref="x")


def test_the_appraisal_page_records_disposal_and_meeting(client, tree, users, appraisal_round):
    from tests.members.lifecycle_helpers import login

    bad, grades = _one_unqualified(appraisal_round)
    login(client, users.secretary)
    url = appraisal_round.get_absolute_url()
    page = client.get(url)
    data = {"record_version": page.context["record_version"], "close": "1",
            **{f"grade-{pk}": g for pk, g in grades.items()}}
    response = client.post(url, data)
    assert response.status_code == 200 and "须确定组织处置" in response.content.decode()
    response = client.post(url, {**data, f"disposal-{bad.pk}": "correct", "meeting_on": "2026-01-20",
                                 "meeting_ref": "党大〔2026〕1号"})
    assert response.status_code == 302
    appraisal_round.refresh_from_db()
    assert appraisal_round.is_closed and appraisal_round.meeting_on == date(2026, 1, 20)
    assert "限期改正" in client.get(url).content.decode()
