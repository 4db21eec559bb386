"""党费: the rate table (data), dues bases with history, monthly records, bulk payment, arrears, summaries.

Rates (中组部 2008 规定 第二条) live in DuesRate: for percentage classes the first band whose inclusive upper
bound holds the base applies; fixed classes pay a fixed amount (农民 configurable within fixed_min..fixed_max).
"""
from __future__ import annotations

import threading
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count, Exists, Min, OuterRef, Q, Sum
from django.utils.translation import gettext_lazy as _

from branches.figures import member_before_save
from portal.scoping import CHANGE, VIEW

from ..models import DuesArrear, DuesBase, DuesClass, DuesRate, DuesRecord, Member, MemberCategory
from .dues_totals import collection_totals, totals_rebuild, totals_refresh
from .points import points_totals_refresh

CENT = Decimal("0.01")
REMINDER_MONTHS = 3     # 3 consecutive months unpaid: 批评教育 / reminder
COMMITTEE_MONTHS = 6    # 6 consecutive months: 党章第九条, flagged for the 支委会 (自行脱党 handling)

FIXED_OUT_OF_RANGE = _("核定金额须在 {low} 元至 {high} 元之间。")
BASE_REQUIRED = _("按比例交纳的类别须填写月缴费基数。")
NO_RATE = _("党费比例表中没有“{cls}”的标准，请先维护党费比例。")
ALREADY_PAID = _("{name} {month:%Y年%m月} 的党费已登记缴纳。")
NOTHING_SELECTED = _("请选择要登记的党员。")


def month_start(d: date) -> date:
    return d.replace(day=1)


def default_class(member: Member) -> str:
    return {
        MemberCategory.RETIRED: DuesClass.RETIRED,
        MemberCategory.STUDENT: DuesClass.STUDENT,
        MemberCategory.FARMER: DuesClass.FARMER,
        MemberCategory.UNEMPLOYED: DuesClass.UNEMPLOYED,
    }.get(member.category, DuesClass.IN_SERVICE)


@dataclass(frozen=True)
class Rate:
    percent: Decimal | None
    amount: Decimal


def rate_for(*, dues_class: str, base: Decimal, fixed_amount: Decimal | None = None,
             table: list[DuesRate] | None = None) -> Rate:
    """The monthly amount for a base under the rate table (upper bounds inclusive)."""
    rows = [r for r in (table if table is not None else DuesRate.objects.all()) if r.dues_class == dues_class]
    if not rows:
        raise ValidationError(NO_RATE.format(cls=DuesClass(dues_class).label))
    fixed = [r for r in rows if r.fixed_amount is not None]
    if fixed:
        row = fixed[0]
        amount = fixed_amount if fixed_amount is not None else row.fixed_amount
        return Rate(None, amount.quantize(CENT))
    rows.sort(key=lambda r: (r.upper_bound is None, r.upper_bound or 0))
    for row in rows:
        if row.upper_bound is None or base <= row.upper_bound:
            amount = (base * row.percent / Decimal(100)).quantize(CENT, rounding=ROUND_HALF_UP)
            return Rate(row.percent, amount)
    raise ValidationError(NO_RATE.format(cls=DuesClass(dues_class).label))


