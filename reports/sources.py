"""Where report figures come from: one small function per section, each calling the owning app's selector.

Reports never compute a figure of their own: completion, attendance and 谈心谈话 coverage come from
orglife.compliance (the engine behind the compliance pages), members and committees from the branches and
members selectors' querysets, star levels / 四强 / 整改 from evaluations, practice figures from
practice.selectors. Reports sit on top of every app and import them plainly (issue #15; they were found
through importlib before, which hid the dependency and silently returned nothing when a module moved). The
has_*() checks and the builders' "暂无数据" sections stay for a figure an app does not provide.
"""
from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from datetime import date
from decimal import Decimal

from django.db.models import Count, Max, Q

from branches.models import CommitteeSeat, CommitteeTerm, Organization, seat_order_expression
from branches.selectors import structure_warnings, with_structure
from evaluations import models as evaluation_models_mod
from evaluations import selectors as evaluation_selectors
from members.models import Education, Member, MemberCategory, MembershipMove, MemberStatus
from orglife import compliance as orglife_compliance
from orglife import models as orglife_models
from orglife import selectors as orglife_selectors
from practice import models as practice_models
from practice import selectors as practice_selectors

from .periods import ReportPeriod

CRITERIA = (("political", "政治功能强"), ("leadership", "支部班子强"), ("members", "党员队伍强"),
            ("role", "作用发挥强"))
STAR_LABELS = {5: "五星", 4: "四星", 3: "三星", 2: "二星", 1: "一星"}
UNAVAILABLE = {
    "orglife": "组织生活记录模块尚未启用，暂无数据。",
    "evaluations": "评星定级模块尚未启用，暂无数据。",
    "practice": "党建实践模块尚未启用，暂无数据。",
}


def has_orglife() -> bool:
    return orglife_compliance is not None


def has_evaluations() -> bool:
    return evaluation_models_mod is not None and hasattr(evaluation_models_mod, "BranchEvaluation")


def has_practice() -> bool:
    sel = practice_selectors
    return sel is not None and hasattr(sel, "branch_practice_summary")


# --- organizational life (orglife.compliance) --------------------------------------------------------------


def org_life_rates(*, branch_ids: list[int], period: ReportPeriod) -> dict[int, dict] | None:
    """{branch id: {"completion", "attendance", "talks"}} as fractions 0..1, from the compliance engine."""
    compliance = orglife_compliance
    if compliance is None:
        return None
    completion = compliance.completion_rates(branch_ids=branch_ids, start=period.start, end=period.end)
    attendance = compliance.attendance_rates(branch_ids=branch_ids, start=period.start, end=period.end)
    talks = compliance.talk_coverage(branch_ids=branch_ids, year=period.year)
    return {pk: {"completion": completion.get(pk), "attendance": attendance.get(pk), "talks": talks.get(pk)}
            for pk in branch_ids}


def org_life_table(*, branch, period: ReportPeriod) -> dict | None:
    """Per activity type held / required over the period (the compliance page's row), plus the same by month."""
    compliance = orglife_compliance
    if compliance is None:
        return None

    rows = compliance.compliance_table(organizations_qs=Organization.objects.filter(pk=branch.pk), period=period.key)
    if not rows:
        return {"types": [], "months": [], "required": 0, "held": 0, "rate": None}
    row = rows[0]
    types = []
    months: dict[int, list[int]] = {m.index: [0, 0] for m in period.months()}
    for cell in sorted(row.cells.values(), key=lambda c: (c.activity_type.order, c.activity_type.pk)):
        if not cell.required and not cell.count:
            continue
        types.append({
            "name": cell.activity_type.name,
            "required": cell.required,
            "held": cell.count,
            "credited": cell.held,
            "missing": cell.missing,
            "state": {"met": "达标", "due": "待完成", "overdue": "未达标", "none": "不作要求"}[cell.state],
            "counts": cell.activity_type.counts_for_completion,
        })
        if cell.activity_type.counts_for_completion:
            for w in cell.windows:
                month = w.window.end.month
                if w.window.end.year == period.year and month in months:
                    months[month][0] += w.required
                    months[month][1] += w.held
    return {
        "types": types,
        "months": [(f"{m}月", req, held) for m, (req, held) in sorted(months.items())],
        "required": row.required,
        "held": row.held,
        "rate": row.completion_rate,
    }


def orglife_facts(*, branch, period: ReportPeriod) -> dict | None:
    """第一议题 count, 书记/领导干部 party lectures, 双重组织生活 attendances and cadres (the branch page's figures)."""
    return orglife_selectors.orglife_facts(branch_ids=[branch.pk], start=period.start, end=period.end)[branch.pk]


