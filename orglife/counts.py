"""`ActivityCount`: submitted, not voided records per organization × type × month, kept in step with the records.

Why the services keep it (and not a periodic task): a secretary who submits a record expects the compliance
table to count it on the next page, and the count changes inside the same transaction as the record, so a
rollback undoes both. A write costs one locked read of the record before, one read after and at most two
single-row updates. A task refreshing the table would either recount ~700,000 records each run or need the
same change tracking anyway, and would leave the table wrong between runs.

How it cannot drift silently:
- every service that writes a record wraps the write in `follow(activity)`: it locks the record's row, reads the
  counted key (organization, type, month; None for a draft or a voided record) before and after, and moves one
  count from the old key to the new one. Concurrent writes of the same record queue on the row lock; concurrent
  writes of different records of the same key add atomically (`UPDATE … SET m9 = m9 + 1`).
- a decrement that would go below zero (the table was already wrong for that key) recounts the key from the
  records instead and logs an error;
- the Django admin's saves and deletes go through the same hook;
- bulk loads (`seed_scale`, the benchmark, tests) call `rebuild()`;
- `manage.py activity_counts` checks (non-zero exit on any difference) or rebuilds; the nightly task
  `orglife.tasks.check_activity_counts` compares the whole table with the records, logs every difference as an
  error and repairs those keys;
- tests compare the table with the records after every service write path.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.db.models.functions import ExtractYear

from . import attendance_counts, results
from .models import MONTH_FIELDS, Activity, ActivityCount, ActivityStatus

logger = logging.getLogger(__name__)

Key = tuple[int, int, int, int]  # organization id, activity type id, year, month
_KEY_FIELDS = ("organization_id", "activity_type_id", "held_on", "status", "is_voided")


def counted_key(organization_id: int, activity_type_id: int, held_on: date, status: str, is_voided: bool) -> Key | None:
    """The month a record counts in, or None when it does not count (a draft, a voided record)."""
    if is_voided or status != ActivityStatus.SUBMITTED:
        return None
    return organization_id, activity_type_id, held_on.year, held_on.month


def _stored_key(pk: int | None, *, lock: bool) -> Key | None:
    if pk is None:
        return None
    qs = Activity.objects.filter(pk=pk)
    if lock:
        qs = qs.select_for_update()
    row = qs.values_list(*_KEY_FIELDS).first()
    return counted_key(*row) if row else None


@contextmanager
def follow(activity: Activity):
    """Around a service's write of `activity` (inside its transaction): the counts follow the stored record.

    Works for a create (no pk yet), any update (date, type, organization, status, voiding, attendance) and a delete.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("activity_counts.follow() must run inside the writing transaction")
    before = _stored_key(activity.pk, lock=True)
    pk = activity.pk
    attendance_before = attendance_counts.contribution(pk)
    yield
    after = _stored_key(activity.pk or pk, lock=False)
    # the attendance page's stored counts (orglife.attendance_counts) follow the record and its attendance rows
    attendance_counts.move(attendance_before, attendance_counts.contribution(activity.pk or pk))
    if before != after:
        # In key order: two writers moving counts between the same two months lock the rows in the same order.
        for key, delta in sorted([(k, d) for k, d in ((before, -1), (after, 1)) if k is not None]):
            shift(key, delta)
        # The stored compliance results (orglife.results) read these counts: the holders' rows of those years follow.
        for org_id, year in {(k[0], k[2]) for k in (before, after) if k is not None}:
            results.refresh([org_id], years=[year])


def shift(key: Key, delta: int) -> None:
    """Add `delta` to one month's count, atomically (a concurrent writer of the same key waits on the row)."""
    org_id, type_id, year, month = key
    col = MONTH_FIELDS[month - 1]
    row = ActivityCount.objects.filter(organization_id=org_id, activity_type_id=type_id, year=year)
    if delta < 0:
        if not row.filter(**{f"{col}__gte": -delta}).update(**{col: F(col) + delta}):
            logger.error("activity counts: %s was already wrong (below %d); recounted from the records", key, -delta)
            recount([key])
        return
    if row.update(**{col: F(col) + delta}):
        return
    try:
        with transaction.atomic():
            ActivityCount.objects.create(organization_id=org_id, activity_type_id=type_id, year=year, **{col: delta})
    except IntegrityError:  # another transaction created the row meanwhile: add to it
        row.update(**{col: F(col) + delta})