@transaction.atomic
def dues_base_set(*, member: Member, dues_class: str, base: Decimal = Decimal("0"), effective_from: date,
                  fixed_amount: Decimal | None = None, note: str = "", by=None) -> DuesBase:
    """A yearly or on-change update of the base; earlier rows stay as history. Unpaid records from that month on
    are recomputed; paid ones are never touched."""
    effective_from = month_start(effective_from)
    table = list(DuesRate.objects.filter(dues_class=dues_class))
    fixed_rows = [r for r in table if r.fixed_amount is not None]
    if fixed_rows:
        row = fixed_rows[0]
        if fixed_amount is not None and row.fixed_min is not None and row.fixed_max is not None and not (
                row.fixed_min <= fixed_amount <= row.fixed_max):
            raise ValidationError({"fixed_amount": FIXED_OUT_OF_RANGE.format(low=row.fixed_min, high=row.fixed_max)})
        if fixed_amount is not None and (row.fixed_min is None or row.fixed_max is None):
            fixed_amount = None  # the amount is fixed by the table for this class
    elif base is None or base <= 0:
        raise ValidationError({"base": BASE_REQUIRED})
    rate_for(dues_class=dues_class, base=base or Decimal("0"), fixed_amount=fixed_amount, table=table)
    row, _ = DuesBase.objects.update_or_create(
        member=member, effective_from=effective_from,
        defaults=dict(dues_class=dues_class, base=base or Decimal("0"), fixed_amount=fixed_amount, note=note,
                      recorded_by=by))
    rates = list(DuesRate.objects.all())
    with arrears_batch():
        for rec in DuesRecord.objects.filter(member=member, month__gte=effective_from, paid_on__isnull=True):
            _apply_base(rec, row, rates)
            rec.save(update_fields=["base", "percent", "amount_due", "updated_at"])
    return row


def _apply_base(record: DuesRecord, base_row: DuesBase | None, rates: list[DuesRate]) -> None:
    if base_row is None:
        record.base = record.percent = record.amount_due = None
        return
    rate = rate_for(dues_class=base_row.dues_class, base=base_row.base, fixed_amount=base_row.fixed_amount,
                    table=rates)
    record.base = base_row.base if rate.percent is not None else None
    record.percent = rate.percent
    record.amount_due = rate.amount


def _bases_by_member(member_ids, month: date) -> dict[int, DuesBase]:
    """Each member's base in force for `month` (latest effective_from ≤ month), in one query."""
    result: dict[int, DuesBase] = {}
    for row in DuesBase.objects.filter(member_id__in=member_ids, effective_from__lte=month).order_by(
            "member_id", "-effective_from", "-id"):
        result.setdefault(row.member_id, row)
    return result


@transaction.atomic
def dues_generate_month(*, month: date) -> int:
    """Create the month's record for every member on the registry that month who has none yet. Idempotent:
    running it twice (or on a redelivered task) creates nothing new. 预备党员 pay from the 支部大会 date."""
    month = month_start(month)
    month_end = month + relativedelta(months=1) - relativedelta(days=1)
    members = Member.objects.filter(joined_on__lte=month_end).filter(
        Q(is_active=True) | Q(left_on__gt=month)).exclude(dues_records__month=month).values_list("pk", "branch_id")
    members = list(members)
    if not members:
        return 0
    bases = _bases_by_member([pk for pk, _ in members], month)
    rates = list(DuesRate.objects.all())
    records = []
    for pk, branch_id in members:
        rec = DuesRecord(member_id=pk, branch_id=branch_id, month=month)
        _apply_base(rec, bases.get(pk), rates)
        records.append(rec)
    DuesRecord.objects.bulk_create(records, ignore_conflicts=True, batch_size=1000)
    # bulk_create sends no signal: the month's totals are recounted, and a new unpaid month moves most members' runs
    totals_rebuild(months=[month])
    arrears_rebuild()
    return len(records)


@transaction.atomic
def dues_mark_paid(*, records, paid_on: date, method: str, by=None, amounts: dict[int, Decimal] | None = None) -> int:
    """Bulk-mark records paid (the secretary's phone page); records already paid are left as they are."""
    records = list(records)
    if not records:
        raise ValidationError(NOTHING_SELECTED)
    amounts = amounts or {}
    count, paid = 0, {}
    with arrears_batch():
        for rec in records:
            if rec.paid_on:
                continue
            rec.amount_paid = amounts.get(rec.pk, rec.amount_due)
            rec.paid_on = paid_on
            rec.method = method
            rec.recorded_by = by
            rec._history_user = by
            rec.save(update_fields=["amount_paid", "paid_on", "method", "recorded_by", "updated_at"])
            count += 1
            paid.setdefault(rec.month.year, set()).add(rec.member_id)
    for year, member_ids in paid.items():  # 按时交纳党费 is a points item: the stored totals follow
        points_totals_refresh(member_ids=member_ids, year=year)
    return count


