"""Reads on practice records: scoped lists, metrics for evaluation indicators, report summaries, notices.

Metrics all have the shape `func(*, branch_ids, start, end) -> dict[int, float]` (dates inclusive); every id
in `branch_ids` is in the result (0.0 when there is nothing), and each runs a fixed number of queries
whatever the number of branches. evaluations/metrics.py registers them.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import (
    Count,
    Exists,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Cast, Coalesce, Floor, Greatest, Least
from django.db.models.lookups import StartsWith
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from branches.models import BRANCH_KINDS, CommitteeSeat, Organization, OrganizationFigures, Role, SeatRole
from branches.permissions import role_grants
from members.models import Member
from portal.scoping import VIEW, minimal_paths, scope_for

from . import filters as f
from .models import (
    DEFAULT_MIN_CONTACT_VISITS,
    MEMBER_HONOURS,
    Audience,
    Brand,
    BrandRecognition,
    BrandSelectionRound,
    ContactFinding,
    ContactPoint,
    ContactVisit,
    ContactVisitRule,
    ContestResult,
    Honour,
    KnowledgeContest,
    Notice,
    NoticeReceipt,
    PostKind,
    StudyPlan,
    StudyPlanItem,
    StudyRecord,
    TrainingAttendance,
    TrainingCourse,
    TrainingKind,
    VanguardPost,
)

# --- lists (page, export and API share these) ---------------------------------------------------------
LISTS = {
    "brand": (Brand, f.BrandFilterSet, ("organization", "parent"), ("recognitions",)),
    "recognition": (BrandRecognition, f.RecognitionFilterSet, ("brand", "brand__organization"), ()),
    "round": (BrandSelectionRound, f.RoundFilterSet, ("organization",), ()),
    "post": (VanguardPost, f.PostFilterSet, ("organization",), ("holders",)),
    "study": (StudyRecord, f.StudyRecordFilterSet, ("member", "organization"), ()),
    "contest": (KnowledgeContest, f.ContestFilterSet, ("organization",), ()),
    "plan": (StudyPlan, f.PlanFilterSet, ("organization",), ()),
    "course": (TrainingCourse, f.CourseFilterSet, ("organization",), ()),
    "contact": (ContactPoint, f.ContactPointFilterSet, ("organization", "contact_user", "contact_member"), ()),
    "visit": (ContactVisit, f.VisitFilterSet, ("contact_point__organization", "contact_point__contact_member",
                                               "contact_point__contact_user"), ()),
    "honour": (Honour, f.HonourFilterSet, ("organization", "member"), ()),
    "notice": (Notice, f.NoticeFilterSet, ("organization", "published_by"), ()),
}


def base_queryset(kind: str, *, user, action: str = VIEW) -> QuerySet:
    model, _, related, prefetch = LISTS[kind]
    if kind == "study" and action == VIEW:
        qs = StudyRecord.objects.visible_to(user)
    else:
        qs = model.objects.restrict(user, action)
    qs = qs.select_related(*related)
    if prefetch:
        qs = qs.prefetch_related(*prefetch)
    if kind == "contact":
        qs = qs.annotate(visit_count=Count("visits", filter=Q(visits__is_voided=False)))
    if kind == "plan":
        qs = qs.annotate(item_count=Count("items"), done_count=Count("items", filter=Q(items__done_on__isnull=False)))
    if kind == "course":
        qs = qs.annotate(attended_count=Count("attendances", filter=Q(attendances__attended=True)),
                         completed_count=Count("attendances", filter=Q(attendances__completed=True)))
    return qs


def practice_list(kind: str, *, user, filters=None, request=None, action: str = VIEW):
    """(filtered queryset, filterset) for a kind's list page, export and API."""
    _, filterset_class, _, _ = LISTS[kind]
    filterset = filterset_class(filters if filters is not None else {}, queryset=base_queryset(kind, user=user,
                                                                                              action=action),
                                request=request)
    return filterset.qs, filterset


def practice_get(kind: str, *, user, pk: int, action: str = VIEW):
    return get_object_or_404(base_queryset(kind, user=user, action=action), pk=pk)


