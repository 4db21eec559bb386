"""Is each organization holding what the rules require? Computed in the database, a fixed number of queries.

Rules (FrequencyRule) say "at least N per month / quarter / year". For a period asked about (a month, a quarter
or a year) the engine looks at every rule window of the rule's length that *ends* inside that period (a quarterly
党员大会 is judged in March, June, September and December; a yearly 组织生活会 in December), counts the submitted
records of each window in one grouped query, and compares window by window: two 支委会 in August do not make up
for none in September.

- A window that has not started yet is not required. The window containing `today` is "due": its shortfall is
  missing but not yet overdue. A window that has ended with a shortfall is overdue.
- An organization established or dissolved inside a window is held to the part it existed:
  required = round(N × days existed / days in window), half up.
- The effective rule for an organization is the nearest one up the tree (organization=None is the default).

Queries, whatever the number of organizations: organizations (annotated), their groups, types, rules, activity counts and, when a
per-member rule (谈心谈话) applies, talk counts.
"""
from __future__ import annotations

import calendar
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, ExtractMonth, ExtractYear, Length, Substr
from django.utils.translation import gettext, pgettext

from .models import (
    BRANCH_KINDS,
    PRESENT_STATUSES,
    Activity,
    ActivityType,
    Attendance,
    CommitteeSeat,
    FrequencyRule,
    Organization,
    OrganizationKind,
    RuleHolder,
    RulePer,
    Talk,
)

PERIOD_FORMAT_ERROR = "期间格式应为 2025、2025-Q3 或 2025-09。"
COMMITTEE_MIN_SEATS = 3  # a 支部委员会 has 3–5 (≤7) members; fewer seats means 书记 only, no 支委会 to convene
QUARTER_NAMES = "一二三四"


