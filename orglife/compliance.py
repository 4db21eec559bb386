"""Is each organization holding what the rules require? Computed in the database, a fixed number of queries.

Rules (FrequencyRule) say "at least N per month / quarter / year". For a period asked about (a month, a quarter
or a year) the engine looks at every rule window of the rule's length that *ends* inside that period (a quarterly
党员大会 is judged in March, June, September and December; a yearly 组织生活会 in December), counts the submitted
records of each window (from ActivityCount, kept by the activity services), and compares window by window: two
支委会 in August do not make up for none in September.

- A window that has not started yet is not required. The window containing `today` is "due": its shortfall is
  missing but not yet overdue. A window that has ended with a shortfall is overdue.
- An organization established or dissolved inside a window is held to the part it existed:
  required = round(N × days existed / days in window), half up.
- The effective rule for an organization is the nearest one up the tree (organization=None is the default).

Queries, whatever the number of organizations: organizations (plain rows); the 党小组 under their branches that
they miss, only when some are missing; active members per branch × group and committee seats per branch (one
UNION ALL); rules; ActivityCount rows (organization × type, the period's months as columns) and, when a per-member
rule (谈心谈话) has a window in the period, talk counts. For thousands of organizations other tables are restricted
by subqueries of the caller's queryset rather than lists of ids.
"""
from __future__ import annotations

import calendar
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

from django.db import connections
from django.db.models import BigIntegerField, Count, DateField, Q, QuerySet, Value
from django.db.models.functions import Cast, Length, Substr, TruncMonth
from django.utils.text import format_lazy
from django.utils.translation import gettext, gettext_lazy, pgettext

from branches.models import BRANCH_KINDS, CommitteeSeat, Organization, OrganizationKind
from members.models import Member
from members.selectors.registry import members_on
from portal.perf import gc_paused

from .models import (
    MONTH_FIELDS,
    PRESENT_STATUSES,
    Activity,
    ActivityCount,
    ActivityType,
    Attendance,
    FrequencyRule,
    RuleHolder,
    RulePer,
    Talk,
)

PERIOD_FORMAT_ERROR = gettext_lazy("期间格式应为 2025、2025-Q3 或 2025-09。")
# Years the portal can reason about: windows step one past the period (year 9999 would overflow `date`).
PERIOD_MIN_YEAR, PERIOD_MAX_YEAR = 1921, 2100
PERIOD_YEAR_ERROR = format_lazy(gettext_lazy("期间年份应在 {low} 至 {high} 之间。"), low=PERIOD_MIN_YEAR, high=PERIOD_MAX_YEAR)
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


@dataclass(slots=True)
class WindowResult:
    window: Period
    required: int
    held: int
    state: str  # "met" | "due" | "overdue"


@dataclass(slots=True)
class Cell:
    """One organization × one activity type over the period.

    Read-only once returned: organizations with the same rule, windows and monthly counts share one Cell.
    """

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

    def copy(self) -> Cell:
        return Cell(self.activity_type, self.rule, self.required, self.held, self.count, self.missing, self.overdue,
                    self.due_on, list(self.windows))

    def add(self, other: Cell) -> None:
        self.required += other.required
        self.held += other.held
        self.count += other.count
        self.missing += other.missing
        self.overdue += other.overdue
        if other.due_on and (self.due_on is None or other.due_on < self.due_on):
            self.due_on = other.due_on
        self.windows.extend(other.windows)