def member_study(*, member, year: int) -> tuple[list[StudyRecord], Decimal]:
    records = list(StudyRecord.objects.filter(member=member, is_voided=False, studied_on__year=year)
                   .order_by("-studied_on", "-id"))
    return records, sum((r.hours for r in records), Decimal("0"))


# --- metrics ----------------------------------------------------------------------------------------------
def _zeros(branch_ids) -> dict[int, float]:
    return {int(b): 0.0 for b in branch_ids}


def study_hours_per_member(*, branch_ids, start: date, end: date) -> dict[int, float]:
    """个人自学学时 per active member: hours of active study records dated in [start, end], recorded while the
    member was in the branch, divided by the branch's active members now. 0.0 for a branch without members."""
    result = _zeros(branch_ids)

    hours = dict(StudyRecord.objects.filter(organization_id__in=result, is_voided=False,
                                            studied_on__range=(start, end))
                 .values_list("organization_id").annotate(h=Sum("hours")).values_list("organization_id", "h"))
    heads = dict(Member.objects.filter(branch_id__in=result, is_active=True).values_list("branch_id")
                 .annotate(n=Count("id")).values_list("branch_id", "n"))
    for b in result:
        if heads.get(b):
            result[b] = round(float(hours.get(b) or 0) / heads[b], 2)
    return result


def _trained_secretary_branches(branch_ids, start: date, end: date) -> QuerySet:
    """Ids of the branches among `branch_ids` (a list or a subquery) whose current 书记 (open term, seat not
    ended) completed a 党支部书记培训 course that ended in [start, end]: the one definition the per-branch
    indicator and the summaries' count read."""
    trained = TrainingAttendance.objects.filter(
        member_id=OuterRef("member_id"), completed=True, course__is_voided=False,
        course__kind=TrainingKind.SECRETARY, course__ends_on__range=(start, end))
    return (CommitteeSeat.objects.filter(term__organization_id__in=branch_ids, term__closed_on__isnull=True,
                                         role=SeatRole.SECRETARY, ended_on__isnull=True)
            .filter(Exists(trained)).order_by().values("term__organization_id").distinct())


def secretary_training_coverage(*, branch_ids, start: date, end: date) -> dict[int, float]:
    """1.0 when the branch's current 书记 completed a 党支部书记培训 course that ended in [start, end], else 0.0
    (also 0.0 when no 书记 is recorded). Averaged over a subtree this is the share of secretaries trained."""
    result = _zeros(branch_ids)
    for b in _trained_secretary_branches(list(result), start, end).values_list("term__organization_id", flat=True):
        result[b] = 1.0
    return result


def _post_count(kind, branch_ids, start, end):
    result = _zeros(branch_ids)
    rows = (VanguardPost.objects.filter(organization_id__in=result, kind=kind, is_voided=False, starts_on__lte=end)
            .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=start))
            .values_list("organization_id").annotate(n=Count("id")).values_list("organization_id", "n"))
    for b, n in rows:
        result[b] = float(n)
    return result


def vanguard_post_count(*, branch_ids, start: date, end: date) -> dict[int, float]:
    """Number of active 党员先锋岗 whose period overlaps [start, end]."""
    return _post_count(PostKind.POST, branch_ids, start, end)


def responsibility_area_count(*, branch_ids, start: date, end: date) -> dict[int, float]:
    """Number of active 党员责任区 whose period overlaps [start, end]."""
    return _post_count(PostKind.AREA, branch_ids, start, end)


def brand_recognition_count(*, branch_ids, start: date, end: date) -> dict[int, float]:
    """Recognitions (优秀党建品牌, 特色品牌...) awarded in [start, end] to the branch's active brands."""
    result = _zeros(branch_ids)
    rows = (BrandRecognition.objects.filter(brand__organization_id__in=result, brand__is_voided=False, is_voided=False,
                                            awarded_on__range=(start, end))
            .values_list("brand__organization_id").annotate(n=Count("id")).values_list("brand__organization_id", "n"))
    for b, n in rows:
        result[b] = float(n)
    return result


