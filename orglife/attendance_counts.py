"""`AttendanceCount`: the 出席率's counts per organization subtree × month, kept in step with the records (#23).

Why stored: the attendance page's totals and trend cover the viewer's whole scope. Counted from the attendance rows
they read every row of the scope's year: 5.9 s and 4.7 s of SQL for a 党委's year at N=5,000 (4.9 M rows), 4.8 s
for a secretary (the planner hashed the whole table for her branch's total). Stored per subtree, the scope's
totals are its roots' rows and a page of branches is its branches' rows: reads follow what the page shows.

What a row holds (one definition, `_counted`): over the attendance rows compliance.counted_attendance counts
(members, not guests, at submitted, not voided records of types that take attendance) of records held by a 党支部
or 党小组 in the organization's subtree, itself included: expected (rows), present (出席 + 迟到) and records (with
at least one such row). A branch's row is attendance_totals' figure for it (its 党小组 included).

How it stays right:
- every write of a record goes through counts.follow (create, update, submit, void, delete in the admin), and the
  attendance writes (attendance_set, checkin) too: with the record's row locked it reads the record's figures
  before and after and moves the difference along the organization's ancestors (`move`, ≤ 5 rows, in key order;
  `UPDATE … SET expected = expected + n`, so concurrent records of the same month add atomically);
- a decrement that finds a row already too small recounts that row from the records and logs an error;
- an activity type's "takes attendance" changes every record of the type: the table is rebuilt (`rebuild`);
- not followed: an organization whose kind changes between a branch kind (or 党小组) and another (its records
  start or stop counting); the nightly check finds and repairs those rows;
- bulk loads (seed_scale) call `rebuild()`; `manage.py activity_counts` (check / --repair / --rebuild) and the
  nightly check task compare the table with the records (`differences`).
Cost of a write: two small aggregates of the record's attendance and ≤ 10 single-row updates. The rows of the top
organizations are shared by every write under them in the month, each held until its transaction commits.
"""
from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import ExtractMonth, ExtractYear

from branches.models import BRANCH_KINDS, Organization, OrganizationKind

from .models import PRESENT_STATUSES, ActivityStatus, Attendance, AttendanceCount

logger = logging.getLogger(__name__)

HOLDER_KINDS = [*BRANCH_KINDS, OrganizationKind.PARTY_GROUP]
Figures = tuple[int, int, int]  # expected, present, records
Key = tuple[int, int, int]  # organization id, year, month


def _counted():
    """The attendance rows a row counts (compliance.counted_attendance, without its period)."""
    return Attendance.objects.filter(member__isnull=False, activity__status=ActivityStatus.SUBMITTED,
                                     activity__is_voided=False, activity__activity_type__takes_attendance=True,
                                     activity__organization__kind__in=HOLDER_KINDS)


@dataclass(frozen=True)
class Contribution:
    path: str
    year: int
    month: int
    figures: Figures


def contribution(activity_pk: int | None) -> Contribution | None:
    """What one record adds to its organization's subtree rows (None: it does not count, or does not exist)."""
    if activity_pk is None:
        return None
    rows = list(_counted().filter(activity_id=activity_pk).order_by()
                .values("activity__organization__path", "activity__held_on")
                .annotate(expected=Count("pk"), present=Count("pk", filter=Q(status__in=PRESENT_STATUSES))))
    if not rows:
        return None
    row = rows[0]
    on = row["activity__held_on"]
    return Contribution(row["activity__organization__path"], on.year, on.month, (row["expected"], row["present"], 1))


def _ancestors(path: str) -> list[int]:
    """The organization at `path` and every organization above it (one indexed query)."""
    step = Organization.steplen
    return list(Organization.objects.filter(path__in=[path[:i] for i in range(step, len(path) + 1, step)])
                .values_list("pk", flat=True))


def move(before: Contribution | None, after: Contribution | None) -> None:
    """Inside the writing transaction: take `before` off its subtree rows, add `after` to its own."""
    if before == after:
        return
    deltas: dict[Key, list[int]] = defaultdict(lambda: [0, 0, 0])
    for c, sign in ((before, -1), (after, 1)):
        if c is None:
            continue
        for org_id in _ancestors(c.path):
            d = deltas[org_id, c.year, c.month]
            for i in range(3):
                d[i] += sign * c.figures[i]
    for key in sorted(deltas):  # key order: two writers lock shared rows in the same order
        if any(deltas[key]):
            shift(key, tuple(deltas[key]))


def shift(key: Key, delta: Figures) -> None:
    org_id, year, month = key
    de, dp, dr = delta
    row = AttendanceCount.objects.filter(organization_id=org_id, year=year, month=month)
    changes = {"expected": F("expected") + de, "present": F("present") + dp, "records": F("records") + dr}
    if any(d < 0 for d in delta):
        enough = {f"{name}__gte": -d for name, d in zip(("expected", "present", "records"), delta, strict=True)
                  if d < 0}
        if not row.filter(**enough).update(**changes):
            logger.error("attendance counts: %s was already wrong (below %s); recounted from the records", key, delta)
            recount([key])
        return
    if row.update(**changes):
        return
    try:
        with transaction.atomic():
            AttendanceCount.objects.create(organization_id=org_id, year=year, month=month, expected=de, present=dp,
                                           records=dr)
    except IntegrityError:  # another transaction created the row meanwhile: add to it
        row.update(**changes)


