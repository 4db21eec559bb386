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
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, Max, Q
from django.db.models.functions import Substr

from branches.models import CommitteeSeat, CommitteeTerm, Organization, seat_order_expression
from branches.selectors import structure_warnings, with_structure
from evaluations import models as evaluation_models_mod
from evaluations import selectors as evaluation_selectors
from members.models import Education, Member, MemberCategory, MembershipMove, MemberStatus
from members.selectors.registry import members_on
from orglife import compliance as orglife_compliance
from orglife import models as orglife_models
from orglife import selectors as orglife_selectors
from orglife.figures import completion_rate, completion_totals
from orglife.models import RuleHolder
from practice import models as practice_models
from practice import selectors as practice_selectors
from programmes import selectors as programme_selectors
from programmes.models import Programme

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


def org_life_rates(*, branch_ids: list[int], period: ReportPeriod, today: date | None = None,
                   compliance_rows: list | None = None) -> dict[int, dict] | None:
    """{branch id: {"completion", "attendance", "talks"}} as fractions 0..1 (completion None when nothing was
    required), as orglife/figures.py defines them: the same numbers as the compliance page and API.
    `compliance_rows`: the branches' compliance_table rows for this period and day, when the caller has them."""
    compliance = orglife_compliance
    if compliance is None:
        return None

    today = today or date.today()
    if compliance_rows is None:
        compliance_rows = compliance.compliance_table(
            organizations_qs=Organization.objects.filter(pk__in=branch_ids), period=period.key, today=today)
    rows = {r.organization_id: r for r in compliance_rows}
    attendance = compliance.attendance_rates(branch_ids=branch_ids, start=period.start, end=period.end, empty=None)
    end = min(period.end, today)
    talks = compliance.talk_counts(branch_ids=branch_ids, year=period.year, end=end)
    return {pk: {"completion": completion_rate(rows.get(pk)), "attendance": attendance.get(pk),
                 "talks": (talks[pk][0] / talks[pk][1]) if talks.get(pk, (0, 0))[1] else None,
                 "talked": talks.get(pk, (0, 0))[0], "talk_base": talks.get(pk, (0, 0))[1]} for pk in branch_ids}


def branch_compliance_rows(*, branch, period: ReportPeriod, today: date) -> list | None:
    """The branch's compliance_table rows (its groups folded in) for the period as of `today`: what org_life_table
    and org_life_rates both read, computed once for a branch report."""
    if orglife_compliance is None:
        return None
    return orglife_compliance.compliance_table(organizations_qs=Organization.objects.filter(pk=branch.pk),
                                               period=period.key, today=today)