def _visits_needed(start: date, end: date):
    """SQL, on Organization rows (a branch): the visits it needs in [start, end]: the nearest ContactVisitRule's
    yearly minimum up the tree (default DEFAULT_MIN_CONTACT_VISITS), pro rata for windows shorter than a year,
    at least 1 (floor(per year × days / 365.25 + 0.5), in double precision as Python computes it)."""
    days = (end - start).days + 1
    nearest = (ContactVisitRule.objects.filter(StartsWith(OuterRef("path"), F("organization__path")))
               .order_by("-organization__depth").values("min_visits_per_year")[:1])
    per_year = Cast(Coalesce(Subquery(nearest), Value(DEFAULT_MIN_CONTACT_VISITS)), FloatField())
    return Cast(Greatest(Value(1.0), Floor(per_year * Value(float(days)) / Value(365.25) + Value(0.5))),
                IntegerField())


def _contact_rows(branches, start: date, end: date) -> QuerySet:
    """Organization rows of the `branches` (ids or a subquery) visited in [start, end], annotated `need`
    (_visits_needed) and `made` (active visits of active 联系点 in the window): what the per-branch coverage and the
    summaries' totals both read (a branch not visited has coverage 0 and is not covered: no row needed)."""
    visits = ContactVisit.objects.filter(is_voided=False, contact_point__is_voided=False,
                                         visited_on__range=(start, end))
    made = (visits.filter(contact_point__organization_id=OuterRef("pk"))
            .order_by().values("contact_point__organization_id").annotate(n=Count("pk")).values("n"))
    # Only branches visited in the window: one without a visit adds 0 to every figure read from these rows (need is
    # at least 1), and the rule lookup and the count per branch of a whole scope cost 201 ms of SQL at N=5,000
    # (5,000 branches), growing with the tree; the window's visits are what the figures follow (#23).
    visited = visits.order_by().values("contact_point__organization_id")
    return (Organization.objects.filter(pk__in=branches).filter(pk__in=visited).order_by()
            .annotate(need=_visits_needed(start, end), made=Coalesce(Subquery(made), Value(0))))


def required_visits(*, branch_paths: dict[int, str], start: date, end: date) -> dict[int, int]:
    """Visits each branch needs in [start, end] (_visits_needed). One query."""
    return dict(Organization.objects.filter(pk__in=list(branch_paths)).order_by()
                .annotate(need=_visits_needed(start, end)).values_list("pk", "need"))


def contact_visit_coverage(*, branch_ids, start: date, end: date) -> dict[int, float]:
    """联系点 coverage: visits made in [start, end] to the branch / visits required (capped at 1.0)."""

    result = _zeros(branch_ids)
    for b, need, made in _contact_rows(list(result), start, end).values_list("pk", "need", "made"):
        result[b] = round(min(1.0, made / need), 4)
    return result


def contact_coverage_totals(branches, start: date, end: date) -> dict:
    """Over `branches` (ids or a subquery), in one SQL aggregate: {"covered": branches whose visits met the need,
    "coverage": the sum over branches of min(1, made / need)} (the summaries divide by the number of branches)."""
    rows = _contact_rows(branches, start, end)
    out = rows.aggregate(covered=Count("pk", filter=Q(made__gte=F("need"))),
                         coverage=Sum(Least(Value(1.0), Cast("made", FloatField()) / F("need"))))
    out["coverage"] = out["coverage"] or 0.0
    return out


def study_plan_completion(*, branch_ids, start: date, end: date) -> dict[int, float]:
    """学习排档表 completion: items planned in [start, end] that are done / items planned (0.0 without a plan)."""
    result = _zeros(branch_ids)
    rows = (StudyPlanItem.objects.filter(plan__organization_id__in=result, plan__is_voided=False,
                                         planned_on__range=(start, end))
            .values_list("plan__organization_id")
            .annotate(n=Count("id"), done=Count("id", filter=Q(done_on__isnull=False)))
            .values_list("plan__organization_id", "n", "done"))
    for b, n, done in rows:
        result[b] = round(done / n, 4) if n else 0.0
    return result


