"""Demo data: a completed 2025 cycle (results published) and a 2026 cycle in progress, plus 整改 items.

Deterministic (fixed seed and dates) and idempotent (does nothing once the 2025 cycle exists).
"""
from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

from django.contrib.auth import get_user_model

from branches.models import Organization

from . import services
from .models import BranchEvaluation, Cycle, IndicatorKind, SheetKind, Step
from .standards import install_default_standard

CYCLE_2025 = "2025 年度党支部“四强”评星定级"
CYCLE_2026 = "2026 年度党支部“四强”评星定级"
DEMO_BRANCH = "JB01-Z1-01"
# Branch quality in the demo, 0..1: drives the (seeded) manual scores so the ranking looks plausible; the two best
# are 四强 branches in 2025.
QUALITY = {"JB01-Z1-01": 0.93, "JB01-Z1-02": 0.88, "JB01-Z1-03": 0.8, "JB01-Z1-04": 0.62, "JB01-Z2-01": 0.97,
           "JB01-Z2-02": 0.85, "JB01-Z2-03": 0.7, "JB01-Z2-04": 0.75, "JB01-Z3-01": 0.99, "JB01-Z3-02": 0.78,
           "JB01-Z3-03": 0.68, "JB01-Z3-04": 0.55}


def _manual_entries(ev, rng, quality, jitter=0.06):
    entries = {}
    for ind in ev.cycle.standard.indicators.all():
        if ind.is_automatic or ind.kind == IndicatorKind.GROUP:
            continue
        if ind.kind in (IndicatorKind.MANUAL, IndicatorKind.BONUS):
            share = quality + rng.uniform(-jitter, jitter) if ind.kind == IndicatorKind.MANUAL else (
                1 if quality > 0.9 and rng.random() < 0.5 else 0)
            pts = (ind.max_points * Decimal(str(max(0.0, min(1.0, share))))).quantize(Decimal("0.5"))
        else:  # deductions and vetoes: only the weakest branch gets one
            pts = Decimal(5) if quality < 0.6 and ind.kind == IndicatorKind.DEDUCTION and not ind.metric_key else Decimal(0)
        entries[ind.pk] = {"points": str(pts), "note": ""}
    return entries


def _spread_over_weeks(cycle) -> None:
    """The 2025 steps happened over weeks, as in a real cycle, not in the second seed_demo ran: self-assessments
    submitted through the self window (5–20 January), reviews in the review window (21 January – 10 February), the
    committee's decision on 12 February and publication on 19 February 2026."""
    from datetime import datetime, time, timedelta

    from django.utils import timezone

    from .models import ScoreSheet, TransitionLog

    def at(day: date, minutes: int) -> datetime:
        return timezone.make_aware(datetime.combine(day, time(9, 0)) + timedelta(minutes=minutes))

    evaluations = list(cycle.evaluations.exclude(step=Step.EXCLUDED).order_by("organization__path"))
    for i, ev in enumerate(evaluations):
        submitted = at(date(2026, 1, 6) + timedelta(days=i % 12), 37 * i)
        reviewed = at(date(2026, 1, 22) + timedelta(days=(2 * i) % 18), 23 * i)
        BranchEvaluation.objects.filter(pk=ev.pk).update(self_submitted_at=submitted,
                                                         published_at=at(date(2026, 2, 19), 30))
        ScoreSheet.objects.filter(evaluation=ev, kind=SheetKind.SELF).update(submitted_at=submitted)
        for n, sheet in enumerate(ScoreSheet.objects.filter(evaluation=ev, kind=SheetKind.REVIEW).order_by("pk")):
            ScoreSheet.objects.filter(pk=sheet.pk).update(submitted_at=reviewed + timedelta(days=2 * n))
        steps = {Step.REVIEW: submitted, Step.COMMITTEE: reviewed + timedelta(days=3),
                 Step.PUBLICITY: at(date(2026, 2, 12), 15 + i), Step.RESULT: at(date(2026, 2, 19), 30)}
        for log in TransitionLog.objects.filter(evaluation=ev):
            if log.to_step in steps:
                TransitionLog.objects.filter(pk=log.pk).update(at=steps[log.to_step])