class ComplianceRow:
    """One organization's cells. `organization` is built on first use (a page shows 50 of 20,000 rows);
    `organization_id`, `path`, `kind` and `member_count` are there without it."""

    def __init__(self, holder: HolderOrg, cells: dict[int, Cell]):
        self._holder = holder
        self.cells = cells
        self._totals = None

    def __repr__(self):
        return f"<ComplianceRow {self._holder.id} {len(self.cells)} cells>"

    @property
    def organization(self) -> Organization:
        return self._holder.instance()

    @property
    def organization_id(self) -> int:
        return self._holder.id

    @property
    def path(self) -> str:
        return self._holder.path

    @property
    def kind(self) -> str:
        return self._holder.kind

    @property
    def member_count(self) -> int:
        return self._holder.member_count

    def _sums(self) -> tuple[int, int, int, int, int, int]:
        """(required, held, missing, overdue, required and held of 三会一课 + 主题党日), computed once."""
        totals = self._totals
        if totals is None:
            required = held = missing = overdue = c_required = c_held = 0
            for c in self.cells.values():
                required += c.required
                held += c.held
                missing += c.missing
                overdue += c.overdue
                if c.activity_type.counts_for_completion:
                    c_required += c.required
                    c_held += c.held
            totals = self._totals = (required, held, missing, overdue, c_required, c_held)
        return totals

    @property
    def required(self) -> int:
        return self._sums()[0]

    @property
    def held(self) -> int:
        return self._sums()[1]

    @property
    def missing(self) -> int:
        return self._sums()[2]

    @property
    def overdue(self) -> int:
        return self._sums()[3]

    @property
    def rate(self) -> float:
        required, held = self._sums()[:2]
        return held / required if required else 1.0

    @property
    def completion_rate(self) -> float:
        required, held = self._sums()[4:]
        return held / required if required else 1.0


# --- the engine ------------------------------------------------------------------------------------------
#
# Shape (whole tree of a province, N = 5,000 branches, 20,000 holders): the SQL returns plain rows only
# (organizations as tuples; active members per branch × group; ActivityCount rows — one per organization × type
# × year with a column per month, kept by the services, so no grouping over the records; talks per member × month
# when a per-member rule is judged), filtered by the caller's queryset as a subquery, never by a list of ids.
# The Python pass works per distinct (rule set, kind, committee) plan rather than per organization × rule, treats
# an organization that existed through every window without date arithmetic, and hands organizations with the
# same rule, windows and monthly counts the same Cell. No model instance is built per organization: a row builds
# its Organization when something reads `row.organization`.

# What a row's Organization is built from: everything but long texts and timestamps (tz conversion of 40,000
# datetimes cost more than the rest of the row); reading one of those on a row's organization loads it then.
ORG_FIELDS = tuple(f.attname for f in Organization._meta.concrete_fields
                   if f.attname not in ("units", "dissolution_reason", "created_at", "updated_at"))
_ORG_ID, _ORG_PATH, _ORG_KIND, _ORG_NUMCHILD, _ORG_EST, _ORG_DIS = (
    ORG_FIELDS.index(n) for n in ("id", "path", "kind", "numchild", "established_on", "dissolved_on"))


class HolderOrg:
    """An organization as the engine needs it (a tuple from `.values_list()`), with its counts and committee flag."""

    __slots__ = ("values", "id", "path", "kind", "numchild", "established_on", "dissolved_on", "committee_seats",
                 "has_committee", "branch_member_count", "group_member_count", "member_count", "_instance")

    def __init__(self, values: tuple):
        self.values = values
        self.id = values[_ORG_ID]
        self.path = values[_ORG_PATH]
        self.kind = values[_ORG_KIND]
        self.numchild = values[_ORG_NUMCHILD]
        self.established_on = values[_ORG_EST]
        self.dissolved_on = values[_ORG_DIS]
        self._instance = None

    @property
    def pk(self) -> int:
        return self.id

    def instance(self) -> Organization:
        org = self._instance
        if org is None:
            org = self._instance = Organization.from_db("default", ORG_FIELDS, self.values)
            org.committee_seats = self.committee_seats
            org.has_committee = self.has_committee
            org.branch_member_count = self.branch_member_count
            org.group_member_count = self.group_member_count
            org.member_count = self.member_count
        return org


def _holder_rows(qs: QuerySet[Organization]) -> list[HolderOrg]:
    return [HolderOrg(row) for row in qs.order_by("path").values_list(*ORG_FIELDS)]


def _group_ids_under(paths_qs):
    """Ids of groups whose parent path is in `paths_qs`; groups sit one level below a branch."""
    return (
        Organization.objects.filter(kind=OrganizationKind.PARTY_GROUP)
        .annotate(_parent=Substr("path", 1, Length("path") - Organization.steplen))
        .filter(_parent__in=paths_qs)
        .order_by()
        .values("pk")
    )


