"""Registry of automatic metrics: figures the portal computes from its own records, for automatic indicators.

    register_metric(key, label, func, records_url=...)
    func(*, branch_ids, start, end) -> {branch_id: value}

Each provider answers for many branches in a fixed number of queries. Providers of other apps are imported
lazily, so a metric whose app part is not there yet is listed as "not available" instead of breaking the app.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.db.models import Count, F, Q
from django.db.models.functions import Substr
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from branches.models import CommitteeTerm, Organization
from branches.selectors import structure_warnings, with_structure
from orglife import compliance
from orglife.models import ActivityCount
from practice import selectors as practice_selectors

NOT_AVAILABLE = _("该自动指标暂不可用：{reason}")


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    func: Callable
    records_url_name: str = ""   # URL name taking the branch pk: the records behind the figure
    unit: str = "rate"           # rate (0..1) | count | flag (0/1)

    def compute(self, *, branch_ids, start: date, end: date) -> dict[int, float]:
        return self.func(branch_ids=list(branch_ids), start=start, end=end)

    def records_url(self, branch_id: int) -> str:
        for name in (self.records_url_name, "branches:detail"):
            if not name:
                continue
            try:
                return reverse(name, args=[branch_id])
            except NoReverseMatch:
                continue
        return ""


def value_display(metric_key: str, value: float | None) -> str:
    """An automatic figure as people read it: rates as percentages (0.946 -> 94.6%), flags as 是/否, counts plainly."""
    if value is None:
        return "—"
    metric = _registry.get(metric_key)
    unit = metric.unit if metric else "rate"
    if unit == "flag":
        return gettext("是") if value else gettext("否")
    if unit == "count":
        return f"{value:g}" if float(value).is_integer() else f"{value:.1f}"
    return f"{value * 100:.1f}%"


class MetricUnavailable(Exception):
    """The provider's module is missing (another app's part not merged yet)."""


_registry: dict[str, Metric] = {}


def register_metric(key: str, label: str, func: Callable, *, records_url_name: str = "", unit: str = "rate") -> Metric:
    metric = Metric(key=key, label=label, func=func, records_url_name=records_url_name, unit=unit)
    _registry[key] = metric
    return metric


def get_metric(key: str) -> Metric | None:
    return _registry.get(key)


def all_metrics() -> list[Metric]:
    return list(_registry.values())


def availability() -> dict[str, str]:
    """key -> "" when the provider can run, else the reason it cannot (shown on the standard page)."""
    result = {}
    for key in _registry:
        reason = ""
        if key in _LAZY:
            try:
                _LAZY[key]()
            except MetricUnavailable as exc:
                reason = str(exc)
        result[key] = reason
    return result


# --- providers within evaluations' reach ------------------------------------------------------------------------


def term_on_time(*, branch_ids, start: date, end: date) -> dict[int, float]:
    """1 when no committee term of the branch ran past its end date without 换届 during the period, else 0.

    A term is late in the period if it ended on or before the period end and was closed after its end date (or is
    still open), and the lateness reached into the period. A branch with no term at all scores 0.
    """

    late = (
        CommitteeTerm.objects.filter(organization_id__in=branch_ids, ends_on__lt=end)
        .filter(Q(closed_on__isnull=True) | Q(closed_on__gt=F("ends_on")))
        .filter(Q(closed_on__isnull=True) | Q(closed_on__gte=start))
        .values_list("organization_id", flat=True)
    )
    late_ids = set(late)
    has_term = set(CommitteeTerm.objects.filter(organization_id__in=branch_ids).values_list("organization_id", flat=True))
    return {bid: (1.0 if bid in has_term and bid not in late_ids else 0.0) for bid in branch_ids}


COMMITTEE_WARNING_CODES = {"no_committee", "committee_size", "no_secretary"}


def committee_complete(*, branch_ids, start: date, end: date) -> dict[int, float]:
    """1 when the branch's committee (or, for small branches, its 书记) is in place as the 支部工作条例 requires.

    Judged on the current committee (the registry keeps seats, not a day-by-day history of sizes).
    """

    result = {}
    for org in with_structure(Organization.objects.filter(pk__in=branch_ids)):
        codes = {w.code for w in structure_warnings(org, today=end)}
        result[org.pk] = 0.0 if codes & COMMITTEE_WARNING_CODES else 1.0
    return {bid: result.get(bid, 0.0) for bid in branch_ids}


def rectification_on_time(*, branch_ids, start: date, end: date) -> dict[int, float]:
    """Share of the branch's 整改 items due in the period that were closed by their due date (1 when none was due)."""
    from .models import Rectification, RectificationStatus

    rows = (
        Rectification.objects.filter(organization_id__in=branch_ids, due_on__gte=start, due_on__lte=end)
        .values("organization_id")
        .annotate(due=Count("pk"), on_time=Count("pk", filter=Q(status=RectificationStatus.CLOSED,
                                                                  closed_on__lte=F("due_on"))))
    )
    by_id = {r["organization_id"]: r["on_time"] / r["due"] for r in rows}
    return {bid: by_id.get(bid, 1.0) for bid in branch_ids}