# key -> (label, function); evaluations/metrics.py registers these by importing them.
METRICS = {
    "practice.study_hours_per_member": (_("人均个人自学学时"), study_hours_per_member),
    "practice.study_plan_completion": (_("学习排档表完成率"), study_plan_completion),
    "practice.secretary_training_coverage": (_("党支部书记培训覆盖"), secretary_training_coverage),
    "practice.vanguard_post_count": (_("党员先锋岗数量"), vanguard_post_count),
    "practice.responsibility_area_count": (_("党员责任区数量"), responsibility_area_count),
    "practice.brand_recognition_count": (_("党建品牌获评次数"), brand_recognition_count),
    "practice.contact_visit_coverage": (_("党建联系点走访覆盖率"), contact_visit_coverage),
}


# --- report summaries --------------------------------------------------------------------------------------
CRITERIA = [
    ("political", gettext_noop("政治功能强")),
    ("leadership", gettext_noop("支部班子强")),
    ("members", gettext_noop("党员队伍强")),
    ("role", gettext_noop("作用发挥强")),
]


def _figure(key, label, value, unit=""):
    return {"key": key, "label": label, "value": value, "unit": unit}


def _empty_summary(start, end):
    out = {"start": start, "end": end}
    for key, label in CRITERIA:
        out[key] = {"label": label, "figures": [], "items": []}
    return out


def _branch_ids_under(organizations_qs) -> tuple[list[int], list[str]]:

    paths = list(organizations_qs.values_list("path", flat=True))
    if not paths:
        return [], []
    q = Q()
    for p in paths:
        q |= Q(path__startswith=p)
    return list(Organization.objects.filter(q, kind__in=BRANCH_KINDS).values_list("pk", flat=True)), paths


