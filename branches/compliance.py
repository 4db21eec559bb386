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

Queries, whatever the number of organizations: organizations (with committee seats), their groups' ids (and the
missing groups), active members grouped by branch × group, rules, activity counts grouped by organization × type ×
day and, when a per-member rule (谈心谈话) has a window in the period, talk counts. Other tables are restricted to
the organizations by subqueries of the caller's queryset, never by lists of ids.
"""
from __future__ import annotations

import calendar
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

from django.db.models import Case, Count, DateField, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Cast, Coalesce, Length, Substr, TruncMonth
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
# Years the portal can reason about: windows step one past the period (year 9999 would overflow `date`).
PERIOD_MIN_YEAR, PERIOD_MAX_YEAR = 1921, 2100
PERIOD_YEAR_ERROR = f"期间年份应在 {PERIOD_MIN_YEAR} 至 {PERIOD_MAX_YEAR} 之间。"
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
        if not PERIOD_MIN_YEAR <= year <= PERIOD_MAX_YEAR:
            raise ValueError(PERIOD_YEAR_ERROR)
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


def _rule_resolver(rules: list[FrequencyRule]) -> Callable[[str], dict[int, FrequencyRule]]:
    """path -> {type id: nearest rule up the tree}; one dict per distinct set of overrides (memoized by path)."""
    default: dict[int, FrequencyRule] = {}
    overrides: dict[str, dict[int, FrequencyRule]] = defaultdict(dict)
    for rule in rules:
        if rule.organization_id:
            overrides[rule.organization.path][rule.activity_type_id] = rule
        else:
            default[rule.activity_type_id] = rule
    memo: dict[str, dict[int, FrequencyRule]] = {"": default}
    steplen = Organization.steplen

    def resolve(path: str) -> dict[int, FrequencyRule]:
        found = memo.get(path)
        if found is None:
            found = resolve(path[:-steplen])
            if path in overrides:
                found = {**found, **overrides[path]}
            memo[path] = found
        return found

    return resolve


def effective_rules(orgs: Iterable[Organization], rules: Iterable[FrequencyRule]) -> dict[int, dict[int, FrequencyRule]]:
    """{org id: {type id: nearest rule up the tree}} from an already-fetched list of rules (no queries)."""
    rules = list(rules)
    resolve = _rule_resolver(rules)
    order = list(dict.fromkeys(r.activity_type_id for r in rules))
    result = {}
    for org in orgs:
        chosen = resolve(org.path)
        result[org.pk] = {t: chosen[t] for t in order if t in chosen}
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
#
# Shape (whole tree of a province, N = 5,000 branches, 20,000 holders): the SQL returns grouped rows only
# (organizations; active members per branch × group; submitted records per organization × type × month; talks per
# member × month when a per-member rule is judged), filtered by the caller's queryset as a subquery, never by a
# list of ids. The Python pass then works per distinct (rule set, kind, committee) plan rather than per
# organization × rule, and treats an organization that existed through every window without date arithmetic.


def annotate_for_compliance(qs: QuerySet[Organization]) -> QuerySet[Organization]:
    """committee_seats (current seats of the current term; branches only: groups have no committee), a subquery."""
    seats = (
        CommitteeSeat.objects.filter(term__organization=OuterRef("pk"), term__closed_on__isnull=True, ended_on__isnull=True)
        .order_by()
        .values("term__organization")
    )
    return qs.annotate(
        committee_seats=Case(
            When(kind__in=BRANCH_KINDS, then=Coalesce(Subquery(seats.annotate(c=Count("pk")).values("c")[:1]), Value(0))),
            default=Value(0), output_field=IntegerField(),
        ),
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


@dataclass
class _Holders:
    """The organizations to evaluate (path order) and how to restrict other tables to them in SQL.

    A few hundred organizations (a page, a subtree): their ids, so the planner uses the foreign-key indexes.
    Thousands (a province): subqueries of the caller's queryset, hashed once by the server, instead of an id list
    that costs more to send and plan than the query itself.
    """

    orgs: list[Organization]
    wanted: set[int]
    subqueries: list[QuerySet]  # each `.values("pk")`; together they cover every organization in `orgs`

    def _large(self) -> bool:
        return len(self.orgs) > ID_LIST_LIMIT

    def q(self, field_name: str) -> Q:
        """`field_name` (an organization foreign key) within all the organizations."""
        if not self._large():
            return Q(**{f"{field_name}__in": [o.id for o in self.orgs]})
        cond = Q()
        for sub in self.subqueries:
            cond |= Q(**{f"{field_name}__in": sub})
        return cond

    def holders(self):
        """The organizations asked for (without groups added below their branches): ids or a subquery."""
        return self.subqueries[0] if self._large() else [o.id for o in self.orgs if o.id in self.wanted]


ID_LIST_LIMIT = 1000


def _load(holders_qs: QuerySet[Organization], *, with_groups: bool) -> _Holders:
    """The holders in `holders_qs` (+ the 党小组 under its branches), with member_count and has_committee set.

    Queries: holders; with_groups: the groups' ids, and the groups not already among the holders if any; then the
    active members grouped by branch × group (one query gives both the branch and the group counts).
    """
    from members.models import Member

    holders_qs = holders_qs.filter(kind__in=[*BRANCH_KINDS, OrganizationKind.PARTY_GROUP])
    wanted_orgs = list(annotate_for_compliance(holders_qs).order_by("path"))
    have = {o.id for o in wanted_orgs}
    subqueries = [holders_qs.order_by().values("pk")]
    groups: list[Organization] = []
    if with_groups and any(o.kind in BRANCH_KINDS for o in wanted_orgs):
        # Usually the groups are already among the holders (a whole subtree); fetch only the missing ones.
        under = _group_ids_under(holders_qs.filter(kind__in=BRANCH_KINDS).order_by().values("path"))
        missing = set(under.values_list("pk", flat=True)) - have
        if missing:
            groups = list(annotate_for_compliance(Organization.objects.filter(pk__in=missing)))
            subqueries.append(under)
    orgs = sorted([*wanted_orgs, *groups], key=lambda o: o.path) if groups else wanted_orgs
    holders = _Holders(orgs, have, subqueries)
    # Members of a holder branch (its groups' members among them) or of a holder group under another branch.
    in_branch: dict[int, int] = defaultdict(int)
    in_group: dict[int, int] = defaultdict(int)
    if orgs:
        rows = (
            Member.objects.filter(is_active=True)
            .filter(Q(branch__in=holders.holders()) | Q(party_group__in=holders.holders()))
            .order_by()
            .values_list("branch_id", "party_group_id")
            .annotate(n=Count("pk"))
        )
        for branch_id, group_id, n in rows:
            in_branch[branch_id] += n
            if group_id is not None:
                in_group[group_id] += n
    for o in orgs:
        o.branch_member_count = in_branch.get(o.id, 0)
        o.group_member_count = in_group.get(o.id, 0)
        o.member_count = o.group_member_count if o.kind == OrganizationKind.PARTY_GROUP else o.branch_member_count
        o.has_committee = o.committee_seats >= COMMITTEE_MIN_SEATS
    return holders


_HOLDER_CLASS = {kind: "branch" for kind in BRANCH_KINDS} | {OrganizationKind.PARTY_GROUP: "group"}


def _fraction(established_on: date, dissolved_on: date | None, start: date, end: date, days: int) -> float:
    """existed_fraction() on plain values."""
    if established_on <= start and (dissolved_on is None or dissolved_on > end):
        return 1.0
    first = max(start, established_on)
    last = end if dissolved_on is None else min(end, dissolved_on - timedelta(days=1))
    if last < first:
        return 0.0
    return ((last - first).days + 1) / days


def _evaluate(
    holders: _Holders,
    *,
    windows_for: Callable[[FrequencyRule], list[Period]],
    today: date,
    type_ids: set[int] | None = None,
) -> dict[int, dict[int, Cell]]:
    """{org id: {type id: Cell}}: rules, activity counts and, when a per-member rule is judged, talk counts."""
    orgs = holders.orgs
    rules = load_rules()
    types: dict[int, ActivityType] = {}
    for rule in rules:
        types.setdefault(rule.activity_type_id, rule.activity_type)
    type_order = list(types)
    resolve = _rule_resolver(rules)

    # Windows depend on the rule's length only: (period, start, end, days, first days of its months, open?).
    windows: dict[str, tuple] = {}

    def windows_of(rule: FrequencyRule) -> tuple:
        if rule.per not in windows:
            windows[rule.per] = tuple(
                [w, w.start, w.end, w.days, tuple(date(y, m, 1) for y, m in window_info(w)[3]), w.end >= today]
                for w in windows_for(rule) if w.start <= today
            )
        return windows[rule.per]

    # One plan per distinct (rule set, holder class, committee): [(type id, rule, windows, per-member?)].
    plans: dict[tuple, list] = {}
    org_plans = []
    for org in orgs:
        chosen = resolve(org.path)
        holder_class = _HOLDER_CLASS.get(org.kind)
        key = (id(chosen), holder_class, org.has_committee)
        plan = plans.get(key)
        if plan is None:
            plan = plans[key] = []
            for type_id in type_order:
                rule = chosen.get(type_id)
                if rule is None or (type_ids and type_id not in type_ids) or not rule_applies(rule, org):
                    continue
                plan.append((type_id, rule, windows_of(rule), rule.holder == RuleHolder.MEMBER))
        org_plans.append((org, plan))

    all_windows = [w for ws in windows.values() for w in ws]
    member_windows = any(per_member and wins for plan in plans.values() for _, _, wins, per_member in plan)
    counts: dict[tuple[int, int], tuple[int, ...]] = {}  # (org, type) -> records per month of [lo, hi]
    talks: dict[int, dict[int, dict[date, int]]] = defaultdict(lambda: defaultdict(dict))
    lo = hi = None
    if all_windows:
        lo = min(w[1] for w in all_windows)
        hi = max(w[2] for w in all_windows)
        # One row per organization × type with a count column per month of [lo, hi] (conditional aggregation):
        # the server groups on two integers and returns ~one row per cell, not one per record or per month.
        month_starts = [m.start for m in windows_ending_in(RulePer.MONTH, lo, hi)]
        if month_starts and month_starts[0] > lo:
            month_starts.insert(0, lo.replace(day=1))
        month_index = {m: i for i, m in enumerate(month_starts)}
        bounds = [*month_starts[1:], hi + timedelta(days=1)]
        columns = {f"m{i}": Count("pk", filter=Q(held_on__gte=start, held_on__lt=end))
                   for i, (start, end) in enumerate(zip(month_starts, bounds, strict=True))}
        rows = (
            Activity.objects.submitted()
            .filter(holders.q("organization"), held_on__gte=lo, held_on__lte=hi)
            .order_by()
            .values_list("organization_id", "activity_type_id")
            .annotate(**columns)
        )
        for row in rows:
            counts[(row[0], row[1])] = row[2:]
        for spec in all_windows:  # each window's months as positions in those tuples
            spec.append(tuple(month_index[m] for m in spec[4]))
        if member_windows:
            through = Talk.participants.through
            trows = (
                through.objects.filter(
                    talk__is_deleted=False, talk__held_on__gte=lo, talk__held_on__lte=hi,
                    member__branch__in=holders.holders(), member__is_active=True,
                )
                .annotate(month=Cast(TruncMonth("talk__held_on"), DateField()))
                .order_by()
                .values_list("member__branch_id", "member_id", "month")
                .annotate(n=Count("talk_id", distinct=True))
            )
            for branch_id, member_id, month, n in trows:
                talks[branch_id][member_id][month] = n

    # Organizations that existed through every window with the same rule and the same monthly counts get the same
    # figures: computed once, shared as (totals, window results); each cell still gets its own list.
    memo: dict[tuple, tuple] = {}
    result: dict[int, dict[int, Cell]] = {}
    for org, plan in org_plans:
        oid = org.id
        cells = result[oid] = {}
        if not plan:
            continue
        est, dis = org.established_on, org.dissolved_on
        whole = lo is None or (est <= lo and (dis is None or dis > hi))  # existed through every window
        for type_id, rule, wins, per_member in plan:
            monthly = counts.get((oid, type_id))
            key = None
            if whole and not per_member:
                key = (id(rule), id(wins), monthly)
                done = memo.get(key)
                if done is not None:
                    totals, results = done
                    cells[type_id] = Cell(types[type_id], rule, *totals, list(results))
                    continue
            totals, results = _judge(org, rule, wins, whole, est, dis, monthly,
                                     talks.get(oid, {}) if per_member else None)
            if key is not None:
                memo[key] = (totals, results)
            cells[type_id] = Cell(types[type_id], rule, *totals, list(results))
    return result


def _judge(org, rule, wins, whole, est, dis, monthly, members) -> tuple[tuple, tuple]:
    """((required, held, count, missing, overdue, due_on), window results) of one organization × rule.

    `monthly`: the organization's records of this type per month of the counted range (None: none at all);
    `members`: {member id: {first of month: talks}} for a per-member rule, else None.
    """
    n_min = rule.min_count
    required_total = held_total = count_total = missing = overdue = 0
    due_on = None
    results = []
    for w, w_start, w_end, w_days, months, is_open, idx in wins:
        fraction = 1.0 if whole else _fraction(est, dis, w_start, w_end, w_days)
        if members is not None:  # per-member rule: members with at least n_min talks in the window
            required = org.branch_member_count if fraction > 0 else 0
            month_set = set(months)
            held_raw = 0
            for per_month in members.values():
                if sum(n for k, n in per_month.items() if k in month_set) >= n_min:
                    held_raw += 1
        else:
            required = n_min if fraction >= 1 else int(n_min * fraction + 0.5)
            if monthly is None:
                held_raw = 0
            elif len(idx) == 1:
                held_raw = monthly[idx[0]]
            else:
                held_raw = sum(monthly[i] for i in idx)
        credited = held_raw if held_raw < required else required
        short = required - credited
        required_total += required
        held_total += credited
        count_total += held_raw
        if short:
            missing += short
            if is_open:
                if due_on is None or w_end < due_on:
                    due_on = w_end
                state = "due"
            else:
                overdue += short
                state = "overdue"
        else:
            state = "met"
        results.append(WindowResult(w, required, held_raw, state))
    return (required_total, held_total, count_total, missing, overdue, due_on), tuple(results)


def _parent_id_map(orgs: list[Organization]) -> dict[int, int]:
    by_path = {o.path: o.pk for o in orgs}
    return {o.pk: by_path[o.parent_path] for o in orgs
            if o.kind == OrganizationKind.PARTY_GROUP and o.parent_path in by_path}


def _rows(orgs_all: list[Organization], wanted_ids: set[int], cells: dict[int, dict[int, Cell]]) -> list[ComplianceRow]:
    """Rows for the wanted organizations; each branch row also carries its 党小组' cells (rolled up).

    `orgs_all` is in path order, so a branch's row exists before its groups are rolled into it. A row takes its
    organization's own cells (nothing else holds them); roll-ups add into them or into a new cell.
    """
    parent = _parent_id_map(orgs_all)
    rows: dict[int, ComplianceRow] = {}
    out = []
    for org in orgs_all:
        oid = org.id
        own = cells[oid]
        if oid in wanted_ids:
            row = rows[oid] = ComplianceRow(org, dict(own))
            out.append(row)
        target = rows.get(parent[oid]) if oid in parent else None
        if target is None or not own:
            continue
        tcells = target.cells
        for type_id, cell in own.items():
            acc = tcells.get(type_id)
            if acc is None:
                acc = tcells[type_id] = Cell(activity_type=cell.activity_type, rule=cell.rule)
            acc.add(cell)
    return out


def compliance_table(
    *, organizations_qs: QuerySet[Organization], period: Period | str, today: date | None = None,
    type_ids: Iterable[int] | None = None,
) -> list[ComplianceRow]:
    """One row per branch / 党小组 in `organizations_qs` (others are skipped), in tree order.

    Branch rows include their groups' 党小组会. Fixed number of queries whatever the number of rows.
    """
    period = Period.parse(period) if isinstance(period, str) else period
    today = today or date.today()
    holders = _load(organizations_qs, with_groups=True)
    cells = _evaluate(holders, windows_for=lambda r: windows_ending_in(r.per, period.start, period.end), today=today,
                      type_ids=set(type_ids) if type_ids else None)
    return _rows(holders.orgs, holders.wanted, cells)


def _branch_rows(branch_ids: Iterable[int], windows_for, today) -> dict[int, ComplianceRow]:
    branch_ids = list(branch_ids)
    holders = _load(Organization.objects.filter(pk__in=branch_ids), with_groups=True)
    cells = _evaluate(holders, windows_for=windows_for, today=today)
    return {row.organization.pk: row for row in _rows(holders.orgs, set(branch_ids), cells)}


def due_now(*, organizations_qs: QuerySet[Organization], today: date | None = None) -> list[ComplianceRow]:
    """What is due for each organization in the windows that contain `today` (this month, quarter, year)."""
    today = today or date.today()
    holders = _load(organizations_qs, with_groups=False)
    cells = _evaluate(holders, windows_for=lambda r: [Period.containing(r.per, today)], today=today)
    return [ComplianceRow(o, cells[o.pk]) for o in holders.orgs]


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