def rectification_overdue(*, branch_ids, start: date, end: date) -> dict[int, float]:
    """Number of 整改 items due in the period not closed by their due date (still open past it, or closed late)."""
    from .models import Rectification, RectificationStatus

    rows = (
        Rectification.objects.filter(organization_id__in=branch_ids, due_on__gte=start, due_on__lt=end)
        .filter(Q(closed_on__isnull=True, status__in=[RectificationStatus.OPEN, RectificationStatus.REPORTED])
                | Q(closed_on__gt=F("due_on")))
        .values("organization_id")
        .annotate(n=Count("pk"))
    )
    by_id = {r["organization_id"]: float(r["n"]) for r in rows}
    return {bid: by_id.get(bid, 0.0) for bid in branch_ids}


def months_without_activity(*, branch_ids, start: date, end: date) -> dict[int, float]:
    """Longest run of consecutive calendar months in the period (from the branch's founding month, if later) with no
    submitted organizational-life record of the branch or its 党小组: the figure behind the deduction
    "6个月无组织生活" (≥6 → deduct). Read from ActivityCount, one query per distinct tree depth of the branches."""
    branches = {o.pk: o for o in Organization.objects.filter(pk__in=branch_ids).only("pk", "path", "established_on")}
    by_len: dict[int, dict[str, int]] = {}
    for org in branches.values():
        by_len.setdefault(len(org.path), {})[org.path] = org.pk
    held: dict[int, set[tuple[int, int]]] = {pk: set() for pk in branches}
    years = list(range(start.year, end.year + 1))
    for length, paths in by_len.items():
        rows = (ActivityCount.objects.filter(year__in=years)
                .annotate(branch_path=Substr("organization__path", 1, length)).filter(branch_path__in=list(paths))
                .values_list("branch_path", "year", *[f"m{i}" for i in range(1, 13)]))
        for path, year, *months in rows:
            for i, n in enumerate(months, start=1):
                if n:
                    held[paths[path]].add((year, i))
    result = {}
    for bid in branch_ids:
        org = branches.get(bid)
        if org is None:
            result[bid] = 0.0
            continue
        first = max(start, org.established_on) if org.established_on else start
        y, m, run, longest = first.year, first.month, 0, 0
        while (y, m) <= (end.year, end.month):
            run = 0 if (y, m) in held[bid] else run + 1
            longest = max(longest, run)
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        result[bid] = float(longest)
    return result



# --- providers from orglife/compliance.py (organizational life) --------------------------------------------------


def _compliance_func(name):
    def load():
        func = getattr(compliance, name, None)
        if func is None:
            raise MetricUnavailable(NOT_AVAILABLE.format(reason=gettext("branches.compliance 缺少 {name}").format(name=name)))
        return func
    return load


_LAZY = {
    "meeting_completion": _compliance_func("completion_rates"),
    "attendance_rate": _compliance_func("attendance_rates"),
    "talk_coverage": _compliance_func("talk_coverage"),
}


def meeting_completion(*, branch_ids, start: date, end: date) -> dict[int, float]:
    return _LAZY["meeting_completion"]()(branch_ids=branch_ids, start=start, end=end)


def attendance_rate(*, branch_ids, start: date, end: date) -> dict[int, float]:
    return _LAZY["attendance_rate"]()(branch_ids=branch_ids, start=start, end=end)


def talk_coverage(*, branch_ids, start: date, end: date) -> dict[int, float]:
    # 谈心谈话 is counted per year: the year the period ends in.
    return _LAZY["talk_coverage"]()(branch_ids=branch_ids, year=end.year)


register_metric("meeting_completion", _("“三会一课”及主题党日完成率"), meeting_completion,
                records_url_name="orglife:compliance")
register_metric("attendance_rate", _("组织生活出席率"), attendance_rate, records_url_name="branches:activities")
register_metric("talk_coverage", _("谈心谈话覆盖率"), talk_coverage, records_url_name="branches:activities")
register_metric("term_on_time", _("按期换届"), term_on_time, records_url_name="branches:detail", unit="flag")
register_metric("committee_complete", _("班子健全（支委会/书记配备）"), committee_complete,
                records_url_name="branches:detail", unit="flag")
register_metric("months_without_activity", _("连续无组织生活月数（≥6 个月扣分）"), months_without_activity,
                records_url_name="branches:activities", unit="count")
register_metric("rectification_on_time", _("整改按期销号率"), rectification_on_time,
                records_url_name="evaluations:branch_rectifications")
register_metric("rectification_overdue", _("逾期未完成整改事项数"), rectification_overdue,
                records_url_name="evaluations:branch_rectifications", unit="count")


# --- providers from practice/ (brands, 先锋岗, study, training, 联系点); shown on the branch page ------------------
def _register_practice() -> None:

    units = {"practice.study_hours_per_member": "count", "practice.vanguard_post_count": "count",
             "practice.responsibility_area_count": "count", "practice.brand_recognition_count": "count",
             "practice.secretary_training_coverage": "flag"}
    for key, (label, func) in practice_selectors.METRICS.items():
        register_metric(key, label, func, records_url_name="branches:detail", unit=units.get(key, "rate"))


_register_practice()
