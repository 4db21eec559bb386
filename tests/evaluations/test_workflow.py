"""Per-branch workflow: every legal step, illegal ones refused, independence, 回避, objections, publication."""
from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError

from branches.models import Role
from evaluations import selectors, services
from evaluations.models import (
    BranchEvaluation,
    ObjectionStatus,
    SheetKind,
    SheetStatus,
    Step,
    TransitionLog,
)
from tests.branches.factories import UserFactory, grant
from tests.evaluations.factories import entries
from tests.members.factories import MemberFactory

TODAY = date(2026, 2, 1)


@pytest.fixture
def reviewer2(tree):
    return grant(UserFactory(username="reviewer2"), tree.root, Role.REVIEWER)


def _to_review(ev, users, ind):
    services.self_assessment_save(evaluation=ev, by=users.secretary, entries=entries(ind, P1=24, L1=24, M1=20, R1=14),
                                  narrative="全年工作总结", submit=True)
    ev.refresh_from_db()


def _score(ev, user, ind, **points):
    sheet = ev.sheets.get(kind=SheetKind.REVIEW, reviewer=user)
    return services.review_save(sheet=sheet, by=user, entries=entries(ind, **points), submit=True)


def _to_committee(ev, users, ind, reviewer2):
    _to_review(ev, users, ind)
    services.reviewer_assign(evaluation=ev, reviewer=users.reviewer, by=users.staff)
    services.reviewer_assign(evaluation=ev, reviewer=reviewer2, by=users.staff)
    # R2 automatic: no rectification due → rate 1.0 → 10 points. Reviewer 1: 23+24+22+14+10 = 93; reviewer 2: 89.
    _score(ev, users.reviewer, ind, P1=23, L1=24, M1=22, R1=14)
    _score(ev, reviewer2, ind, P1=22, L1=22, M1=21, R1=14)
    services.review_close(evaluation=ev, by=users.staff)
    ev.refresh_from_db()


def test_full_path_records_every_transition(ev_a1, users, standard, reviewer2):
    ind = standard[1]
    _to_committee(ev_a1, users, ind, reviewer2)
    assert ev_a1.step == Step.COMMITTEE
    assert ev_a1.total == D("91.00") and ev_a1.reviewer_totals == ["93.00", "89.00"] and ev_a1.spread == D(4)
    assert ev_a1.proposed_stars == 5
    assert ev_a1.proposed_four_strong  # 22.5/25, 23/25, 21.5/25, 24/25 — all ≥ 85 %
    services.committee_approve(evaluation=ev_a1, by=users.staff, meeting="党委会 2026 第 3 次", today=TODAY)
    assert ev_a1.step == Step.PUBLICITY and ev_a1.publicity_ends_on == TODAY + timedelta(days=5)
    services.result_publish(evaluation=ev_a1, by=users.staff, today=TODAY + timedelta(days=6))
    ev_a1.refresh_from_db()
    assert (ev_a1.step, ev_a1.stars, ev_a1.four_strong) == (Step.RESULT, 5, True)
    log = list(TransitionLog.objects.filter(evaluation=ev_a1).values_list("from_step", "to_step", "by__username"))
    assert log == [("self", "review", "secretary"), ("review", "committee", "staff"), ("committee", "publicity", "staff"),
                   ("publicity", "result", "staff")]


def test_spread_above_cycle_threshold_is_flagged(ev_a1, users, standard, reviewer2):
    ind = standard[1]
    _to_review(ev_a1, users, ind)
    services.reviewer_assign(evaluation=ev_a1, reviewer=users.reviewer, by=users.staff)
    services.reviewer_assign(evaluation=ev_a1, reviewer=reviewer2, by=users.staff)
    _score(ev_a1, users.reviewer, ind, P1=25, L1=25, M1=25, R1=15)   # 100
    _score(ev_a1, reviewer2, ind, P1=20, L1=20, M1=18, R1=11)         # 79
    services.review_close(evaluation=ev_a1, by=users.staff)
    ev_a1.refresh_from_db()
    assert ev_a1.spread == D(21) and ev_a1.spread_flagged and ev_a1.total == D("89.50") and ev_a1.proposed_stars == 4


@pytest.mark.parametrize("action", ["review_close", "committee_approve", "committee_return", "result_publish"])
def test_illegal_transitions_from_self_assessment_are_refused(ev_a1, users, action):
    kwargs = {"evaluation": ev_a1, "by": users.staff}
    kwargs.update({"committee_approve": {"meeting": "会"}, "committee_return": {"reason": "理由"}}.get(action, {}))
    with pytest.raises(ValidationError, match="当前环节为“自评”"):
        getattr(services, action)(**kwargs)
    ev_a1.refresh_from_db()
    assert ev_a1.step == Step.SELF and not ev_a1.transitions.exists()