# --- periods ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Period:
    """A calendar year, quarter or month: "2025", "2025-Q3", "2025-09"."""

    year: int
    kind: str  # RulePer values: "year" | "quarter" | "month"
    index: int = 0  # quarter 1-4 or month 1-12; 0 for a year

    _RE = re.compile(r"^(\d{4})(?:-(?:Q([1-4])|(0[1-9]|1[0-2])))?$")

    @classmethod
    def parse(cls, value: str) -> Period:
        m = cls._RE.match((value or "").strip().upper())
        if not m:
            raise ValueError(PERIOD_FORMAT_ERROR)
        year = int(m.group(1))
        if m.group(2):
            return cls(year, RulePer.QUARTER, int(m.group(2)))
        if m.group(3):
            return cls(year, RulePer.MONTH, int(m.group(3)))
        return cls(year, RulePer.YEAR)

    @classmethod
    def containing(cls, kind: str, day: date) -> Period:
        if kind == RulePer.YEAR:
            return cls(day.year, kind)
        if kind == RulePer.QUARTER:
            return cls(day.year, kind, (day.month - 1) // 3 + 1)
        return cls(day.year, RulePer.MONTH, day.month)

    @property
    def start(self) -> date:
        if self.kind == RulePer.YEAR:
            return date(self.year, 1, 1)
        if self.kind == RulePer.QUARTER:
            return date(self.year, 3 * self.index - 2, 1)
        return date(self.year, self.index, 1)

    @property
    def end(self) -> date:
        if self.kind == RulePer.YEAR:
            return date(self.year, 12, 31)
        month = 3 * self.index if self.kind == RulePer.QUARTER else self.index
        return date(self.year, month, calendar.monthrange(self.year, month)[1])

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def key(self) -> str:
        if self.kind == RulePer.YEAR:
            return f"{self.year}"
        if self.kind == RulePer.QUARTER:
            return f"{self.year}-Q{self.index}"
        return f"{self.year}-{self.index:02d}"

    @property
    def label(self) -> str:
        if self.kind == RulePer.YEAR:
            return gettext("{year}年").format(year=self.year)
        if self.kind == RulePer.QUARTER:
            quarter = (pgettext("quarter", "一"), pgettext("quarter", "二"), pgettext("quarter", "三"),
                       pgettext("quarter", "四"))[self.index - 1]
            return gettext("{year}年第{quarter}季度").format(year=self.year, quarter=quarter)
        return gettext("{year}年{month}月").format(year=self.year, month=self.index)

    def __str__(self):
        return self.key

    def previous(self) -> Period:
        return Period.containing(self.kind, self.start - timedelta(days=1))

    def next(self) -> Period:
        return Period.containing(self.kind, self.end + timedelta(days=1))

    def months(self) -> list[Period]:
        return windows_ending_in(RulePer.MONTH, self.start, self.end)


def windows_ending_in(per: str, start: date, end: date) -> list[Period]:
    """Windows of length `per` whose last day lies in [start, end], in order."""
    result = []
    w = Period.containing(per, start)
    if w.end < start:
        w = w.next()
    while w.end <= end:
        result.append(w)
        w = w.next()
    return result


@lru_cache(maxsize=4096)
def window_info(window: Period) -> tuple[date, date, int, tuple[tuple[int, int], ...]]:
    """(start, end, days, ((year, month), ...)) of a window, computed once: the engine asks for it per organization."""
    return window.start, window.end, window.days, tuple((p.year, p.index) for p in window.months())


def existed_fraction(org: Organization, window: Period) -> float:
    """Share of `window` during which `org` existed (established_on inclusive, dissolved_on exclusive)."""
    start, end, days, _ = window_info(window)
    if org.established_on <= start and (org.dissolved_on is None or org.dissolved_on > end):
        return 1.0
    first = max(start, org.established_on)
    last = end if org.dissolved_on is None else min(end, org.dissolved_on - timedelta(days=1))
    if last < first:
        return 0.0
    return ((last - first).days + 1) / days


def prorated(n: int, fraction: float) -> int:
    """round half up: a branch set up on the 16th of a 30-day month still owes its monthly meeting."""
    if fraction >= 1:
        return n
    return int(n * fraction + 0.5)


# --- rules -----------------------------------------------------------------------------------------------


def effective_rules(orgs: Iterable[Organization], rules: Iterable[FrequencyRule]) -> dict[int, dict[int, FrequencyRule]]:
    """{org id: {type id: nearest rule up the tree}} from an already-fetched list of rules (no queries)."""
    by_type: dict[int, list[tuple[str, FrequencyRule]]] = defaultdict(list)
    for rule in rules:
        path = rule.organization.path if rule.organization_id else ""
        by_type[rule.activity_type_id].append((path, rule))
    for candidates in by_type.values():
        candidates.sort(key=lambda pr: len(pr[0]), reverse=True)  # nearest (longest path) first
    result = {}
    for org in orgs:
        chosen = {}
        for type_id, candidates in by_type.items():
            for path, rule in candidates:
                if org.path.startswith(path):
                    chosen[type_id] = rule
                    break
        result[org.pk] = chosen
    return result


def rule_applies(rule: FrequencyRule, org: Organization) -> bool:
    if rule.min_count == 0:
        return False
    if rule.holder == RuleHolder.GROUP:
        return org.kind == OrganizationKind.PARTY_GROUP
    if org.kind not in BRANCH_KINDS:
        return False
    if rule.holder == RuleHolder.COMMITTEE:
        return bool(getattr(org, "has_committee", False))
    return True


def load_rules() -> list[FrequencyRule]:
    return list(
        FrequencyRule.objects.filter(activity_type__is_active=True).select_related("organization", "activity_type")
    )


# --- results ---------------------------------------------------------------------------------------------


@dataclass
class WindowResult:
    window: Period
    required: int
    held: int
    state: str  # "met" | "due" | "overdue"


@dataclass
class Cell:
    """One organization × one activity type over the period."""

    activity_type: ActivityType
    rule: FrequencyRule | None = None
    required: int = 0
    held: int = 0      # credited toward the requirement (capped per window)
    count: int = 0     # records actually held (or members covered, for per-member rules)
    missing: int = 0   # shortfall in every window considered, open ones included
    overdue: int = 0   # shortfall in windows already ended
    due_on: date | None = None  # end of the open window with a shortfall
    windows: list[WindowResult] = field(default_factory=list)

    @property
    def state(self) -> str:
        if self.overdue:
            return "overdue"
        if self.missing:
            return "due"
        return "met" if self.required else "none"

    def add(self, other: Cell) -> None:
        self.required += other.required
        self.held += other.held
        self.count += other.count
        self.missing += other.missing
        self.overdue += other.overdue
        if other.due_on and (self.due_on is None or other.due_on < self.due_on):
            self.due_on = other.due_on
        self.windows.extend(other.windows)


@dataclass
class ComplianceRow:
    organization: Organization
    cells: dict[int, Cell]

    def _sum(self, attr: str, completion_only: bool = False) -> int:
        return sum(getattr(c, attr) for c in self.cells.values()
                   if not completion_only or c.activity_type.counts_for_completion)

    @property
    def required(self) -> int:
        return self._sum("required")

    @property
    def held(self) -> int:
        return self._sum("held")

    @property
    def missing(self) -> int:
        return self._sum("missing")

    @property
    def overdue(self) -> int:
        return self._sum("overdue")

    @property
    def rate(self) -> float:
        required = self.required
        return self.held / required if required else 1.0

    @property
    def completion_rate(self) -> float:
        required = self._sum("required", True)
        return self._sum("held", True) / required if required else 1.0


# --- the engine ------------------------------------------------------------------------------------------


def annotate_for_compliance(qs: QuerySet[Organization]) -> QuerySet[Organization]:
    """member_count (branch: members; group: group members) and has_committee, as subqueries."""
    from members.models import Member

    in_branch = Member.objects.filter(branch=OuterRef("pk"), is_active=True).order_by().values("branch")
    in_group = Member.objects.filter(party_group=OuterRef("pk"), is_active=True).order_by().values("party_group")
    seats = (
        CommitteeSeat.objects.filter(term__organization=OuterRef("pk"), term__closed_on__isnull=True, ended_on__isnull=True)
        .order_by()
        .values("term__organization")
    )
    return qs.annotate(
        branch_member_count=Coalesce(Subquery(in_branch.annotate(c=Count("pk")).values("c")[:1]), Value(0)),
        group_member_count=Coalesce(Subquery(in_group.annotate(c=Count("pk")).values("c")[:1]), Value(0)),
        committee_seats=Coalesce(Subquery(seats.annotate(c=Count("pk")).values("c")[:1]), Value(0),
                                 output_field=IntegerField()),
    )


def _group_ids_under(paths_qs):
    """Ids of groups whose parent path is in `paths_qs`; groups sit one level below a branch."""
    return (
        Organization.objects.filter(kind=OrganizationKind.PARTY_GROUP)
        .annotate(_parent=Substr("path", 1, Length("path") - Organization.steplen))
        .filter(_parent__in=paths_qs)
        .order_by()
        .values("pk")
    )


def _evaluate(
    orgs: list[Organization],
    *,
    windows_for: Callable[[FrequencyRule], list[Period]],
    today: date,
    type_ids: set[int] | None = None,
) -> dict[int, dict[int, Cell]]:
    """{org id: {type id: Cell}} for annotated organizations, in 4 queries (3 if no per-member rule applies)."""
    types = {t.pk: t for t in ActivityType.objects.filter(is_active=True)}
    rules = effective_rules(orgs, load_rules())

    # Which windows each (org, type) is judged on, and the date range to count over.
    plan: dict[tuple[int, int], tuple[FrequencyRule, list[Period]]] = {}
    lo = hi = None
    member_rule = False
    windows_cache: dict[str, list[Period]] = {}
    for org in orgs:
        for type_id, rule in rules[org.pk].items():
            if type_ids and type_id not in type_ids:
                continue
            if type_id not in types or not rule_applies(rule, org):
                continue
            if rule.per not in windows_cache:
                windows_cache[rule.per] = [w for w in windows_for(rule) if w.start <= today]
            wins = windows_cache[rule.per]
            plan[(org.pk, type_id)] = (rule, wins)
            if wins:
                lo = min(lo or wins[0].start, wins[0].start)
                hi = max(hi or wins[-1].end, wins[-1].end)
            member_rule = member_rule or rule.holder == RuleHolder.MEMBER

    counts: dict[tuple[int, int], dict[tuple[int, int], int]] = defaultdict(dict)
    talk_counts: dict[int, dict[int, dict[tuple[int, int], int]]] = defaultdict(lambda: defaultdict(dict))
    if lo is not None:
        org_ids = [o.pk for o in orgs]
        rows = (
            Activity.objects.submitted()
            .filter(organization_id__in=org_ids, held_on__gte=lo, held_on__lte=hi)
            .annotate(y=ExtractYear("held_on"), m=ExtractMonth("held_on"))
            .order_by()
            .values_list("organization_id", "activity_type_id", "y", "m")
            .annotate(n=Count("pk"))
        )
        for org_id, type_id, y, m, n in rows:
            counts[(org_id, type_id)][(y, m)] = n
        if member_rule:
            through = Talk.participants.through
            trows = (
                through.objects.filter(
                    talk__is_deleted=False, talk__held_on__gte=lo, talk__held_on__lte=hi,
                    member__branch_id__in=org_ids, member__is_active=True,
                )
                .annotate(y=ExtractYear("talk__held_on"), m=ExtractMonth("talk__held_on"))
                .order_by()
                .values_list("member__branch_id", "member_id", "y", "m")
                .annotate(n=Count("talk_id", distinct=True))
            )
            for branch_id, member_id, y, m, n in trows:
                talk_counts[branch_id][member_id][(y, m)] = n

    result: dict[int, dict[int, Cell]] = {o.pk: {} for o in orgs}
    org_by_id = {o.pk: o for o in orgs}
    for (org_id, type_id), (rule, wins) in plan.items():
        org = org_by_id[org_id]
        cell = Cell(activity_type=types[type_id], rule=rule)
        monthly = counts.get((org_id, type_id), {})
        for w in wins:
            _, w_end, _, months = window_info(w)
            fraction = existed_fraction(org, w)
            if rule.holder == RuleHolder.MEMBER:
                members = talk_counts.get(org_id, {})
                covered = sum(1 for per_month in members.values()
                              if sum(per_month.get(k, 0) for k in months) >= rule.min_count)
                required = org.branch_member_count if fraction > 0 else 0
                held_raw = covered
            else:
                required = prorated(rule.min_count, fraction)
                held_raw = sum(monthly.get(k, 0) for k in months)
            credited = min(held_raw, required)
            short = required - credited
            is_open = w_end >= today
            state = "met" if not short else ("due" if is_open else "overdue")
            cell.required += required
            cell.held += credited
            cell.count += held_raw
            cell.missing += short
            if short and not is_open:
                cell.overdue += short
            if short and is_open and (cell.due_on is None or w_end < cell.due_on):
                cell.due_on = w_end
            cell.windows.append(WindowResult(w, required, held_raw, state))
        result[org_id][type_id] = cell
    return result


def _parent_id_map(orgs: list[Organization]) -> dict[int, int]:
    by_path = {o.path: o.pk for o in orgs}
    return {o.pk: by_path[o.parent_path] for o in orgs
            if o.kind == OrganizationKind.PARTY_GROUP and o.parent_path in by_path}


def _rows(orgs_all: list[Organization], wanted_ids: set[int], cells: dict[int, dict[int, Cell]]) -> list[ComplianceRow]:
    """Rows for the wanted organizations; each branch row also carries its 党小组' cells (rolled up)."""
    parent = _parent_id_map(orgs_all)
    rows = {o.pk: ComplianceRow(o, {}) for o in orgs_all if o.pk in wanted_ids}
    for org in orgs_all:
        for type_id, cell in cells[org.pk].items():
            targets = []
            if org.pk in rows:
                targets.append(rows[org.pk])
            if org.pk in parent and parent[org.pk] in rows and parent[org.pk] != org.pk:
                targets.append(rows[parent[org.pk]])
            for row in targets:
                if type_id in row.cells:
                    row.cells[type_id].add(cell)
                else:
                    row.cells[type_id] = Cell(activity_type=cell.activity_type, rule=cell.rule)
                    row.cells[type_id].add(cell)
    return [rows[o.pk] for o in orgs_all if o.pk in rows]


def compliance_table(
    *, organizations_qs: QuerySet[Organization], period: Period | str, today: date | None = None,
    type_ids: Iterable[int] | None = None,
) -> list[ComplianceRow]:
    """One row per branch / 党小组 in `organizations_qs` (others are skipped), in tree order.

    Branch rows include their groups' 党小组会. Fixed number of queries whatever the number of rows.
    """
    period = Period.parse(period) if isinstance(period, str) else period
    today = today or date.today()
    orgs, wanted = _load_with_groups(organizations_qs.filter(kind__in=[*BRANCH_KINDS, OrganizationKind.PARTY_GROUP]))
    cells = _evaluate(orgs, windows_for=lambda r: windows_ending_in(r.per, period.start, period.end), today=today,
                      type_ids=set(type_ids) if type_ids else None)
    return _rows(orgs, wanted, cells)


def _load_with_groups(holders: QuerySet[Organization]) -> tuple[list[Organization], set[int]]:
    """The holders (annotated) and, in a second query, the 党小组 under the branches among them."""
    wanted = _prepare(list(annotate_for_compliance(holders).order_by("path")))
    branch_paths = [o.path for o in wanted if o.kind in BRANCH_KINDS]
    have = {o.pk for o in wanted}
    groups = []
    if branch_paths:
        # Usually the groups are already among the holders (a whole subtree); fetch only the missing ones.
        group_ids = set(
            Organization.objects.filter(kind=OrganizationKind.PARTY_GROUP)
            .annotate(_parent=Substr("path", 1, Length("path") - Organization.steplen))
            .filter(_parent__in=branch_paths).values_list("pk", flat=True)
        )
        missing = group_ids - have
        groups = _prepare(list(annotate_for_compliance(Organization.objects.filter(pk__in=missing)))) if missing else []
    orgs = sorted([*wanted, *groups], key=lambda o: o.path)
    return orgs, have


def _prepare(orgs: list[Organization]) -> list[Organization]:
    for o in orgs:
        o.member_count = o.group_member_count if o.kind == OrganizationKind.PARTY_GROUP else o.branch_member_count
        o.has_committee = o.committee_seats >= COMMITTEE_MIN_SEATS
    return orgs


def _branch_rows(branch_ids: Iterable[int], windows_for, today) -> dict[int, ComplianceRow]:
    branch_ids = list(branch_ids)
    orgs, _ = _load_with_groups(Organization.objects.filter(pk__in=branch_ids))
    cells = _evaluate(orgs, windows_for=windows_for, today=today)
    return {row.organization.pk: row for row in _rows(orgs, set(branch_ids), cells)}


def due_now(*, organizations_qs: QuerySet[Organization], today: date | None = None) -> list[ComplianceRow]:
    """What is due for each organization in the windows that contain `today` (this month, quarter, year)."""
    today = today or date.today()
    holders = organizations_qs.filter(kind__in=[*BRANCH_KINDS, OrganizationKind.PARTY_GROUP])
    orgs = _prepare(list(annotate_for_compliance(holders).order_by("path")))
    cells = _evaluate(orgs, windows_for=lambda r: [Period.containing(r.per, today)], today=today)
    return [ComplianceRow(o, cells[o.pk]) for o in orgs]


# --- contract functions for evaluations / reports -------------------------------------------------------


def completion_rates(*, branch_ids: Iterable[int], start: date, end: date, today: date | None = None) -> dict[int, float]:
    """三会一课 + 主题党日: credited / required over rule windows ending in [start, end], 0..1 (1.0 if nothing was due)."""
    today = today or date.today()
    rows = _branch_rows(branch_ids, lambda r: windows_ending_in(r.per, start, end), today)
    return {pk: row.completion_rate for pk, row in rows.items()}


def attendance_rates(*, branch_ids: Iterable[int], start: date, end: date) -> dict[int, float]:
    """(出席 + 迟到) / expected members over submitted records of the branch and its groups; 0.0 with no records."""
    branch_ids = list(branch_ids)
    orgs = list(Organization.objects.filter(Q(pk__in=branch_ids) | Q(pk__in=_group_ids_under(
        Organization.objects.filter(pk__in=branch_ids).order_by().values("path")))).only("pk", "path", "kind"))
    parent = _parent_id_map(orgs)
    rows = (
        Attendance.objects.filter(
            activity__in=Activity.objects.submitted().filter(
                organization_id__in=[o.pk for o in orgs], held_on__gte=start, held_on__lte=end,
                activity_type__takes_attendance=True),
            member__isnull=False,
        )
        .order_by()
        .values_list("activity__organization_id")
        .annotate(total=Count("pk"), present=Count("pk", filter=Q(status__in=PRESENT_STATUSES)))
    )
    totals: dict[int, list[int]] = {pk: [0, 0] for pk in branch_ids}
    for org_id, total, present in rows:
        target = parent.get(org_id, org_id)
        if target in totals:
            totals[target][0] += total
            totals[target][1] += present
    return {pk: (p / t if t else 0.0) for pk, (t, p) in totals.items()}


def talk_coverage(*, branch_ids: Iterable[int], year: int) -> dict[int, float]:
    """Active members with at least one 谈心谈话 in `year` / active members, per branch (0.0 with no members)."""
    from members.models import Member

    branch_ids = list(branch_ids)
    through = Talk.participants.through
    covered = dict(
        through.objects.filter(talk__is_deleted=False, talk__held_on__year=year, member__branch_id__in=branch_ids,
                               member__is_active=True)
        .order_by()
        .values_list("member__branch_id")
        .annotate(n=Count("member_id", distinct=True))
    )
    totals = dict(
        Member.objects.filter(branch_id__in=branch_ids, is_active=True).order_by().values_list("branch_id")
        .annotate(n=Count("pk"))
    )
    return {pk: (covered.get(pk, 0) / totals[pk] if totals.get(pk) else 0.0) for pk in branch_ids}