def _summary(branch_ids, start: date, end: date, *, detail: bool, panel: bool = False,
             n_branches: int | None = None, n_members: int | None = None) -> dict:
    """Figures per criterion for a set of branches (a list of ids, or a subquery of them for a whole scope);
    `detail` adds the named items a branch report lists.
    panel=True computes only the figures of PANEL_FIGURES (what the branch page shows), with the same
    definitions; the other figures are left out and the members / role criteria stay empty."""

    out = _empty_summary(start, end)
    if n_branches is None:
        n_branches = len(branch_ids) if isinstance(branch_ids, list) else branch_ids.count()
    # 政治功能强: individual study, the study plan, contests.
    study = StudyRecord.objects.filter(organization_id__in=branch_ids, is_voided=False, studied_on__range=(start, end))
    s = study.aggregate(hours=Sum("hours"), records=Count("id"), people=Count("member", distinct=True))
    # Active members of these branches, from the stored per-branch count (branches.figures keeps it with every member
    # write): one row per branch, not every member of a whole scope (61 ms at N=5,000 for a 党委, ten times at 50,000).
    heads = n_members if n_members is not None else (
        OrganizationFigures.objects.filter(organization_id__in=branch_ids).aggregate(n=Coalesce(Sum("members"), 0))["n"])
    by_source = {} if panel else {row["source"]: float(row["h"]) for row in study.values("source").annotate(h=Sum("hours"))}
    plan = StudyPlanItem.objects.filter(plan__organization_id__in=branch_ids, plan__is_voided=False,
                                        planned_on__range=(start, end)).aggregate(
        n=Count("id"), done=Count("id", filter=Q(done_on__isnull=False)))
    results = ContestResult.objects.filter(member__branch_id__in=branch_ids, contest__is_voided=False,
                                           contest__held_on__range=(start, end))
    contest_people = results.values("member").distinct().count()
    awards = [] if panel else list(results.exclude(award="").select_related("member", "contest")
                                   .order_by("contest__held_on")[:50])
    pol = out["political"]
    hours = float(s["hours"] or 0)
    pol["figures"] = [
        _figure("study_hours", gettext_noop("个人自学学时"), round(hours, 1), gettext_noop("学时")),
        _figure("study_people", gettext_noop("记录自学的党员"), s["people"], gettext_noop("人")),
        _figure("study_hours_per_member", gettext_noop("人均自学学时"), round(hours / heads, 1) if heads else 0.0, gettext_noop("学时")),
        _figure("plan_items", gettext_noop("学习排档事项"), plan["n"], gettext_noop("项")),
        _figure("plan_done", gettext_noop("已完成排档事项"), plan["done"], gettext_noop("项")),
        _figure("plan_completion", gettext_noop("排档完成率"), round(plan["done"] / plan["n"], 4) if plan["n"] else 0.0, "%"),
        _figure("contest_people", gettext_noop("参加知识竞赛"), contest_people, gettext_noop("人")),
        _figure("contest_awards", gettext_noop("竞赛获奖"), len(awards), gettext_noop("人次")),
    ]
    pol["by_source"] = by_source
    pol["items"] = [f"{a.member.name}在“{a.contest.name}”中获{a.award}" for a in awards] if detail else []

    # 支部班子强: secretary training, training in general, 联系点.
    lead = out["leadership"]
    trained = _trained_secretary_branches(branch_ids, start, end).count()
    attendance = TrainingAttendance.objects.filter(member__branch_id__in=branch_ids, course__is_voided=False,
                                                   course__ends_on__range=(start, end))
    t = attendance.aggregate(attended=Count("id", filter=Q(attended=True)),
                             completed=Count("id", filter=Q(completed=True)))
    contact = {} if panel else contact_coverage_totals(branch_ids, start, end)
    visits = ContactVisit.objects.filter(contact_point__organization_id__in=branch_ids, is_voided=False,
                                         visited_on__range=(start, end))
    findings = ContactFinding.objects.filter(visit__in=visits)
    fnd = findings.aggregate(n=Count("id"), pending=Count("id", filter=Q(pending_rectification=True)))
    lead["figures"] = [
        _figure("secretaries_trained", gettext_noop("书记参加书记培训并结业"), trained, gettext_noop("个支部")),
        _figure("secretary_training_coverage", gettext_noop("书记培训覆盖率"),
                round(trained / n_branches, 4) if n_branches else 0.0, "%"),
        _figure("training_attended", gettext_noop("参训人次"), t["attended"], gettext_noop("人次")),
        _figure("training_completed", gettext_noop("结业人次"), t["completed"], gettext_noop("人次")),
        _figure("contact_visits", gettext_noop("联系点走访"), visits.count(), gettext_noop("次")),
        _figure("contact_covered", gettext_noop("走访达标支部"), contact.get("covered", 0), gettext_noop("个")),
        _figure("contact_coverage", gettext_noop("联系点走访覆盖率"),
                round(contact.get("coverage", 0.0) / n_branches, 4) if n_branches else 0.0, "%"),
        _figure("contact_findings", gettext_noop("走访发现问题"), fnd["n"], gettext_noop("个")),
        _figure("contact_findings_pending", gettext_noop("待转整改问题"), fnd["pending"], gettext_noop("个")),
    ]
    if detail:
        lead["items"] = [f"{v.visited_on:%m月%d日} {v.contact_point.contact_name}走访：{v.checked}"
                         for v in visits.select_related("contact_point__contact_member", "contact_point__contact_user")
                         .order_by("visited_on")[:20]]

    if panel:  # figures built from the lists skipped above are not returned
        for criterion in (pol, lead):
            criterion["figures"] = [f for f in criterion["figures"] if f["key"] in PANEL_FIGURES]
        return out
    _members_figures(out["members"], branch_ids, start, end, detail=detail)
    _role_figures(out["role"], branch_ids, start, end, detail=detail)
    return out