@transaction.atomic
def dues_unmark(*, record: DuesRecord, by=None) -> DuesRecord:
    """Undo a payment entered by mistake (history keeps both)."""
    record.amount_paid = None
    record.paid_on = None
    record.method = ""
    record._history_user = by
    record.save(update_fields=["amount_paid", "paid_on", "method", "updated_at"])
    points_totals_refresh(member_ids=[record.member_id], year=record.month.year)
    return record


# ============================================================================================
# Reads
# ============================================================================================
def month_sheet(*, user, branch, month: date):
    """The records of one branch for one month, for the bulk payment page (CHANGE rights)."""
    return (DuesRecord.objects.restrict(user, CHANGE).filter(branch=branch, month=month_start(month))
            .select_related("member").order_by("paid_on", "member__name"))


@dataclass
class Arrear:
    member: Member
    months: int          # consecutive unpaid months up to the latest generated month
    since: date
    amount: Decimal

    @property
    def level(self) -> str:
        return "committee" if self.months >= COMMITTEE_MONTHS else "reminder"

    @property
    def level_label(self) -> str:
        return _("连续6个月未交：提交支委会按党章第九条处理") if self.level == "committee" else _("连续3个月未交：提醒、批评教育")


def _window(upto: date | None) -> tuple[date, date]:
    """The months the 欠缴 rule reads: the 12 up to `upto` (default this month)."""
    upto = month_start(upto or date.today())
    return upto - relativedelta(months=11), upto


def _arrears_records(*, user, upto: date | None, branch_ids=None):
    """The records the 欠缴 rule reads for `user`: the 12 months up to `upto` of every active member in scope by her
    current branch (all her records, the ones from a branch she left included: her own page and the reminders count
    them too)."""
    start, upto = _window(upto)
    members = Member.objects.restrict(user, VIEW).active()
    if branch_ids is not None:
        members = members.filter(branch_id__in=branch_ids)
    return DuesRecord.objects.filter(month__gte=start, month__lte=upto, member__in=members)


def _rows_of_another_month(upto: date) -> bool:
    """Whether some stored standing was computed for another month (two ranges of the `upto` index, not a scan)."""
    return DuesArrear.objects.filter(Q(upto__lt=upto) | Q(upto__gt=upto)).exists()


def _stored_arrears(*, user, upto: date | None, branch_ids=None):
    """The stored standings `user` may see (active members in scope by current branch; every one when `user` is
    None), or None when they do not answer for `upto`: another month than this one, or rows left from an earlier
    month (the month turned and the table was not rebuilt yet). One query to tell."""
    _start, upto = _window(upto)
    if upto != month_start(date.today()) or _rows_of_another_month(upto):
        return None
    qs = DuesArrear.objects.all() if user is None else DuesArrear.objects.restrict(user, VIEW)
    return qs if branch_ids is None else qs.filter(branch_id__in=branch_ids)


# Longest runs first, then by branch in tree order: columns of the stored rows only, so a page is a walk of their
# index (ordering by the member's name joined every member of the scope: 424 ms at N=50,000).
ARREARS_ORDER = ("-months", "branch_path", "member_id")


def _arrear_order(a: Arrear):
    return (-a.months, a.member.branch.path, a.member.pk)


class StoredArrears:
    """The stored standings in the list's order as a sequence of Arrear a Paginator pages: the count and each page
    are read by the database (a province has tens of thousands in arrears)."""

    def __init__(self, qs):
        self.qs = qs.select_related("member__branch").order_by(*ARREARS_ORDER)

    def count(self) -> int:
        return self.qs.count()

    def __len__(self) -> int:
        return self.count()

    def __iter__(self):
        return (Arrear(r.member, r.months, r.since, r.amount) for r in self.qs.iterator(chunk_size=2000))

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [Arrear(r.member, r.months, r.since, r.amount) for r in self.qs[index]]
        r = self.qs[index]
        return Arrear(r.member, r.months, r.since, r.amount)