def test_published_result_cannot_move_again(ev_a1, users, standard, reviewer2):
    _to_committee(ev_a1, users, standard[1], reviewer2)
    services.committee_approve(evaluation=ev_a1, by=users.staff, meeting="党委会", today=TODAY)
    services.result_publish(evaluation=ev_a1, by=users.staff, today=TODAY + timedelta(days=6))
    for call in (lambda: services.self_assessment_submit(evaluation=ev_a1, by=users.secretary),
                 lambda: services.committee_return(evaluation=ev_a1, by=users.staff, reason="x"),
                 lambda: services.evaluation_exclude(evaluation=ev_a1, by=users.staff, reason="x")):
        with pytest.raises(ValidationError):
            call()


def test_self_assessment_cannot_be_saved_after_submission(ev_a1, users, standard):
    _to_review(ev_a1, users, standard[1])
    with pytest.raises(ValidationError):
        services.self_assessment_save(evaluation=ev_a1, by=users.secretary, entries={})


def test_review_close_needs_all_reviewers(ev_a1, users, standard, reviewer2):
    ind = standard[1]
    with pytest.raises(ValidationError):
        services.review_close(evaluation=ev_a1, by=users.staff)
    _to_review(ev_a1, users, ind)
    with pytest.raises(ValidationError, match="尚未分配评审人"):
        services.review_close(evaluation=ev_a1, by=users.staff)
    services.reviewer_assign(evaluation=ev_a1, reviewer=users.reviewer, by=users.staff)
    services.reviewer_assign(evaluation=ev_a1, reviewer=reviewer2, by=users.staff)
    _score(ev_a1, users.reviewer, ind, P1=20)
    with pytest.raises(ValidationError, match="还有 1 位评审人未提交"):
        services.review_close(evaluation=ev_a1, by=users.staff)


def test_max_points_enforced_server_side(ev_a1, users, standard):
    ind = standard[1]
    _to_review(ev_a1, users, ind)
    sheet = services.reviewer_assign(evaluation=ev_a1, reviewer=users.reviewer, by=users.staff)
    with pytest.raises(ValidationError, match="超过上限"):
        services.review_save(sheet=sheet, by=users.reviewer, entries=entries(ind, P1=26))
    with pytest.raises(ValidationError, match="自动计算"):
        services.review_save(sheet=sheet, by=users.reviewer, entries=entries(ind, R2=10))
    sheet.refresh_from_db()
    assert not sheet.lines.exists()


def test_draft_save_keeps_sheet_open_and_submission_locks_it(ev_a1, users, standard):
    ind = standard[1]
    _to_review(ev_a1, users, ind)
    sheet = services.reviewer_assign(evaluation=ev_a1, reviewer=users.reviewer, by=users.staff)
    services.review_save(sheet=sheet, by=users.reviewer, entries=entries(ind, P1=20))
    sheet.refresh_from_db()
    assert sheet.status == SheetStatus.DRAFT and sheet.total == D("30.00")  # 20 + automatic 10
    services.review_save(sheet=sheet, by=users.reviewer, entries=entries(ind, L1=20), submit=True)
    with pytest.raises(ValidationError, match="已提交"):
        services.review_save(sheet=sheet, by=users.reviewer, entries=entries(ind, L1=25))


def test_reviewer_cannot_write_someone_elses_sheet(ev_a1, users, standard, reviewer2):
    ind = standard[1]
    _to_review(ev_a1, users, ind)
    sheet = services.reviewer_assign(evaluation=ev_a1, reviewer=users.reviewer, by=users.staff)
    with pytest.raises(ValidationError, match="不是您的评分表"):
        services.review_save(sheet=sheet, by=reviewer2, entries=entries(ind, P1=1))


def test_reviewers_are_independent_until_all_submitted(ev_a1, users, standard, reviewer2):
    ind = standard[1]
    _to_review(ev_a1, users, ind)
    services.reviewer_assign(evaluation=ev_a1, reviewer=users.reviewer, by=users.staff)
    services.reviewer_assign(evaluation=ev_a1, reviewer=reviewer2, by=users.staff)
    _score(ev_a1, users.reviewer, ind, P1=20)
    sheets = selectors.evaluation_sheets(ev_a1)
    seen_by = {u.username: [s.reviewer.username for s in selectors.visible_review_sheets(user=u, evaluation=ev_a1,
                                                                                         sheets=sheets)]
               for u in (users.reviewer, reviewer2, users.staff)}
    assert seen_by == {"reviewer": ["reviewer"], "reviewer2": ["reviewer2"], "staff": []}
    _score(ev_a1, reviewer2, ind, P1=21)
    sheets = selectors.evaluation_sheets(ev_a1)
    assert len(selectors.visible_review_sheets(user=reviewer2, evaluation=ev_a1, sheets=sheets)) == 2
    assert len(selectors.visible_review_sheets(user=users.staff, evaluation=ev_a1, sheets=sheets)) == 2


