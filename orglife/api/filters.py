"""The compliance page's FilterSet, as the API uses it: organizations by id, types by code, no page-only sort."""
from __future__ import annotations

import django_filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from branches.models import Organization
from portal.filters import scoped_queryset
from portal.scoping import VIEW

from ..forms import ComplianceFilterSet
from ..models import ActivityType

PERIOD_PATTERN = r"^\d{4}(-(Q[1-4]|0[1-9]|1[0-2]))?$"


class ComplianceApiFilterSet(ComplianceFilterSet):
    organization = extend_schema_field(OpenApiTypes.INT)(django_filters.ModelChoiceFilter(
        label="范围：组织 id（含本级及全部下级）；默认授权范围内全部", queryset=scoped_queryset("branches.Organization"),
        method="in_subtree",
    ))
    period = extend_schema_field({"type": "string", "pattern": PERIOD_PATTERN, "example": "2026-Q3"})(
        django_filters.CharFilter(
            label="期间：2026（全年）、2026-Q3（季度）或 2026-09（月）；默认本年", method="noop",
        )
    )
    # Agencies know types by code (as /api/v1/activities/ shows and filters them), not by the page's id.
    type = extend_schema_field(OpenApiTypes.STR)(django_filters.ModelChoiceFilter(
        label="只统计某一活动类型（代码，如 general_meeting）", method="noop", to_field_name="code",
        queryset=ActivityType.objects.filter(is_active=True),
    ))

    def __init__(self, data=None, queryset=None, *, request=None, **kwargs):
        scope = Organization.objects.restrict(request.user, VIEW) if request is not None else Organization.objects.none()
        super().__init__(data, queryset, request=request, scope=scope, **kwargs)


# The page's sort (by missing, by rate) cannot page with a cursor: the API lists in tree order.
del ComplianceApiFilterSet.base_filters["sort"]
del ComplianceApiFilterSet.base_filters["activity_type"]
