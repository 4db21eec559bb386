"""Stored compliance results (`ComplianceWindow`): what the compliance summaries add up, kept in step with the writes.

Why: the compliance page's totals, 完成率 and bars and the home page's overdue branches need every branch of the
viewer's scope; running the engine over a province (5,000 branches, 20,000 holders) on each view cost ~230 ms of
Python. Stored per row × rule window, they are a few SQL aggregates whatever the size of the tree.

One definition: the rows are the engine's own window results (compliance._evaluate, the same code that draws the
table, the API, the exports and the reports), judged without a `today`; a reader applies its `today` exactly as the
engine does (a window that has not started is not required; an open window's shortfall is missing, not overdue).

Kept current, inside the writing transaction (a rollback undoes both):
- records: `counts.shift` / `recount` / `rebuild` (every record write goes through them) refresh the holder's rows
  of that year;
- 谈心谈话: the talk services refresh the branch;
- frequency rules, activity types: refresh the subtree the rule covers (every holder for a default rule or a type);
  over INLINE_LIMIT holders the years are un-stored (their summaries are computed by the engine meanwhile) and a
  task stores them again after the commit;
- members (a per-member rule counts the active members), committee seats (whether a branch has a 支委会) and
  organizations (dates, kind): post_save / post_delete of those models (apps below orglife cannot call it) refresh
  the organizations concerned; a member import (bulk, no post_save) sends members.signals.members_bulk_written;
- `manage.py compliance_results` compares the stored rows with a recount (non-zero exit on a difference),
  `--repair` refreshes the organizations that differ, `--rebuild YEAR` stores a year whole (after a bulk load;
  seed_scale and seed_demo call `rebuild`).
Only years listed in ComplianceYear are stored; a summary of another year is computed by the engine (None here).
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from celery import shared_task
from django.core.exceptions import EmptyResultSet
from django.db import OperationalError, connection, transaction
from django.db.models import Count, F, FloatField, Max, OuterRef, Q, QuerySet, Subquery, Sum, Value, Window
from django.db.models.functions import Cast, Coalesce, Substr
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save

from branches.models import BRANCH_KINDS, CommitteeSeat, CommitteeTerm, Organization, OrganizationKind
from members.models import Member
from members.signals import members_bulk_written
from portal.perf import gc_paused
from portal.queue import send_fast
from portal.scoping import subtree_q

from .compliance import PERIOD_MAX_YEAR, Period, _evaluate, _load, windows_ending_in
from .models import (
    RATE_SCALE,
    ActivityType,
    ComplianceRollup,
    ComplianceStanding,
    ComplianceWindow,
    ComplianceYear,
    FrequencyRule,
    RulePer,
    Talk,
)

INLINE_LIMIT = 300  # holders a rule change refreshes in its own transaction; more: a task after the commit
# Judged without a today: every window of the year has started and none is open.
NO_TODAY = date(PERIOD_MAX_YEAR + 1, 12, 31)
HOLDER_KINDS = [*BRANCH_KINDS, OrganizationKind.PARTY_GROUP]
Key = tuple[int, str, date]  # row organization, per, window end
Figures = tuple[date, int, int, int, int]  # starts_on, required, credited, completion_required, completion_credited


def stored_years() -> set[int]:
    return set(ComplianceYear.objects.values_list("year", flat=True))


def is_stored(year: int) -> bool:
    return ComplianceYear.objects.filter(year=year).exists()


def recount(organizations_qs: QuerySet[Organization], year: int) -> dict[Key, Figures]:
    """The rows of `organizations_qs` (branches: their groups folded in; groups: their own) for `year`, from the
    engine. Rows whose figures are all 0 are left out."""
    period = Period(year, RulePer.YEAR)
    with gc_paused():
        holders = _load(organizations_qs, with_groups=True)
        cells = _evaluate(holders, windows_for=lambda r: windows_ending_in(r.per, period.start, period.end),
                          today=NO_TODAY)
    steplen = Organization.steplen
    branch_by_path = {o.path: o.id for o in holders.orgs if o.kind in BRANCH_KINDS and o.id in holders.wanted}
    out: dict[Key, list] = {}
    for org in holders.orgs:
        targets = [org.id] if org.id in holders.wanted else []
        if org.kind == OrganizationKind.PARTY_GROUP and (parent := branch_by_path.get(org.path[:-steplen])):
            targets.append(parent)  # the branch row carries its groups' cells, as the table shows it
        if not targets:
            continue
        for cell in (cells.get(org.id) or {}).values():
            completion = cell.activity_type.counts_for_completion
            for w in cell.windows:
                credited = min(w.held, w.required)
                for target in targets:
                    acc = out.get((target, w.window.kind, w.window.end))
                    if acc is None:
                        acc = out[target, w.window.kind, w.window.end] = [w.window.start, 0, 0, 0, 0]
                    acc[1] += w.required
                    acc[2] += credited
                    if completion:
                        acc[3] += w.required
                        acc[4] += credited
    return {k: tuple(v) for k, v in out.items() if any(v[1:])}


def _stored(organization_ids: Iterable[int] | None, year: int) -> dict[Key, Figures]:
    qs = ComplianceWindow.objects.filter(ends_on__year=year)
    if organization_ids is not None:
        qs = qs.filter(organization_id__in=list(organization_ids))
    return {(o, per, end): (start, *figs) for o, per, end, start, *figs in qs.values_list(
        "organization_id", "per", "ends_on", "starts_on", "required", "credited", "completion_required",
        "completion_credited").iterator(chunk_size=20000)}


def _write(rows: dict[Key, Figures], *, rollups: bool = True) -> int:
    """Store these window rows and the standings derived from them (callers `_clear` both first), and move the
    standings up the roll-ups (`rollups=False`: the caller fills the year's roll-ups whole)."""
    ComplianceWindow.objects.bulk_create(
        [ComplianceWindow(organization_id=o, per=per, ends_on=end, starts_on=start, required=r, credited=c,
                          completion_required=cr, completion_credited=cc)
         for (o, per, end), (start, r, c, cr, cc) in rows.items()], batch_size=5000)
    written = standings(rows, _branch_ids(rows))
    # In (year, month, organization) order: a month's rows, what every reader reads, lie together on disk (written
    # in organization order they were spread over every page of the table: 2,575 pages read for one month at
    # N=5,000 instead of ~200).
    ComplianceStanding.objects.bulk_create(
        [ComplianceStanding(organization_id=o, year=y, month=m, overdue=ov, required=r, credited=c,
                            completion_required=cr, completion_credited=cc, branch_row=b)
         for (o, y, m), (ov, r, c, cr, cc, b) in sorted(written.items(),
                                                       key=lambda item: (item[0][1], item[0][2], item[0][0]))],
        batch_size=5000)
    if rollups and written:
        _shift_rollups([(o, y, m, ov, cr, cc, b) for (o, y, m), (ov, _r, _c, cr, cc, b) in written.items()], +1)
    return len(rows)


def _branch_ids(rows: dict[Key, Figures]) -> set[int]:
    """The 党支部 among the rows' organizations (the others are 党小组)."""
    ids = {org for org, _per, _end in rows}
    if not ids:
        return set()
    branches = Organization.objects.filter(kind__in=BRANCH_KINDS)
    if len(ids) > 5000:  # a whole year: all branches, not a 200,000-item IN list
        return set(branches.values_list("pk", flat=True)) & ids
    return set(branches.filter(pk__in=ids).values_list("pk", flat=True))


def _clear(year: int, organizations: list[int] | None = None) -> None:
    """Delete the stored windows and standings of `year` (of these organizations; all for None) and take the deleted
    standings out of the roll-ups (all of the year's roll-ups for None): `_write` stores them again, so every write
    site clears here."""
    windows = ComplianceWindow.objects.filter(ends_on__year=year)
    if organizations is None:
        windows.delete()
        ComplianceStanding.objects.filter(year=year).delete()
        ComplianceRollup.objects.filter(year=year).delete()
        return
    organizations = list(organizations)
    if not organizations:
        return
    windows.filter(organization_id__in=organizations).delete()
    # DELETE … RETURNING: exactly the rows this statement removed leave the roll-ups (a row another writer removed
    # meanwhile is not taken out twice).
    table = ComplianceStanding._meta.db_table
    removed = []
    with connection.cursor() as cursor:
        for start in range(0, len(organizations), 5000):
            chunk = organizations[start:start + 5000]
            cursor.execute(
                f"DELETE FROM {table} WHERE year = %s AND organization_id IN ({', '.join(['%s'] * len(chunk))})"
                " RETURNING organization_id, year, month, overdue, completion_required, completion_credited,"
                " branch_row", [year, *chunk])
            removed += cursor.fetchall()
    if removed:
        _shift_rollups([(o, y, m, ov, cr, cc, bool(b)) for o, y, m, ov, cr, cc, b in removed], -1)


# --- roll-ups: a subtree's standings summed at each organization above the rows (ComplianceRollup) ---------------

# (organization, year, month, overdue, completion_required, completion_credited, branch_row) of a standing
StandingFigures = tuple[int, int, int, int, int, int, bool]
RollupKey = tuple[int, int, int, bool]   # organization, year, month, branch_rows
ROLLUP_FIELDS = ("behind", "completion_required", "completion_credited", "rated", "rate_sum")


def row_rate(credited: int, required: int) -> int:
    """A row's 完成率 in units of 1 / RATE_SCALE, rounded half up (integers: sums stay exact)."""
    return (credited * RATE_SCALE + required // 2) // required


def rollups_of(rows: Iterable[StandingFigures], *, paths: dict[int, str] | None = None,
               holders_above: dict[str, int] | None = None) -> dict[RollupKey, list[int]]:
    """{(organization, year, month, branch_rows): [behind, required, credited, rated, rate_sum]} that these standings
    add to the roll-ups of the organizations above them that hold no row themselves. `paths` (organization → path)
    and `holders_above` (path → id of such an organization) are read when not given."""
    if paths is None:
        rows = list(rows)
        paths = dict(Organization.objects.filter(pk__in={r[0] for r in rows}).values_list("pk", "path"))
    steplen = Organization.steplen
    if holders_above is None:
        above = {p[:i] for p in paths.values() for i in range(steplen, len(p), steplen)}
        holders_above = dict(Organization.objects.filter(path__in=above).exclude(kind__in=HOLDER_KINDS)
                             .values_list("path", "pk")) if above else {}
    out: dict[RollupKey, list[int]] = {}
    for org, year, month, overdue, required, credited, branch_row in rows:
        path = paths.get(org)
        if path is None:
            continue
        figures = (int(overdue > 0), required, credited, int(required > 0),
                   row_rate(credited, required) if required > 0 else 0)
        for i in range(steplen, len(path), steplen):
            above = holders_above.get(path[:i])
            if above is None:
                continue
            acc = out.get((above, year, month, branch_row))
            if acc is None:
                acc = out[above, year, month, branch_row] = [0, 0, 0, 0, 0]
            for k, value in enumerate(figures):
                acc[k] += value
    return out


def _shift_rollups(rows: list[StandingFigures], sign: int) -> None:
    """Add (sign +1) or take out (-1) these standings from the roll-ups above them: one INSERT … ON CONFLICT DO
    UPDATE adding the difference, in key order (two writers under the same 党委 queue on its rows, never cross)."""
    moved = sorted((key, figures) for key, figures in rollups_of(rows).items() if any(figures))
    if not moved:
        return
    table = ComplianceRollup._meta.db_table
    columns = ("organization_id", "year", "month", "branch_rows", *ROLLUP_FIELDS)
    updates = ", ".join(f"{f} = {table}.{f} + excluded.{f}" for f in ROLLUP_FIELDS)
    with connection.cursor() as cursor:
        for start in range(0, len(moved), 2000):
            chunk = moved[start:start + 2000]
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
                + ", ".join(["(" + ", ".join(["%s"] * len(columns)) + ")"] * len(chunk))
                + f" ON CONFLICT (year, month, branch_rows, organization_id) DO UPDATE SET {updates}",
                [v for (o, y, m, b), figures in chunk for v in (o, y, m, b, *(sign * f for f in figures))])


def _fill_rollups(year: int) -> int:
    """The year's roll-ups from its standings, whole (after `_clear(year)`): one grouped INSERT per level of the
    tree, each standing joined to its ancestor at that level by path."""
    steplen = Organization.steplen
    depth = Organization.objects.aggregate(d=Max("depth"))["d"] or 0
    rollup, standing = ComplianceRollup._meta.db_table, ComplianceStanding._meta.db_table
    org = Organization._meta.db_table
    holder_kinds = ", ".join(["%s"] * len(HOLDER_KINDS))
    written = 0
    with connection.cursor() as cursor:
        for level in range(1, depth):
            cursor.execute(
                f"INSERT INTO {rollup} (organization_id, year, month, branch_rows, {', '.join(ROLLUP_FIELDS)})"
                f" SELECT a.id, s.year, s.month, s.branch_row,"
                f" SUM(CASE WHEN s.overdue > 0 THEN 1 ELSE 0 END), SUM(s.completion_required),"
                f" SUM(s.completion_credited), SUM(CASE WHEN s.completion_required > 0 THEN 1 ELSE 0 END),"
                f" SUM(CASE WHEN s.completion_required > 0 THEN (CAST(s.completion_credited AS BIGINT) * %s"
                f" + s.completion_required / 2) / s.completion_required ELSE 0 END)"
                f" FROM {standing} s JOIN {org} o ON o.id = s.organization_id"
                f" JOIN {org} a ON a.path = SUBSTR(o.path, 1, %s)"
                f" WHERE s.year = %s AND LENGTH(o.path) > %s AND a.kind NOT IN ({holder_kinds})"
                f" GROUP BY a.id, s.year, s.month, s.branch_row",
                [RATE_SCALE, level * steplen, year, level * steplen, *HOLDER_KINDS])
            written += max(cursor.rowcount, 0)
    return written


AFTER_THE_YEAR = 13  # ComplianceStanding.month for any day after the year: every window has ended
# overdue, required, credited, completion_required, completion_credited, branch_row
Standing = tuple[int, int, int, int, int, bool]


def standings(rows: dict[Key, Figures], branch_ids: set[int]) -> dict[tuple[int, int, int], Standing]:
    """{(organization, year, month): figures} of the rows among `rows` for every month 1–13 with a figure that is not 0
    (ComplianceStanding; `branch_ids`: which rows are 党支部 rows). A window has started on any day of month m iff
    it starts in a month ≤ m, and has ended before that day iff it ends in a month < m (windows are whole calendar
    months)."""
    acc: dict[tuple[int, int, int], list[int]] = {}
    for (org, _per, end), (start, required, credited, completion_required, completion_credited) in rows.items():
        year = end.year
        first = start.month if start.year == year else 1
        for month in range(first, AFTER_THE_YEAR + 1):
            figures = acc.get((org, year, month))
            if figures is None:
                figures = acc[org, year, month] = [0, 0, 0, 0, 0]
            figures[1] += required
            figures[2] += credited
            figures[3] += completion_required
            figures[4] += completion_credited
            if end.month < month:
                figures[0] += required - credited
    return {key: (*v, key[0] in branch_ids) for key, v in acc.items() if any(v)}


def as_of_month(period: Period, today: date) -> int | None:
    """The ComplianceStanding month that holds a year period's figures on `today` (0: before the year, nothing has
    started); None for a quarter or a month, which the standings do not hold."""
    if period.kind != RulePer.YEAR:
        return None
    if today < period.start:
        return 0
    return AFTER_THE_YEAR if today > period.end else today.month


def _row_ids(organization_ids: Iterable[int]) -> list[int]:
    """The rows a change to these organizations touches: their own, and for a 党小组 its branch's row."""
    ids = set(organization_ids)
    paths = [p[:-Organization.steplen] for p in Organization.objects.filter(
        pk__in=ids, kind=OrganizationKind.PARTY_GROUP).values_list("path", flat=True)]
    if paths:
        ids |= set(Organization.objects.filter(path__in=paths, kind__in=BRANCH_KINDS).values_list("pk", flat=True))
    return sorted(ids)


def refresh(organization_ids: Iterable[int], *, years: Iterable[int] | None = None) -> None:
    """Recompute the stored rows of these organizations (and of a group's branch) for the stored years."""
    years = stored_years() if years is None else stored_years() & set(years)
    if not years:
        return
    ids = _row_ids(organization_ids)
    if not ids:
        return
    with transaction.atomic():
        for year in sorted(years):
            _clear(year, ids)
            _write(recount(Organization.objects.filter(pk__in=ids), year))


def refresh_subtree(path: str | None) -> None:
    """After a rule change: every holder under `path` (the whole tree for None). Up to INLINE_LIMIT holders are
    refreshed here, in the writer's transaction; a bigger subtree (a province's default rule: ~40 s of recount and
    265,000 rows) un-stores the years instead, so that their summaries are computed by the engine (still right),
    and a task stores them again after the commit (the nightly check stores the current year if that task is lost)."""
    years = stored_years()
    if not years:
        return
    orgs = Organization.objects.filter(kind__in=HOLDER_KINDS)
    if path:
        orgs = orgs.filter(path__startswith=path)
    if orgs.count() > INLINE_LIMIT:
        ComplianceYear.objects.filter(year__in=years).delete()
        transaction.on_commit(lambda: send_fast(rebuild_years, args=[sorted(years)]))
        return
    ids = list(orgs.values_list("pk", flat=True))
    for year in sorted(years):
        with transaction.atomic():
            _clear(year, ids)
            _write(recount(orgs, year))


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def rebuild_years(years: list[int]) -> int:
    """Store these years again (after a rule change over a big subtree un-stored them)."""
    return sum(rebuild(year) for year in years)


@transaction.atomic
def rebuild(year: int) -> int:
    """Store `year` whole (every holder) and list it in ComplianceYear; returns the rows written."""
    _lock_rollups()
    _clear(year)
    n = _write(recount(Organization.objects.filter(kind__in=HOLDER_KINDS), year), rollups=False)
    _fill_rollups(year)
    ComplianceYear.objects.update_or_create(year=year)
    if connection.vendor == "postgresql":  # fresh statistics: the summaries' plans read the year's rows as many
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {ComplianceWindow._meta.db_table}")
            cursor.execute(f"ANALYZE {ComplianceStanding._meta.db_table}")
            cursor.execute(f"ANALYZE {ComplianceRollup._meta.db_table}")
    return n


def _lock_rollups() -> None:
    """Writers beside a fill of the roll-ups wait for it (their INSERT … ON CONFLICT needs a ROW EXCLUSIVE lock): a
    write committed before the lock is in the standings the fill reads, one after it adds its difference on top."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {ComplianceRollup._meta.db_table} IN EXCLUSIVE MODE")


@transaction.atomic
def rebuild_rollups(year: int) -> int:
    """The year's roll-ups again from its standings (a repair: `differences` found one that disagrees)."""
    _lock_rollups()
    ComplianceRollup.objects.filter(year=year).delete()
    return _fill_rollups(year)


def repair(year: int, found) -> None:
    """Refresh the organizations that `differences` found (and the roll-ups when one of them differs)."""
    holders = {key[0] for key, _stored, _recounted in found if key[1] != "rollup"}
    if holders:
        refresh(holders, years=[year])
    if any(key[1] == "rollup" for key, _stored, _recounted in found):
        rebuild_rollups(year)


CHECK_CHUNK = 5000  # compliance rows a whole year's check recounts at a time


def differences(year: int, organization_ids: Iterable[int] | None = None, *,
                chunk: int = CHECK_CHUNK) -> list[tuple[Key, Figures | None, Figures | None]]:
    """(key, stored, recounted) wherever the stored rows of `year` and the engine disagree (empty when in step).

    A whole year is compared `chunk` rows at a time (the rows in tree order; a 党支部 row folds its 党小组 in
    whichever chunk it falls): holding every window of a province's year at once took 3.4 GB at N=50,000. The
    roll-ups are compared with the sums of every chunk's recounted standings."""
    if organization_ids is not None:
        return _differences_of(year, list(organization_ids))[0]
    ids = list(Organization.objects.filter(kind__in=HOLDER_KINDS).order_by("path").values_list("pk", flat=True))
    paths = dict(Organization.objects.values_list("pk", "path").iterator(chunk_size=20000))
    holders_above = dict(Organization.objects.exclude(kind__in=HOLDER_KINDS).values_list("path", "pk"))
    found, want_rollups = [], {}
    for start in range(0, len(ids), chunk):
        part, want_standing = _differences_of(year, ids[start:start + chunk])
        found += part
        for key, figures in rollups_of(
                ((o, y, m, ov, cr, cc, b) for (o, y, m), (ov, _r, _c, cr, cc, b) in want_standing.items()),
                paths=paths, holders_above=holders_above).items():
            acc = want_rollups.setdefault(key, [0, 0, 0, 0, 0])
            for k, value in enumerate(figures):
                acc[k] += value
    # Rows stored for an organization that holds none now (its kind changed): the recount has none for it.
    found += [((o, per, end), (start, *figures), None) for o, per, end, start, *figures in (
        ComplianceWindow.objects.filter(ends_on__year=year).exclude(organization__kind__in=HOLDER_KINDS)
        .values_list("organization_id", "per", "ends_on", "starts_on", "required", "credited",
                     "completion_required", "completion_credited"))]
    found += [((o, "standing", f"{year}-{m:02d}"), (ov, r, c, cr, cc, b), None) for o, m, ov, r, c, cr, cc, b in (
        ComplianceStanding.objects.filter(year=year).exclude(organization__kind__in=HOLDER_KINDS)
        .values_list("organization_id", "month", "overdue", "required", "credited", "completion_required",
                     "completion_credited", "branch_row"))]
    return found + _rollup_differences(year, want_rollups)


def _differences_of(year: int, organization_ids: list[int]) -> tuple[list, dict]:
    """The differences of these organizations' rows, and their recounted standings."""
    want, have = recount(Organization.objects.filter(pk__in=organization_ids), year), _stored(organization_ids, year)
    found = [(k, have.get(k), want.get(k)) for k in sorted(set(want) | set(have), key=str) if want.get(k) != have.get(k)]
    # The standings (the year summary, home's 逾期的支部), against the ones the recounted windows give: keyed
    # (organization, "standing", "year-month") so that --repair refreshes the organization like any other difference.
    want_standing = standings(want, _branch_ids(want))
    stored = ComplianceStanding.objects.filter(year=year, organization_id__in=organization_ids)
    have_standing = {(o, year, m): tuple(figures) for o, m, *figures in stored.values_list(
        "organization_id", "month", "overdue", "required", "credited", "completion_required",
        "completion_credited", "branch_row").iterator(chunk_size=20000)}
    found += [((o, "standing", f"{y}-{m:02d}"), have_standing.get((o, y, m)), want_standing.get((o, y, m)))
              for o, y, m in sorted(set(want_standing) | set(have_standing))
              if want_standing.get((o, y, m)) != have_standing.get((o, y, m))]
    return found, want_standing


def _rollup_differences(year: int, want_rollups: dict) -> list:
    """The roll-ups of `year` against these sums of the recounted standings, keyed (organization, "rollup",
    "year-month-b|g"); a row of zeros is no row."""
    want = {key: tuple(v) for key, v in want_rollups.items() if any(v)}
    have = {(o, y, m, b): tuple(figures) for o, y, m, b, *figures in ComplianceRollup.objects.filter(year=year)
            .values_list("organization_id", "year", "month", "branch_rows", *ROLLUP_FIELDS).iterator(chunk_size=20000)
            if any(figures)}
    return [((o, "rollup", f"{y}-{m:02d}-{'b' if b else 'g'}"), have.get((o, y, m, b)), want.get((o, y, m, b)))
            for o, y, m, b in sorted(set(want) | set(have)) if want.get((o, y, m, b)) != have.get((o, y, m, b))]


# --- reading ---------------------------------------------------------------------------------------------------


def _windows(rows_qs: QuerySet[Organization], period: Period, today: date) -> QuerySet[ComplianceWindow]:
    """The stored windows of the rows in `rows_qs` that the engine judges for `period` on `today`."""
    return ComplianceWindow.objects.filter(organization_id__in=rows_qs.order_by().values("pk"),
                                           ends_on__gte=period.start, ends_on__lte=period.end, starts_on__lte=today)


def _short():
    return F("required") - F("credited")


def summary(*, rows_qs: QuerySet[Organization], period: Period, today: date,
            roots: list[str] | None = None) -> tuple[dict, dict] | None:
    """(summary, units) of the rows in `rows_qs` (branches and/or groups), as the compliance page computed them from
    the engine's rows; None when the period's year is not stored.

    summary: {"orgs", "behind" (rows with an overdue shortfall), "required" and "held" (三会一课 + 主题党日 over branch
    rows: a branch row carries its groups), "rate" (mean 完成率 of the branch rows with something required; None
    without any)}. units: {path of a unit one level below the rows' common ancestor: [required, held]} over the
    branch rows (all rows when there is no branch), what compliance_by_unit draws.
    Five queries (stored?, the rows' bounds (index walks), their number and units (one grouped scan), one scan of
    their figures grouped both ways), no Python per row. A year reads each row's standing as of the day's month (one row per organization,
    not the year's windows: 850,204 at N=50,000); a quarter or a month groups its windows.

    `roots`: when the rows are every row of one kind (党支部, or 党小组) in the subtrees at these paths, as the
    compliance page's are (the viewer's grants, or the 范围 chosen), a year's sums are read from the roll-ups of
    the organizations above the rows (ComplianceRollup) where each bar's unit is one: a few rows instead of the
    scope's standings (50,010 at N=50,000)."""
    if not is_stored(period.year):
        return None
    rows_qs = rows_qs.filter(kind__in=HOLDER_KINDS).order_by()
    bounds = _path_bounds(rows_qs)
    if bounds is None:   # no rows
        return {"orgs": 0, "behind": 0, "required": 0, "held": 0, "rate": None}, {}
    lo, hi, blo, bhi = bounds
    use_all = blo is None
    lo, hi = (lo, hi) if use_all else (blo, bhi)
    common = 0
    while common < min(len(lo), len(hi)) and lo[common] == hi[common]:
        common += 1
    width = (common // Organization.steplen + 1) * Organization.steplen
    # The rows' number and their units (every unit gets a bar, 0 of 0 when it has no window, as the engine's rows
    # give them) in one grouped scan of the rows.
    counts = {"n": 0, "branches": 0}
    units: dict[str, list[int]] = {}
    for unit, n, branches in (rows_qs.annotate(unit=Substr("path", 1, width)).values("unit")
                              .annotate(n=Count("pk"), b=Count("pk", filter=Q(kind__in=BRANCH_KINDS)))
                              .values_list("unit", "n", "b")):
        counts["n"] += n
        counts["branches"] += branches
        if use_all or branches:
            units[unit] = [0, 0]
    out = {"orgs": counts["n"], "behind": 0, "required": 0, "held": 0, "rate": None}
    month = as_of_month(period, today)
    single_kind = counts["branches"] in (0, counts["n"])
    if roots and month is not None and counts["n"] and single_kind:
        sums = _unit_sums_from_rollups(roots=roots, units=units, width=width, branch_rows=not use_all,
                                       year=period.year, month=month)
        if sums is not None:
            totals = [sum(column) for column in zip(*sums.values(), strict=True)]
            out["behind"] = totals[0]
            if not use_all:
                out.update(required=totals[1], held=totals[2],
                           rate=totals[4] / totals[3] / RATE_SCALE if totals[3] else None)
            return out, {unit: [figures[1], figures[2]] for unit, figures in sums.items()}
    per_row = _per_row(rows_qs, period, today)
    try:
        sql, params = per_row.query.sql_with_params()
    except EmptyResultSet:  # no rows (an empty scope)
        return out, units
    if connection.vendor != "postgresql":
        return _summary_in_python(per_row, use_all, width, out, units)
    branch = "r.kind IN ({})".format(", ".join(["%s"] * len(BRANCH_KINDS)))
    counted = "TRUE" if use_all else branch
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT SUBSTRING(r.path, 1, %s) AS unit, GROUPING(SUBSTRING(r.path, 1, %s)) AS total,"
            f" SUM(r.req) FILTER (WHERE {branch}), SUM(r.cred) FILTER (WHERE {branch}),"
            f" AVG(r.cred::double precision / r.req) FILTER (WHERE {branch} AND r.req > 0),"
            f" COUNT(*) FILTER (WHERE r.overdue > 0),"
            f" SUM(r.req) FILTER (WHERE {counted}), SUM(r.cred) FILTER (WHERE {counted})"
            f" FROM ({sql}) AS r (organization_id, kind, path, req, cred, overdue)"
            f" GROUP BY GROUPING SETS ((), (SUBSTRING(r.path, 1, %s)))",
            [width, width, *BRANCH_KINDS, *BRANCH_KINDS, *BRANCH_KINDS,
             *([] if use_all else [*BRANCH_KINDS, *BRANCH_KINDS]), *params, width])
        for unit, total, required, held, rate, behind, unit_req, unit_cred in cursor.fetchall():
            if total:
                out.update(required=required or 0, held=held or 0, rate=rate, behind=behind)
            elif unit in units:
                units[unit] = [unit_req or 0, unit_cred or 0]
    return out, units


def _path_bounds(rows_qs: QuerySet[Organization]) -> tuple[str, str, str | None, str | None] | None:
    """(first and last path of the rows, first and last path of their 党支部 rows or None): four walks of the path
    index in one statement, not an aggregate over every row. None when there is no row."""
    branch_rows = rows_qs.filter(kind__in=BRANCH_KINDS)
    parts = [qs.order_by(order).values("path")[:1]
             for qs in (rows_qs, branch_rows) for order in ("path", "-path")]
    try:
        compiled = [part.query.sql_with_params() for part in parts]
    except EmptyResultSet:
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(f"({sql})" for sql, _params in compiled),
                       [p for _sql, params in compiled for p in params])
        lo, hi, blo, bhi = cursor.fetchone()
    return None if lo is None else (lo, hi, blo, bhi)


