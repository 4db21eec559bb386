"""Reads on the member registry, scoped and annotated for a fixed number of queries."""
from __future__ import annotations

from datetime import date

from django.db.models import Count, Prefetch, QuerySet, Sum
from django.shortcuts import get_object_or_404

from branches.models import Organization, OrganizationFigures, subtree_joined_month_field
from branches.permissions import scope_roots
from portal.scoping import VIEW, scope_for

from ..filters import MemberFilterSet
from ..models import Member, MembershipMove

SMALL_SCOPE = 200  # organizations: a scope this small is also named by its organizations' ids (members_visible)


def small_scope_ids(user, action: str = VIEW) -> list[int] | None:
    """The ids of the organizations in `user`'s scope for `action` when there are at most SMALL_SCOPE of them
    (a 支部书记's branch and its 党小组, a 党总支), else None. One query (LIMIT SMALL_SCOPE + 1 on the path
    index), once per request."""
    def read():
        ids = list(Organization.objects.restrict(user, action).order_by().values_list("pk", flat=True)
                   [:SMALL_SCOPE + 1])
        return ids if len(ids) <= SMALL_SCOPE else None

    return scope_for(user).memo(("members.small_scope_ids", action), read)


def members_visible(*, user, action: str = VIEW) -> QuerySet[Member]:
    """The registry rows `user` may read for `action`, with what every row shows: the member list page, its export
    and the members API read through here.

    A small scope is also given as its organizations' ids (the same rows: a member is in the scope exactly when
    her branch is): with only the path condition, PostgreSQL served `ORDER BY branch_id … LIMIT 50` by walking
    every organization in id order until the page was full, 21 ms for a 支部书记's 41 members at N=50,000 (every
    organization read, as there are fewer members than the page); with the ids, 0.3 ms."""
    qs = Member.objects.restrict(user, action).select_related("branch", "party_group")
    ids = small_scope_ids(user, action)
    return qs if ids is None else qs.filter(branch_id__in=ids)


# What one row of /api/v1/members/ shows, as columns (MemberSerializer.represent_row builds the row); the encrypted
# 身份证号 is read only for a caller with the PII right.
MEMBER_API_COLUMNS = (
    "id", "name", "gender", "ethnicity", "birth_date", "phone", "id_number_masked", "education", "work_unit", "post",
    "category", "status", "joined_on", "confirmed_on", "branch_id", "branch__code", "branch__name", "party_group_id",
    "party_group__name", "is_active", "left_on", "left_reason", "updated_at",
)


def member_api_rows(qs: QuerySet[Member], *, pii: bool) -> QuerySet:
    """The API list's rows as named tuples of exactly the columns it shows (the branch's and the 党小组's code and
    name joined in the same query), not instances. `qs` is `members_visible` filtered; ordering and paging still
    apply to the result. The rows carry `id` and `branch_id`, what the PII access log records."""
    columns = (*MEMBER_API_COLUMNS, "id_number_encrypted") if pii else MEMBER_API_COLUMNS
    return qs.values_list(*columns, named=True)


def member_list(*, user, filters=None, request=None, action: str = VIEW) -> tuple[QuerySet[Member], MemberFilterSet]:
    qs = members_visible(user=user, action=action)
    filterset = MemberFilterSet(filters if filters is not None else {}, queryset=qs, request=request)
    return filterset.qs, filterset


# Filters the stored subtree counts can answer: the default list (在册) of the whole scope or of one organization's
# subtree. Any other filter (a name, a status, …) is counted by the database.
_COUNTED_BY_FIGURES = {"organization", "active", "ordering"}


def member_list_total(qs: QuerySet[Member], filterset: MemberFilterSet, *, user, action: str = VIEW) -> int:
    """The number of rows of `member_list`'s queryset (the page's 共 N 条).

    The default list — active members of the viewer's whole scope, or of one organization's subtree — is the sum of
    the stored OrganizationFigures.subtree_members of the scope's subtree roots (of that organization): the same
    number (the figures count active members by branch, kept by every member write and checked nightly; tested
    against COUNT for narrow principals), read from a few rows instead of counting 1.5 M members at N=50,000
    (~150 ms). Any other filter, or a root without a figures row, is counted by the database."""
    if not filterset.is_valid():
        return qs.count()
    data = filterset.form.cleaned_data
    if data.get("active") != "1" or any(value not in (None, "", [])
                                        for name, value in data.items() if name not in _COUNTED_BY_FIGURES):
        return qs.count()
    organization = data.get("organization")   # chosen among the scope's organizations (the filter's queryset)
    if organization is not None and organization.is_group:
        return qs.count()
    paths = scope_roots(user, action, within=organization)
    if not paths:
        return 0
    figures = OrganizationFigures.objects.filter(organization__path__in=paths).aggregate(
        rows=Count("pk"), members=Sum("subtree_members"))
    if figures["rows"] != len(paths):
        return qs.count()
    return figures["members"] or 0


def member_detail(*, user, pk: int, action: str = VIEW) -> Member:
    moves = MembershipMove.objects.select_related("from_organization", "to_organization", "recorded_by")
    qs = Member.objects.restrict(user, action).select_related("branch", "party_group", "user").prefetch_related(
        Prefetch("moves", queryset=moves)
    )
    return get_object_or_404(qs, pk=pk)


