"""Issue #19 edges inside evaluations: deadlines mean something, the 党委's star change, 升级 after a recheck, and the
"6个月无组织生活" deduction read from the records."""
from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError

from evaluations import metrics, services
from evaluations.models import AdjustmentKind, CycleKind, DeadlineStep, Step, TransitionLog
from tests.evaluations.factories import entries, make_cycle
from tests.orglife.activity_factories import log

TODAY = date(2026, 2, 20)


@pytest.fixture
def late_cycle(tree, users, standard):
    """Self-assessment closed on 2026-01-31: three weeks before TODAY."""
    return make_cycle(tree.root, standard[0], users.staff, self_closes_on=date(2026, 1, 31),
                      review_closes_on=date(2026, 3, 31))


def test_self_assessment_three_weeks_late_is_refused_and_nothing_changes(late_cycle, tree, users, standard):
    ev = late_cycle.evaluations.get(organization=tree.a1)
    with pytest.raises(ValidationError, match="已于 2026年01月31日 截止"):
        services.self_assessment_submit(evaluation=ev, by=users.secretary, today=TODAY)
    ev.refresh_from_db()
    assert ev.step == Step.SELF and ev.self_submitted_at is None
    assert not TransitionLog.objects.filter(evaluation=ev).exists()


def test_on_the_deadline_day_is_still_on_time(late_cycle, tree, users):
    ev = late_cycle.evaluations.get(organization=tree.a1)
    services.self_assessment_submit(evaluation=ev, by=users.secretary, today=date(2026, 1, 31))
    assert ev.step == Step.REVIEW


def test_a_recorded_extension_lets_that_branch_only_submit_late_and_is_logged(late_cycle, tree, users, standard):
    ext = services.deadline_extend(cycle=late_cycle, organization=tree.a1, step=DeadlineStep.SELF,
                                   until=date(2026, 2, 28), reason="书记住院，党委同意延期", by=users.staff, today=TODAY)
    ev = late_cycle.evaluations.get(organization=tree.a1)
    services.self_assessment_save(evaluation=ev, by=users.secretary, entries=entries(standard[1], P1=20), submit=True,
                                  today=TODAY)
    assert ev.step == Step.REVIEW
    assert "书记住院" in TransitionLog.objects.get(evaluation=ev).comment
    other = late_cycle.evaluations.get(organization=tree.a2)
    with pytest.raises(ValidationError):
        services.self_assessment_submit(evaluation=other, by=users.staff, today=TODAY)
    # the extension itself ends
    ev2 = late_cycle.evaluations.get(organization=tree.b1)
    services.deadline_extend(cycle=late_cycle, organization=tree.b1, step=DeadlineStep.SELF, until=TODAY,
                             reason="同意", by=users.staff, today=TODAY)
    with pytest.raises(ValidationError):
        services.self_assessment_submit(evaluation=ev2, by=users.staff, today=TODAY + timedelta(days=1))
    assert ext.granted_by == users.staff


@pytest.mark.parametrize("who, until, reason, message", [
    ("secretary", date(2026, 2, 28), "理由", "管理权限"),       # a secretary cannot extend her own deadline
    ("staff_a", date(2026, 2, 28), "理由", "管理权限"),         # staff of a 党总支 do not manage the 党委's cycle
    ("staff", date(2026, 2, 28), "  ", "原因"),
    ("staff", date(2026, 2, 1), "理由", "早于今天"),
    ("staff", date(2026, 2, 20), "理由", None),                 # today is allowed
])
def test_extension_edges(late_cycle, tree, users, who, until, reason, message):
    call = lambda: services.deadline_extend(cycle=late_cycle, organization=tree.a1, step=DeadlineStep.SELF,  # noqa: E731
                                            until=until, reason=reason, by=getattr(users, who), today=TODAY)
    if message is None:
        assert call().until == until
    else:
        with pytest.raises(ValidationError, match=message):
            call()


def test_late_review_submission_needs_an_extension(late_cycle, tree, users, standard):
    ev = late_cycle.evaluations.get(organization=tree.a1)
    services.self_assessment_submit(evaluation=ev, by=users.secretary, today=date(2026, 1, 20))
    sheet = services.reviewer_assign(evaluation=ev, reviewer=users.reviewer, by=users.staff)
    points = entries(standard[1], P1=20, L1=20, M1=20, R1=10)
    with pytest.raises(ValidationError, match="评审已于"):
        services.review_save(sheet=sheet, by=users.reviewer, entries=points, submit=True, today=date(2026, 4, 1))
    services.review_save(sheet=sheet, by=users.reviewer, entries=points, submit=False, today=date(2026, 4, 1))  # drafts ok


def _to_committee(ev, users, standard, **points):
    services.self_assessment_submit(evaluation=ev, by=users.secretary)
    sheet = services.reviewer_assign(evaluation=ev, reviewer=users.reviewer, by=users.staff)
    services.review_save(sheet=sheet, by=users.reviewer, entries=entries(standard[1], **points), submit=True)
    services.review_close(evaluation=ev, by=users.staff)
    ev.refresh_from_db()
    return ev


