"""Reads for organizational-life pages; each issues a fixed number of queries."""
from __future__ import annotations

from collections import defaultdict
from datetime import date

from django.db.models import Count, F, FloatField, Prefetch, Q, QuerySet
from django.db.models.functions import Cast
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _

from branches.models import BRANCH_KINDS, Organization, OrganizationKind, Role, RoleGrant
from portal.scoping import CHANGE, VIEW, minimal_paths

from . import attendance_counts
from .compliance import Period, compliance_table, counted_attendance
from .figures import completion_totals
from .models import PRESENT_STATUSES, Activity, Attachment, Attendance, Reminder, Talk

# Chart axis labels, one per month.
MONTH_LABELS = (_("1月"), _("2月"), _("3月"), _("4月"), _("5月"), _("6月"), _("7月"), _("8月"), _("9月"),
                _("10月"), _("11月"), _("12月"))


# What one row of /api/v1/activities/ shows, as columns (ActivitySerializer.represent_row builds the row; the
# attendance comes from one query for the page). The 会议记录 and 决议 texts are not among them.
ACTIVITY_API_COLUMNS = (
    "id", "organization_id", "organization__code", "organization__name", "activity_type__code",
    "activity_type__name", "activity_type__category", "title", "held_on", "starts_at", "ends_at", "place", "topics",
    "first_topic", "lecturer", "lecturer_role", "lecture_title", "is_election", "status", "submitted_at",
    "is_voided", "void_reason", "created_at", "updated_at",
)


def activity_api_rows(qs: QuerySet[Activity]) -> QuerySet:
    """The API list's rows as named tuples of exactly the columns it shows (organization and type joined in the same
    query), not instances. `qs` is the scoped, filtered queryset; ordering and paging still apply to the result."""
    return qs.values_list(*ACTIVITY_API_COLUMNS, named=True)

def activity_list(*, user, action: str = VIEW) -> QuerySet[Activity]:
    return Activity.objects.restrict(user, action).live().select_related("organization", "activity_type")


def activity_detail(*, user, pk: int, action: str = VIEW) -> Activity:
    qs = activity_list(user=user, action=action).select_related("host", "recorder", "submitted_by").prefetch_related(
        Prefetch("attendances", queryset=Attendance.objects.select_related("member", "member__party_group")
                 .order_by("member__party_group__path", "member__name", "guest_name")),
        Prefetch("attachments", queryset=Attachment.objects.filter(is_voided=False)),
        "votes__subject_member",
    )
    return get_object_or_404(qs, pk=pk)


def organization_for(*, user, pk: int, action: str = VIEW) -> Organization:
    return get_object_or_404(Organization.objects.restrict(user, action), pk=pk)


def loggable_organizations(*, user) -> QuerySet[Organization]:
    """Branches and groups the user may log for (secretary: her branch and its groups; staff: subtree)."""
    return (Organization.objects.restrict(user, CHANGE).active()
            .filter(kind__in=[*BRANCH_KINDS, OrganizationKind.PARTY_GROUP]).order_by("path"))


def secretary_branches(*, user) -> QuerySet[Organization]:
    """Branches the user holds a secretary grant on (the "what is due" page is theirs)."""
    return Organization.objects.active().filter(
        pk__in=RoleGrant.objects.filter(user=user, role=Role.SECRETARY).values("organization_id")
    )


def branch_and_groups(org: Organization) -> QuerySet[Organization]:
    return Organization.objects.active().filter(
        Q(pk=org.pk) | Q(path__startswith=org.path, kind=OrganizationKind.PARTY_GROUP)
    ).order_by("path")


def calendar_activities(*, org: Organization, start: date, end: date) -> list[Activity]:
    return list(
        Activity.objects.live().filter(organization__path__startswith=org.path, held_on__gte=start, held_on__lte=end)
        .select_related("activity_type", "organization").order_by("held_on", "starts_at")
    )


def monthly_chart(*, org: Organization, year: int, today: date) -> dict:
    """Held (credited) vs required per month for the branch and its groups, from the engine's windows."""
    rows = compliance_table(organizations_qs=Organization.objects.filter(pk=org.pk), period=str(year), today=today)
    required = [0] * 12
    held = [0] * 12
    for row in rows:
        for cell in row.cells.values():
            for w in cell.windows:
                m = w.window.end.month - 1
                required[m] += w.required
                held[m] += min(w.held, w.required)
    return {"labels": [str(label) for label in MONTH_LABELS], "required": required, "held": held}