def arrears(*, user, upto: date | None = None, branch_ids=None):
    """Members with ≥3 consecutive unpaid months up to `upto`, longest runs first: for this month the stored
    standings (a StoredArrears sequence, paged by the database), else the rule applied to the records (a list, 2
    queries)."""
    stored = _stored_arrears(user=user, upto=upto, branch_ids=branch_ids)
    if stored is not None:
        return StoredArrears(stored)
    found = _unpaid_runs(_arrears_records(user=user, upto=upto, branch_ids=branch_ids))
    members = Member.objects.filter(pk__in=found).select_related("branch").in_bulk()
    return sorted((Arrear(members[pk], *found[pk]) for pk in found), key=_arrear_order)


def arrears_counts(*, user, upto: date | None = None) -> tuple[int, int]:
    """(members in arrears, of them ≥6 months) by the same rule, in one aggregate: for this month, of the stored
    standings (the members in arrears only); for another month, of the rule applied to the records."""
    stored = _stored_arrears(user=user, upto=upto)
    if stored is not None:
        counts = stored.aggregate(n=Count("pk"), committee=Count("pk", filter=Q(months__gte=COMMITTEE_MONTHS)))
    else:
        counts = _unpaid_run_rows(_arrears_records(user=user, upto=upto)).aggregate(
            n=Count("member_id"), committee=Count("member_id", filter=Q(run__gte=COMMITTEE_MONTHS)))
    return counts["n"], counts["committee"]


def arrears_all(*, upto: date | None = None) -> list[Arrear]:
    """The 欠缴名单 rule over every active member, for the daily reminders (no viewer: not for pages)."""
    stored = _stored_arrears(user=None, upto=upto)
    if stored is not None:
        return list(StoredArrears(stored))
    start, upto = _window(upto)
    found = _unpaid_runs(DuesRecord.objects.filter(month__gte=start, month__lte=upto, member__is_active=True))
    members = Member.objects.filter(pk__in=found).select_related("branch").in_bulk()
    return [Arrear(members[pk], *found[pk]) for pk in found]


def member_arrear(*, member: Member, upto: date | None = None) -> Arrear | None:
    """The member's own arrears by the same rule as the 欠缴名单 (≥3 consecutive unpaid months), or None: the rule
    on her ≤ 12 records (as cheap as the stored row, and right in any month)."""
    start, upto = _window(upto)
    qs = DuesRecord.objects.filter(member=member, month__gte=start, month__lte=upto)
    found = _unpaid_runs(qs)
    return Arrear(member, *found[member.pk]) if member.pk in found else None


# --- the stored standings (DuesArrear): kept by every write of a record -------------------------------------------

_batch = threading.local()


@contextmanager
def arrears_batch():
    """Within: a saved or deleted dues record only notes its member and its (branch, month); on leaving, the noted
    standings and totals are recounted at once (a bulk payment of 50 records: one recount each, not 50)."""
    if getattr(_batch, "noted", None) is not None:   # nested: the outermost recounts
        yield
        return
    _batch.noted = (set(), set())
    try:
        yield
        member_ids, pairs = _batch.noted
    finally:
        _batch.noted = None
    totals_refresh(pairs)
    arrears_refresh(member_ids=member_ids)


def member_after(sender, instance, created=False, raw=False, **kwargs):
    """post_save of a Member: a move, a leaving or a return recounts her (her row copies her branch; only active
    members have one). The state before the save is the one branches.figures read for its own counts."""
    if raw or created:
        return
    before = member_before_save(instance)
    if before is None or (before["branch_id"], before["is_active"]) != (instance.branch_id, instance.is_active):
        arrears_refresh(member_ids=[instance.pk])