def _month_range(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year + month // 12, month % 12 + 1, 1)


def recount(keys: Iterable[Key]) -> None:
    """Set each key's row from the records (a repair; the fallback of a decrement that found a row wrong)."""
    for org_id, year, month in set(keys):
        path = Organization.objects.filter(pk=org_id).values_list("path", flat=True).first()
        if path is None:
            continue
        start, end = _month_range(year, month)
        agg = _counted().filter(activity__organization__path__startswith=path, activity__held_on__gte=start,
                                activity__held_on__lt=end).aggregate(
            expected=Count("pk"), present=Count("pk", filter=Q(status__in=PRESENT_STATUSES)),
            records=Count("activity_id", distinct=True))
        AttendanceCount.objects.update_or_create(organization_id=org_id, year=year, month=month, defaults=agg)


# --- whole-table rebuild and check -----------------------------------------------------------------------------


def _from_records() -> dict[Key, Figures]:
    """Every subtree row, counted from the records: one grouped query per holder × month, added up its ancestors."""
    per_holder = (_counted().order_by()
                  .annotate(year=ExtractYear("activity__held_on"), month=ExtractMonth("activity__held_on"))
                  .values_list("activity__organization_id", "year", "month")
                  .annotate(expected=Count("pk"), present=Count("pk", filter=Q(status__in=PRESENT_STATUSES)),
                            records=Count("activity_id", distinct=True)))
    paths = dict(Organization.objects.values_list("pk", "path").iterator(chunk_size=20000))
    ids = {path: pk for pk, path in paths.items()}
    step = Organization.steplen
    out: dict[Key, list[int]] = defaultdict(lambda: [0, 0, 0])
    for org_id, year, month, expected, present, records in per_holder.iterator(chunk_size=20000):
        path = paths[org_id]
        for i in range(step, len(path) + 1, step):
            acc = out[ids[path[:i]], year, month]
            acc[0] += expected
            acc[1] += present
            acc[2] += records
    return {k: tuple(v) for k, v in out.items()}


def _from_table() -> dict[Key, Figures]:
    rows = AttendanceCount.objects.values_list("organization_id", "year", "month", "expected", "present", "records")
    return {tuple(r[:3]): tuple(r[3:]) for r in rows.iterator(chunk_size=20000) if any(r[3:])}


def differences() -> list[tuple[Key, Figures | None, Figures | None]]:
    """(key, stored, from the records) wherever the table and the records disagree (empty when in step)."""
    want, have = _from_records(), _from_table()
    return [(k, have.get(k), want.get(k)) for k in sorted(set(want) | set(have)) if want.get(k) != have.get(k)]


@transaction.atomic
def rebuild(*, batch_size: int = 5000) -> int:
    """Replace the table with the counts from the records; returns the rows written."""
    AttendanceCount.objects.all().delete()
    rows = [AttendanceCount(organization_id=o, year=y, month=m, expected=e, present=p, records=r)
            for (o, y, m), (e, p, r) in _from_records().items()]
    AttendanceCount.objects.bulk_create(rows, batch_size=batch_size)
    return len(rows)


def repair(found) -> None:
    recount(key for key, _stored, _records in found)


# --- reading ---------------------------------------------------------------------------------------------------


def _months(start: date, end: date) -> Q:
    """The rows of the months [start, end] covers (periods are whole months, quarters or years)."""
    q = Q()
    for year in range(start.year, end.year + 1):
        lo = start.month if year == start.year else 1
        hi = end.month if year == end.year else 12
        q |= Q(year=year, month__gte=lo, month__lte=hi)
    return q


def totals(*, organization_ids: Iterable[int], start: date, end: date) -> dict[int, Figures]:
    """{organization: (expected, present, records)} over its subtree in [start, end]; (0, 0, 0) without any. One
    query, reading (organizations × months) rows."""
    ids = list(organization_ids)
    out = dict.fromkeys(ids, (0, 0, 0))
    if not ids:
        return out
    for org_id, e, p, r in (AttendanceCount.objects.filter(_months(start, end), organization_id__in=ids).order_by()
                            .values_list("organization_id")
                            .annotate(e=Sum("expected"), p=Sum("present"), r=Sum("records"))
                            .values_list("organization_id", "e", "p", "r")):
        out[org_id] = (e or 0, p or 0, r or 0)
    return out


def monthly(*, organization_ids: Iterable[int], year: int) -> list[tuple[int, int]]:
    """[(expected, present)] for each month of `year`, summed over the organizations' subtrees. One query."""
    out = [(0, 0)] * 12
    for month, e, p in (AttendanceCount.objects.filter(organization_id__in=list(organization_ids), year=year)
                        .order_by().values_list("month").annotate(e=Sum("expected"), p=Sum("present"))
                        .values_list("month", "e", "p")):
        out[month - 1] = (e or 0, p or 0)
    return out


# --- an activity type's "takes attendance" -----------------------------------------------------------------------


def _type_before(sender, instance, raw=False, **kwargs):
    instance._takes_attendance_before = None if (raw or instance.pk is None) else (
        type(instance).objects.filter(pk=instance.pk).values_list("takes_attendance", flat=True).first())


def _type_after(sender, instance, raw=False, created=False, **kwargs):
    """Whether a type takes attendance decides whether its records count: every row may change (a rare admin
    edit; rebuilt in the same transaction)."""
    before = getattr(instance, "_takes_attendance_before", None)
    if not raw and not created and before is not None and before != instance.takes_attendance:
        rebuild()


def connect() -> None:
    """Called by OrglifeConfig.ready()."""
    from django.db.models.signals import post_save, pre_save

    from .models import ActivityType

    pre_save.connect(_type_before, sender=ActivityType, dispatch_uid="orglife.attendance_counts.type_before")
    post_save.connect(_type_after, sender=ActivityType, dispatch_uid="orglife.attendance_counts.type_after")