def activities(*, branch, period: ReportPeriod, limit: int = 200) -> list[dict] | None:
    """Submitted records of the branch and its 党小组 in the period, with attendance counts."""
    models = orglife_models
    if models is None or not hasattr(models, "Activity"):
        return None
    Activity = models.Activity
    present = getattr(models, "PRESENT_STATUSES", ("present", "late"))
    qs = Activity.objects.filter(organization__path__startswith=branch.path, held_on__gte=period.start,
                                 held_on__lte=period.end)
    qs = qs.submitted() if hasattr(qs, "submitted") else qs.filter(is_deleted=False)
    rows = (qs.select_related("activity_type", "organization")
            .annotate(expected=Count("attendances", filter=Q(attendances__member__isnull=False)),
                      present=Count("attendances", filter=Q(attendances__member__isnull=False,
                                                            attendances__status__in=present)))
            .order_by("held_on", "pk")[:limit])
    return [{"date": a.held_on, "type": a.activity_type.name, "title": a.title,
             "organization": a.organization.name, "present": a.present, "expected": a.expected,
             "rate": (a.present / a.expected) if a.expected else None} for a in rows]


# --- members and committees (branches / members) ------------------------------------------------------------


def member_structure(*, org, on: date) -> dict:
    """Active members under `org`: totals and shares by status, category, gender, education, age band."""

    qs = Member.objects.within(org.path).active()
    rows = list(qs.values_list("status", "category", "gender", "education", "birth_date"))
    total = len(rows)
    status = Counter(r[0] for r in rows)
    category = Counter(r[1] for r in rows)
    gender = Counter(r[2] for r in rows)
    education = Counter(r[3] for r in rows)
    bands = Counter()
    for *_, birth in rows:
        age = on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
        bands["35岁及以下" if age <= 35 else "36—45岁" if age <= 45 else "46—55岁" if age <= 55
              else "56—60岁" if age <= 60 else "61岁及以上"] += 1
    table = [("党员总数", total)]
    table += [(MemberStatus(k).label, status.get(k, 0)) for k in MemberStatus.values]
    table += [("女党员", gender.get("female", 0))]
    table += [(f"{MemberCategory(k).label}党员", v) for k, v in sorted(category.items()) if v]
    higher = sum(education.get(k, 0) for k in (Education.POSTGRADUATE, Education.BACHELOR, Education.COLLEGE))
    table += [("大专及以上学历", higher)]
    return {
        "total": total,
        "full": status.get(MemberStatus.FULL, 0),
        "probationary": status.get(MemberStatus.PROBATIONARY, 0),
        "table": [{"label": label, "count": n, "share": (n / total if total else 0.0)} for label, n in table],
        "age_bands": [(b, bands.get(b, 0)) for b in ("35岁及以下", "36—45岁", "46—55岁", "56—60岁", "61岁及以上")],
    }


def member_changes(*, org, period: ReportPeriod) -> dict:
    """Moves touching `org`'s subtree in the period, and members admitted / confirmed in it."""

    inside = Q(from_organization__path__startswith=org.path) | Q(to_organization__path__startswith=org.path)
    moves = list(MembershipMove.objects.filter(inside, occurred_on__gte=period.start, occurred_on__lte=period.end)
                 .select_related("member", "from_organization", "to_organization").order_by("occurred_on", "pk")[:200])
    in_subtree = Member.objects.within(org.path)
    admitted = in_subtree.filter(joined_on__gte=period.start, joined_on__lte=period.end).count()
    confirmed = in_subtree.filter(confirmed_on__gte=period.start, confirmed_on__lte=period.end).count()
    by_kind = Counter(m.get_kind_display() for m in moves)
    return {
        "admitted": admitted,
        "confirmed": confirmed,
        "by_kind": sorted(by_kind.items()),
        "moves": [{"date": m.occurred_on, "member": m.member.name, "kind": m.get_kind_display(),
                   "from": m.from_organization.name if m.from_organization else m.counterpart,
                   "to": m.to_organization.name if m.to_organization else m.counterpart,
                   "note": m.note} for m in moves],
    }