# ============================================================================================
# Indicators other apps bind to (evaluations/metrics.py registers them): {branch_id: value}
# ============================================================================================
def points_average(*, branch_ids, start, end) -> dict[int, float]:
    """Average 党员积分 total of each branch's active members over [start, end]."""

    from ..services.points import branch_ranking

    rows = branch_ranking(branches=Organization.objects.filter(pk__in=list(branch_ids)), start=start, end=end)
    return {b.pk: avg for b, avg, n in rows if n}


def dues_on_time_rate(*, branch_ids, start, end) -> dict[int, float]:
    """Share of the monthly dues records in [start, end] paid by the end of their month (0..1)."""
    from ..services.dues import on_time_counts

    counts = on_time_counts(branch_ids=list(branch_ids), start=start, end=end)
    return {pk: (paid / due if due else 0.0) for pk, (due, paid) in counts.items()}


def development_count(*, branch_ids, start, end) -> dict[int, float]:
    """New 预备党员 admitted (上级党委审批 dated in [start, end]) per branch."""
    from django.db.models import Count

    from ..models import Milestone, MilestoneKind

    qs = (Milestone.objects.filter(kind=MilestoneKind.UPPER_APPROVAL, occurred_on__gte=start, occurred_on__lte=end,
                                   candidate__branch_id__in=list(branch_ids))
          .values("candidate__branch_id").annotate(n=Count("id")))
    return {row["candidate__branch_id"]: float(row["n"]) for row in qs}


def political_birthdays(*, user, month: date, branch_ids=None) -> QuerySet[Member]:
    """政治生日 in `month` (its first day): active members in scope whose 入党 anniversary falls in that month, that
    is who joined in that month of an earlier year (one who joined this year has no anniversary yet); by branch, day,
    name."""
    qs = (Member.objects.restrict(user, VIEW).active()
          .filter(joined_on__month=month.month, joined_on__year__lt=month.year).select_related("branch"))
    if branch_ids is not None:
        qs = qs.filter(branch_id__in=branch_ids)
    return qs.order_by("branch__path", "joined_on__day", "name")


def political_birthdays_count(*, user, month: date) -> int:
    """How many rows `political_birthdays` has for `user`'s whole scope, from the stored figures.

    The scope roots' OrganizationFigures count their subtrees' active members by 入党 month (kept by every member
    write, checked nightly), less those who joined in `month`'s year or later: a few rows and the year's joiners of
    that month, instead of every member of the month joined to every organization (×3.9 from N=5,000 to N=50,000). A
    root without a figures row is counted by the database."""
    paths = scope_roots(user, VIEW)
    if not paths:
        return 0
    field = subtree_joined_month_field(month.month)
    figures = OrganizationFigures.objects.filter(organization__path__in=paths).aggregate(
        rows=Count("pk"), members=Sum(field))
    if figures["rows"] != len(paths):
        return political_birthdays(user=user, month=month).count()
    not_yet = (Member.objects.restrict(user, VIEW).active()
               .filter(joined_on__month=month.month, joined_on__gte=month.replace(month=1)).count())
    return (figures["members"] or 0) - not_yet


def members_on(*, path: str, on) -> list[Member]:
    """Members on the registry of the subtree at `path` on the day `on`, from the organizational history.

    A member counts where they were that day: their current branch, unless a MembershipMove after `on` moved them
    (then the first such move's origin; a first move from outside the system — 建档, 转入, 恢复在册 — means they
    were not on this registry yet). On the registry: joined the party by `on` and not left by then. Each member
    carries `status_on` (正式 if confirmed by `on`, else 预备). Three or four queries, each on an index.
    """
    from django.db.models import Q

    from ..models import MemberStatus

    moved_after = MembershipMove.objects.filter(occurred_on__gt=on)
    on_registry = (Member.objects.filter(joined_on__lte=on)
                   .filter(Q(is_active=True, left_on__isnull=True) | Q(left_on__gt=on)).select_related("branch"))
    # Two queries, not one with "branch under path OR moved out of path": an OR across the join cannot use
    # either index and scanned every member of the tree (60 ms a call at N=5,000, twice per branch report).
    candidates = list(on_registry.filter(branch__path__startswith=path))
    seen = {m.pk for m in candidates}
    moved_out = set(moved_after.filter(from_organization__path__startswith=path).values_list("member_id", flat=True))
    if moved_out - seen:
        candidates += on_registry.filter(pk__in=moved_out - seen)
    first_move: dict[int, MembershipMove] = {}
    for move in (moved_after.filter(member_id__in=[m.pk for m in candidates])
                 .exclude(kind="group").select_related("from_organization").order_by("occurred_on", "pk")):
        first_move.setdefault(move.member_id, move)
    out = []
    for m in candidates:
        move = first_move.get(m.pk)
        if move is None:
            where = m.branch.path if m.branch_id else ""
        elif move.from_organization_id is None:
            continue  # came from outside the system (or was registered) after `on`
        else:
            where = move.from_organization.path
        if not where.startswith(path):
            continue
        m.status_on = (MemberStatus.FULL if m.confirmed_on and m.confirmed_on <= on
                       else MemberStatus.PROBATIONARY if m.status in (MemberStatus.FULL, MemberStatus.PROBATIONARY)
                       else m.status)
        out.append(m)
    return out