def _misses_groups(orgs: list[HolderOrg]) -> bool:
    """Whether some branch in `orgs` (path order) has a 党小组 that is not in `orgs`: its numchild (kept by the tree;
    only groups sit under a branch) is more than its children present. A whole subtree never misses any."""
    steplen = Organization.steplen
    group_kind = OrganizationKind.PARTY_GROUP
    present: dict[str, int] = {}
    for o in orgs:
        if o.kind == group_kind:
            parent = o.path[:-steplen]
            if parent in present:
                present[parent] += 1
        elif o.kind in BRANCH_KINDS:
            present[o.path] = 0
    by_path = {o.path: o for o in orgs}
    return any(by_path[path].numchild != n for path, n in present.items())


@dataclass
class _Holders:
    """The organizations to evaluate (path order) and how to restrict other tables to them in SQL.

    A few hundred organizations (a page, a subtree): their ids, so the planner uses the foreign-key indexes.
    Thousands (a province): subqueries of the caller's queryset, hashed once by the server, instead of an id list
    that costs more to send and plan than the query itself.
    """

    orgs: list[HolderOrg]
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
_MEMBERS, _SEATS = 0, 1


def _load(holders_qs: QuerySet[Organization], *, with_groups: bool) -> _Holders:
    """The holders in `holders_qs` (+ the 党小组 under its branches), with member counts and has_committee set.

    Queries: the holders (plain rows); with_groups, when a branch's groups are not all among them, those groups;
    then one UNION ALL of grouped counts: active members per branch × group and current committee seats per branch.
    """

    holders_qs = holders_qs.filter(kind__in=[*BRANCH_KINDS, OrganizationKind.PARTY_GROUP])
    orgs = _holder_rows(holders_qs)
    have = {o.id for o in orgs}
    subqueries = [holders_qs.order_by().values("pk")]
    if with_groups and _misses_groups(orgs):
        under = _group_ids_under(holders_qs.filter(kind__in=BRANCH_KINDS).order_by().values("path"))
        groups = _holder_rows(Organization.objects.filter(pk__in=under).exclude(pk__in=subqueries[0]))
        if groups:
            subqueries.append(under)
            orgs = sorted([*orgs, *groups], key=lambda o: o.path)
    holders = _Holders(orgs, have, subqueries)
    in_branch: dict[int, int] = defaultdict(int)
    in_group: dict[int, int] = defaultdict(int)
    seat_counts: dict[int, int] = {}
    if orgs:
        # Members of a holder branch (its groups' members among them), then of a holder group whose branch is not
        # one: the same rows as "branch OR group" without the OR, which an index serves only when the planner costs
        # a BitmapOr right (at N=5,000 it scanned every active member's index entry for a page of 25 rows, 15 ms);
        # each part reads its own index.
        def members_of(condition, *exclude):
            return (Member.objects.filter(condition, is_active=True).exclude(*exclude).order_by()
                    .values_list("branch_id", "party_group_id").annotate(what=Value(_MEMBERS), n=Count("*")))

        seats = (CommitteeSeat.objects.filter(holders.q("term__organization"), term__closed_on__isnull=True,
                                              ended_on__isnull=True)
                 .order_by().values_list("term__organization_id")
                 .annotate(none=Value(None, output_field=BigIntegerField()), what=Value(_SEATS), n=Count("pk")))
        rows = members_of(holders.q("branch")).union(
            members_of(holders.q("party_group"), holders.q("branch")), seats, all=True)
        for org_id, group_id, what, n in _plain_rows(rows):
            if what == _SEATS:
                seat_counts[org_id] = n
                continue
            in_branch[org_id] += n
            if group_id is not None:
                in_group[group_id] += n
    group_kind = OrganizationKind.PARTY_GROUP
    for o in orgs:
        o.branch_member_count = b = in_branch.get(o.id, 0)
        o.group_member_count = g = in_group.get(o.id, 0)
        o.member_count = g if o.kind == group_kind else b
        o.committee_seats = c = seat_counts.get(o.id, 0) if o.kind != group_kind else 0
        o.has_committee = c >= COMMITTEE_MIN_SEATS
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


