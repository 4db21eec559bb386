"""/api/v1/organizations/ (the tree within the caller's scope, committees and terms, structural warnings).

Activities and compliance moved to orglife/api/views.py (issue #15)."""
from __future__ import annotations

from functools import cache

from django.db.models import OuterRef, Prefetch, Subquery
from django.db.models.functions import Length, Substr
from drf_spectacular.utils import extend_schema, extend_schema_view

from portal.api import ScopedReadOnlyViewSet, ValueRowsListMixin

from ..filters import OrganizationFilterSet
from ..models import CommitteeSeat, CommitteeTerm, Organization
from ..selectors import organization_api_rows, with_structure
from .serializers import OrganizationDetailSerializer, OrganizationSerializer


@cache
def _parent_annotations() -> dict:
    """Built once (they depend on nothing but the model); `annotate` resolves a copy of each."""
    outer = OuterRef("path")
    parent = Organization.objects.filter(path=Substr(outer, 1, Length(outer) - Organization.steplen)).order_by()
    return {"parent_id": Subquery(parent.values("pk")[:1]), "parent_code": Subquery(parent.values("code")[:1])}


def _with_parent(qs):
    """Parent id and code from the materialized path: one correlated lookup on the unique path index."""
    return qs.annotate(**_parent_annotations())


@extend_schema_view(
    list=extend_schema(
        summary="党组织列表（授权范围内）",
        description="按树序（path）列出授权范围内的党组织，含党员数、本届委员会届满日期和组织设置提醒。"
        "默认只列现有组织；带 updated_since 时同时返回其后撤销的组织（is_active=false）。",
    ),
    retrieve=extend_schema(summary="党组织详情", description="含委员会历届任期与本届在任委员。"),
)
class OrganizationViewSet(ValueRowsListMixin, ScopedReadOnlyViewSet):
    # Annotated once, here: DRF clones `queryset` per request (`.all()`) and `restrict` then filters the clone.
    # Resolving the structure and parent annotations (a join and two correlated subqueries) on every request was
    # ~0.7 ms of a list page's fixed cost; filtering after annotating gives the same SQL (no aggregates).
    queryset = _with_parent(with_structure(Organization.objects.all()))
    serializer_class = OrganizationSerializer
    filterset_class = OrganizationFilterSet
    ordering = "path"
    ordering_fields = ["path", "code", "updated_at", "id"]

    def get_queryset(self):
        qs = super().get_queryset()
        if self.action == "retrieve":
            seats = CommitteeSeat.objects.filter(ended_on__isnull=True).select_related("member").order_by("role")
            terms = CommitteeTerm.objects.order_by("-started_on").prefetch_related(Prefetch("seats", queryset=seats))
            qs = qs.prefetch_related(Prefetch("terms", queryset=terms))
        return qs

    def list_rows(self, queryset):
        return organization_api_rows(queryset)

    def get_serializer_class(self):
        return OrganizationDetailSerializer if self.action == "retrieve" else OrganizationSerializer
