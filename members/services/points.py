"""党员积分: a configurable scheme (基础分 + items with per-period caps, bonus or deduction), fed automatically by
providers over the portal's records and by manual items the secretary enters and staff audit.

Providers: `register_provider(key, label, func)` with func(*, member_ids, start, end) -> {member_id: count};
member_ids None means every member (the whole-table rebuild counts the year's records once, grouped by member).
A PointsItem whose `source` is a provider key earns `points` per counted occurrence, capped at `cap` for the
period computed (a month or a year). Items whose provider is not registered count 0 and say so.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from itertools import islice

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import (
    EntryStatus,
    Member,
    PointsBranchTotal,
    PointsDirection,
    PointsEntry,
    PointsItem,
    PointsScheme,
    PointsTotal,
)

MANUAL = "manual"
ITEM_NOT_MANUAL = _("该积分项目由系统自动计算，不能手工录入。")
ITEM_OTHER_SCHEME = _("该积分项目不属于该党员适用的积分方案。")
ALREADY_AUDITED = _("该记录已审核。")
NOTE_REQUIRED = _("请填写事由。")
FUTURE_DATE = _("日期不能晚于今天。")


@dataclass(frozen=True)
class Provider:
    key: str
    label: str
    func: Callable[..., dict[int, int]]


_providers: dict[str, Provider] = {}


def register_provider(key: str, label: str, func: Callable[..., dict[int, int]]) -> None:
    """Register (or replace) an automatic source of points counts."""
    _providers[key] = Provider(key, label, func)


def providers() -> dict[str, Provider]:
    return dict(_providers)


def _dues_on_time(*, member_ids, start: date, end: date) -> dict[int, int]:
    from .dues import on_time_counts

    return {pk: paid for pk, (_, paid) in on_time_counts(member_ids=member_ids, start=start, end=end).items()}


register_provider("dues_on_time", _("按月交纳党费（当月缴清）"), _dues_on_time)


# ============================================================================================
# Scheme and totals
# ============================================================================================
def schemes_by_branch(branches, *, schemes=None) -> dict[int, PointsScheme | None]:
    """Nearest scheme up the tree for each branch (global scheme, organization empty, as the fallback)."""
    if schemes is None:
        schemes = active_schemes()
    result = {}
    for b in branches:
        best, best_len = None, -1
        for s in schemes:
            path = s.organization.path if s.organization_id else ""
            if b.path.startswith(path) and len(path) > best_len:
                best, best_len = s, len(path)
        result[b.pk] = best
    return result


def active_schemes() -> list[PointsScheme]:
    return list(PointsScheme.objects.filter(is_active=True).select_related("organization").prefetch_related("items"))


@dataclass
class ItemScore:
    item: PointsItem
    count: int
    points: Decimal
    available: bool = True


@dataclass
class MemberScore:
    member: Member
    base: Decimal
    items: list[ItemScore] = field(default_factory=list)

    @property
    def earned(self) -> Decimal:
        return sum((i.points for i in self.items), Decimal("0"))

    @property
    def total(self) -> Decimal:
        return self.base + self.earned


def _score(item: PointsItem, count: int) -> Decimal:
    raw = item.points * count
    if item.cap is not None:
        raw = min(raw, item.cap)
    return -raw if item.direction == PointsDirection.DEDUCTION else raw


def _counts(sources, member_ids, start: date, end: date):
    """Each provider's counts and the approved manual quantities over [start, end]: for `member_ids`, or for every
    member when None (one grouped pass over the period's records, what the whole-table rebuild needs)."""
    counts = {key: _providers[key].func(member_ids=member_ids, start=start, end=end)
              for key in sources if key != MANUAL and key in _providers}
    entries = PointsEntry.objects.filter(status=EntryStatus.APPROVED, occurred_on__gte=start, occurred_on__lte=end)
    if member_ids is not None:
        entries = entries.filter(member_id__in=member_ids)
    manual: dict[tuple[int, int], int] = {
        (member_id, item_id): qty
        for member_id, item_id, qty in entries.order_by().values_list("member_id", "item_id").annotate(q=Sum("quantity"))}
    return counts, manual


def _scored(members, schemes, counts, manual, include_base: bool) -> list[MemberScore]:
    result = []
    for m in members:
        scheme = schemes[m.branch_id]
        score = MemberScore(m, scheme.base_points if (scheme and include_base) else Decimal("0"))
        for item in scheme.items.all() if scheme else []:
            if item.source == MANUAL:
                n, available = manual.get((m.pk, item.pk), 0), True
            else:
                available = item.source in counts
                n = counts.get(item.source, {}).get(m.pk, 0)
            score.items.append(ItemScore(item, n, _score(item, n), available))
        result.append(score)
    return result


def _sources(schemes) -> set[str]:
    return {i.source for s in schemes if s for i in s.items.all()}


def member_scores(*, members, start: date, end: date, include_base: bool = True) -> list[MemberScore]:
    """Scores of `members` over [start, end]: a fixed number of queries whatever the number of members."""
    members = list(members)
    if not members:
        return []
    branches = {m.branch_id: m.branch for m in members}
    schemes = schemes_by_branch(branches.values())
    counts, manual = _counts(_sources(schemes.values()), [m.pk for m in members], start, end)
    return _scored(members, schemes, counts, manual, include_base)


def _chunks(iterable, size: int):
    it = iter(iterable)
    while chunk := list(islice(it, size)):
        yield chunk


def _every_member_scores(*, year: int, batch_size: int):
    """The year's scores of every active member, a list per chunk of members. The records are counted once, grouped
    by member over the whole year (the cost follows the records and the members, once each): counting them per
    chunk of members re-read the year's records for each chunk, ×89 for ×10 data at N=50,000."""
    start, end = date(year, 1, 1), date(year, 12, 31)
    schemes = active_schemes()
    counts, manual = _counts(_sources(schemes), None, start, end)
    members = (Member.objects.filter(is_active=True).select_related("branch").order_by("pk")
               .only("pk", "branch_id", "branch__path"))      # what scoring reads: the branch picks the scheme
    for chunk in _chunks(members.iterator(chunk_size=batch_size), batch_size):
        yield _scored(chunk, schemes_by_branch({m.branch_id: m.branch for m in chunk}.values(), schemes=schemes),
                      counts, manual, True)


def branch_ranking(*, branches, start: date, end: date) -> list[tuple[object, float, int]]:
    """(branch, average total of its active members, member count), best first."""
    branches = list(branches)
    members = Member.objects.filter(branch__in=branches, is_active=True).select_related("branch")
    per_branch: dict[int, list[Decimal]] = defaultdict(list)
    for s in member_scores(members=members, start=start, end=end):
        per_branch[s.member.branch_id].append(s.total)
    rows = [(b, float(sum(per_branch[b.pk]) / len(per_branch[b.pk])) if per_branch[b.pk] else 0.0,
             len(per_branch[b.pk])) for b in branches]
    return sorted(rows, key=lambda r: -r[1])


# ============================================================================================
# Manual items
# ============================================================================================
@transaction.atomic
def points_entry_add(*, member: Member, item: PointsItem, occurred_on: date, note: str, quantity: int = 1,
                     by=None) -> PointsEntry:
    """The secretary records a manual item; it counts once staff approve it."""
    if item.source != MANUAL:
        raise ValidationError({"item": ITEM_NOT_MANUAL})
    scheme = schemes_by_branch([member.branch])[member.branch_id]
    if scheme is None or item.scheme_id != scheme.pk:
        raise ValidationError({"item": ITEM_OTHER_SCHEME})
    if not note.strip():
        raise ValidationError({"note": NOTE_REQUIRED})
    if occurred_on > date.today():
        raise ValidationError({"occurred_on": FUTURE_DATE})
    entry = PointsEntry(member=member, item=item, occurred_on=occurred_on, note=note, quantity=quantity,
                        recorded_by=by)
    entry._history_user = by
    entry.save()
    return entry


@transaction.atomic
def points_entry_audit(*, entry: PointsEntry, approve: bool, note: str = "", by) -> PointsEntry:
    """Staff approve or reject a manual item; an approved one counts in the member's stored total at once."""
    entry = PointsEntry.objects.select_for_update().get(pk=entry.pk)
    if entry.status != EntryStatus.PENDING:
        raise ValidationError(ALREADY_AUDITED)
    entry.status = EntryStatus.APPROVED if approve else EntryStatus.REJECTED
    entry.audited_by, entry.audited_at, entry.audit_note = by, timezone.now(), note
    entry._history_user = by
    entry.save(update_fields=["status", "audited_by", "audited_at", "audit_note"])
    if approve:
        points_totals_refresh(member_ids=[entry.member_id], year=entry.occurred_on.year)
    return entry


def manual_items_for(branch) -> list[PointsItem]:
    scheme = schemes_by_branch([branch])[branch.pk]
    return [i for i in scheme.items.all() if i.source == MANUAL] if scheme else []


def pending_entries(qs):
    return qs.filter(status=EntryStatus.PENDING)



# ============================================================================================
# Stored totals (PointsTotal): what the points page ranks by
# ============================================================================================
def _year_scores(member_ids, year: int) -> list[MemberScore]:
    members = Member.objects.filter(pk__in=list(member_ids)).select_related("branch")
    return member_scores(members=members, start=date(year, 1, 1), end=date(year, 12, 31))


def _store(scores: list[MemberScore], year: int) -> None:
    PointsTotal.objects.bulk_create(
        [PointsTotal(member_id=s.member.pk, year=year, total=s.total) for s in scores],
        update_conflicts=True, unique_fields=["member", "year"], update_fields=["total", "updated_at"])


def points_totals_refresh(*, member_ids, year: int) -> int:
    """Recount the year's totals of `member_ids` and store them, with their branches' figures (inside the caller's
    transaction: a rollback undoes all). The services that change what a total counts call it: an approved manual
    item, a dues payment or its reversal, a move to a branch under another scheme; other apps' providers (orglife
    attendance, talks) call it from their writes. A fixed number of queries per call."""
    scores = _year_scores(member_ids, year)
    _store(scores, year)
    points_branch_totals_refresh(branch_ids={s.member.branch_id for s in scores}, years=[year])
    return len(scores)


def points_totals_rebuild(*, year: int, batch_size: int = 5000) -> int:
    """Store the year's totals of every active member and every branch's figures (after a bulk load, a scheme
    change, or to repair)."""
    n = 0
    for scores in _every_member_scores(year=year, batch_size=batch_size):
        with transaction.atomic():
            _store(scores, year)
        n += len(scores)
    points_branch_totals_rebuild(year=year)
    return n


@dataclass(frozen=True)
class TotalDifference:
    member_id: int
    stored: Decimal | None
    counted: Decimal


def points_totals_differences(*, year: int, batch_size: int = 5000) -> list[TotalDifference]:
    """Every active member whose stored total of `year` differs from a recount (empty when in step)."""
    out = []
    for scores in _every_member_scores(year=year, batch_size=batch_size):
        stored = dict(PointsTotal.objects.filter(member_id__in=[s.member.pk for s in scores], year=year)
                      .values_list("member_id", "total"))
        for s in scores:
            if stored.get(s.member.pk) != s.total.quantize(Decimal("0.1")):
                out.append(TotalDifference(s.member.pk, stored.get(s.member.pk), s.total))
    return out


# ============================================================================================
# Stored branch figures (PointsBranchTotal): what the branch ranking orders by
# ============================================================================================
def _branch_counts(*, branch_ids=None, years) -> dict[tuple[int, int], tuple[int, Decimal]]:
    """{(branch, year): (active members with a stored total, their sum)} from the stored member totals."""
    qs = PointsTotal.objects.filter(member__is_active=True, year__in=list(years))
    if branch_ids is not None:
        qs = qs.filter(member__branch_id__in=list(branch_ids))
    rows = qs.order_by().values_list("member__branch_id", "year").annotate(n=Count("pk"), s=Sum("total"))
    return {(b, y): (n, s) for b, y, n, s in rows.iterator(chunk_size=20000)}


def _branch_row(branch_id: int, year: int, n: int, total: Decimal) -> PointsBranchTotal:
    total = Decimal(total).quantize(Decimal("0.1"))
    return PointsBranchTotal(organization_id=branch_id, year=year, members=n, total=total,
                             average=(total / n).quantize(Decimal("0.0001")) if n else None)


def points_branch_totals_refresh(*, branch_ids, years) -> None:
    """Recount the stored figures of `branch_ids` × `years` from their members' stored totals, inside the caller's
    transaction. The rows are locked first (created empty when missing), in key order: two writers of the same
    branch queue there, and the recount after the lock reads the totals the first one committed."""
    branch_ids, years = sorted(set(branch_ids)), sorted(set(years))
    if not branch_ids or not years:
        return
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("points_branch_totals_refresh() must run inside the writing transaction")
    PointsBranchTotal.objects.bulk_create([PointsBranchTotal(organization_id=b, year=y) for b in branch_ids
                                           for y in years], ignore_conflicts=True)
    list(PointsBranchTotal.objects.select_for_update().filter(organization_id__in=branch_ids, year__in=years)
         .order_by("organization_id", "year").values_list("pk", flat=True))
    counted = _branch_counts(branch_ids=branch_ids, years=years)
    PointsBranchTotal.objects.bulk_create(
        [_branch_row(b, y, *counted.get((b, y), (0, Decimal("0")))) for b in branch_ids for y in years],
        update_conflicts=True, unique_fields=["organization", "year"],
        update_fields=["members", "total", "average", "updated_at"])


def points_branch_totals_follow(*, member_ids, branch_ids) -> None:
    """After a write that moves members between branches or on or off the active registry (member_move,
    member_deactivate, member_restore): the figures of those branches for every year the members have a total."""
    years = PointsTotal.objects.filter(member_id__in=list(member_ids)).order_by().values_list("year", flat=True)
    points_branch_totals_refresh(branch_ids=branch_ids, years=set(years.distinct()))


@transaction.atomic
def points_branch_totals_rebuild(*, year: int) -> int:
    """Replace the year's branch figures with a recount of the stored member totals (one grouped pass)."""
    PointsBranchTotal.objects.filter(year=year).delete()
    rows = [_branch_row(b, y, n, total) for (b, y), (n, total) in _branch_counts(years=[year]).items()]
    PointsBranchTotal.objects.bulk_create(rows, batch_size=5000)
    return len(rows)


@dataclass(frozen=True)
class BranchDifference:
    organization_id: int
    stored: tuple | None       # (members, total, average)
    counted: tuple | None


def points_branch_totals_differences(*, year: int) -> list[BranchDifference]:
    """Every branch whose stored figures of `year` differ from a recount of the stored member totals (empty when
    in step; a branch with no member counted may have an empty row or none)."""
    want = {b: (r.members, r.total, r.average) for (b, _y), (n, t) in _branch_counts(years=[year]).items()
            for r in [_branch_row(b, year, n, t)]}
    have = {b: (n, t, a) for b, n, t, a in PointsBranchTotal.objects.filter(year=year, members__gt=0)
            .values_list("organization_id", "members", "total", "average").iterator(chunk_size=20000)}
    empty_wrong = PointsBranchTotal.objects.filter(year=year, members=0).exclude(total=0, average=None)
    out = [BranchDifference(b, have.get(b), want.get(b)) for b in sorted(set(want) | set(have))
           if have.get(b) != want.get(b)]
    out += [BranchDifference(r.organization_id, (r.members, r.total, r.average), None) for r in empty_wrong]
    return out