def test_committee_changes_proposed_stars_with_reason_and_it_drops_four_strong(ev_a1, users, standard):
    ev = _to_committee(ev_a1, users, standard, P1=24, L1=24, M1=24, R1=14)
    assert ev.proposed_stars == 5 and ev.proposed_four_strong
    with pytest.raises(ValidationError, match="原因"):
        services.committee_change_stars(evaluation=ev, by=users.staff, to_stars=4, reason="")
    with pytest.raises(ValidationError, match="1 到 5"):
        services.committee_change_stars(evaluation=ev, by=users.staff, to_stars=6, reason="x")
    with pytest.raises(ValidationError, match="相同"):
        services.committee_change_stars(evaluation=ev, by=users.staff, to_stars=5, reason="x")
    log_row = services.committee_change_stars(evaluation=ev, by=users.staff, to_stars=4, reason="年内发生安全事故")
    ev.refresh_from_db()
    assert (ev.proposed_stars, ev.proposed_four_strong) == (4, False)
    assert log_row.comment == "5 星 → 4 星：年内发生安全事故"
    services.committee_approve(evaluation=ev, by=users.staff, meeting="党委会", today=date(2026, 3, 1))
    services.result_publish(evaluation=ev, by=users.staff, today=date(2026, 3, 10))
    assert (ev.stars, ev.four_strong) == (4, False)


def test_committee_cannot_change_stars_outside_its_step(ev_a1, users):
    with pytest.raises(ValidationError, match="自评"):
        services.committee_change_stars(evaluation=ev_a1, by=users.staff, to_stars=3, reason="x")


def test_raise_needs_a_later_published_recheck_at_that_level(ev_a1, tree, users, standard):
    ev = _to_committee(ev_a1, users, standard, P1=20, L1=20, M1=20, R1=10)   # 80 → 4 stars
    services.committee_approve(evaluation=ev, by=users.staff, meeting="党委会", today=date(2026, 3, 1))
    services.result_publish(evaluation=ev, by=users.staff, today=date(2026, 3, 10))
    assert ev.stars == 4
    with pytest.raises(ValidationError, match="复查复核"):
        services.result_adjust(evaluation=ev, by=users.staff, kind=AdjustmentKind.RAISE_STARS, reason="表现突出",
                               to_stars=5)
    with pytest.raises(ValidationError, match="高于当前"):
        services.result_adjust(evaluation=ev, by=users.staff, kind=AdjustmentKind.RAISE_STARS, reason="x", to_stars=4)
    # a published recheck of this branch at five stars supports the 升级
    recheck = make_cycle(tree.root, standard[0], users.staff, kind=CycleKind.REGULAR, year=2025)
    recheck.kind = CycleKind.RECHECK
    recheck.save()
    rev = recheck.evaluations.get(organization=tree.a1)
    rev.step, rev.stars = Step.RESULT, 5
    rev.save()
    adj = services.result_adjust(evaluation=ev, by=users.staff, kind=AdjustmentKind.RAISE_STARS, reason="复查复核评定五星",
                                 to_stars=5)
    ev.refresh_from_db()
    assert (adj.from_stars, adj.to_stars, ev.stars) == (4, 5, 5)


def test_months_without_activity_from_the_records(tree):
    # a1: meetings in Jan, Feb, then nothing until Oct (Mar–Sep = 7 months); its 党小组's meeting in May counts.
    for m in (1, 2, 10, 11, 12):
        log(tree.a1, "committee_meeting", date(2025, m, 10))
    # a2: a meeting every second month → longest gap 1
    for m in range(1, 13, 2):
        log(tree.a2, "committee_meeting", date(2025, m, 5))
    # voided/draft records do not count: b1 has only a draft → 12
    log(tree.b1, "committee_meeting", date(2025, 6, 1), status="draft")
    start, end = date(2025, 1, 1), date(2025, 12, 31)
    ids = [tree.a1.pk, tree.a2.pk, tree.b1.pk]
    assert metrics.months_without_activity(branch_ids=ids, start=start, end=end) == {
        tree.a1.pk: 7.0, tree.a2.pk: 1.0, tree.b1.pk: 12.0}
    log(tree.a1g, "group_meeting", date(2025, 5, 20))
    assert metrics.months_without_activity(branch_ids=ids, start=start, end=end)[tree.a1.pk] == 4.0   # Jun–Sep


def test_the_default_standard_deducts_six_months_without_activity(tree, users):
    from evaluations import scoring
    from evaluations.standards import install_default_standard

    st = install_default_standard(organization=tree.root, year=2025, by=users.staff)
    d3 = st.indicators.get(code="D3")
    assert d3.metric_key == "months_without_activity"
    assert scoring.map_metric(5.0, d3.mapping, d3.max_points) == D(0)
    assert scoring.map_metric(6.0, d3.mapping, d3.max_points) == D(5)


def test_staff_extend_and_change_stars_through_the_evaluation_page(client, ev_a1, tree, users, standard):
    from django.urls import reverse

    url = lambda action: reverse("evaluations:evaluation_action", args=[ev_a1.pk, action])  # noqa: E731
    until = (date.today() + timedelta(days=10)).isoformat()
    client.force_login(users.secretary)   # a secretary cannot extend her own deadline: refused before the service
    assert client.post(url("extend"), {"step": "self", "until": until, "reason": "x"}).status_code == 403
    client.force_login(users.staff)
    client.post(url("extend"), {"step": "self", "until": "2099-01-01", "reason": "书记出差"})
    assert ev_a1.cycle.extensions.get().reason == "书记出差"
    ev = _to_committee(ev_a1, users, standard, P1=24, L1=24, M1=24, R1=14)
    client.post(url("change_stars"), {"to_stars": "3", "reason": "群众反映问题属实"})
    ev.refresh_from_db()
    assert ev.proposed_stars == 3 and not ev.proposed_four_strong
