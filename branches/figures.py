"""`OrganizationFigures`: per-organization counts kept in step with the rows they count.

Why stored: the tree page, the home page and the structure warnings showed counts of a whole subtree (every
member of a province, 1.5 M rows at 50,000 branches; four subqueries for each of 50,000 branches) on each view,
so their SQL grew with the scope. Read from these rows, a page's work follows the rows it shows.

How they stay right (the pattern of orglife/counts.py and orglife/results.py):
- every save and delete of a member, an organization, a committee term or a seat (services, the admin,
  factories) signals this module, which RECOUNTS the organizations concerned from the rows (a member's old and
  new branch: two index-only counts) and moves the difference up every ancestor's subtree figures, inside the
  writer's transaction (a rollback undoes both). A member import (bulk_create, no post_save) sends
  members.signals.members_bulk_written, connected by members.apps to `refresh_members`.
- writers of the same subtree queue on its head's row (UPDATE … SET n = n + d): rare writes, short transactions.
- a missing row (an organization bulk-created without `rebuild`) is counted from the rows on the spot and an
  error is logged, so the figures are never silently wrong;
- bulk loads (seed_scale, migrations) call `rebuild()`; `manage.py organization_figures` checks (non-zero exit
  on any difference) or rebuilds; tests compare the table with a recount after every write path.
Not followed: treebeard's `move()` (the portal never moves an organization; it dissolves and creates).
"""
from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Count, F, Q
from django.db.models.signals import post_delete, post_save, pre_save

from .models import (
    BRANCH_KINDS,
    JOINED_MONTH_FIELDS,
    MEMBER_FULL,
    MEMBER_PROBATIONARY,
    SUBTREE_JOINED_MONTH_FIELDS,
    CommitteeSeat,
    CommitteeTerm,
    Organization,
    OrganizationFigures,
    OrganizationKind,
    member_model,
)
from .selectors import warned_since_of

logger = logging.getLogger(__name__)

MEMBER_FIELDS = ("members", "full_members", "probationary", *JOINED_MONTH_FIELDS)
NO_MEMBERS = (0,) * len(MEMBER_FIELDS)
COMMITTEE_FIELDS = ("seats", "term_ends_on")
# subtree figure <- the organization's own figure or kind it sums
SUBTREE_OF_MEMBERS = {"subtree_members": "members", "subtree_probationary": "probationary",
                      **dict(zip(SUBTREE_JOINED_MONTH_FIELDS, JOINED_MONTH_FIELDS, strict=True))}
SUBTREE_OF_KIND = {"subtree_branches": set(BRANCH_KINDS), "subtree_groups": {OrganizationKind.PARTY_GROUP},
                   "subtree_general_branches": {OrganizationKind.GENERAL_BRANCH}}
# copied or derived from the organization's own row and figures (the scope and structure-warning index)
OWN_DERIVED_FIELDS = ("path", "warned_since")
FIELDS = (*MEMBER_FIELDS, *COMMITTEE_FIELDS, *SUBTREE_OF_MEMBERS, *SUBTREE_OF_KIND, *OWN_DERIVED_FIELDS)
EMPTY = {"term_ends_on": None, "warned_since": None, "path": ""}   # a missing row's values (others: 0)


# --- counting from the rows ------------------------------------------------------------------------------------


def _member_counts(org_ids) -> dict[int, tuple[int, ...]]:
    """MEMBER_FIELDS of each organization as a 所在党支部, active members only: (members, full, probationary, then
    the members whose 入党 month is January … December)."""
    Member = member_model()
    months = {f"m{m:02}": Count("pk", filter=Q(joined_on__month=m)) for m in range(1, 13)}
    rows = (Member.objects.filter(branch_id__in=list(org_ids), is_active=True).order_by().values("branch_id")
            .annotate(n=Count("pk"), full=Count("pk", filter=Q(status=MEMBER_FULL)),
                      prob=Count("pk", filter=Q(status=MEMBER_PROBATIONARY)), **months)
            .values_list("branch_id", "n", "full", "prob", *months))
    return {r[0]: r[1:] for r in rows}


def _committees(org_ids) -> dict[int, tuple[int, object]]:
    """(filled seats, 届满日期) of each organization's current term (the latest open one, as with_structure had)."""
    ends = {}
    for org_id, ends_on in (CommitteeTerm.objects.filter(organization_id__in=list(org_ids), closed_on__isnull=True)
                            .order_by("organization_id", "started_on").values_list("organization_id", "ends_on")):
        ends[org_id] = ends_on   # ordered by start: the last one wins
    seats = dict(CommitteeSeat.objects.filter(term__organization_id__in=list(org_ids), term__closed_on__isnull=True,
                                              ended_on__isnull=True).order_by()
                 .values("term__organization_id").annotate(n=Count("pk")).values_list("term__organization_id", "n"))
    return {i: (seats.get(i, 0), ends.get(i)) for i in set(ends) | set(seats)}