def _unit_sums_from_rollups(*, roots: list[str], units: dict, width: int, branch_rows: bool, year: int,
                            month: int) -> dict[str, list[int]] | None:
    """{unit: [behind, required, credited, rated, rate_sum]} from the roll-ups: a unit inside a root reads its own
    roll-up, a unit that holds roots reads theirs. None when a unit or a root holds rows itself (a 党支部 is its own
    unit below a 党总支): the caller sums the standings, a small scope's few rows."""
    reads: dict[str, str] = {}   # path whose roll-up is read -> the unit it adds to
    for unit in units:
        if len(unit) != width:
            return None
        if any(unit.startswith(root) for root in roots):
            reads[unit] = unit
        else:
            inside = [root for root in roots if root.startswith(unit)]
            if not inside:
                return None
            reads.update((root, unit) for root in inside)
    if not reads:
        return None
    found = dict(Organization.objects.filter(path__in=list(reads)).values_list("path", "kind"))
    if len(found) != len(reads) or any(kind in HOLDER_KINDS for kind in found.values()):
        return None
    sums = {unit: [0, 0, 0, 0, 0] for unit in units}
    for path, *figures in ComplianceRollup.objects.filter(
            year=year, month=month, branch_rows=branch_rows, organization__path__in=list(reads)).values_list(
            "organization__path", *ROLLUP_FIELDS):
        acc = sums[reads[path]]
        for k, value in enumerate(figures):
            acc[k] += value
    return sums