def attendance_trend(*, organizations: list[Organization], year: int) -> dict:
    """Attendance rate per month (出席+迟到 / expected members) over the organizations' subtrees, from the stored
    出席率 counts (attendance_counts): one query over 12 rows per organization, whatever the size of the tree."""
    rates = [round(100 * present / total, 1) if total else None
             for total, present in attendance_counts.monthly(organization_ids=[o.pk for o in organizations],
                                                             year=year)]
    return {"labels": [str(label) for label in MONTH_LABELS], "rates": rates}


def member_attendance(*, org_qs: QuerySet[Organization], start: date, end: date, limit: int | None = None) -> list[dict]:
    """Per active member of the organizations: expected, present, leave, absent, rate (the 出席率's counts,
    `counted_attendance`), lowest rate first. One query; the database sorts and stops at `limit`."""
    rows = (
        counted_attendance(start=start, end=end)
        .filter(member__is_active=True, member__branch__in=org_qs)
        .order_by()
        .values("member_id", "member__name", "member__branch__name", "member__branch_id")
        .annotate(total=Count("pk"), present=Count("pk", filter=Q(status__in=PRESENT_STATUSES)),
                  leave=Count("pk", filter=Q(status="leave")), absent=Count("pk", filter=Q(status="absent")))
        .annotate(rate=Cast(F("present"), FloatField()) / F("total"))
        .order_by("rate", "-total", "member__name", "member_id")
    )
    return list(rows[:limit] if limit else rows)


def branch_attendance(*, branches: list[Organization], start: date, end: date) -> list[dict]:
    """Per branch of `branches` (a page of them; 党小组 rolled into their branch): records, expected, present, rate,
    from the stored 出席率 counts (attendance_counts: attendance_totals' figures, kept by the writes). One query."""
    totals = attendance_counts.totals(organization_ids=[o.pk for o in branches], start=start, end=end)
    rows = []
    for o in branches:
        total, present, records = totals[o.pk]
        rows.append({"organization": o, "total": total, "present": present, "meetings": records,
                     "rate": present / total if total else None})
    return rows


def scope_attendance(*, roots: list[Organization], start: date, end: date) -> dict:
    """attendance_totals' figures summed over every branch under `roots` (the page passes `scope_roots`; their
    党小组 included): {"expected", "present",
    "records", "rate"} from the roots' stored subtree rows, one query of (roots × months) rows: a 党委's whole tree
    costs what one branch does."""
    top = set(minimal_paths(o.path for o in roots))   # a root inside another counts once
    ids = [o.pk for o in roots if o.path in top]
    expected = present = records = 0
    for e, p, r in attendance_counts.totals(organization_ids=ids, start=start, end=end).values():
        expected, present, records = expected + e, present + p, records + r
    return {"expected": expected, "present": present, "records": records,
            "rate": present / expected if expected else None}


def talks_of(*, org: Organization, year: int) -> list[Talk]:
    return list(Talk.objects.filter(organization=org, is_voided=False, held_on__year=year)
                .prefetch_related("participants").order_by("-held_on"))


def unread_reminders(*, user) -> QuerySet[Reminder]:
    return Reminder.objects.filter(user=user, read_at__isnull=True)


def year_of(period: Period) -> int:
    return period.year


# --- organizational-life facts (第一议题, 书记/领导干部讲党课, 双重组织生活) ----------------------------------------
ORGLIFE_FACTS = ("first_topic", "leader_lectures", "dual_life", "dual_life_cadres")


def _fact_aggregates():
    """The four figures as aggregates over submitted records (distinct: the cadre join repeats a record's row)."""
    from .models import LEADER_LECTURER_ROLES, ActivityCategory

    return {
        "first_topic": Count("pk", distinct=True, filter=~Q(first_topic="")),
        "leader_lectures": Count("pk", distinct=True, filter=Q(activity_type__category=ActivityCategory.LECTURE,
                                                               lecturer_role__in=LEADER_LECTURER_ROLES)),
        "dual_life": Count("leading_cadres"),  # the only multiplying join: one row per (record, cadre)
        "dual_life_cadres": Count("leading_cadres", distinct=True),
    }


def branch_orglife_facts(*, branch: Organization, start: date, end: date) -> dict[str, int]:
    """orglife_facts for one branch (its 党小组 included) in one query: the branch page's panel."""
    return Activity.objects.submitted().filter(
        organization__path__startswith=branch.path, held_on__gte=start, held_on__lte=end,
    ).aggregate(**_fact_aggregates())