def seed(*, stdout=None) -> None:

    if Cycle.objects.filter(name=CYCLE_2025).exists() or not Organization.objects.filter(code="JB01").exists():
        return
    User = get_user_model()
    users = {u.username: u for u in User.objects.filter(username__in=["staff", "reviewer", "secretary"])}
    if len(users) < 3:
        return
    staff, reviewer, secretary = users["staff"], users["reviewer"], users["secretary"]
    root = Organization.objects.get(code="JB01")
    rng = random.Random(2025)

    # 整改 from an inspection in 2025: one closed on time, one closed late (feeds the 2025 deduction).
    z14 = Organization.objects.get(code="JB01-Z1-04")
    r1 = services.rectification_create(organization=z14, problem="2025 年上半年组织生活记录不完整", requirement="补齐会议记录并建立台账",
                                       due_on=date(2025, 6, 30), responsible_person="支部书记", by=staff,
                                       source="inspection", today=date(2025, 4, 1))
    services.rectification_report(rectification=r1, by=staff, text="已补齐记录。")
    services.rectification_close(rectification=r1, by=reviewer, text="核验通过。", on=date(2025, 8, 10))

    # The demo committee sets its 四强 单项得分率 at 80 % (a local, configurable rule; the default is 85 %), so the
    # demo has a 四强 branch for the programmes (programmes/demo.py) to designate.
    standard_2025 = install_default_standard(organization=root, year=2025, by=staff, publish=False)
    services.standard_update(standard=standard_2025, by=staff, four_strong_ratio=Decimal("0.800"))
    services.standard_publish(standard=standard_2025, by=staff)
    cycle = services.cycle_create(organization=root, standard=standard_2025, year=2025, name=CYCLE_2025, by=staff,
                                  self_opens_on=date(2026, 1, 5), self_closes_on=date(2026, 1, 20),
                                  review_opens_on=date(2026, 1, 21), review_closes_on=date(2026, 2, 10))
    for ev in cycle.evaluations.exclude(step=Step.EXCLUDED).select_related("organization").order_by("organization__path"):
        q = QUALITY.get(ev.organization.code, 0.75)
        services.self_assessment_save(evaluation=ev, by=secretary if ev.organization.code == DEMO_BRANCH else staff,
                                      entries=_manual_entries(ev, rng, min(q + 0.04, 1)), narrative="2025 年度支部工作总结。",
                                      submit=True, today=date(2026, 1, 18))
        for who in (reviewer, staff):
            sheet = services.reviewer_assign(evaluation=ev, reviewer=who, by=staff)
            services.review_save(sheet=sheet, by=who, entries=_manual_entries(ev, rng, q), submit=True,
                                 today=date(2026, 2, 8))
        services.review_close(evaluation=ev, by=staff)
        ev.refresh_from_db()
        services.committee_approve(evaluation=ev, by=staff, meeting="滨江区机关工委 2026 年第 2 次委员会议",
                                   decided_on=date(2026, 2, 12), today=date(2026, 2, 13))
        services.result_publish(evaluation=ev, by=staff, today=date(2026, 2, 19))

    _spread_over_weeks(cycle)

    # 2026: in progress. The demo secretary's branch waits for the reviewer; others are spread over the steps.
    standard_2026 = install_default_standard(organization=root, year=2026, by=staff)
    cycle26 = services.cycle_create(organization=root, standard=standard_2026, year=2026, name=CYCLE_2026, by=staff,
                                    self_opens_on=date(2026, 10, 15), self_closes_on=date(2026, 11, 15),
                                    review_opens_on=date(2026, 11, 16), review_closes_on=date(2026, 12, 20))
    evs = list(cycle26.evaluations.exclude(step=Step.EXCLUDED).select_related("organization").order_by("organization__path"))
    for i, ev in enumerate(evs):
        code = ev.organization.code
        q = QUALITY.get(code, 0.75)
        if code != DEMO_BRANCH and i % 3 == 2:
            continue  # still in 自评
        services.self_assessment_save(evaluation=ev, by=secretary if code == DEMO_BRANCH else staff,
                                      entries=_manual_entries(ev, rng, min(q + 0.04, 1)),
                                      narrative="2026 年度支部工作总结（自评）。", submit=True,
                                          today=date(2026, 11, 12))
        services.reviewer_assign(evaluation=ev, reviewer=reviewer, by=staff)
        if code != DEMO_BRANCH and i % 3 == 1:
            sheet = ev.sheets.get(kind=SheetKind.REVIEW, reviewer=reviewer)
            services.review_save(sheet=sheet, by=reviewer, entries=_manual_entries(ev, rng, q), submit=True,
                                 today=date(2026, 12, 1))
            services.review_close(evaluation=ev, by=staff)

    home = Organization.objects.get(code=DEMO_BRANCH)
    services.rectification_create(organization=home, problem="谈心谈话记录不全，部分党员全年未开展谈心谈话",
                                  requirement="年底前实现谈心谈话全覆盖，并规范记录", due_on=date(2026, 12, 15),
                                  responsible_person="林晓梅", by=reviewer,
                                  evaluation=BranchEvaluation.objects.get(cycle=cycle, organization=home),
                                  today=date(2026, 11, 1))
    services.rectification_create(organization=z14, problem="委员会任期届满未按期换届", requirement="按程序完成换届选举",
                                  due_on=date(2026, 10, 31), responsible_person="支部书记", by=staff,
                                  source="inspection", today=date(2026, 9, 1))
    if stdout:
        published = cycle.evaluations.filter(step=Step.RESULT).count()
        stdout.write(f"评星定级：2025 年度已发布 {published} 个支部结果；2026 年度进行中；整改事项 "
                     f"{services.Rectification.objects.count()} 项。")