def _per_row(rows_qs: QuerySet[Organization], period: Period, today: date) -> QuerySet:
    """Per row of `rows_qs`: organization_id, its kind and path, req and cred (完成率 types) and late (overdue
    shortfall), in this column order (summary's statement names them by position)."""
    month = as_of_month(period, today)
    if month is not None:
        return (ComplianceStanding.objects.filter(year=period.year, month=month,
                                                  organization_id__in=rows_qs.order_by().values("pk"))
                .order_by().values("organization_id", "organization__kind", "organization__path",
                                   req=F("completion_required"), cred=F("completion_credited"), late=F("overdue")))
    return (_windows(rows_qs, period, today).order_by()
            .values("organization_id", "organization__kind", "organization__path")
            .annotate(req=Sum("completion_required"), cred=Sum("completion_credited"),
                      late=Sum(_short(), filter=Q(ends_on__lt=today))))


def _summary_in_python(per_row, use_all: bool, width: int, out: dict, units: dict) -> tuple[dict, dict]:
    """The same sums as the PostgreSQL statement above (GROUPING SETS, FILTER, ::double precision), added up here on
    the embedded SQLite database, whose data sets are the demo's size."""
    required = held = behind = 0
    rates = []
    for row in per_row:
        req, cred, is_branch = row["req"] or 0, row["cred"] or 0, row["organization__kind"] in BRANCH_KINDS
        if is_branch:
            required, held = required + req, held + cred
            if req > 0:
                rates.append(cred / req)
        behind += bool(row["late"] and row["late"] > 0)
        unit = row["organization__path"][:width]
        if (use_all or is_branch) and unit in units:
            units[unit][0] += req
            units[unit][1] += cred
    out.update(required=required, held=held, rate=sum(rates) / len(rates) if rates else None, behind=behind)
    return out, units