def record_written(sender, instance, raw=False, **kwargs):
    """post_save / post_delete of a DuesRecord (connected by MembersConfig.ready): its member's standing and its
    branch's month totals follow."""
    if raw:
        return
    noted = getattr(_batch, "noted", None)
    if noted is not None:
        noted[0].add(instance.member_id)
        noted[1].add((instance.branch_id, instance.month))
    else:
        totals_refresh([(instance.branch_id, instance.month)])
        arrears_refresh(member_ids=[instance.member_id])


def _window_records():
    """This month's window of records (the stored standings are this month's)."""
    start, upto = _window(None)
    return DuesRecord.objects.filter(month__gte=start, month__lte=upto)


def _standings(records, branches: dict[int, tuple[int, str]] | None = None) -> list[DuesArrear]:
    """The rule on `records` (a window's) as unsaved rows, for the members in `branches` (member id → her branch's id
    and path; read for the members found when not given: `records` are then of active members only)."""
    _start, upto = _window(None)
    owing = _unpaid_runs(records)
    if branches is None:
        branches = {pk: (b, p) for pk, b, p in Member.objects.filter(pk__in=list(owing))
                    .values_list("pk", "branch_id", "branch__path")}
    return [DuesArrear(member_id=pk, branch_id=branches[pk][0], branch_path=branches[pk][1], months=run, since=since,
                       amount=amount, upto=upto)
            for pk, (run, since, amount) in owing.items() if pk in branches]


def arrears_refresh(*, member_ids) -> None:
    """Recount the 欠缴 standing of these members for this month, in the writer's transaction. Their member rows are
    locked first, in id order, THEN the records counted: a count taken before the lock could miss a payment another
    writer committed meanwhile, whose own recount had not seen ours (tests/members/test_dues_arrears_race.py)."""
    ids = sorted({i for i in member_ids if i})
    if not ids:
        return
    with transaction.atomic(savepoint=False):
        active = {pk: (branch_id, path) for pk, branch_id, path in Member.objects.select_for_update(of=("self",))
                  .filter(pk__in=ids, is_active=True).order_by("pk").values_list("pk", "branch_id", "branch__path")}
        rows = _standings(_window_records().filter(member_id__in=ids), active)
        DuesArrear.objects.filter(member_id__in=ids).delete()
        DuesArrear.objects.bulk_create(rows)


def arrears_rebuild(*, batch_size: int = 5000) -> int:
    """Replace the stored standings by the rule applied to every record of the window, for this month (the monthly
    generation, the nightly repair, bulk loads). Returns the number of members in arrears. On PostgreSQL the table
    is locked EXCLUSIVE first (reads go on): a recount of one member running beside it waits and then writes over
    the rebuild's row with its own, which saw its own write."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"LOCK TABLE {DuesArrear._meta.db_table} IN EXCLUSIVE MODE")
        rows = _standings(_window_records().filter(member__is_active=True))
        DuesArrear.objects.all().delete()
        DuesArrear.objects.bulk_create(rows, batch_size=batch_size)
    return len(rows)


def arrears_differences() -> list[tuple[int, tuple | None, tuple | None]]:
    """(member id, stored (months, since, amount, upto, branch, path), by the rule) for every member where they differ;
    empty when the table is in step for this month."""
    fields = ("months", "since", "amount", "upto", "branch_id", "branch_path")
    want = {r.member_id: tuple(getattr(r, f) for f in fields)
            for r in _standings(_window_records().filter(member__is_active=True))}
    have = {r[0]: r[1:] for r in DuesArrear.objects.values_list("member_id", *fields)}
    return [(pk, have.get(pk), want.get(pk)) for pk in sorted(set(want) | set(have)) if have.get(pk) != want.get(pk)]


def _unpaid_run_rows(qs):
    """The 欠缴 rule in SQL, per member of `qs` (records of a window): the unpaid records after the member's latest
    paid one (all of them when none is paid) are her run of consecutive unpaid months back from the latest record;
    rows (member_id, run, since, amount) with run ≥ REMINDER_MONTHS. The one definition the lists and the counts
    read: a province's counts are one aggregate, not 12 months of records walked in Python."""
    later_paid = qs.filter(member_id=OuterRef("member_id"), month__gt=OuterRef("month"), paid_on__isnull=False)
    return (qs.filter(paid_on__isnull=True).filter(~Exists(later_paid)).order_by().values("member_id")
            .annotate(run=Count("id"), since=Min("month"), amount=Sum("amount_due"))
            .filter(run__gte=REMINDER_MONTHS))


