"""Reads of 党员积分 from the stored yearly totals (PointsTotal, PointsBranchTotal): ranking and paging are ORDER BY
on a column."""
from __future__ import annotations

from django.db.models import F, FilteredRelation, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from branches.models import Organization
from portal.scoping import VIEW

from ..models import Member, PointsTotal


def points_branches(*, user) -> QuerySet[Organization]:
    """The 党支部 the ranking lists: its row count without the per-branch averages' joins."""
    return Organization.objects.restrict(user, VIEW).active().branches()


def points_branch_ranking(*, user, year: int) -> QuerySet[Organization]:
    """The 党支部 of the scope, best average first: each with `avg` (of its active members' stored totals) and `n`
    (members counted), read from the branch's stored figures of the year (PointsBranchTotal): one row per branch,
    not every member of the scope. One query per page of it."""
    stored = FilteredRelation("points_branch_totals", condition=Q(points_branch_totals__year=year))
    return (points_branches(user=user).annotate(stored=stored)
            .annotate(avg=F("stored__average"), n=Coalesce(F("stored__members"), 0))
            .order_by(F("avg").desc(nulls_last=True), "path"))


def points_member_ranking(*, branch, year: int) -> QuerySet[Member]:
    """The branch's active members, best stored total of `year` first, each with `total` (None: not counted yet)."""
    total = PointsTotal.objects.filter(member=OuterRef("pk"), year=year).values("total")[:1]
    return (Member.objects.filter(branch=branch, is_active=True).select_related("branch")
            .annotate(total=Subquery(total)).order_by(F("total").desc(nulls_last=True), "name", "pk"))