def committee(*, branch, on: date) -> dict:
    """The branch's current committee (organization_detail's prefetch) and its structural warnings."""

    org = with_structure(Organization.objects.filter(pk=branch.pk)).get()
    term = CommitteeTerm.objects.filter(organization=branch, closed_on__isnull=True).order_by("-started_on").first()
    seats = []
    if term:
        seats = [{"role": s.get_role_display(), "name": s.member.name, "since": s.started_on or term.started_on}
                 for s in CommitteeSeat.objects.filter(term=term, ended_on__isnull=True).select_related("member")
                 .order_by(seat_order_expression(), "pk")]
    return {
        "term": term,
        "seats": seats,
        "secretary": next((s["name"] for s in seats if s["role"] == "书记"), ""),
        "warnings": [w.message for w in structure_warnings(org, today=on)],
        "member_count": org.member_count,
        "full_member_count": org.full_member_count,
    }


def committee_overview(*, branch_ids: list[int], on: date) -> dict[int, dict]:
    """Per branch: has a committee, term overdue, member counts, structural warnings (one query)."""

    out = {}
    for org in with_structure(Organization.objects.filter(pk__in=branch_ids)):
        warnings = structure_warnings(org, today=on)
        out[org.pk] = {
            "members": org.member_count,
            "full_members": org.full_member_count,
            "seats": org.seat_count,
            "term_overdue": any(w.code == "term_overdue" for w in warnings),
            "warnings": [w.message for w in warnings],
        }
    return out


# --- evaluations ---------------------------------------------------------------------------------------------


def evaluation_results(*, branch_ids: list[int], year: int) -> dict[int, dict] | None:
    """Published results of the latest cycle of `year` (or before) per branch: stars, 四强, total, criteria %."""
    models = evaluation_models_mod
    if models is None or not hasattr(models, "BranchEvaluation"):
        return None
    selectors = evaluation_selectors
    BranchEvaluation, Step = models.BranchEvaluation, models.Step
    evaluations = (BranchEvaluation.objects.filter(organization_id__in=branch_ids, step=Step.RESULT,
                                                   cycle__year__lte=year)
                   .select_related("cycle__standard").order_by("organization_id", "-cycle__year", "-cycle__pk"))
    maxima_by_standard: dict[int, dict] = {}
    out: dict[int, dict] = {}
    for e in evaluations:
        if e.organization_id in out:
            continue  # the newest published result wins
        std = e.cycle.standard
        if std.pk not in maxima_by_standard:
            maxima_by_standard[std.pk] = (selectors.criterion_maxima(std.indicators.all()) if selectors
                                          else {c: Decimal(0) for c, _ in CRITERIA})
        maxima = maxima_by_standard[std.pk]
        criteria = {}
        for key, _ in CRITERIA:
            score = e.criterion_scores.get(key)
            top = maxima.get(key) or Decimal(0)
            criteria[key] = round(float(Decimal(str(score)) / top * 100), 1) if score is not None and top else None
        out[e.organization_id] = {
            "cycle": e.cycle.name, "year": e.cycle.year, "stars": e.stars, "four_strong": e.four_strong,
            "total": float(e.total) if e.total is not None else None, "criteria": criteria, "vetoed": e.vetoed,
        }
    return out


def rectifications(*, org, period: ReportPeriod, today: date) -> dict | None:
    """整改 items of `org`'s subtree for the period: table rows and counts by state (overdue = open past due)."""
    models = evaluation_models_mod
    if models is None or not hasattr(models, "Rectification"):
        return None
    Rectification, Status = models.Rectification, models.RectificationStatus
    # Raised by the period's end, or found by that year's evaluation (often recorded early the next year);
    # and not closed before the period began.
    raised = Q(created_at__date__lte=period.end) | Q(evaluation__cycle__year=period.year)
    qs = (Rectification.objects.filter(raised, organization__path__startswith=org.path)
          .filter(Q(closed_on__isnull=True) | Q(closed_on__gte=period.start))
          .select_related("organization").order_by("status", "due_on", "pk"))
    rows = []
    counts = Counter()
    per_branch: dict[int, Counter] = defaultdict(Counter)
    for r in qs:
        overdue = r.status != Status.CLOSED and r.due_on < today
        state = "已逾期" if overdue else r.get_status_display()
        counts[state] += 1
        per_branch[r.organization_id]["open" if r.status != Status.CLOSED else "closed"] += 1
        if overdue:
            per_branch[r.organization_id]["overdue"] += 1
        rows.append({"organization": r.organization.name, "problem": r.problem, "requirement": r.requirement,
                     "due_on": r.due_on, "responsible": r.responsible_person, "source": r.get_source_display(),
                     "state": state, "closed_on": r.closed_on})
    return {"rows": rows, "counts": dict(counts), "total": len(rows), "per_branch": dict(per_branch)}


# --- practice ------------------------------------------------------------------------------------------------