def _monthly_counts(holders: _Holders, month_starts: list[date]) -> dict[int, dict[int, tuple[int, ...]]]:
    """{organization: {type: records per month of `month_starts`}} for the organizations that have any.

    Reads ActivityCount: one row per organization × type × year, the months of the range as columns; a row whose
    months in the range are all 0 is not sent.
    """
    counts: dict[int, dict[int, tuple[int, ...]]] = defaultdict(dict)
    by_year: dict[int, list[int]] = defaultdict(list)
    for m in month_starts:
        by_year[m.year].append(m.month)
    years = sorted(by_year)
    if len(years) == 1:  # a year, quarter or month: the columns are the tuple, in order
        cols = [MONTH_FIELDS[m - 1] for m in by_year[years[0]]]
        any_held = Q()
        for c in cols:
            any_held |= Q(**{f"{c}__gt": 0})
        rows = (ActivityCount.objects.filter(holders.q("organization"), any_held, year=years[0]).order_by()
                .values_list("organization_id", "activity_type_id", *cols))
        for row in _plain_rows(rows):
            counts[row[0]][row[1]] = row[2:]
        return counts
    # Across a year boundary (completion rates over any range): stitch the years' columns.
    position = {(m.year, m.month): i for i, m in enumerate(month_starts)}
    rows = (ActivityCount.objects.filter(holders.q("organization"), year__gte=years[0], year__lte=years[-1])
            .order_by().values_list("organization_id", "activity_type_id", "year", *MONTH_FIELDS))
    stitched: dict[tuple[int, int], list[int]] = {}
    for row in _plain_rows(rows):
        year = row[2]
        acc = stitched.get((row[0], row[1]))
        for month in by_year[year]:
            n = row[2 + month]
            if n:
                if acc is None:
                    acc = stitched[row[0], row[1]] = [0] * len(month_starts)
                acc[position[year, month]] = n
    for (org_id, type_id), months in stitched.items():
        counts[org_id][type_id] = tuple(months)
    return counts


