"""Automatic indicators computed from fixture records, against values worked out by hand."""
from datetime import date
from decimal import Decimal as D

import pytest

from branches.models import CommitteeTerm, SeatRole
from branches.services import term_start
from evaluations import metrics, services
from evaluations.models import AutomaticValue, Rectification, RectificationStatus
from tests.evaluations.factories import make_cycle
from tests.members.factories import MemberFactory

START, END = date(2025, 1, 1), date(2025, 12, 31)


def _rect(org, user, due, closed=None):
    r = Rectification.objects.create(organization=org, problem="问题", requirement="要求", due_on=due,
                                     responsible_person="张三", created_by=user)
    if closed:
        r.status, r.closed_on = RectificationStatus.CLOSED, closed
        r.save()
    return r


def test_rectification_rates_and_overdue_counts(tree, users):
    # a1: 4 due in 2025 → 2 closed on time, 1 closed late, 1 still open → 2/4 on time, 2 overdue
    _rect(tree.a1, users.staff, date(2025, 3, 1), closed=date(2025, 2, 20))
    _rect(tree.a1, users.staff, date(2025, 5, 1), closed=date(2025, 5, 1))
    _rect(tree.a1, users.staff, date(2025, 6, 1), closed=date(2025, 7, 1))
    _rect(tree.a1, users.staff, date(2025, 9, 1))
    _rect(tree.a1, users.staff, date(2026, 3, 1))  # due after the period: not counted
    _rect(tree.a2, users.staff, date(2025, 4, 1), closed=date(2025, 3, 1))
    ids = [tree.a1.pk, tree.a2.pk, tree.b1.pk]
    assert metrics.rectification_on_time(branch_ids=ids, start=START, end=END) == {
        tree.a1.pk: 0.5, tree.a2.pk: 1.0, tree.b1.pk: 1.0}
    assert metrics.rectification_overdue(branch_ids=ids, start=START, end=END) == {
        tree.a1.pk: 2.0, tree.a2.pk: 0.0, tree.b1.pk: 0.0}


def test_term_on_time(tree):
    a1_sec, a2_sec = MemberFactory(branch=tree.a1), MemberFactory(branch=tree.a2)
    # a1: term ended 2025-03-01, 换届 only on 2025-06-01 → late in the period
    t = term_start(organization=tree.a1, started_on=date(2022, 3, 1), ends_on=date(2025, 3, 1),
                   seats=[(a1_sec, SeatRole.SECRETARY)])
    term_start(organization=tree.a1, started_on=date(2025, 6, 1), seats=[(a1_sec, SeatRole.SECRETARY)])
    assert CommitteeTerm.objects.get(pk=t.pk).closed_on == date(2025, 6, 1)
    # a2: current term ends in 2027 → on time; b1: no term registered → 0
    term_start(organization=tree.a2, started_on=date(2024, 5, 1), seats=[(a2_sec, SeatRole.SECRETARY)])
    ids = [tree.a1.pk, tree.a2.pk, tree.b1.pk]
    assert metrics.term_on_time(branch_ids=ids, start=START, end=END) == {tree.a1.pk: 0.0, tree.a2.pk: 1.0,
                                                                          tree.b1.pk: 0.0}


def test_term_late_before_the_period_does_not_count(tree):
    sec = MemberFactory(branch=tree.a1)
    tree.a1.term_years = 5      # 5-year terms (as for 村/社区): no approval needed for either term
    tree.a1.save(update_fields=["term_years"])
    term_start(organization=tree.a1, started_on=date(2017, 1, 1), ends_on=date(2022, 1, 1),
               seats=[(sec, SeatRole.SECRETARY)])
    term_start(organization=tree.a1, started_on=date(2022, 6, 1), ends_on=date(2027, 6, 1),
               seats=[(sec, SeatRole.SECRETARY)])
    assert metrics.term_on_time(branch_ids=[tree.a1.pk], start=START, end=END) == {tree.a1.pk: 1.0}