def ordered_rows(*, rows_qs: QuerySet[Organization], period: Period, today: date, sort: str) -> QuerySet:
    """`rows_qs` in the page's order, by the stored figures: "missing" (shortfall in the windows judged, then the
    overdue part, then tree order), "rate" (完成率 ascending, rows with nothing required last, then tree order)."""
    mine = _windows(Organization.objects.all(), period, today).filter(organization_id=OuterRef("pk")).order_by()
    mine = mine.values("organization_id")

    def total(expr, **filters):
        return Coalesce(Subquery(mine.filter(**filters).annotate(n=Sum(expr)).values("n")), Value(0))

    rows_qs = rows_qs.filter(kind__in=HOLDER_KINDS)
    if sort == "missing":
        return rows_qs.annotate(missing=total(_short()), overdue=total(_short(), ends_on__lt=today)).order_by(
            "-missing", "-overdue", "path")
    if sort == "rate":
        rate = Subquery(mine.annotate(req=Sum("completion_required"), cred=Sum("completion_credited"))
                        .filter(req__gt=0).annotate(r=Cast("cred", FloatField()) / F("req")).values("r"))
        return rows_qs.annotate(rate=Coalesce(rate, Value(2.0))).order_by("rate", "path")
    return rows_qs.order_by("path")