def _members_figures(mem: dict, branch_ids: list[int], start: date, end: date, *, detail: bool) -> None:
    # 党员队伍强: 先锋岗 / 责任区, member honours.
    posts = (VanguardPost.objects.filter(organization_id__in=branch_ids, is_voided=False, starts_on__lte=end)
             .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=start)))
    counts = dict(posts.values_list("kind").annotate(n=Count("id")).values_list("kind", "n"))
    holders = posts.values("holders").exclude(holders=None).distinct().count()
    member_honours = Honour.objects.filter(organization_id__in=branch_ids, is_voided=False,
                                           year__range=(start.year, end.year), kind__in=MEMBER_HONOURS)
    mem["figures"] = [
        _figure("vanguard_posts", gettext_noop("党员先锋岗"), counts.get(PostKind.POST, 0), gettext_noop("个")),
        _figure("responsibility_areas", gettext_noop("党员责任区"), counts.get(PostKind.AREA, 0), gettext_noop("个")),
        _figure("post_holders", gettext_noop("上岗党员"), holders, gettext_noop("人")),
        _figure("member_honours", gettext_noop("党员个人荣誉"), member_honours.count(), gettext_noop("项")),
    ]
    if detail:
        mem["items"] = [f"{p.get_kind_display()}“{p.name}”：{'、'.join(h.name for h in p.holders.all())}"
                        for p in posts.prefetch_related("holders")[:30]]
        mem["items"] += [f"{h.member.name}获{h.get_level_display()}“{h.display_title}”"
                         for h in member_honours.select_related("member")[:30]]


def _role_figures(role: dict, branch_ids: list[int], start: date, end: date, *, detail: bool) -> None:
    # 作用发挥强: brands and their recognitions, collective honours.
    brands = Brand.objects.filter(organization_id__in=branch_ids, is_voided=False, launched_on__lte=end)
    recognitions = BrandRecognition.objects.filter(brand__in=brands, is_voided=False, awarded_on__range=(start, end))
    org_honours = Honour.objects.filter(organization_id__in=branch_ids, is_voided=False,
                                        year__range=(start.year, end.year)).exclude(kind__in=MEMBER_HONOURS)
    role["figures"] = [
        _figure("brands", gettext_noop("党建品牌"), brands.count(), gettext_noop("个")),
        _figure("brand_recognitions", gettext_noop("品牌获评"), recognitions.count(), gettext_noop("次")),
        _figure("org_honours", gettext_noop("集体荣誉"), org_honours.count(), gettext_noop("项")),
    ]
    if detail:
        role["items"] = [f"党建品牌“{b.name}”" + (f"（{b.slogan}）" if b.slogan else "") for b in brands[:20]]
        role["items"] += [f"“{r.brand.name}”获评{r.get_level_display()}{r.title}"
                          for r in recognitions.select_related("brand")[:20]]
        role["items"] += [f"{h.organization.name}获{h.get_level_display()}“{h.display_title}”"
                          for h in org_honours.select_related("organization")[:20]]


def branch_practice_summary(*, branch, start: date, end: date) -> dict:
    """One branch's practice for a report, grouped by criterion: keys political / leadership / members / role,
    each {"label", "figures": [{"key", "label", "value", "unit"}], "items": [sentences]} (plus "by_source"
    under political). Ratios (unit "%") are fractions 0..1."""
    return _summary([branch.pk], start, end, detail=True)


def _branches_under(organizations_qs) -> QuerySet:
    """The branches under `organizations_qs` as a subquery (`.values("pk")`): a whole province stays in SQL
    instead of a list of 5,000 ids sent, and prepared, with each of the summary's queries."""
    q = Q()
    for path in organizations_qs.order_by().values_list("path", flat=True):
        q |= Q(path__startswith=path)
    if not q:
        return Organization.objects.none().values("pk")
    return Organization.objects.filter(q, kind__in=BRANCH_KINDS).order_by().values("pk")


def _brand_items(out: dict, branches, start: date, end: date) -> None:
    brands = (Brand.objects.filter(organization_id__in=branches, is_voided=False)
              .select_related("organization").annotate(rec=Count("recognitions", filter=Q(
                  recognitions__is_voided=False, recognitions__awarded_on__range=(start, end))))
              .filter(rec__gt=0).order_by("-rec", "name")[:10])
    out["role"]["items"] = [gettext("{org}“{brand}”获评 {n} 次").format(org=b.organization.name, brand=b.name, n=b.rec)
                            for b in brands]