def orglife_facts(*, branch_ids, start: date, end: date) -> dict[int, dict[str, int]]:
    """Per branch (its 党小组's records included), submitted records held in [start, end]:

    - first_topic: records whose first agenda item (第一议题) was recorded;
    - leader_lectures: 党课 given by a 书记 or 党员领导干部 (LEADER_LECTURER_ROLES);
    - dual_life: leading cadres' attendances at their own branch's meetings (双重组织生活), one per cadre per record;
    - dual_life_cadres: distinct cadres who did so.
    One definition (_fact_aggregates) for the branch page, the API and the 述职报告; four queries for any number
    of branches.
    """
    branch_ids = list(branch_ids)
    facts = {pk: dict.fromkeys(ORGLIFE_FACTS, 0) for pk in branch_ids}
    owner = dict(Organization.objects.filter(pk__in=branch_ids).values_list("path", "pk"))
    by_org = {pk: pk for pk in owner.values()}
    for pk, path in Organization.objects.filter(kind=OrganizationKind.PARTY_GROUP).values_list("pk", "path"):
        branch = owner.get(path[:-Organization.steplen])
        if branch is not None:
            by_org[pk] = branch
    records = Activity.objects.submitted().filter(organization_id__in=list(by_org), held_on__gte=start,
                                                  held_on__lte=end)
    aggregates = _fact_aggregates()
    cadre_count = aggregates.pop("dual_life_cadres")
    del cadre_count  # distinct per branch, not per organization: counted from the pairs below
    for row in records.values("organization_id").annotate(**aggregates):
        f = facts[by_org[row["organization_id"]]]
        for name in aggregates:
            f[name] += row[name]
    cadres = defaultdict(set)
    for org_id, member_id in records.filter(leading_cadres__isnull=False).values_list("organization_id",
                                                                                       "leading_cadres"):
        cadres[by_org[org_id]].add(member_id)
    for branch, people in cadres.items():
        facts[branch]["dual_life_cadres"] = len(people)
    return facts


def first_topic_count(*, branch_ids, start: date, end: date) -> dict[int, float]:
    return {pk: f["first_topic"] for pk, f in orglife_facts(branch_ids=branch_ids, start=start, end=end).items()}


def leader_lecture_count(*, branch_ids, start: date, end: date) -> dict[int, float]:
    return {pk: f["leader_lectures"] for pk, f in orglife_facts(branch_ids=branch_ids, start=start, end=end).items()}


def dual_life_count(*, branch_ids, start: date, end: date) -> dict[int, float]:
    return {pk: f["dual_life"] for pk, f in orglife_facts(branch_ids=branch_ids, start=start, end=end).items()}


# --- the compliance page's chart -------------------------------------------------------------------------------
CHART_BARS = 20


def compliance_by_unit(*, rows=None, totals: dict[str, list[int]] | None = None, limit: int | None = None) -> dict:
    """The compliance rows' 计入/应开 (`completion_totals`, as the page's summary counts them) summed per unit one
    level below the rows' common ancestor: per 党总支 (or 直属党支部) for a 党委, per 党支部 for a 党总支. At most
    `limit` bars: all in tree order when they fit, else the `limit` units with the lowest 完成率 (those to look at
    first; CHART_BARS by default). One query (the units' names), whatever the number of rows.
    `totals` ({unit path: [required, held]}, from orglife.results.summary: the same sums from the stored results)
    replaces `rows` when the page reads the stored results."""
    limit = limit or CHART_BARS
    chart = {"labels": [], "required": [], "held": [], "units": 0, "truncated": False}
    if totals is None:
        use = [r for r in rows if r.kind != OrganizationKind.PARTY_GROUP] or list(rows)
        if not use:
            return chart
        step = Organization.steplen
        lo, hi = min(r.path for r in use), max(r.path for r in use)
        common = 0
        while common < min(len(lo), len(hi)) and lo[common] == hi[common]:
            common += 1
        width = (common // step + 1) * step  # the level below the deepest common ancestor
        totals = defaultdict(lambda: [0, 0])
        for r in use:
            required, held = completion_totals(r)
            t = totals[r.path[:width]]
            t[0] += required
            t[1] += held
    if not totals:
        return chart
    keys = sorted(totals)
    chart["units"] = len(keys)
    if len(keys) > limit:
        def rate(key):
            required, held = totals[key]
            return (held / required if required else 2.0, key)
        keys = sorted(sorted(keys, key=rate)[:limit])
        chart["truncated"] = True
    names = {path: short or name for path, short, name in
             Organization.objects.filter(path__in=keys).values_list("path", "short_name", "name")}
    chart["labels"] = [names.get(k, "") for k in keys]
    chart["required"] = [totals[k][0] for k in keys]
    chart["held"] = [totals[k][1] for k in keys]
    return chart