def overdue_branches(*, rows_qs: QuerySet[Organization], period: Period, today: date, limit: int,
                     roots: list[str] | None = None):
    """(rows of the branches with an overdue shortfall, most first, then in the order they were made: organization,
    overdue, rate (held / required over every type), their number): the home page's panel. None when the year is not
    stored. Of the month's standings for a year, of the windows for a quarter or a month.

    `roots`: when `rows_qs` is every active 党支部 in the subtrees at these paths (home's staff scope), a year's number
    is read from the roll-ups of the organizations at these paths and the first rows walk an index in the panel's
    order: a few rows read, not every branch behind joined and sorted (50,010 at N=50,000)."""
    if not is_stored(period.year):
        return None
    month = as_of_month(period, today)
    if month is None:
        return overdue_from_windows(rows_qs=rows_qs, period=period, today=today, limit=limit)
    rows = (ComplianceStanding.objects.filter(   # served by the partial indexes of branch rows behind
        year=period.year, month=month, overdue__gt=0, branch_row=True,
        # branch_row already keeps the 党支部: filtering the scope by kind again (home's scope is branches
        # already) made PostgreSQL count the condition twice and estimate a tenth of the rows
        organization_id__in=rows_qs.order_by().values("pk"))
        .values("organization_id", "overdue", req=F("required"), cred=F("credited")))
    total = _behind_branches_from_rollups(roots=roots, year=period.year, month=month) if roots else None
    if total is None:
        return _overdue_rows(rows, limit)
    return _overdue_list(list(rows.order_by("-overdue", "organization_id")[:limit])), total