def recount(keys: Iterable[Key]) -> None:
    """Set each key's count from the records (repairs; also the fallback of a decrement that found it wrong)."""
    for org_id, type_id, year, month in set(keys):
        start = date(year, month, 1)
        end = date(year + month // 12, month % 12 + 1, 1)
        n = Activity.objects.submitted().filter(organization_id=org_id, activity_type_id=type_id,
                                                held_on__gte=start, held_on__lt=end).count()
        col = MONTH_FIELDS[month - 1]
        ActivityCount.objects.update_or_create(organization_id=org_id, activity_type_id=type_id, year=year,
                                               defaults={col: n})
        results.refresh([org_id], years=[year])


# --- whole-table rebuild and check -----------------------------------------------------------------------------


def _from_records(organization_ids: Iterable[int] | None = None):
    """{(organization, type, year): (m1..m12)} counted from the records (one grouped query)."""
    qs = Activity.objects.submitted()
    if organization_ids is not None:
        qs = qs.filter(organization_id__in=list(organization_ids))
    columns = {name: Count("pk", filter=Q(held_on__month=i)) for i, name in enumerate(MONTH_FIELDS, 1)}
    rows = (qs.annotate(year=ExtractYear("held_on")).order_by()
            .values_list("organization_id", "activity_type_id", "year").annotate(**columns))
    return {tuple(r[:3]): tuple(r[3:]) for r in rows.iterator(chunk_size=20000)}


def _from_table(organization_ids: Iterable[int] | None = None):
    qs = ActivityCount.objects.all()
    if organization_ids is not None:
        qs = qs.filter(organization_id__in=list(organization_ids))
    rows = qs.values_list("organization_id", "activity_type_id", "year", *MONTH_FIELDS)
    return {tuple(r[:3]): tuple(r[3:]) for r in rows.iterator(chunk_size=20000)}


@dataclass(frozen=True)
class Difference:
    key: Key
    table: int
    records: int


def differences(*, organization_ids: Iterable[int] | None = None) -> list[Difference]:
    """Every organization × type × month where the table and the records disagree (empty when in step)."""
    if organization_ids is not None:
        organization_ids = list(organization_ids)
    want = _from_records(organization_ids)
    have = _from_table(organization_ids)
    zero = (0,) * 12
    out = []
    for k in sorted(set(want) | set(have)):
        w, h = want.get(k, zero), have.get(k, zero)
        if w != h:
            out.extend(Difference((*k, m), h[m - 1], w[m - 1]) for m in range(1, 13) if w[m - 1] != h[m - 1])
    return out


@transaction.atomic
def rebuild(*, organization_ids: Iterable[int] | None = None, batch_size: int = 5000) -> int:
    """Replace the table (or the rows of some organizations) with counts from the records; returns rows written."""
    if organization_ids is not None:
        organization_ids = list(organization_ids)
        ActivityCount.objects.filter(organization_id__in=organization_ids).delete()
    else:
        ActivityCount.objects.all().delete()
    rows = [ActivityCount(organization_id=o, activity_type_id=t, year=y, **dict(zip(MONTH_FIELDS, months, strict=True)))
            for (o, t, y), months in _from_records(organization_ids).items()]
    ActivityCount.objects.bulk_create(rows, batch_size=batch_size)
    # the stored compliance results read the counts: the organizations rebuilt here, or every stored year whole
    if organization_ids is not None:
        results.refresh(organization_ids)
    else:
        for year in sorted(results.stored_years()):
            results.rebuild(year)
    return len(rows)


def repair(found: list[Difference]) -> None:
    """Set the keys found different to the records' counts."""
    recount(d.key for d in found)