def _own_kind_flags(kind: str | None, active: bool) -> dict[str, int]:
    return {f: int(active and kind in kinds) for f, kinds in SUBTREE_OF_KIND.items()}


def _warned_since(kind, dissolved_on, members, full_members, seats, term_ends_on):
    return warned_since_of(kind=kind, is_active=dissolved_on is None, full=full_members, total=members, seats=seats,
                           ends=term_ends_on)


def recount(organizations: Iterable[Organization] | None = None) -> dict[int, dict]:
    """Every figure of `organizations` (all when None) counted from the rows: {organization id: {field: value}}.

    Subtree figures sum the organizations' own figures over the subtree, in Python over the tree in path order
    (one pass); with `organizations` given, their subtrees are read."""
    if organizations is None:
        tree = list(Organization.objects.order_by("path").values_list("pk", "path", "kind", "dissolved_on"))
    else:
        heads = [o.path for o in organizations]
        q = Q(pk__in=[])
        for p in heads:
            q |= Q(path__startswith=p)
        tree = list(Organization.objects.filter(q).order_by("path").values_list("pk", "path", "kind", "dissolved_on"))
    ids = [r[0] for r in tree]
    members, committees = {}, {}
    for start in range(0, len(ids), 20000):
        chunk = ids[start:start + 20000]
        members.update(_member_counts(chunk))
        committees.update(_committees(chunk))
    out, by_path = {}, {}
    for pk, path, kind, dissolved_on in tree:
        m = members.get(pk, NO_MEMBERS)
        c = committees.get(pk, (0, None))
        row = dict(zip(MEMBER_FIELDS, m, strict=True)) | dict(zip(COMMITTEE_FIELDS, c, strict=True))
        row |= {f: row[own] for f, own in SUBTREE_OF_MEMBERS.items()} | _own_kind_flags(kind, dissolved_on is None)
        row |= {"path": path, "warned_since": _warned_since(kind, dissolved_on, row["members"], row["full_members"],
                                                            row["seats"], row["term_ends_on"])}
        out[pk] = row
        by_path[path] = row
    step = Organization.steplen
    for pk, path, _kind, _dissolved in reversed(tree):   # children before parents: add each to its parent
        parent = by_path.get(path[:-step])
        if parent is not None:
            row = out[pk]
            for f in (*SUBTREE_OF_MEMBERS, *SUBTREE_OF_KIND):
                parent[f] += row[f]
    if organizations is not None:
        wanted = {o.pk for o in organizations}
        out = {pk: row for pk, row in out.items() if pk in wanted}
    return out


def rebuild(*, batch_size: int = 5000) -> int:
    """Replace the whole table by a recount (bulk loads, repairs). Returns the number of rows.

    On PostgreSQL the table is locked EXCLUSIVE (reads go on) before counting, so a write running beside a repair is
    neither lost nor counted twice: a writer locks its stored rows (FOR UPDATE) before it counts, so it either
    committed before the lock (and the recount sees it) or waits for the rebuild and then moves the new rows."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"LOCK TABLE {OrganizationFigures._meta.db_table} IN EXCLUSIVE MODE")
        rows = recount()
        OrganizationFigures.objects.all().delete()
        OrganizationFigures.objects.bulk_create(
            (OrganizationFigures(organization_id=pk, **row) for pk, row in rows.items()), batch_size=batch_size)
    return len(rows)


@dataclass(frozen=True)
class Difference:
    organization_id: int
    field: str
    table: object
    rows: object


def differences() -> list[Difference]:
    """Every stored figure that disagrees with a recount (empty when in step); a missing row counts as zeros."""
    want = recount()
    have = {r["organization_id"]: r for r in OrganizationFigures.objects.values("organization_id", *FIELDS)}
    out = []
    for pk, row in want.items():
        stored = have.get(pk, {f: EMPTY.get(f, 0) for f in FIELDS})
        out += [Difference(pk, f, stored[f], row[f]) for f in FIELDS if stored[f] != row[f]]
    out += [Difference(pk, f, have[pk][f], None) for pk in set(have) - set(want) for f in FIELDS[:1]]
    return out


# --- keeping in step: recount what a write touched, move the difference up ------------------------------------


def _chain(path: str) -> list[str]:
    """The paths of the organization at `path` and of every ancestor."""
    return Organization.chain_of(path)


def _shift(path: str, deltas: dict[str, int]) -> None:
    """Add `deltas` to the subtree figures of the organization at `path` and of every ancestor."""
    deltas = {f: d for f, d in deltas.items() if d}
    if not deltas:
        return
    paths = _chain(path)
    updated = OrganizationFigures.objects.filter(organization__path__in=paths).update(
        **{f: F(f) + d for f, d in deltas.items()})
    if updated < len(paths):
        _repair(paths)


def _repair(paths: list[str]) -> None:
    """A row is missing on this chain (an organization bulk-created without `rebuild`), so the chain's subtree
    figures cannot be trusted: count every organization of it from the rows, and say so."""
    orgs = list(Organization.objects.filter(path__in=paths))
    logger.error("organization figures: a row was missing on %s; counted from the rows", [o.pk for o in orgs])
    for pk, row in recount(orgs).items():
        OrganizationFigures.objects.update_or_create(organization_id=pk, defaults=row)


def refresh_members(organization_ids: Iterable[int]) -> None:
    """Recount the member figures of these organizations (a member joined, left, moved, changed status) and move
    the differences up the tree. Inside the writer's transaction (its own when the save had none)."""
    ids = sorted({i for i in organization_ids if i})
    if ids:
        with transaction.atomic(savepoint=False):
            _refresh_members(ids)


