"""民主评议: grades, the ≤1/3 优秀 cap, 预备党员 without a grade, closing and history."""
from datetime import date

import pytest
from django.core.exceptions import ValidationError

from members.models import Grade, MemberStatus
from members.services import appraisal
from tests.members.factories import MemberFactory


@pytest.fixture
def rnd(tree):
    for i in range(6):
        MemberFactory(branch=tree.a1, name=f"正式{i}")
    MemberFactory(branch=tree.a1, name="预备", status=MemberStatus.PROBATIONARY, confirmed_on=None,
                  joined_on=date(2025, 9, 1))
    MemberFactory(branch=tree.a2, name="外支部")
    return appraisal.appraisal_open(branch=tree.a1, year=2025, on=date(2026, 1, 10))


def _grades(rnd, excellent):
    entries = list(rnd.entries.select_related("member"))
    graded = [e for e in entries if not e.is_probationary]
    return {e.pk: (Grade.EXCELLENT if i < excellent else Grade.QUALIFIED) for i, e in enumerate(graded)}


def test_round_has_every_member_and_flags_probationary(rnd, tree):
    names = {e.member.name: e.is_probationary for e in rnd.entries.select_related("member")}
    assert len(names) == 7 and names["预备"] is True and "外支部" not in names
    with pytest.raises(ValidationError):
        appraisal.appraisal_open(branch=tree.a1, year=2025)


def test_excellent_cap_is_one_third_of_graded(rnd):
    assert appraisal.excellent_cap(6) == 2 and appraisal.excellent_cap(5) == 1 and appraisal.excellent_cap(2) == 0
    with pytest.raises(ValidationError) as exc:
        appraisal.appraisal_decide(round=rnd, grades=_grades(rnd, 3), on=date(2026, 1, 20), meeting_ref="党大〔2026〕1号", meeting_on=date(2026, 1, 20))
    assert "超过参加评定人数（6 人）的三分之一（最多 2 人）" in exc.value.messages[0]
    appraisal.appraisal_decide(round=rnd, grades=_grades(rnd, 2), on=date(2026, 1, 20), meeting_ref="党大〔2026〕1号", meeting_on=date(2026, 1, 20))
    rnd.refresh_from_db()
    assert rnd.is_closed and rnd.entries.filter(grade=Grade.EXCELLENT).count() == 2
    with pytest.raises(ValidationError):
        appraisal.appraisal_decide(round=rnd, grades=_grades(rnd, 1), on=date(2026, 1, 21), meeting_ref="党大〔2026〕1号", meeting_on=date(2026, 1, 21))


def test_probationary_gets_no_grade_and_every_full_member_needs_one(rnd):
    grades = _grades(rnd, 1)
    prob = rnd.entries.get(is_probationary=True)
    with pytest.raises(ValidationError) as exc:
        appraisal.appraisal_decide(round=rnd, grades={**grades, prob.pk: Grade.QUALIFIED}, on=date(2026, 1, 20), meeting_ref="党大〔2026〕1号", meeting_on=date(2026, 1, 20))
    assert "预备党员，参加评议但不评定等次" in exc.value.messages[0]
    first = next(iter(grades))
    with pytest.raises(ValidationError) as exc:
        appraisal.appraisal_decide(round=rnd, grades={**grades, first: ""}, on=date(2026, 1, 20), meeting_ref="党大〔2026〕1号", meeting_on=date(2026, 1, 20))
    assert "尚未评定等次" in exc.value.messages[0]
    # saving a draft without closing is allowed with grades missing
    appraisal.appraisal_decide(round=rnd, grades={first: Grade.QUALIFIED}, on=date(2026, 1, 20), close=False)


def test_self_and_peer_input_with_history(rnd):
    e = rnd.entries.filter(is_probationary=False).first()
    appraisal.appraisal_self(entry=e, text="认真学习", grade=Grade.EXCELLENT)
    appraisal.appraisal_peer(entry=e, excellent=4, qualified=2, basic=0, unqualified=0)
    e.refresh_from_db()
    assert e.peer_total == 6 and e.self_grade == Grade.EXCELLENT and e.history.count() == 3
    with pytest.raises(ValidationError):
        appraisal.appraisal_peer(entry=e, excellent=-1, qualified=0, basic=0, unqualified=0)
    p = rnd.entries.get(is_probationary=True)
    appraisal.appraisal_self(entry=p, text="自评", grade=Grade.EXCELLENT)
    p.refresh_from_db()
    assert p.self_grade == ""