def _behind_branches_from_rollups(*, roots: list[str], year: int, month: int) -> int | None:
    """The active 党支部 behind in the subtrees at `roots`, from the roll-ups of the organizations there (their
    branch rows behind), less the dissolved 党支部 among them (their standings stay in the roll-ups for the months
    they ran; home counts the active ones). None when a root holds rows itself (a 党支部 or 党小组 grant: a few rows,
    counted by the caller)."""
    found = dict(Organization.objects.filter(path__in=roots).values_list("pk", "kind"))
    if len(found) != len(roots) or any(kind in HOLDER_KINDS for kind in found.values()):
        return None
    behind = ComplianceRollup.objects.filter(year=year, month=month, branch_rows=True,
                                             organization_id__in=list(found)).aggregate(n=Sum("behind"))["n"] or 0
    dissolved = Organization.objects.filter(subtree_q(roots), kind__in=BRANCH_KINDS, dissolved_on__isnull=False)
    return behind - ComplianceStanding.objects.filter(year=year, month=month, overdue__gt=0, branch_row=True,
                                                      organization_id__in=dissolved.values("pk")).count()


def overdue_from_windows(*, rows_qs: QuerySet[Organization], period: Period, today: date, limit: int):
    """overdue_branches grouped from the windows themselves (any period and day; also the check of the standings)."""
    behind = (_windows(rows_qs.filter(kind__in=BRANCH_KINDS), period, today).values("organization_id")
              .annotate(overdue=Sum(_short(), filter=Q(ends_on__lt=today)), req=Sum("required"), cred=Sum("credited"))
              .filter(overdue__gt=0))
    # One scan of the windows, not two: the number of such branches rides on each top row (a window count over
    # the grouped rows), instead of a separate COUNT of the same aggregate.
    return _overdue_rows(behind, limit)