def test_member_of_the_branch_cannot_be_its_reviewer(ev_a1, users, tree):
    insider = grant(UserFactory(username="insider"), tree.root, Role.REVIEWER)
    MemberFactory(branch=tree.a1, user=insider)
    with pytest.raises(ValidationError, match="回避"):
        services.reviewer_assign(evaluation=ev_a1, reviewer=insider, by=users.staff)
    # …but may review another branch
    other = BranchEvaluation.objects.get(cycle=ev_a1.cycle, organization=tree.b1)
    assert services.reviewer_assign(evaluation=other, reviewer=insider, by=users.staff)


def test_reviewer_outside_scope_or_twice_is_refused(ev_a1, users, tree):
    outsider = grant(UserFactory(username="outsider"), tree.gb, Role.REVIEWER)
    with pytest.raises(ValidationError, match="没有该支部的评审权限"):
        services.reviewer_assign(evaluation=ev_a1, reviewer=outsider, by=users.staff)
    services.reviewer_assign(evaluation=ev_a1, reviewer=users.reviewer, by=users.staff)
    with pytest.raises(ValidationError, match="已是该支部的评审人"):
        services.reviewer_assign(evaluation=ev_a1, reviewer=users.reviewer, by=users.staff)


def test_committee_return_reopens_review_with_reason(ev_a1, users, standard, reviewer2):
    _to_committee(ev_a1, users, standard[1], reviewer2)
    with pytest.raises(ValidationError):
        services.committee_return(evaluation=ev_a1, by=users.staff, reason="  ")
    services.committee_return(evaluation=ev_a1, by=users.staff, reason="分差需复核", meeting="党委会第 2 次")
    ev_a1.refresh_from_db()
    assert ev_a1.step == Step.REVIEW
    assert set(ev_a1.sheets.filter(kind=SheetKind.REVIEW).values_list("status", flat=True)) == {SheetStatus.DRAFT}
    assert ev_a1.transitions.last().comment == "分差需复核（党委会第 2 次）"


@pytest.fixture
def in_publicity(ev_a1, users, standard, reviewer2, members):
    _to_committee(ev_a1, users, standard[1], reviewer2)
    services.committee_approve(evaluation=ev_a1, by=users.staff, meeting="党委会", today=TODAY)
    member_user = UserFactory(username="memberuser")
    members.b1.user = member_user
    members.b1.save()
    return ev_a1, member_user


def test_objection_dismissed_then_publish(in_publicity, users):
    ev, member_user = in_publicity
    obj = services.objection_lodge(evaluation=ev, by=member_user, text="自评材料不实", today=TODAY + timedelta(days=1))
    with pytest.raises(ValidationError, match="1 条异议未答复"):
        services.result_publish(evaluation=ev, by=users.staff, today=TODAY + timedelta(days=6))
    services.objection_answer(objection=obj, by=users.staff, upheld=False, answer="经核实材料属实")
    assert obj.status == ObjectionStatus.DISMISSED
    services.result_publish(evaluation=ev, by=users.staff, today=TODAY + timedelta(days=6))
    assert ev.step == Step.RESULT


def test_upheld_objection_sends_branch_back_to_review(in_publicity, users):
    ev, member_user = in_publicity
    obj = services.objection_lodge(evaluation=ev, by=member_user, text="有违纪情况未计入", today=TODAY)
    services.objection_answer(objection=obj, by=users.staff, upheld=True, answer="采纳，重新评审")
    ev.refresh_from_db()
    assert ev.step == Step.REVIEW and ev.publicity_ends_on is None
    with pytest.raises(ValidationError, match="已答复"):
        services.objection_answer(objection=obj, by=users.staff, upheld=False, answer="x")


def test_objection_outside_window_or_by_non_member_is_refused(in_publicity, users):
    ev, member_user = in_publicity
    with pytest.raises(ValidationError, match="不在公示期内"):
        services.objection_lodge(evaluation=ev, by=member_user, text="迟到的异议", today=TODAY + timedelta(days=6))
    with pytest.raises(ValidationError, match="只有本党委范围内的党员"):
        services.objection_lodge(evaluation=ev, by=users.nobody, text="路人", today=TODAY)


def test_publish_waits_for_the_publicity_window(in_publicity, users):
    ev, _ = in_publicity
    with pytest.raises(ValidationError, match="公示期满后"):
        services.result_publish(evaluation=ev, by=users.staff, today=TODAY + timedelta(days=5))


def test_young_branch_is_excluded_with_reason(tree, users, standard):
    from tests.branches.factories import make_org
    from tests.evaluations.factories import make_cycle

    young = make_org(tree.gb, name="新支部", established_on=date(2025, 6, 1))
    cycle = make_cycle(tree.root, standard[0], users.staff)
    ev = cycle.evaluations.get(organization=young)
    assert ev.step == Step.EXCLUDED and "成立不满 12 个月" in ev.excluded_reason