def practice_branch(*, branch, period: ReportPeriod) -> dict | None:
    sel = practice_selectors
    if sel is None or not hasattr(sel, "branch_practice_summary"):
        return None
    return sel.branch_practice_summary(branch=branch, start=period.start, end=period.end)


def practice_subtree(*, organizations_qs, period: ReportPeriod) -> dict | None:
    sel = practice_selectors
    if sel is None or not hasattr(sel, "subtree_practice_summary"):
        return None
    return sel.subtree_practice_summary(organizations_qs=organizations_qs, start=period.start, end=period.end)


# --- data fingerprint ----------------------------------------------------------------------------------------


def _fingerprint_sources():
    """(label, queryset factory taking a path) for every record kind a report reads, where installed."""

    from .models import ReportPlan

    sources = [
        ("org", lambda p: Organization.objects.filter(path__startswith=p), "updated_at"),
        ("term", lambda p: CommitteeTerm.objects.filter(organization__path__startswith=p), "updated_at"),
        ("seat", lambda p: CommitteeSeat.objects.filter(term__organization__path__startswith=p), "pk"),
        ("member", lambda p: Member.objects.filter(branch__path__startswith=p), "updated_at"),
        ("move", lambda p: MembershipMove.objects.filter(
            Q(from_organization__path__startswith=p) | Q(to_organization__path__startswith=p)), "pk"),
        ("plan", lambda p: ReportPlan.objects.filter(organization__path__startswith=p), "updated_at"),
    ]
    branch_models = orglife_models
    for name in ("Activity", "Talk", "FrequencyRule"):
        model = getattr(branch_models, name, None)
        if model is None:
            continue
        field = "updated_at" if any(f.name == "updated_at" for f in model._meta.get_fields()) else "pk"
        if name == "FrequencyRule":
            sources.append((name, lambda p, m=model: m.objects.all(), field))
        else:
            sources.append((name, lambda p, m=model: m.objects.filter(organization__path__startswith=p), field))
    evaluation_models = evaluation_models_mod
    for name in ("BranchEvaluation", "Rectification"):
        model = getattr(evaluation_models, name, None)
        if model is not None:
            sources.append((name, lambda p, m=model: m.objects.filter(organization__path__startswith=p), "updated_at"))
    return sources


def _practice_sources():
    """Practice models placed on an organization and stamped with updated_at (brands, posts, study...)."""
    from django.apps import apps

    if not apps.is_installed("practice") or practice_models is None:
        return []
    out = []
    for model in apps.get_app_config("practice").get_models():
        names = {f.name for f in model._meta.get_fields()}
        if "organization" in names and "updated_at" in names:
            out.append((model.__name__, lambda p, m=model: m.objects.filter(organization__path__startswith=p),
                        "updated_at"))
    return out


def data_fingerprint(*, org, kind: str, period: str, fmt: str, version: str) -> str:
    """A digest of what the report depends on: for each record kind under `org`, its count and latest change.

    Equal fingerprints mean the same records as last time, so the existing file is returned.
    """
    parts = [version, kind, period, fmt, org.path, org.name]
    for label, factory, field in [*_fingerprint_sources(), *_practice_sources()]:
        agg = factory(org.path).aggregate(n=Count("pk"), last=Max(field))
        parts.append(f"{label}:{agg['n']}:{agg['last']}")
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def rectification_counts(*, branch_ids: list[int], today: date) -> dict[int, dict] | None:
    """Per branch: open, overdue and closed 整改 items (one grouped query)."""
    models = evaluation_models_mod
    if models is None or not hasattr(models, "Rectification"):
        return None
    Rectification, Status = models.Rectification, models.RectificationStatus
    rows = (Rectification.objects.filter(organization_id__in=branch_ids).order_by().values("organization_id")
            .annotate(open=Count("pk", filter=~Q(status=Status.CLOSED)),
                      overdue=Count("pk", filter=~Q(status=Status.CLOSED) & Q(due_on__lt=today)),
                      closed=Count("pk", filter=Q(status=Status.CLOSED))))
    out = {pk: {"open": 0, "overdue": 0, "closed": 0} for pk in branch_ids}
    for row in rows:
        out[row["organization_id"]] = {"open": row["open"], "overdue": row["overdue"], "closed": row["closed"]}
    return out


def branches_under(org) -> list[int]:
    """Active branches (党支部 / 联合 / 临时) in `org`'s subtree, in tree order."""

    return list(Organization.objects.within(org.path).active().branches().order_by("path").values_list("pk", flat=True))