def scope_practice_summary(*, organizations_qs, start: date, end: date) -> dict:
    """The summary figures of every branch under `organizations_qs` (the practice home page: the viewer's
    `scope_roots`, none inside another): the same figures as subtree_practice_summary, aggregated in SQL over a
    subquery of the branches, without the per-branch table. The number of branches and of their active members come from the heads' stored subtree figures, so
    the page reads the records it sums, not every branch of the scope (twice, at N=50,000: 50,010 branches)."""
    branches = _branches_under(organizations_qs)
    counted = _scope_branches_and_members(organizations_qs)
    n_branches, n_members = counted if counted else (branches.count(), None)
    out = _summary(branches, start, end, detail=False, n_branches=n_branches, n_members=n_members)
    out["branches"] = n_branches
    _brand_items(out, branches, start, end)
    return out


def _scope_branches_and_members(organizations_qs) -> tuple[int, int] | None:
    """(branches, their active members) under `organizations_qs` (the page passes `scope_roots`) — the same as
    counting `_branches_under` and adding up their `OrganizationFigures.members` — from the heads' subtree figures:
    `subtree_branches` (active branches) plus the few dissolved ones (index org_kind_active), and `subtree_members`
    (members belong to branches: Member.clean and every write service refuse another kind). None when a head has
    no figures row."""
    pk_of = {path: pk for pk, path in organizations_qs.order_by().values_list("pk", "path")}
    outermost = [(pk_of[path], path) for path in minimal_paths(pk_of)]   # a head inside another counts once
    if not outermost:
        return 0, 0
    figures = OrganizationFigures.objects.filter(organization_id__in=[pk for pk, _path in outermost]).aggregate(
        rows=Count("pk"), branches=Coalesce(Sum("subtree_branches"), 0), members=Coalesce(Sum("subtree_members"), 0))
    if figures["rows"] != len(outermost):
        return None
    under = Q()
    for _pk, path in outermost:
        under |= Q(path__startswith=path)
    dissolved = Organization.objects.filter(under, kind__in=BRANCH_KINDS, dissolved_on__isnull=False).count()
    return figures["branches"] + dissolved, figures["members"]


def subtree_practice_summary(*, organizations_qs, start: date, end: date) -> dict:
    """The same shape for every branch under `organizations_qs` (a committee report), plus "branches": the
    number of branches counted and "per_branch": {branch_id: {metric_key: value}} for tables."""
    branch_ids, _ = _branch_ids_under(organizations_qs)
    out = _summary(branch_ids, start, end, detail=False)
    out["branches"] = len(branch_ids)
    per_branch = defaultdict(dict)
    for key, (_, func) in METRICS.items():
        for b, v in func(branch_ids=branch_ids, start=start, end=end).items():
            per_branch[b][key.split(".", 1)[1]] = v
    out["per_branch"] = dict(per_branch)
    _brand_items(out, branch_ids, start, end)
    return out


# --- panels -----------------------------------------------------------------------------------------------
def branch_panel(*, org, today: date | None = None) -> dict:
    """What the branch page shows: current 先锋岗/责任区, brands, recent honours. Fixed queries."""
    today = today or timezone.localdate()
    under = Q(organization__path__startswith=org.path)
    posts = list(VanguardPost.objects.filter(under, is_voided=False, starts_on__lte=today)
                 .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today)).select_related("organization")
                 .prefetch_related("holders")[:20])
    brands = list(Brand.objects.filter(under, is_voided=False).prefetch_related(
        Prefetch("recognitions", queryset=BrandRecognition.objects.filter(is_voided=False)))[:12])
    honours = list(Honour.objects.filter(under, is_voided=False, year__gte=today.year - 3)
                   .select_related("member", "organization")[:12])
    # This year's study, training and 联系点 figures: the same summary the reports print, so they agree.
    summary = _summary([org.pk], date(today.year, 1, 1), today, detail=False, panel=True)
    by_key = {f["key"]: f for c in ("political", "leadership") for f in summary[c]["figures"]}
    year_figures = [by_key[k] for k in PANEL_FIGURES]
    return {"org": org, "posts": posts, "brands": brands, "honours": honours, "year": today.year,
            "year_figures": year_figures, "has_year_records": any(f["value"] for f in year_figures)}