def _overdue_rows(behind, limit: int):
    top = list(behind.annotate(total=Window(Count("organization_id"))).order_by("-overdue", "organization_id")[:limit])
    return _overdue_list(top), (top[0]["total"] if top else 0)


def _overdue_list(top: list[dict]) -> list[OverdueRow]:
    orgs = Organization.objects.in_bulk([r["organization_id"] for r in top])
    return [OverdueRow(orgs[r["organization_id"]], r["overdue"], r["cred"] / r["req"] if r["req"] else 1.0)
            for r in top]


class OverdueRow:
    __slots__ = ("organization", "overdue", "rate")

    def __init__(self, organization, overdue, rate):
        self.organization, self.overdue, self.rate = organization, overdue, rate



# --- keeping the rows current: the writes that change what the engine reads ------------------------------------


def _refresh_if_stored(organization_ids: Iterable[int]) -> None:
    """Refresh now, inside the writer's transaction (a rollback undoes both), when any year is stored."""
    ids = {i for i in organization_ids if i}
    if ids and ComplianceYear.objects.exists():
        refresh(ids)


def _member_before(sender, instance, raw=False, **kwargs):
    if raw or instance.pk is None:
        instance._compliance_before = ()
        return
    instance._compliance_before = tuple(Member.objects.filter(pk=instance.pk).values_list(
        "branch_id", "party_group_id", "is_active").first() or ())