def _refresh_members(ids: list[int]) -> None:
    orgs = {r[0]: r[1:] for r in Organization.objects.filter(pk__in=ids).values_list("pk", "path", "kind",
                                                                                       "dissolved_on")}
    # Lock the rows first (in id order: two writers of the same branches queue instead of crossing), THEN count: a
    # count taken before the lock misses a member another writer committed meanwhile, and that writer's stored figure
    # then equals our stale count, so neither adds it (tests/branches/test_figures_race.py).
    stored = {r[0]: r[1:] for r in OrganizationFigures.objects.select_for_update().filter(organization_id__in=ids)
              .order_by("pk").values_list("organization_id", *MEMBER_FIELDS, *COMMITTEE_FIELDS)}
    counts = _member_counts(ids)
    width = len(MEMBER_FIELDS)
    for pk in ids:
        if pk not in orgs:
            continue
        path, kind, dissolved_on = orgs[pk]
        new = counts.get(pk, NO_MEMBERS)
        if pk not in stored:
            _repair(_chain(path))
            continue
        old, (seats, term_ends_on) = stored[pk][:width], stored[pk][width:]
        if new == old:
            continue
        counted = dict(zip(MEMBER_FIELDS, new, strict=True))
        OrganizationFigures.objects.filter(pk=pk).update(**counted, warned_since=_warned_since(
            kind, dissolved_on, counted["members"], counted["full_members"], seats, term_ends_on))
        diff = dict(zip(MEMBER_FIELDS, (n - o for n, o in zip(new, old, strict=True)), strict=True))
        _shift(path, {f: diff[own] for f, own in SUBTREE_OF_MEMBERS.items()})


def refresh_committees(organization_ids: Iterable[int]) -> None:
    ids = sorted({i for i in organization_ids if i})
    if ids:
        with transaction.atomic(savepoint=False):
            _refresh_committees(ids)


def _refresh_committees(ids: list[int]) -> None:
    stored = {r[0]: r[1:] for r in OrganizationFigures.objects.select_for_update(of=("self",))
              .filter(organization_id__in=ids).order_by("pk")
              .values_list("pk", "organization__kind", "organization__dissolved_on", "members", "full_members")}
    committees = _committees(ids)   # lock, then count (as refresh_members)
    for pk in ids:
        seats, ends = committees.get(pk, (0, None))
        if pk in stored:
            kind, dissolved_on, members, full_members = stored[pk]
            OrganizationFigures.objects.filter(pk=pk).update(seats=seats, term_ends_on=ends, warned_since=_warned_since(
                kind, dissolved_on, members, full_members, seats, ends))
            continue
        path = Organization.objects.filter(pk=pk).values_list("path", flat=True).first()
        if path:
            _repair(_chain(path))


# --- signals (connected by BranchesConfig.ready; the bulk import's by MembersConfig.ready) ---------------------


_MEMBER_KEY = ("branch_id", "is_active", "status", "joined_on")   # what the member figures count by


def _member_before(sender, instance, raw=False, **kwargs):
    instance._figures_before = None
    if not raw and instance.pk is not None:
        instance._figures_before = sender.objects.filter(pk=instance.pk).values_list(*_MEMBER_KEY).first()