def _plain_rows(qs: QuerySet) -> list[tuple]:
    """The rows of a `.values_list()` of integers as the driver returns them: skips the ORM's per-value converters
    (int() on every count), which cost more than the query for 40,000 rows. Integers only: no dates (SQLite)."""
    compiler = qs.query.get_compiler(using=qs.db)
    sql, params = compiler.as_sql()
    with connections[qs.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _evaluate(
    holders: _Holders,
    *,
    windows_for: Callable[[FrequencyRule], list[Period]],
    today: date,
    type_ids: set[int] | None = None,
    rules: list[FrequencyRule] | None = None,
) -> dict[int, dict[int, Cell]]:
    """{org id: {type id: Cell}}: rules (unless given), activity counts and, when a per-member rule is judged, talk
    counts."""
    orgs = holders.orgs
    rules = load_rules() if rules is None else rules
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

    # One plan per distinct (rule set, holder class, committee): [(type id, rule, windows, per-member?, memo)], where
    # memo ({monthly counts: Cell}, one per rule × windows) serves the organizations that existed through every window.
    plans: dict[tuple, list] = {}
    memos: dict[tuple[int, int], dict] = {}
    org_plans = []
    for org in orgs:
        chosen = resolve(org.path)
        key = (id(chosen), _HOLDER_CLASS.get(org.kind), org.has_committee)
        plan = plans.get(key)
        if plan is None:
            plan = plans[key] = []
            for type_id in type_order:
                rule = chosen.get(type_id)
                if rule is None or (type_ids and type_id not in type_ids) or not rule_applies(rule, org):
                    continue
                wins = windows_of(rule)
                memo = memos.setdefault((id(rule), id(wins)), {})
                plan.append((type_id, rule, wins, rule.holder == RuleHolder.MEMBER, memo))
        if plan:
            org_plans.append((org, plan))

    all_windows = [w for ws in windows.values() for w in ws]
    member_windows = any(per_member and wins for plan in plans.values() for _, _, wins, per_member, _ in plan)
    counts: dict[int, dict[int, tuple[int, ...]]] = {}  # org -> type -> records per month of [lo, hi]
    talks: dict[int, dict[int, dict[date, int]]] = defaultdict(lambda: defaultdict(dict))
    lo = hi = None
    if all_windows:
        lo = min(w[1] for w in all_windows)
        hi = max(w[2] for w in all_windows)
        # Windows start on the first of a month and end on the last day of one: whole months of ActivityCount.
        month_starts = [m.start for m in windows_ending_in(RulePer.MONTH, lo, hi)]
        month_index = {m: i for i, m in enumerate(month_starts)}
        counts = _monthly_counts(holders, month_starts)
        for spec in all_windows:  # each window's months as positions in those tuples
            spec.append(tuple(month_index[m] for m in spec[4]))
        if member_windows:
            through = Talk.participants.through
            trows = (
                through.objects.filter(
                    talk__is_voided=False, talk__held_on__gte=lo, talk__held_on__lte=hi,
                    member__branch__in=holders.holders(), member__is_active=True,
                )
                .annotate(month=Cast(TruncMonth("talk__held_on"), DateField()))
                .order_by()
                .values_list("member__branch_id", "member_id", "month")
                .annotate(n=Count("talk_id", distinct=True))
            )
            for branch_id, member_id, month, n in trows:
                talks[branch_id][member_id][month] = n

    # Organizations that existed through every window with the same rule and the same monthly counts share one
    # Cell (read-only; the roll-up of groups into their branch copies before adding).
    result: dict[int, dict[int, Cell]] = {}
    counts_get = counts.get
    no_counts: dict[int, tuple[int, ...]] = {}
    for org, plan in org_plans:
        oid = org.id
        cells = result[oid] = {}
        org_counts = counts_get(oid, no_counts)
        est, dis = org.established_on, org.dissolved_on
        whole = lo is None or (est <= lo and (dis is None or dis > hi))  # existed through every window
        for type_id, rule, wins, per_member, memo in plan:
            monthly = org_counts.get(type_id)
            if whole and not per_member:
                cell = memo.get(monthly)
                if cell is None:
                    totals, results = _judge(org, rule, wins, True, est, dis, monthly, None)
                    cell = memo[monthly] = Cell(types[type_id], rule, *totals, results)
                cells[type_id] = cell
                continue
            totals, results = _judge(org, rule, wins, whole, est, dis, monthly,
                                     talks.get(oid, {}) if per_member else None)
            cells[type_id] = Cell(types[type_id], rule, *totals, results)
    return result


def _judge(org, rule, wins, whole, est, dis, monthly, members) -> tuple[tuple, list]:
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
    return (required_total, held_total, count_total, missing, overdue, due_on), results


def _parent_id_map(orgs) -> dict[int, int]:
    by_path = {o.path: o.pk for o in orgs}
    return {o.pk: by_path[o.parent_path] for o in orgs
            if o.kind == OrganizationKind.PARTY_GROUP and o.parent_path in by_path}


def _rows(orgs_all: list[HolderOrg], wanted_ids: set[int], cells: dict[int, dict[int, Cell]]) -> list[ComplianceRow]:
    """Rows for the wanted organizations; each branch row also carries its 党小组' cells (rolled up).

    `orgs_all` is in path order, so a branch's row exists before its groups are rolled into it. A row starts with
    its organization's own (shared) cells; the first roll-up into a type copies that cell, later ones add to it.
    """
    steplen = Organization.steplen
    group_kind = OrganizationKind.PARTY_GROUP
    rows: dict[str, ComplianceRow] = {}  # branch rows by path: where their groups roll up
    owned: dict[str, set[int]] = {}      # types whose cell a branch row owns (a copy made by a roll-up)
    out = []
    for org in orgs_all:
        own = cells.get(org.id)  # a fresh dict per organization: the row takes it
        if own is None:
            own = {}
        if org.kind == group_kind:
            if org.id in wanted_ids:
                out.append(ComplianceRow(org, own))
            if not own:
                continue
            parent_path = org.path[:-steplen]
            target = rows.get(parent_path)
            if target is None:
                continue
            tcells = target.cells
            mine = owned[parent_path]
            for type_id, cell in own.items():
                acc = tcells.get(type_id)
                if acc is None or type_id not in mine:
                    if acc is None:
                        tcells[type_id] = cell.copy()
                    else:
                        acc = tcells[type_id] = acc.copy()
                        acc.add(cell)
                    mine.add(type_id)
                else:
                    acc.add(cell)
        elif org.id in wanted_ids:
            row = ComplianceRow(org, own)
            out.append(row)
            rows[org.path] = row
            owned[org.path] = set()
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
    with gc_paused():
        holders = _load(organizations_qs, with_groups=True)
        cells = _evaluate(holders, windows_for=lambda r: windows_ending_in(r.per, period.start, period.end),
                          today=today, type_ids=set(type_ids) if type_ids else None)
        return _rows(holders.orgs, holders.wanted, cells)


def _branch_rows(branch_ids: Iterable[int], windows_for, today) -> dict[int, ComplianceRow]:
    branch_ids = list(branch_ids)
    with gc_paused():
        holders = _load(Organization.objects.filter(pk__in=branch_ids), with_groups=True)
        cells = _evaluate(holders, windows_for=windows_for, today=today)
        return {row.organization_id: row for row in _rows(holders.orgs, set(branch_ids), cells)}


def due_now(*, organizations_qs: QuerySet[Organization], today: date | None = None) -> list[ComplianceRow]:
    """What is due for each organization in the windows that contain `today` (this month, quarter, year)."""
    today = today or date.today()
    with gc_paused():
        holders = _load(organizations_qs, with_groups=False)
        cells = _evaluate(holders, windows_for=lambda r: [Period.containing(r.per, today)], today=today)
        return [ComplianceRow(o, cells.get(o.id) or {}) for o in holders.orgs]


def due_now_and_table(
    *, organizations_qs: QuerySet[Organization], period: Period, today: date | None = None,
) -> tuple[list[ComplianceRow], list[ComplianceRow]]:
    """`due_now(...)` and `compliance_table(..., period=period)` for the same organizations (the organization
    page's panel shows both), from one load of the organizations, their members and seats, and the rules."""
    today = today or date.today()
    with gc_paused():
        holders = _load(organizations_qs, with_groups=True)
        rules = load_rules()
        # due_now judges the organizations asked for, without the groups added below their branches
        own = _Holders([o for o in holders.orgs if o.id in holders.wanted], holders.wanted, holders.subqueries[:1])
        due = _evaluate(own, windows_for=lambda r: [Period.containing(r.per, today)], today=today, rules=rules)
        cells = _evaluate(holders, windows_for=lambda r: windows_ending_in(r.per, period.start, period.end),
                          today=today, rules=rules)
        return ([ComplianceRow(o, due.get(o.id) or {}) for o in own.orgs],
                _rows(holders.orgs, holders.wanted, cells))


# --- contract functions for evaluations / reports -------------------------------------------------------


def completion_rates(*, branch_ids: Iterable[int], start: date, end: date, today: date | None = None) -> dict[int, float]:
    """三会一课 + 主题党日: credited / required over rule windows ending in [start, end], 0..1 (1.0 if nothing was due)."""
    today = today or date.today()
    rows = _branch_rows(branch_ids, lambda r: windows_ending_in(r.per, start, end), today)
    return {pk: row.completion_rate for pk, row in rows.items()}


def counted_attendance(*, start: date, end: date, organization_ids=None, member_ids=None):
    """The attendance rows the 出席率 counts: members (not guests) expected at submitted, not voided records of
    types that take attendance, held in [start, end]. The branch rate and a member's own rate both read this."""
    activities = Activity.objects.submitted().filter(held_on__gte=start, held_on__lte=end,
                                                     activity_type__takes_attendance=True)
    if organization_ids is not None:
        activities = activities.filter(organization_id__in=organization_ids)
    rows = Attendance.objects.filter(activity__in=activities, member__isnull=False)
    if member_ids is not None:
        rows = rows.filter(member_id__in=member_ids)
    return rows


def member_attendance_rates(*, member_ids: Iterable[int], start: date, end: date) -> dict[int, tuple[int, int, float]]:
    """Per member: (attended = 出席 + 迟到, expected, rate 0..1; 0.0 with no records) — the branch 出席率's
    definition applied to one person's rows."""
    member_ids = list(member_ids)
    rows = (counted_attendance(start=start, end=end, member_ids=member_ids).order_by().values_list("member_id")
            .annotate(total=Count("pk"), present=Count("pk", filter=Q(status__in=PRESENT_STATUSES))))
    found = {pk: (present, total, present / total if total else 0.0) for pk, total, present in rows}
    return {pk: found.get(pk, (0, 0, 0.0)) for pk in member_ids}


def attendance_totals(*, branch_ids: Iterable[int], start: date, end: date) -> dict[int, tuple[int, int, int]]:
    """Per branch, its 党小组 included: (expected, present = 出席 + 迟到, records) over `counted_attendance`, the
    出席率's counts. Three queries for any number of branches: the branches, their groups, then grouped counts."""
    branch_ids = list(branch_ids)
    # Two index lookups: one "pk IN (...) OR pk IN (groups)" made PostgreSQL test every organization of the tree
    # against both (20,000 rows for one branch at N=5,000); a UNION of the two fails on SQLite.
    groups = _group_ids_under(Organization.objects.filter(pk__in=branch_ids).order_by().values("path"))
    orgs = [*Organization.objects.filter(pk__in=branch_ids).only("pk", "path", "kind"),
            *Organization.objects.filter(pk__in=groups).only("pk", "path", "kind")]
    parent = _parent_id_map(orgs)
    rows = (
        counted_attendance(start=start, end=end, organization_ids=[o.pk for o in orgs])
        .order_by()
        .values_list("activity__organization_id")
        .annotate(total=Count("pk"), present=Count("pk", filter=Q(status__in=PRESENT_STATUSES)),
                  records=Count("activity_id", distinct=True))
    )
    totals: dict[int, list[int]] = {pk: [0, 0, 0] for pk in branch_ids}
    for org_id, total, present, records in rows:
        target = parent.get(org_id, org_id)
        if target in totals:
            t = totals[target]
            t[0] += total
            t[1] += present
            t[2] += records
    return {pk: tuple(t) for pk, t in totals.items()}


def attendance_rates(*, branch_ids: Iterable[int], start: date, end: date,
                     empty: float | None = 0.0) -> dict[int, float | None]:
    """(出席 + 迟到) / expected members over submitted records of the branch and its groups; `empty` (0.0 for
    scoring; None for figures, which then print nothing) with no records."""
    return {pk: (p / t if t else empty)
            for pk, (t, p, _) in attendance_totals(branch_ids=branch_ids, start=start, end=end).items()}


def talk_coverage(*, branch_ids: Iterable[int], year: int, end: date | None = None) -> dict[int, float | None]:
    """Members with at least one 谈心谈话 in `year` / members, per branch. Without `end`: today's active members
    over the whole year (0.0 with no members; the evaluation metric). With `end`: the members on the registry on
    `end` (members.selectors.registry.members_on, so a past period's figure does not move when members later leave or
    arrive) and talks from 1 January to `end` (None with no members: nothing to cover)."""
    if end is not None:
        return {pk: (covered / base if base else None)
                for pk, (covered, base) in talk_counts(branch_ids=branch_ids, year=year, end=end).items()}
    branch_ids = list(branch_ids)
    through = Talk.participants.through
    covered = dict(
        through.objects.filter(talk__held_on__year=year, talk__is_voided=False, member__branch_id__in=branch_ids,
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


def talk_counts(*, branch_ids: Iterable[int], year: int, end: date) -> dict[int, tuple[int, int]]:
    """Per branch (covered, base): the members on the branch's registry on `end` (its 党小组 included) and how many
    of them took part in a 谈心谈话 between 1 January of `year` and `end`."""
    out = {}
    through = Talk.participants.through
    for org in Organization.objects.filter(pk__in=list(branch_ids)).only("pk", "path"):
        ids = {m.pk for m in members_on(path=org.path, on=end)}
        talked = set(through.objects.filter(member_id__in=ids, talk__is_voided=False,
                                            talk__held_on__gte=date(year, 1, 1), talk__held_on__lte=end)
                     .values_list("member_id", flat=True)) if ids else set()
        out[org.pk] = (len(talked), len(ids))
    return out