# The branch page's "本年度学习、培训与联系点" row (keys of _summary figures).
PANEL_FIGURES = ["study_hours_per_member", "plan_completion", "contest_people", "secretaries_trained",
                 "training_attended", "contact_visits", "contact_findings"]


def member_panel(*, member, year: int) -> dict:
    hours = StudyRecord.objects.filter(member=member, is_voided=False, studied_on__year=year).aggregate(
        h=Sum("hours"), n=Count("id"))
    honours = list(Honour.objects.filter(member=member, is_voided=False))
    posts = list(VanguardPost.objects.filter(holders=member, is_voided=False))
    trainings = list(TrainingAttendance.objects.filter(member=member).select_related("course")
                     .order_by("-course__starts_on")[:5])
    return {"member": member, "year": year, "hours": hours["h"] or Decimal("0"), "records": hours["n"],
            "honours": honours, "posts": posts, "trainings": trainings}


# --- notices ----------------------------------------------------------------------------------------------
def _audiences_for_role(role: str) -> set[str]:

    return {Role.STAFF: {Audience.ALL, Audience.STAFF}, Role.SECRETARY: {Audience.ALL, Audience.SECRETARIES},
            Role.REVIEWER: {Audience.ALL}}.get(role, set())


def _positions(user) -> list[tuple[str, set[str]]]:
    """(organization path, audiences) for each place `user` stands in the tree: role grants and membership."""

    if not user.is_authenticated:
        return []
    def load():
        out = [(path, _audiences_for_role(role)) for path, role in role_grants(user)]
        out += [(path, {Audience.ALL, Audience.MEMBERS}) for path in
                Member.objects.filter(user=user, is_active=True).values_list("branch__path", flat=True)]
        return [(p, a) for p, a in out if a]

    return scope_for(user).memo("notice_positions", load)


def notices_for_user(*, user) -> QuerySet[Notice]:
    """Active, published notices addressed to `user`: sent to a subtree containing one of her positions, with a
    matching audience."""
    q = Q()
    for path, audiences in _positions(user):
        ancestors = [path[:i] for i in range(len(path), 0, -4)]
        q |= Q(organization__path__in=ancestors, audience__in=audiences)
    if not q:
        return Notice.objects.none()
    return Notice.objects.filter(q, is_voided=False, published_at__lte=timezone.now()).distinct()


def home_notices(*, user, limit: int = 8) -> list[Notice]:
    """Notices for the home panel, each with `is_read`, newest first. Two queries."""
    notices = list(notices_for_user(user=user).select_related("organization").order_by("-published_at")[:limit])
    read = set(NoticeReceipt.objects.filter(user=user, notice__in=[n.pk for n in notices])
               .values_list("notice_id", flat=True))
    for n in notices:
        n.is_read = n.pk in read
    return notices


def notice_recipients(*, notice: Notice) -> QuerySet:
    """Everyone the notice is addressed to (users), by role grant or membership within its subtree."""

    User = get_user_model()
    path = notice.organization.path
    roles = {Audience.ALL: [Role.STAFF, Role.SECRETARY, Role.REVIEWER], Audience.STAFF: [Role.STAFF],
             Audience.SECRETARIES: [Role.SECRETARY], Audience.MEMBERS: []}[notice.audience]
    q = Q(role_grants__organization__path__startswith=path, role_grants__role__in=roles) if roles else Q(pk__in=[])
    if notice.audience in (Audience.ALL, Audience.MEMBERS):
        q |= Q(member__branch__path__startswith=path, member__is_active=True)
    return User.objects.filter(q, is_active=True).distinct()


def notice_read_status(*, notice: Notice) -> tuple[list, list]:
    """(read receipts with user, recipients who have not read yet)."""
    receipts = list(notice.receipts.select_related("user").order_by("read_at"))
    read_ids = {r.user_id for r in receipts}
    unread = [u for u in notice_recipients(notice=notice).order_by("username") if u.pk not in read_ids]
    return receipts, unread
