"""党员积分: a configurable scheme (基础分 + items with per-period caps, bonus or deduction), fed automatically by
providers over the portal's records and by manual items the secretary enters and staff audit.

Providers: `register_provider(key, label, func)` with func(*, member_ids, start, end) -> {member_id: count}.
A PointsItem whose `source` is a provider key earns `points` per counted occurrence, capped at `cap` for the
period computed (a month or a year). Items whose provider is not registered count 0 and say so.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import EntryStatus, Member, PointsDirection, PointsEntry, PointsItem, PointsScheme, PointsTotal

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
def schemes_by_branch(branches) -> dict[int, PointsScheme | None]:
    """Nearest scheme up the tree for each branch (global scheme, organization empty, as the fallback)."""
    schemes = list(PointsScheme.objects.filter(is_active=True).select_related("organization").prefetch_related("items"))
    result = {}
    for b in branches:
        best, best_len = None, -1
        for s in schemes:
            path = s.organization.path if s.organization_id else ""
            if b.path.startswith(path) and len(path) > best_len:
                best, best_len = s, len(path)
        result[b.pk] = best
    return result


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


def member_scores(*, members, start: date, end: date, include_base: bool = True) -> list[MemberScore]:
    """Scores of `members` over [start, end]: a fixed number of queries whatever the number of members."""
    members = list(members)
    if not members:
        return []
    branches = {m.branch_id: m.branch for m in members}
    schemes = schemes_by_branch(branches.values())
    ids = [m.pk for m in members]
    sources = {i.source for s in schemes.values() if s for i in s.items.all()}
    counts = {key: _providers[key].func(member_ids=ids, start=start, end=end)
              for key in sources if key != MANUAL and key in _providers}
    manual: dict[tuple[int, int], int] = defaultdict(int)
    for member_id, item_id, qty in (PointsEntry.objects.filter(member_id__in=ids, status=EntryStatus.APPROVED,
                                                               occurred_on__gte=start, occurred_on__lte=end)
                                    .values_list("member_id", "item_id").annotate(q=Sum("quantity"))):
        manual[(member_id, item_id)] = qty
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
def _year_scores(member_ids, year: int) -> dict[int, Decimal]:
    members = Member.objects.filter(pk__in=list(member_ids)).select_related("branch")
    return {s.member.pk: s.total for s in member_scores(members=members, start=date(year, 1, 1),
                                                        end=date(year, 12, 31))}


def points_totals_refresh(*, member_ids, year: int) -> int:
    """Recount the year's totals of `member_ids` and store them (inside the caller's transaction: a rollback
    undoes both). The services that change what a total counts call it: an approved manual item, a dues payment
    or its reversal, a move to a branch under another scheme; other apps' providers (orglife attendance, talks)
    call it from their writes. A fixed number of queries per call."""
    scores = _year_scores(member_ids, year)
    PointsTotal.objects.bulk_create(
        [PointsTotal(member_id=pk, year=year, total=total) for pk, total in scores.items()],
        update_conflicts=True, unique_fields=["member", "year"], update_fields=["total", "updated_at"])
    return len(scores)


def points_totals_rebuild(*, year: int, batch_size: int = 2000) -> int:
    """Store the year's totals of every active member (after a bulk load, a scheme change, or to repair)."""
    ids = list(Member.objects.filter(is_active=True).order_by("pk").values_list("pk", flat=True))
    n = 0
    for i in range(0, len(ids), batch_size):
        with transaction.atomic():
            n += points_totals_refresh(member_ids=ids[i:i + batch_size], year=year)
    return n


@dataclass(frozen=True)
class TotalDifference:
    member_id: int
    stored: Decimal | None
    counted: Decimal


def points_totals_differences(*, year: int, batch_size: int = 2000) -> list[TotalDifference]:
    """Every active member whose stored total of `year` differs from a recount (empty when in step)."""
    ids = list(Member.objects.filter(is_active=True).order_by("pk").values_list("pk", flat=True))
    out = []
    for i in range(0, len(ids), batch_size):
        chunk = ids[i:i + batch_size]
        stored = dict(PointsTotal.objects.filter(member_id__in=chunk, year=year).values_list("member_id", "total"))
        for pk, counted in _year_scores(chunk, year).items():
            if stored.get(pk) != counted.quantize(Decimal("0.1")):
                out.append(TotalDifference(pk, stored.get(pk), counted))
    return out
