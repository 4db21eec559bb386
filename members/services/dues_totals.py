"""The stored 党费收缴 totals per organization and month (members.DuesMonthTotal), kept in step with the records.

How (the pattern of branches/figures.py): a write of a record recounts its (branch, month) from the records — one
grouped query — and moves the difference up every ancestor's subtree columns, inside the writer's transaction. The
branch's row of that month is locked before the count: a count taken first could miss a payment another writer
committed meanwhile, whose own recount had not seen ours. Missing rows of the chain are inserted first (ON CONFLICT
DO NOTHING, so two writers of a new month do not collide). Bulk writes (the monthly generation, seed loads) rebuild
their months; `differences()` compares every row with a recount (the nightly check).
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Count, F, Q, Sum

from branches.models import Organization

from ..models import DuesMonthTotal, DuesRecord

OWN = ("records", "paid_records", "due", "paid")
SUBTREE = tuple(f"subtree_{f}" for f in OWN)
ZERO = (0, 0, Decimal("0"), Decimal("0"))


def _own_counts(records) -> dict[tuple[int, date], tuple]:
    """(records, paid records, due, paid) of `records` per (branch, month)."""
    rows = (records.order_by().values("branch_id", "month")
            .annotate(n=Count("id"), n_paid=Count("id", filter=Q(paid_on__isnull=False)),
                      due=Sum("amount_due"), paid=Sum("amount_paid"))
            .values_list("branch_id", "month", "n", "n_paid", "due", "paid"))
    return {(b, m): (n, n_paid, due or Decimal("0"), paid or Decimal("0")) for b, m, n, n_paid, due, paid in rows}


def _pairs_q(pairs, organization_field: str) -> Q:
    """(organization, month) pairs as one condition."""
    where = Q(pk__in=[])
    for organization_id, month in pairs:
        where |= Q(**{organization_field: organization_id}, month=month)
    return where


def totals_refresh(pairs: Iterable[tuple[int, date]]) -> None:
    """Recount these (branch, month) totals from the records and move the differences up the tree, in the writer's
    transaction."""
    pairs = sorted({(b, m) for b, m in pairs if b and m})
    if not pairs:
        return
    with transaction.atomic(savepoint=False):
        paths = dict(Organization.objects.filter(pk__in={b for b, _ in pairs}).values_list("pk", "path"))
        chains = {b: Organization.chain_of(p) for b, p in paths.items()}
        ids = dict(Organization.objects.filter(path__in={p for c in chains.values() for p in c})
                   .values_list("path", "pk"))
        DuesMonthTotal.objects.bulk_create(
            [DuesMonthTotal(organization_id=ids[p], month=m) for b, m in pairs if b in chains for p in chains[b]],
            ignore_conflicts=True)
        stored = {(r[0], r[1]): r[2:] for r in DuesMonthTotal.objects.select_for_update()
                  .filter(_pairs_q(pairs, "organization_id")).order_by("organization_id", "month")
                  .values_list("organization_id", "month", *OWN)}
        counts = _own_counts(DuesRecord.objects.filter(_pairs_q(pairs, "branch_id")))
        for b, m in pairs:
            if b not in chains:
                continue
            new, old = counts.get((b, m), ZERO), stored.get((b, m), ZERO)
            if tuple(new) == tuple(old):
                continue
            DuesMonthTotal.objects.filter(organization_id=b, month=m).update(**dict(zip(OWN, new, strict=True)))
            diff = {s: F(s) + (n - o) for s, n, o in zip(SUBTREE, new, old, strict=True)}
            DuesMonthTotal.objects.filter(organization__path__in=chains[b], month=m).update(**diff)


def recount(months: Iterable[date] | None = None) -> dict[tuple[int, date], tuple]:
    """Every row's (own…, subtree…) counted from the records: {(organization id, month): values} for the
    organizations with records in their subtree (of `months`, all when None)."""
    records = DuesRecord.objects.all() if months is None else DuesRecord.objects.filter(month__in=list(months))
    own = _own_counts(records)
    by_month: dict[date, dict[int, tuple]] = defaultdict(dict)
    for (b, m), values in own.items():
        by_month[m][b] = values
    branch_paths = dict(Organization.objects.filter(pk__in={b for b, _ in own}).values_list("pk", "path"))
    chains = {p for path in branch_paths.values() for p in Organization.chain_of(path)}
    ids = dict(Organization.objects.filter(path__in=chains).values_list("path", "pk"))
    out: dict[tuple[int, date], tuple] = {}
    for m, branches in by_month.items():
        subtree: dict[int, list] = {}
        for b, values in branches.items():
            for p in Organization.chain_of(branch_paths[b]):
                acc = subtree.setdefault(ids[p], [0, 0, Decimal("0"), Decimal("0")])
                for i, v in enumerate(values):
                    acc[i] += v
        for org_id, acc in subtree.items():
            out[(org_id, m)] = (*branches.get(org_id, ZERO), *acc)
    return out


def totals_rebuild(*, months: Iterable[date] | None = None, batch_size: int = 5000) -> int:
    """Replace the rows of `months` (every month when None) by a recount. On PostgreSQL the table is locked
    EXCLUSIVE first (reads go on): a write running beside it either committed before (and is counted) or waits and
    then moves the new rows."""
    months = None if months is None else sorted(set(months))
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"LOCK TABLE {DuesMonthTotal._meta.db_table} IN EXCLUSIVE MODE")
        rows = recount(months)
        stale = DuesMonthTotal.objects.all() if months is None else DuesMonthTotal.objects.filter(month__in=months)
        stale.delete()
        DuesMonthTotal.objects.bulk_create(
            (DuesMonthTotal(organization_id=o, month=m, **dict(zip((*OWN, *SUBTREE), v, strict=True)))
             for (o, m), v in rows.items()), batch_size=batch_size)
    return len(rows)


def differences() -> list[tuple[tuple[int, date], tuple | None, tuple | None]]:
    """((organization, month), stored, counted) for every row that differs from a recount; empty when in step. A
    stored row of zeros where nothing is counted (a month whose records were all deleted) is in step."""
    want = recount()
    have = {(r[0], r[1]): tuple(r[2:]) for r in DuesMonthTotal.objects.values_list("organization_id", "month", *OWN,
                                                                                   *SUBTREE)}
    zeros = (*ZERO, *ZERO)
    out = []
    for key in sorted(set(want) | set(have)):
        stored, counted = have.get(key), want.get(key)
        if (stored or zeros) != (counted or zeros):
            out.append((key, stored, counted))
    return out


def collection_totals(*, organization_ids, start: date, end: date) -> dict[int, tuple]:
    """(records, paid records, due, paid) of each organization's subtree over the months [start, end]: a row per
    organization and month."""
    rows = (DuesMonthTotal.objects.filter(organization_id__in=list(organization_ids), month__gte=start, month__lte=end)
            .order_by().values("organization_id")
            .annotate(n=Sum("subtree_records"), n_paid=Sum("subtree_paid_records"), due=Sum("subtree_due"),
                      paid=Sum("subtree_paid"))
            .values_list("organization_id", "n", "n_paid", "due", "paid"))
    return {o: (n or 0, n_paid or 0, due or Decimal("0"), paid or Decimal("0")) for o, n, n_paid, due, paid in rows}