def test_committee_complete(tree):
    # a1: 8 正式党员 and a committee of 3 → complete; a2: 8 正式党员, no committee → not complete
    a1 = [MemberFactory(branch=tree.a1) for _ in range(8)]
    [MemberFactory(branch=tree.a2) for _ in range(8)]
    term_start(organization=tree.a1, started_on=date(2024, 1, 1),
               seats=list(zip(a1[:3], [SeatRole.SECRETARY, SeatRole.ORGANIZATION, SeatRole.PROPAGANDA], strict=True)))
    assert metrics.committee_complete(branch_ids=[tree.a1.pk, tree.a2.pk], start=START, end=END) == {
        tree.a1.pk: 1.0, tree.a2.pk: 0.0}


def test_cycle_stores_points_and_a_link_to_the_records(tree, users, standard):
    st, ind = standard
    _rect(tree.a1, users.staff, date(2025, 3, 1), closed=date(2025, 2, 1))
    _rect(tree.a1, users.staff, date(2025, 4, 1))
    _rect(tree.a1, users.staff, date(2025, 5, 1))
    _rect(tree.a1, users.staff, date(2025, 6, 1), closed=date(2025, 6, 1))
    cycle = make_cycle(tree.root, st, users.staff)
    av = AutomaticValue.objects.get(evaluation__cycle=cycle, evaluation__organization=tree.a1, indicator=ind["R2"])
    assert av.value == 0.5 and av.points == D("5.00") and av.available  # linear 0→1 over 10 points
    assert av.source_url == f"/evaluations/branches/{tree.a1.pk}/rectifications/"


def test_compliance_metrics_are_skipped_cleanly_when_unavailable(tree, users, monkeypatch):
    def missing():
        raise metrics.MetricUnavailable(metrics.NOT_AVAILABLE.format(reason="测试"))

    monkeypatch.setitem(metrics._LAZY, "meeting_completion", missing)
    with pytest.raises(metrics.MetricUnavailable):
        metrics.meeting_completion(branch_ids=[tree.a1.pk], start=START, end=END)
    assert metrics.availability()["meeting_completion"] == "该自动指标暂不可用：测试"
    from evaluations.standards import install_default_standard

    st = install_default_standard(organization=tree.root, year=2025, by=users.staff)
    cycle = make_cycle(tree.root, st, users.staff)
    av = AutomaticValue.objects.get(evaluation__cycle=cycle, evaluation__organization=tree.a1,
                                    indicator__metric_key="meeting_completion")
    assert not av.available and av.points is None and "暂不可用" in av.note


def test_refresh_uses_a_fixed_number_of_queries_per_metric(tree, users, standard, django_assert_max_num_queries):
    cycle = make_cycle(tree.root, standard[0], users.staff)
    services.cycle_refresh_automatic(cycle=cycle)  # warm
    with django_assert_max_num_queries(3 + 3 * 3 * 2):
        services.cycle_refresh_automatic(cycle=cycle)


def test_an_unavailable_metric_is_left_out_of_the_normalization(tree, users, standard, monkeypatch):
    def broken(**kw):
        raise metrics.MetricUnavailable("暂不可用")

    st, ind = standard
    monkeypatch.setitem(metrics._registry, "rectification_on_time",
                        metrics.Metric("rectification_on_time", "整改", broken))
    cycle = make_cycle(tree.root, st, users.staff)
    ev = cycle.evaluations.get(organization=tree.a1)
    services.self_assessment_submit(evaluation=ev, by=users.secretary)
    sheet = services.reviewer_assign(evaluation=ev, reviewer=users.reviewer, by=users.staff)
    full = {ind[c].pk: {"points": str(ind[c].max_points)} for c in ("P1", "L1", "M1", "R1")}
    services.review_save(sheet=sheet, by=users.reviewer, entries=full, submit=True)
    services.review_close(evaluation=ev, by=users.staff)
    ev.refresh_from_db()
    assert ev.total == D(100)  # 90 / 90 measured points, not 90 / 100
