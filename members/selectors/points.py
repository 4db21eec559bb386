"""Reads of 党员积分 from the stored yearly totals (PointsTotal, PointsBranchTotal): ranking and paging are ORDER BY
on a column."""
from __future__ import annotations

from django.db.models import Count, F, FilteredRelation, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from branches.models import BRANCH_KINDS, Organization, OrganizationFigures
from branches.permissions import scope_roots
from portal.scoping import VIEW, scope_for

from ..models import Member, PointsBranchTotal, PointsTotal


def points_branches(*, user) -> QuerySet[Organization]:
    """The 党支部 the ranking lists: its row count without the per-branch averages' joins."""
    return Organization.objects.restrict(user, VIEW).active().branches()


def points_branches_count(*, user) -> int:
    """How many 党支部 the ranking lists: the stored OrganizationFigures.subtree_branches of the scope's subtree roots
    (the active 党支部 under each, kept by every organization write and checked nightly), else counted."""
    paths = scope_roots(user, VIEW)
    if not paths:
        return 0
    figures = OrganizationFigures.objects.filter(organization__path__in=paths).aggregate(
        rows=Count("pk"), branches=Sum("subtree_branches"))
    if figures["rows"] != len(paths):
        return points_branches(user=user).count()
    return figures["branches"] or 0


class BranchRanking:
    """The 党支部 of the scope, best average of `year` first (then in the order they were made), then those without
    an average (no member counted yet) in tree order; each with `avg` (of its active members' stored totals, None
    for the unranked) and `n` (members counted), read from the branches' stored figures of the year
    (PointsBranchTotal).

    A sequence the Paginator pages: a page of the ranked part walks the index of the year's averages
    (`points_branch_rank`) and checks each branch against the scope, so its cost follows the page, not the scope —
    an ORDER BY over the scope's branches joined to their figures sorted every branch for 50 (50,010 at N=50,000).
    Ties are broken by organization id, not tree path: an index of the figures cannot hold the branches' paths."""

    def __init__(self, *, user, year: int):
        self.user, self.year = user, year
        self._count: int | None = None

    def count(self) -> int:
        if self._count is None:
            self._count = points_branches_count(user=self.user)
        return self._count

    def __len__(self) -> int:
        return self.count()

    def ranked(self) -> QuerySet[PointsBranchTotal]:
        return (PointsBranchTotal.objects.filter(scope_for(self.user).q(VIEW, "organization__path"),
                                                 year=self.year, average__isnull=False,
                                                 organization__dissolved_on__isnull=True,
                                                 organization__kind__in=BRANCH_KINDS)
                .select_related("organization").order_by("-average", "organization_id"))

    def unranked(self) -> QuerySet[Organization]:
        stored = FilteredRelation("points_branch_totals", condition=Q(points_branch_totals__year=self.year))
        return (points_branches(user=self.user).annotate(stored=stored)
                .filter(stored__average__isnull=True)
                .annotate(n=Coalesce(F("stored__members"), 0)).order_by("path"))

    def __getitem__(self, index):
        if not isinstance(index, slice) or index.step not in (None, 1):
            raise TypeError("BranchRanking takes slices")
        start, stop = index.start or 0, index.stop if index.stop is not None else self.count()
        if stop <= start:
            return []
        rows = []
        for figure in self.ranked()[start:stop]:
            branch = figure.organization
            branch.avg, branch.n = figure.average, figure.members
            rows.append(branch)
        if len(rows) == stop - start:
            return rows
        # Past the ranked branches: how many there are is where this page's rows end, unless it starts beyond them.
        ranked = start + len(rows) if rows else self.ranked().count()
        for branch in self.unranked()[max(0, start - ranked):stop - ranked]:
            branch.avg = None
            rows.append(branch)
        return rows


def points_branch_ranking(*, user, year: int) -> BranchRanking:
    """The 党支部 of the scope, best average first: see BranchRanking. One or two queries per page of it."""
    return BranchRanking(user=user, year=year)


def points_member_ranking(*, branch, year: int) -> QuerySet[Member]:
    """The branch's active members, best stored total of `year` first, each with `total` (None: not counted yet)."""
    total = PointsTotal.objects.filter(member=OuterRef("pk"), year=year).values("total")[:1]
    return (Member.objects.filter(branch=branch, is_active=True).select_related("branch")
            .annotate(total=Subquery(total)).order_by(F("total").desc(nulls_last=True), "name", "pk"))
