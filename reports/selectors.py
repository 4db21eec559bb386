"""Reads on report jobs, scoped with restrict(): staff see their subtree, secretaries their branch."""
from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from portal.scoping import VIEW

from .models import ReportJob, ReportPlan


def job_list(*, user, organization=None, action: str = VIEW) -> QuerySet[ReportJob]:
    qs = ReportJob.objects.restrict(user, action).select_related("organization", "requested_by")
    if organization is not None:
        qs = qs.within(organization.path)
    return qs.order_by("-created_at", "-pk")


def job_get(*, user, pk: int, action: str = VIEW) -> ReportJob:
    return get_object_or_404(ReportJob.objects.restrict(user, action).select_related("organization", "requested_by"),
                             pk=pk)


def plan_for(*, organization, year: int) -> ReportPlan | None:
    return ReportPlan.objects.filter(organization=organization, year=year).first()


def organization_panel(*, organization, limit: int = 5) -> list[ReportJob]:
    """The latest finished reports of one organization (for its page): one query."""
    return list(ReportJob.objects.filter(organization=organization, status="done").exclude(file="")
                .order_by("-finished_at")[:limit])