def member_before_save(instance) -> dict | None:
    """A member's _MEMBER_KEY fields as they were before the save being handled (read once by `_member_before`, for
    other apps' post_save handlers too); None for a new member or a raw save."""
    before = getattr(instance, "_figures_before", None)
    return None if before is None else dict(zip(_MEMBER_KEY, before, strict=True))


def _member_after(sender, instance, raw=False, **kwargs):
    """Recount only when the member's branch, standing, status or 入党日期 changed (a name or phone edit counts
    nothing)."""
    if raw:
        return
    before = getattr(instance, "_figures_before", None)
    if before != tuple(getattr(instance, f) for f in _MEMBER_KEY):
        refresh_members({instance.branch_id, before[0] if before else None})


def _member_deleted(sender, instance, **kwargs):
    refresh_members({instance.branch_id})


def members_bulk_written(sender, branch_ids=(), **kwargs):
    """A member import (bulk_create: no post_save) added members to these branches."""
    refresh_members(branch_ids)


def _organization_before(sender, instance, raw=False, **kwargs):
    instance._figures_before = None
    if not raw and instance.pk is not None:
        # Locked: two saves of one organization (a double dissolve) must not both move the counts from one state.
        qs = Organization.objects.filter(pk=instance.pk)
        if transaction.get_connection().in_atomic_block:
            qs = qs.select_for_update()
        instance._figures_before = qs.values_list("kind", "dissolved_on").first()


def _organization_after(sender, instance, created=False, raw=False, **kwargs):
    """A new organization gets its row; one created, dissolved or of another kind moves the subtree counts."""
    if raw:
        return
    before = getattr(instance, "_figures_before", None)
    old = _own_kind_flags(before[0], before[1] is None) if before else _own_kind_flags(None, False)
    new = _own_kind_flags(instance.kind, instance.dissolved_on is None)
    with transaction.atomic(savepoint=False):
        if created:
            OrganizationFigures.objects.get_or_create(organization=instance, defaults={
                "path": instance.path, "warned_since": _warned_since(instance.kind, instance.dissolved_on, 0, 0, 0, None)})
        elif before is not None and before != (instance.kind, instance.dissolved_on):
            _rewarn(instance)
        _shift(instance.path, {f: new[f] - old[f] for f in new})


def _rewarn(organization: Organization) -> None:
    """Its kind or standing changed: the structural checks apply to it differently (a dissolved branch has none)."""
    row = (OrganizationFigures.objects.select_for_update().filter(pk=organization.pk)
           .values_list("members", "full_members", "seats", "term_ends_on").first())
    if row is not None:
        OrganizationFigures.objects.filter(pk=organization.pk).update(
            warned_since=_warned_since(organization.kind, organization.dissolved_on, *row))


def _organization_deleted(sender, instance, **kwargs):
    """Its row goes with it (CASCADE); its ancestors no longer count it (members PROTECT it: it had none)."""
    old = _own_kind_flags(instance.kind, instance.dissolved_on is None)
    _shift(instance.path[:-Organization.steplen], {f: -d for f, d in old.items()})


def _seat_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        refresh_committees(CommitteeTerm.objects.filter(pk=instance.term_id).values_list("organization_id", flat=True))


def _term_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        refresh_committees({instance.organization_id})


def connect() -> None:
    uid = "branches.figures"
    Member = member_model()
    pre_save.connect(_member_before, sender=Member, dispatch_uid=f"{uid}.member_before")
    post_save.connect(_member_after, sender=Member, dispatch_uid=f"{uid}.member")
    post_delete.connect(_member_deleted, sender=Member, dispatch_uid=f"{uid}.member_deleted")
    pre_save.connect(_organization_before, sender=Organization, dispatch_uid=f"{uid}.org_before")
    post_save.connect(_organization_after, sender=Organization, dispatch_uid=f"{uid}.org")
    post_delete.connect(_organization_deleted, sender=Organization, dispatch_uid=f"{uid}.org_deleted")
    post_save.connect(_seat_changed, sender=CommitteeSeat, dispatch_uid=f"{uid}.seat")
    post_delete.connect(_seat_changed, sender=CommitteeSeat, dispatch_uid=f"{uid}.seat_deleted")
    post_save.connect(_term_changed, sender=CommitteeTerm, dispatch_uid=f"{uid}.term")
    post_delete.connect(_term_changed, sender=CommitteeTerm, dispatch_uid=f"{uid}.term_deleted")