def _member_after(sender, instance, raw=False, **kwargs):
    """Active members are a per-member rule's requirement (谈心谈话) and whose talks count: a move, a leave, a new
    member change the branch rows they were and are in."""
    if raw:
        return
    before = getattr(instance, "_compliance_before", ())
    now = (instance.branch_id, instance.party_group_id, instance.is_active)
    if before != now:
        _refresh_if_stored({instance.branch_id, *(before[:1] if before else ())})


def _member_deleted(sender, instance, **kwargs):
    _refresh_if_stored({instance.branch_id})


def _members_bulk_written(sender, branch_ids=(), **kwargs):
    """An import (bulk_create: no post_save) adds members to these branches."""
    _refresh_if_stored(branch_ids)


def _seat_changed(sender, instance, raw=False, **kwargs):
    """Committee seats decide whether a branch has a 支委会 to convene."""
    if not raw:
        _refresh_if_stored({CommitteeTerm.objects.filter(pk=instance.term_id).values_list(
            "organization_id", flat=True).first()})


def _term_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        _refresh_if_stored({instance.organization_id})


def _organization_changed(sender, instance, raw=False, **kwargs):
    """Dates (a holder is held to the part of a window it existed) and kind (which rules apply)."""
    if not raw and instance.kind in HOLDER_KINDS:
        _refresh_if_stored({instance.pk})


def _rule_changed(sender, instance, raw=False, **kwargs):
    """A rule applies to its subtree (the whole tree for a default rule)."""
    if raw or not ComplianceYear.objects.exists():
        return
    path = Organization.objects.filter(pk=instance.organization_id).values_list("path", flat=True).first() \
        if instance.organization_id else None
    refresh_subtree(path)


def _type_changed(sender, instance, raw=False, **kwargs):
    if not raw and ComplianceYear.objects.exists():
        refresh_subtree(None)


def _talk_branches(talk_id: int) -> set[int]:
    through = Talk.participants.through
    return set(through.objects.filter(talk_id=talk_id).values_list("member__branch_id", flat=True))


def _talk_changed(sender, instance, raw=False, **kwargs):
    """Talks count per member of the participants' branches."""
    if not raw and instance.pk:
        _refresh_if_stored(_talk_branches(instance.pk) | {instance.organization_id})


def _participants_changed(sender, instance, action, pk_set=None, **kwargs):
    if action in ("post_add", "post_remove", "post_clear", "pre_clear"):
        ids = _talk_branches(instance.pk) | {instance.organization_id}
        if pk_set:
            ids |= set(Member.objects.filter(pk__in=pk_set).values_list("branch_id", flat=True))
        _refresh_if_stored(ids)


def connect() -> None:
    """Called by OrglifeConfig.ready(): the models below orglife cannot call it, so their saves signal it."""
    uid = "orglife.results"
    pre_save.connect(_member_before, sender=Member, dispatch_uid=f"{uid}.member_before")
    post_save.connect(_member_after, sender=Member, dispatch_uid=f"{uid}.member")
    post_delete.connect(_member_deleted, sender=Member, dispatch_uid=f"{uid}.member_deleted")
    members_bulk_written.connect(_members_bulk_written, dispatch_uid=f"{uid}.members_bulk")
    for model in (CommitteeSeat,):
        post_save.connect(_seat_changed, sender=model, dispatch_uid=f"{uid}.seat")
        post_delete.connect(_seat_changed, sender=model, dispatch_uid=f"{uid}.seat_deleted")
    post_save.connect(_term_changed, sender=CommitteeTerm, dispatch_uid=f"{uid}.term")
    post_delete.connect(_term_changed, sender=CommitteeTerm, dispatch_uid=f"{uid}.term_deleted")
    post_save.connect(_organization_changed, sender=Organization, dispatch_uid=f"{uid}.organization")
    post_save.connect(_rule_changed, sender=FrequencyRule, dispatch_uid=f"{uid}.rule")
    post_delete.connect(_rule_changed, sender=FrequencyRule, dispatch_uid=f"{uid}.rule_deleted")
    post_save.connect(_type_changed, sender=ActivityType, dispatch_uid=f"{uid}.type")
    post_save.connect(_talk_changed, sender=Talk, dispatch_uid=f"{uid}.talk")
    m2m_changed.connect(_participants_changed, sender=Talk.participants.through, dispatch_uid=f"{uid}.participants")
