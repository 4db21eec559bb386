"""Reads for 四强 evaluation, scoped with `restrict` and shaped so a page issues a fixed number of queries."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from branches.models import Organization
from portal.scoping import MANAGE, REVIEW, VIEW, can

from . import scoring
from .filters import RectificationFilterSet
from .metrics import value_display
from .models import (
    CRITERIA,
    STEP_ORDER,
    AutomaticValue,
    BranchEvaluation,
    Criterion,
    Cycle,
    Indicator,
    IndicatorKind,
    Rectification,
    ScoreLine,
    ScoreSheet,
    SheetKind,
    SheetStatus,
    Standard,
    Step,
)
from .permissions import reviewer_scores_visible

STAR_LABELS = {5: _("五星"), 4: _("四星"), 3: _("三星"), 2: _("二星"), 1: _("一星"), 0: _("无星")}


def _evaluations_counted(where: Q):
    """The number of a cycle's branch evaluations matching `where`: counted per cycle from the (cycle, step) index.
    A join and GROUP BY over the cycles' rows sorted every evaluation with the cycle's wide columns (140 ms, on disk,
    for 50,000 branches)."""
    counted = (BranchEvaluation.objects.filter(where, cycle=OuterRef("pk")).order_by().values("cycle")
               .annotate(n=Count("*")).values("n"))
    return Coalesce(Subquery(counted), 0)


def cycle_list(*, user) -> QuerySet[Cycle]:
    return (Cycle.objects.restrict(user, VIEW).select_related("organization", "standard")
            .annotate(branch_count=_evaluations_counted(~Q(step=Step.EXCLUDED)),
                      published_count=_evaluations_counted(Q(step=Step.RESULT))))


def cycle_get(*, user, pk: int, action: str = VIEW) -> Cycle:
    return get_object_or_404(Cycle.objects.restrict(user, action).select_related("organization", "standard"), pk=pk)


def standard_list(*, user) -> QuerySet[Standard]:
    return Standard.objects.restrict(user, VIEW).select_related("organization").annotate(
        indicator_count=Count("indicators"))


def standard_get(*, user, pk: int, action: str = VIEW) -> Standard:
    return get_object_or_404(Standard.objects.restrict(user, action).select_related("organization"), pk=pk)


def indicator_tree(standard: Standard) -> list[Indicator]:
    """Indicators in display order with `depth` (criterion groups first, then bonus/deduction/veto items)."""
    indicators = list(standard.indicators.all().order_by("order", "code"))
    children: dict = {}
    for ind in indicators:
        children.setdefault(ind.parent_id, []).append(ind)
    ordered: list[Indicator] = []

    def walk(parent_id, depth):
        for ind in children.get(parent_id, []):
            ind.depth = depth
            ordered.append(ind)
            walk(ind.pk, depth + 1)

    walk(None, 0)
    return ordered


def criterion_maxima(indicators) -> dict[str, Decimal]:
    maxima = {c: Decimal(0) for c in CRITERIA}
    for ind in indicators:
        if ind.kind in (IndicatorKind.MANUAL, IndicatorKind.AUTOMATIC) and ind.criterion:
            maxima[ind.criterion] += ind.max_points
    return maxima


@dataclass
class Dashboard:
    cycle: Cycle
    evaluations: list
    progress: list = field(default_factory=list)       # (step label, count, percent)
    distribution: list = field(default_factory=list)   # (label, count)
    ranking: list = field(default_factory=list)
    quota: list = field(default_factory=list)
    radar: dict = field(default_factory=dict)
    criterion_max: dict = field(default_factory=dict)


def cycle_dashboard(*, user, cycle: Cycle) -> Dashboard:
    """Progress by step, star distribution, ranking with the four criteria, quota report and radar data."""
    evaluations = list(
        BranchEvaluation.objects.restrict(user, VIEW).filter(cycle=cycle).select_related("organization")
        .annotate(reviewers=Count("sheets", filter=Q(sheets__kind=SheetKind.REVIEW)),
                  reviewed=Count("sheets", filter=Q(sheets__kind=SheetKind.REVIEW,
                                                    sheets__status=SheetStatus.SUBMITTED)),
                  open_objections=Count("objections", filter=Q(objections__status="open")))
        .order_by("organization__path"))
    manager = user.is_superuser or bool(Cycle.objects.restrict(user, MANAGE).filter(pk=cycle.pk).exists())
    for e in evaluations:
        # Staff above a branch (not only the cycle's owner) see its proposed result from 党委审定 on.
        e.managed = manager or can(user, MANAGE, e.organization.path)
    maxima = criterion_maxima(cycle.standard.indicators.all())
    total = len(evaluations) or 1
    counts = Counter(e.step for e in evaluations)
    progress = [(s.label, counts.get(s, 0), counts.get(s, 0) / total) for s in STEP_ORDER]
    if counts.get(Step.EXCLUDED):
        progress.append((Step.EXCLUDED.label, counts[Step.EXCLUDED], counts[Step.EXCLUDED] / total))
    shown = [e for e in evaluations if e.total is not None and (manager or e.step in (Step.PUBLICITY, Step.RESULT)
                                                                or e.managed and e.step == Step.COMMITTEE)]
    for e in shown:
        e.shown_stars = e.stars if e.step == Step.RESULT else e.proposed_stars
        e.shown_four_strong = e.four_strong if e.step == Step.RESULT else e.proposed_four_strong
        e.criteria = [Decimal(e.criterion_scores.get(c, "0")) for c in CRITERIA]
    ranking = sorted(shown, key=lambda e: (-e.total, e.organization.path))
    dist = Counter(e.shown_stars for e in shown)
    distribution = [(STAR_LABELS[s], dist.get(s, 0)) for s in (5, 4, 3, 2, 1)]
    quota = scoring.quota_report(((e.pk, e.shown_stars, e.total) for e in shown), cycle.standard.quotas or {})
    names = {e.pk: e.organization.name for e in shown}
    for line in quota:
        line.label = STAR_LABELS.get(line.stars, line.stars)
        line.beyond_names = [names[i] for i in line.beyond]
    radar = {
        "labels": [c.label for c in Criterion],
        "branches": [{"id": e.pk, "name": e.organization.name,
                      "values": [round(float(v / maxima[c] * 100), 1) if maxima[c] else 0
                                 for v, c in zip(e.criteria, CRITERIA, strict=True)]} for e in ranking],
    }
    return Dashboard(cycle=cycle, evaluations=evaluations, progress=progress, distribution=distribution,
                     ranking=ranking, quota=quota, radar=radar, criterion_max=maxima)


def cycle_export_allowed(*, user, cycle: Cycle) -> bool:
    """Staff export the scores of the branches they manage in a cycle (also a cycle of their 党委)."""
    return user.is_superuser or BranchEvaluation.objects.restrict(user, MANAGE).filter(cycle=cycle).exists()


def cycle_export_data(*, user, cycle: Cycle) -> tuple[Dashboard, list, QuerySet[ScoreSheet]]:
    """What the score export holds for `user`: the ranked results and submitted score sheets of the branches they
    manage only, and of those only the results they may see now (the dashboard's rule: before 公示 only the
    cycle's owner, or staff above the branch from 党委审定 on)."""
    dash = cycle_dashboard(user=user, cycle=cycle)
    owner = user.is_superuser or Cycle.objects.restrict(user, MANAGE).filter(pk=cycle.pk).exists()
    managed = set(BranchEvaluation.objects.restrict(user, MANAGE).filter(cycle=cycle).values_list("pk", flat=True))
    rows = [e for e in dash.ranking if e.pk in managed]
    # A branch's self-assessment is on its page for staff above it; reviewers' scores only with the result.
    reviews_of = managed if owner else {e.pk for e in rows}
    sheets = (ScoreSheet.objects.filter(evaluation__in=managed, status=SheetStatus.SUBMITTED)
              .filter(Q(kind=SheetKind.SELF) | Q(evaluation__in=reviews_of))
              .select_related("evaluation__organization", "reviewer")
              .order_by("evaluation__organization__path", "kind", "pk"))
    return dash, rows, sheets


def evaluation_get(*, user, pk: int, action: str = VIEW) -> BranchEvaluation:
    qs = BranchEvaluation.objects.restrict(user, action).select_related("cycle__standard", "cycle__organization",
                                                                        "organization")
    return get_object_or_404(qs, pk=pk)


def evaluation_sheets(evaluation: BranchEvaluation) -> list[ScoreSheet]:
    return list(evaluation.sheets.select_related("reviewer").order_by("kind", "pk"))


def visible_review_sheets(*, user, evaluation: BranchEvaluation, sheets: list[ScoreSheet]) -> list[ScoreSheet]:
    """Independence: before all have submitted, a reviewer sees only their own sheet and others see none."""
    reviews = [s for s in sheets if s.kind == SheetKind.REVIEW]
    if reviewer_scores_visible(user, evaluation, sheets):
        return reviews
    return [s for s in reviews if s.reviewer_id == user.pk]


def scoring_rows(*, evaluation: BranchEvaluation, sheet: ScoreSheet | None, self_sheet: ScoreSheet | None = None):
    """The standard's indicators with this sheet's lines, the automatic figures and (for reviewers) the self-score."""
    indicators = indicator_tree(evaluation.cycle.standard)
    lines = {ln.indicator_id: ln for ln in ScoreLine.objects.filter(sheet=sheet)} if sheet else {}
    self_lines = {ln.indicator_id: ln for ln in ScoreLine.objects.filter(sheet=self_sheet)} if self_sheet else {}
    autos = {a.indicator_id: a for a in AutomaticValue.objects.filter(evaluation=evaluation)}
    evidence: dict = {}
    for att in evaluation.attachments.all():
        evidence.setdefault(att.indicator_id, []).append(att)
    for ind in indicators:
        ind.line = lines.get(ind.pk)
        ind.self_line = self_lines.get(ind.pk)
        ind.auto = autos.get(ind.pk)
        if ind.auto is not None:
            ind.auto.display = value_display(ind.metric_key, ind.auto.value)
        ind.evidence = evidence.get(ind.pk, [])
    return indicators


def reviewer_worklist(*, user) -> QuerySet[ScoreSheet]:
    return (ScoreSheet.objects.filter(kind=SheetKind.REVIEW, reviewer=user)
            .filter(evaluation__in=BranchEvaluation.objects.restrict(user, REVIEW))
            .select_related("evaluation__organization", "evaluation__cycle")
            .order_by("status", "evaluation__cycle__review_closes_on", "evaluation__organization__path"))


def branch_scorecard(*, user, org_pk: int):
    """A branch's results across cycles (newest first), its adjustments and its open 整改 items."""

    org = get_object_or_404(Organization.objects.restrict(user, VIEW), pk=org_pk)
    evaluations = list(
        BranchEvaluation.objects.filter(organization=org).select_related("cycle__standard")
        .prefetch_related("adjustments").order_by("-cycle__year", "-cycle__created_at"))
    for e in evaluations:
        e.result_visible = e.step in (Step.PUBLICITY, Step.RESULT)
        e.criteria = [(Criterion(c).label, e.criterion_scores.get(c)) for c in CRITERIA]
    rectifications = list(Rectification.objects.filter(organization=org).open().order_by("due_on"))
    today = timezone.localdate()
    for r in rectifications:
        r.overdue = r.due_on < today
    return org, evaluations, rectifications


def rectification_list(*, user, filters=None, request=None) -> tuple:
    qs = Rectification.objects.restrict(user, VIEW).select_related("organization").order_by("status", "due_on")
    fs = RectificationFilterSet(filters, qs, request=request)
    return fs, fs.qs


def rectification_get(*, user, pk: int) -> Rectification:
    qs = Rectification.objects.restrict(user, VIEW).select_related("organization", "evaluation__cycle").prefetch_related(
        Prefetch("updates__attachments"), "updates__by")
    return get_object_or_404(qs, pk=pk)


def publicity_list(*, cycle: Cycle) -> QuerySet[BranchEvaluation]:
    """The public list: proposed star levels and 四强 designations in 公示 (and already published results)."""
    return (cycle.evaluations.filter(step__in=[Step.PUBLICITY, Step.RESULT]).select_related("organization")
            .order_by("-total", "organization__path"))