def org_life_table(*, branch, period: ReportPeriod, today: date | None = None,
                   compliance_rows: list | None = None) -> dict | None:
    """Per activity type held / required over the period (the compliance page's row), plus the same by month.
    `compliance_rows`: the branch's compliance_table rows for this period and day, when the caller has them.

    `required`, `held` (credited) and `rate` are the 完成率's figures (三会一课 + 主题党日, orglife/figures.py);
    the monthly chart books each meeting window in the month it ends and leaves out per-member requirements
    (谈心谈话 is a coverage of members over the year, not a meeting due in December)."""
    compliance = orglife_compliance
    if compliance is None:
        return None

    rows = compliance_rows if compliance_rows is not None else compliance.compliance_table(
        organizations_qs=Organization.objects.filter(pk=branch.pk), period=period.key, today=today or date.today())
    if not rows:
        return {"types": [], "months": [], "required": 0, "held": 0, "rate": None}
    row = rows[0]
    types = []
    months: dict[int, list[int]] = {m.index: [0, 0] for m in period.months()}
    for cell in sorted(row.cells.values(), key=lambda c: (c.activity_type.order, c.activity_type.pk)):
        if not cell.required and not cell.count:
            continue
        short = [ReportPeriod.parse(w.window.key).label.removeprefix(f"{period.year}年")
                 for w in cell.windows if w.state == "overdue"]
        types.append({
            "code": cell.activity_type.code,
            "short_windows": short,
            "per_member": cell.rule is not None and cell.rule.holder == RuleHolder.MEMBER,
            "name": cell.activity_type.name,
            "required": cell.required,
            "held": cell.count,
            "credited": cell.held,
            "missing": cell.missing,
            "state": {"met": "达标", "due": "待完成", "overdue": "未达标", "none": "不作要求"}[cell.state],
            "counts": cell.activity_type.counts_for_completion,
        })
        if cell.activity_type.counts_for_completion and cell.rule and cell.rule.holder != RuleHolder.MEMBER:
            for w in cell.windows:
                month = w.window.end.month
                if w.window.end.year == period.year and month in months:
                    months[month][0] += w.required
                    months[month][1] += min(w.held, w.required)
    required, credited = completion_totals(row)
    return {
        "types": types,
        "months": [(f"{m}月", req, held) for m, (req, held) in sorted(months.items())],
        "required": required,
        "held": credited,
        "rate": completion_rate(row),
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
    qs = qs.submitted() if hasattr(qs, "submitted") else qs.filter(is_voided=False)
    rows = (qs.select_related("activity_type", "organization")
            .annotate(expected=Count("attendances", filter=Q(attendances__member__isnull=False)),
                      present=Count("attendances", filter=Q(attendances__member__isnull=False,
                                                            attendances__status__in=present)))
            .order_by("held_on", "pk")[:limit])
    return [{"date": a.held_on, "type": a.activity_type.name, "title": a.title,
             "organization": a.organization.name, "present": a.present, "expected": a.expected,
             "rate": (a.present / a.expected) if a.expected else None} for a in rows]


def activity_facts(*, branch, period: ReportPeriod) -> dict | None:
    """What the narrative names: 党课 (lecturer and title), 主题党日 themes and 支委会 topics of the period's
    submitted records of the branch and its 党小组 (one query)."""
    models = orglife_models
    if models is None or not hasattr(models, "Activity"):
        return None
    qs = models.Activity.objects.filter(organization__path__startswith=branch.path, held_on__gte=period.start,
                                        held_on__lte=period.end)
    qs = qs.submitted() if hasattr(qs, "submitted") else qs.filter(is_voided=False)
    out = {"lectures": [], "theme_days": [], "first_topics": []}
    for a in qs.filter(activity_type__code__in=("lecture", "theme_day", "committee_meeting")).select_related(
            "activity_type").order_by("held_on", "pk"):
        code = a.activity_type.code
        if code == "lecture":
            out["lectures"].append({"date": a.held_on, "lecturer": a.lecturer, "title": a.lecture_title or a.title})
        elif code == "theme_day":
            out["theme_days"].append({"date": a.held_on, "title": a.title})
        elif "第一议题" in (a.topics or ""):
            out["first_topics"].append({"date": a.held_on, "title": a.title})
    return out


# --- members and committees (branches / members) ------------------------------------------------------------


def member_structure(*, org, on: date) -> dict:
    """Members on the registry under `org` on the day `on` (members.selectors.registry.members_on: the organizational
    history, not today's registry): totals and shares by status, category, gender, education, age band."""

    rows = [(m.status_on, m.category, m.gender, m.education, m.birth_date) for m in members_on(path=org.path, on=on)]
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


def term_on(*, branch, on: date):
    """The committee term in office on `on`: started by then and not closed by then (the newest such)."""

    return (CommitteeTerm.objects.filter(organization=branch, started_on__lte=on)
            .filter(Q(closed_on__isnull=True) | Q(closed_on__gt=on)).order_by("-started_on", "-pk").first())


def committee(*, branch, on: date, today: date | None = None) -> dict:
    """The branch's committee as it stood on `on` (the term in office and the seats held that day), and — only
    when `on` is today — the structural warnings, which describe the present."""

    term = term_on(branch=branch, on=on)
    seats = []
    if term:
        held = (Q(started_on__isnull=True) | Q(started_on__lte=on)) & (Q(ended_on__isnull=True) | Q(ended_on__gt=on))
        seats = [{"role": s.get_role_display(), "name": s.member.name, "since": s.started_on or term.started_on}
                 for s in CommitteeSeat.objects.filter(held, term=term).select_related("member")
                 .order_by(seat_order_expression(), "pk")]
    current = today is None or on >= today
    warnings = []
    if current:
        org = with_structure(Organization.objects.filter(pk=branch.pk)).get()
        warnings = [w.message for w in structure_warnings(org, today=on)]
    elif term and term.ends_on and term.ends_on < on:
        warnings = [f"本届支部委员会任期已于{term.ends_on:%Y年%m月%d日}届满，截至{on:%Y年%m月%d日}尚未换届"]
    return {
        "term": term,
        "seats": seats,
        "secretary": next((s["name"] for s in seats if s["role"] == "书记"), ""),
        "warnings": warnings,
        "term_overdue": bool(term and term.ends_on and term.ends_on < on),
        "on": on,
    }


def committee_overview(*, branch_ids: list[int], on: date) -> dict[int, dict]:
    """Per branch, as it stood on `on`: members on the registry (from the organizational history), committee seats
    held and whether the term in office had run out."""

    out = {}
    for org in Organization.objects.filter(pk__in=branch_ids).only("pk", "path"):
        com = committee(branch=org, on=on, today=on + timedelta(days=1))
        members = member_structure(org=org, on=on)
        out[org.pk] = {"members": members["total"], "full_members": members["full"], "seats": len(com["seats"]),
                       "term_overdue": com["term_overdue"]}
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


def _rectification_qs(models, *, where: Q, period: ReportPeriod):
    """整改 items of a period: raised by the period's end, or found by that year's evaluation (often recorded early
    the next year); and not closed before the period began. The one filter behind every 整改 figure."""
    raised = Q(created_at__date__lte=period.end) | Q(evaluation__cycle__year=period.year)
    return (models.Rectification.objects.filter(raised, where)
            .filter(Q(closed_on__isnull=True) | Q(closed_on__gte=period.start)))


def rectification_state(r, *, as_of: date, closed_status) -> str:
    """closed / overdue / open on `as_of`: closed if closed by then; overdue if open then and past due."""
    if r.status == closed_status and r.closed_on and r.closed_on <= as_of:
        return "closed"
    if r.status == closed_status and r.closed_on is None:
        return "closed"
    return "overdue" if r.due_on < as_of else "open"


def rectifications(*, org, period: ReportPeriod, today: date) -> dict | None:
    """整改 items of `org`'s subtree for the period (see `_rectification_qs`): rows and counts by state on the day
    the report is compiled (整改 is followed until it is closed); an item open then and past due is overdue."""
    models = evaluation_models_mod
    if models is None or not hasattr(models, "Rectification"):
        return None
    Status = models.RectificationStatus
    as_of = today
    qs = (_rectification_qs(models, where=Q(organization__path__startswith=org.path), period=period)
          .select_related("organization").order_by("status", "due_on", "pk"))
    rows = []
    counts = Counter()
    per_branch: dict[int, Counter] = defaultdict(Counter)
    labels = {"closed": "已销号", "overdue": "已逾期", "open": "整改中"}
    for r in qs:
        state = rectification_state(r, as_of=as_of, closed_status=Status.CLOSED)
        counts[state] += 1
        per_branch[r.organization_id][state] += 1
        rows.append({"organization": r.organization.name, "problem": r.problem, "requirement": r.requirement,
                     "due_on": r.due_on, "responsible": r.responsible_person, "source": r.get_source_display(),
                     "state": labels[state], "closed_on": r.closed_on})
    return {"rows": rows, "counts": {labels[k]: v for k, v in counts.items()}, "total": len(rows),
            "closed": counts["closed"], "open": counts["open"] + counts["overdue"], "overdue": counts["overdue"],
            "per_branch": dict(per_branch), "as_of": as_of}


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
    """(label, queryset, path lookups, field) for every record kind a report reads, where installed: a record is in
    an organization's subtree when one of its path lookups starts with the organization's path (no lookups: every
    record counts, as the frequency rules do); `field` is its latest change."""

    from .models import ReportPlan

    sources = [
        ("org", Organization.objects.all(), ("path",), "updated_at"),
        ("term", CommitteeTerm.objects.all(), ("organization__path",), "updated_at"),
        ("seat", CommitteeSeat.objects.all(), ("term__organization__path",), "pk"),
        ("member", Member.objects.all(), ("branch__path",), "updated_at"),
        ("move", MembershipMove.objects.all(), ("from_organization__path", "to_organization__path"), "pk"),
        ("plan", ReportPlan.objects.all(), ("organization__path",), "updated_at"),
    ]
    branch_models = orglife_models
    for name in ("Activity", "Talk", "FrequencyRule"):
        model = getattr(branch_models, name, None)
        if model is None:
            continue
        field = "updated_at" if any(f.name == "updated_at" for f in model._meta.get_fields()) else "pk"
        sources.append((name, model.objects.all(), () if name == "FrequencyRule" else ("organization__path",), field))
    evaluation_models = evaluation_models_mod
    for name in ("BranchEvaluation", "Rectification"):
        model = getattr(evaluation_models, name, None)
        if model is not None:
            sources.append((name, model.objects.all(), ("organization__path",), "updated_at"))
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
            out.append((model.__name__, model.objects.all(), ("organization__path",), "updated_at"))
    return out


def data_state(org) -> list[str]:
    """For each record kind under `org` that a report reads: its count and latest change (~35 aggregates)."""
    parts = []
    for label, qs, lookups, field in [*_fingerprint_sources(), *_practice_sources()]:
        under = Q()
        for lookup in lookups:
            under |= Q(**{f"{lookup}__startswith": org.path})
        agg = qs.filter(under).aggregate(n=Count("pk"), last=Max(field))
        parts.append(f"{label}:{agg['n']}:{agg['last']}")
    return parts


def data_states(orgs) -> dict[int, list[str]]:
    """data_state of many organizations, by id, equal to it item by item: one grouped query per record kind and
    organization path length instead of ~35 queries per organization (a schedule asks for every branch)."""
    owner = {o.path: o.pk for o in orgs}
    lengths = sorted({len(path) for path in owner})
    states: dict[int, list[str]] = {o.pk: [] for o in orgs}
    for label, qs, lookups, field in [*_fingerprint_sources(), *_practice_sources()]:
        found: dict[int, list] = {}
        if not lookups:
            agg = qs.aggregate(n=Count("pk"), last=Max(field))
            found = {pk: [agg["n"], agg["last"]] for pk in states}
        elif len(lookups) == 1:
            for length in lengths:
                rows = (qs.order_by().annotate(fp_prefix=Substr(lookups[0], 1, length)).values("fp_prefix")
                        .annotate(n=Count("pk"), last=Max(field)))
                for row in rows:
                    prefix = row["fp_prefix"]
                    if prefix and len(prefix) == length and prefix in owner:
                        found[owner[prefix]] = [row["n"], row["last"]]
        else:  # a record under either of two organizations (a move's origin and destination) counts once for each
            for value, *paths in qs.order_by().values_list(field, *lookups).iterator(chunk_size=5000):
                for pk in {owner.get(path[:length]) for path in paths if path for length in lengths
                           if len(path) >= length} - {None}:
                    seen = found.setdefault(pk, [0, None])
                    seen[0] += 1
                    seen[1] = value if seen[1] is None or (value is not None and value > seen[1]) else seen[1]
        for pk, state in states.items():
            n, last = found.get(pk, (0, None))
            state.append(f"{label}:{n}:{last}")
    return states


def data_fingerprint(*, org, kind: str, period: str, fmt: str, version: str, state: list[str] | None = None) -> str:
    """A digest of what the report depends on (data_state) and of what is asked for.

    Equal fingerprints mean the same records as last time, so the existing file is returned. `state`: data_state
    of `org` read once for several formats of one request.
    """
    parts = [version, kind, period, fmt, org.path, org.name, *(data_state(org) if state is None else state)]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def rectification_counts(*, branch_ids: list[int], period: ReportPeriod, today: date) -> dict[int, dict] | None:
    """Per branch: open (overdue included), overdue and closed 整改 items of the period on the day the report is
    compiled — the same filter and states as `rectifications`."""
    models = evaluation_models_mod
    if models is None or not hasattr(models, "Rectification"):
        return None
    Status = models.RectificationStatus
    as_of = today
    out = {pk: {"open": 0, "overdue": 0, "closed": 0} for pk in branch_ids}
    for r in _rectification_qs(models, where=Q(organization_id__in=branch_ids), period=period).only(
            "organization_id", "status", "closed_on", "due_on"):
        state = rectification_state(r, as_of=as_of, closed_status=Status.CLOSED)
        counts = out[r.organization_id]
        counts["closed" if state == "closed" else "open"] += 1
        if state == "overdue":
            counts["overdue"] += 1
    return out


def branches_under(org, on: date | None = None) -> list[int]:
    """Branches (党支部 / 联合 / 临时) in `org`'s subtree in tree order: those existing on `on` (established by
    then, not dissolved by then), or today's active ones."""

    qs = Organization.objects.within(org.path).branches()
    if on is None:
        qs = qs.active()
    else:
        qs = qs.filter(established_on__lte=on).filter(Q(dissolved_on__isnull=True) | Q(dissolved_on__gt=on))
    return list(qs.order_by("path").values_list("pk", flat=True))


# --- what the committee narrative names --------------------------------------------------------------------


def committee_facts(*, org, branch_ids: list[int], period: ReportPeriod) -> dict:
    """The named records behind the committee report's 一是/二是 paragraphs, for the branches counted (and, for
    brands, the committee's own 1+N matrix): 党课 and 主题党日 of the period, 第一议题 on 支委会 agendas, 先锋岗/责任区
    in place during the period, honours of the year, brand matrices and recognitions, recheck cycles. Each list is
    what the records hold; a missing app leaves its key empty."""

    names = dict(Organization.objects.filter(pk__in=branch_ids).values_list("pk", "name"))
    out: dict = {"lectures": [], "theme_days": [], "first_topics": [], "posts": [], "member_honours": [],
                 "org_honours": [], "brands": [], "recognitions": [], "rechecks": []}
    models = orglife_models
    if models is not None and hasattr(models, "Activity") and branch_ids:
        paths = list(Organization.objects.filter(pk__in=branch_ids).values_list("path", flat=True))
        q = Q()
        for p in paths:
            q |= Q(organization__path__startswith=p)
        qs = models.Activity.objects.filter(q, held_on__gte=period.start, held_on__lte=period.end)
        qs = qs.submitted() if hasattr(qs, "submitted") else qs.filter(is_voided=False)
        branch_of = {p: pk for pk, p in Organization.objects.filter(pk__in=branch_ids).values_list("pk", "path")}
        for a in (qs.filter(activity_type__code__in=("lecture", "theme_day", "committee_meeting"))
                  .select_related("activity_type", "organization").order_by("held_on", "pk")):
            branch = next((pk for p, pk in branch_of.items() if a.organization.path.startswith(p)), None)
            row = {"branch": names.get(branch, a.organization.name), "branch_id": branch, "date": a.held_on}
            code = a.activity_type.code
            if code == "lecture":
                out["lectures"].append(dict(row, lecturer=a.lecturer, title=a.lecture_title or a.title))
            elif code == "theme_day":
                out["theme_days"].append(dict(row, title=a.title))
            elif "第一议题" in (a.topics or ""):
                out["first_topics"].append(dict(row, title=a.title))
    practice = practice_models
    if practice is not None and hasattr(practice, "Brand"):
        posts = (practice.VanguardPost.objects.filter(organization_id__in=branch_ids, is_voided=False,
                                                      starts_on__lte=period.end)
                 .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=period.start))
                 .select_related("organization").prefetch_related("holders").order_by("organization__path", "pk"))
        out["posts"] = [{"branch": p.organization.name, "kind": p.get_kind_display(), "name": p.name,
                         "holders": [h.name for h in p.holders.all()]} for p in posts]
        honours = (practice.Honour.objects.filter(organization_id__in=branch_ids, is_voided=False,
                                                  year__range=(period.start.year, period.end.year))
                   .select_related("organization", "member").order_by("organization__path", "pk"))
        for h in honours:
            row = {"branch": h.organization.name, "level": h.get_level_display(), "title": h.display_title,
                   "kind": h.kind}
            if h.kind in practice.MEMBER_HONOURS:
                out["member_honours"].append(dict(row, member=h.member.name if h.member_id else ""))
            else:
                out["org_honours"].append(row)
        brands = list(practice.Brand.objects.filter(is_voided=False, launched_on__lte=period.end)
                      .filter(Q(organization_id__in=branch_ids) | Q(organization_id=org.pk))
                      .select_related("organization").order_by("organization__path", "name"))
        children: dict[int, list] = defaultdict(list)
        for b in brands:
            if b.parent_id:
                children[b.parent_id].append(b.name)
        out["brands"] = [{"name": b.name, "branch": b.organization.name, "slogan": b.slogan,
                          "children": children.get(b.pk, [])} for b in brands if not b.parent_id]
        out["recognitions"] = [
            {"brand": r.brand.name, "branch": r.brand.organization.name, "level": r.get_level_display(),
             "title": r.title}
            for r in practice.BrandRecognition.objects.filter(
                brand__in=[b.pk for b in brands], is_voided=False, awarded_on__range=(period.start, period.end))
            .select_related("brand__organization").order_by("awarded_on", "pk")]
    evaluations = evaluation_models_mod
    if evaluations is not None and hasattr(evaluations, "Cycle"):
        rechecks = (evaluations.BranchEvaluation.objects.filter(
            organization_id__in=branch_ids, cycle__kind="recheck", cycle__year=period.year,
            step=evaluations.Step.RESULT).select_related("organization", "cycle").order_by("organization__path"))
        out["rechecks"] = [{"branch": e.organization.name, "cycle": e.cycle.name, "stars": e.stars,
                            "four_strong": e.four_strong} for e in rechecks]
    return out


# --- 创建 programmes (programmes.selectors) -------------------------------------------------------------------

PROGRAMMES = (Programme.FOUR_STRONG, Programme.RED_FLAG, Programme.FIVE_STAR)


def programme_summary(*, org, programme: str, year: int, as_of: date) -> dict:
    """One programme's titles and steps under `org` for `year`, per unit and in total (figures programme.*)."""
    return programme_selectors.programme_summary(organization=org, programme=programme, year=year, as_of=as_of)