def _unpaid_runs(qs) -> dict[int, tuple[int, date, Decimal]]:
    """member id → (consecutive unpaid months back from the latest record, first unpaid month, amount), ≥3 only."""
    return {member_id: (run, since, amount or Decimal("0")) for member_id, run, since, amount in
            _unpaid_run_rows(qs).values_list("member_id", "run", "since", "amount")}


@dataclass
class Collection:
    organization: object
    records: int
    paid_records: int
    due: Decimal
    paid: Decimal

    @property
    def rate(self) -> float:
        return self.paid_records / self.records if self.records else 0.0


def collection_summary(*, organizations, start: date, end: date) -> list[Collection]:
    """Per organization (its whole subtree), dues generated vs paid in [start, end] months: the stored monthly
    totals (DuesMonthTotal), a row per organization shown and month, not a year of the subtree's records (a province:
    18 M; the grouped sum took 540 ms at N=5,000)."""
    organizations = list(organizations)
    found = collection_totals(organization_ids=[o.pk for o in organizations], start=month_start(start),
                              end=month_start(end))
    return [Collection(org, *found.get(org.pk, (0, 0, Decimal("0"), Decimal("0")))) for org in organizations]


def treasurer_rows(*, user, branch, year: int) -> list[dict]:
    """One row per member for a year: base, rate, the 12 months paid, totals (the treasurer's ledger layout)."""
    qs = (DuesRecord.objects.restrict(user, VIEW).filter(branch=branch, month__year=year)
          .select_related("member").order_by("member__name", "member_id", "month"))
    rows: dict[int, dict] = {}
    for rec in qs:
        row = rows.setdefault(rec.member_id, {"name": rec.member.name, "status": rec.member.get_status_display(),
                                              "base": rec.base, "percent": rec.percent, "due": Decimal("0"),
                                              "paid": Decimal("0"), **{f"m{i}": None for i in range(1, 13)}})
        row["base"], row["percent"] = rec.base, rec.percent  # the latest month's figures
        row["due"] += rec.amount_due or 0
        row["paid"] += rec.amount_paid or 0
        row[f"m{rec.month.month}"] = rec.amount_paid if rec.paid_on else None
    for row in rows.values():
        row["owed"] = row["due"] - row["paid"]
    return list(rows.values())


def on_time_counts(*, member_ids=None, branch_ids=None, start: date, end: date) -> dict[int, tuple[int, int]]:
    """Per member (or per branch when branch_ids given): (records due, records paid by the month's end)."""
    key = "branch_id" if branch_ids is not None else "member_id"
    qs = DuesRecord.objects.filter(month__gte=month_start(start), month__lte=month_start(end))
    if branch_ids is not None:
        qs = qs.filter(branch_id__in=branch_ids)
    elif member_ids is not None:     # neither: every member (the points rebuild's one pass over the year)
        qs = qs.filter(member_id__in=member_ids)
    result: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    rows = qs.order_by().values_list(key, "month", "paid_on")
    every = member_ids is None and branch_ids is None
    for k, month, paid_on in rows.iterator(chunk_size=20000) if every else rows:
        result[k][0] += 1
        if paid_on and paid_on <= month + relativedelta(months=1) - relativedelta(days=1):
            result[k][1] += 1
    return {k: (v[0], v[1]) for k, v in result.items()}
