"""The member list's FilterSet, as the API uses it: tombstones for incremental sync, ordering by the API."""
import copy

import django_filters
from django import forms
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from portal.api import wants_tombstones

from ..filters import MemberFilterSet

API_ORDERING_FIELDS = ["id", "name", "joined_on", "updated_at"]


@extend_schema_field({"type": "integer", "minimum": 0, "maximum": 100})
class WholeYearsFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, min_value=0, max_value=100, **kwargs)


class MemberApiFilterSet(MemberFilterSet):
    # The API's sort keys: fields the cursor pagination can page on (it applies the same `?ordering=`);
    # an unknown key is a 400 here rather than silently ignored.
    ordering = django_filters.OrderingFilter(
        label="排序", fields=[(f, f) for f in API_ORDERING_FIELDS],
        field_labels={"id": "编号", "name": "姓名", "joined_on": "入党日期", "updated_at": "更新时间"},
    )
    # Same filter as the page; the schema documents the organization by its id.
    organization = extend_schema_field(OpenApiTypes.INT)(copy.deepcopy(MemberFilterSet.declared_filters["organization"]))
    # Whole years, as the schema says: 0.5 is bad input (400), not silently truncated.
    party_age_min = WholeYearsFilter(label="党龄不少于（年）", method="party_age_min_filter")
    party_age_max = WholeYearsFilter(label="党龄不超过（年）", method="party_age_max_filter")

    def __init__(self, data=None, *args, **kwargs):
        if wants_tombstones(data):
            data = data.copy()
            data["active"] = "all"  # members who left since the last pull come back with is_active=false
        super().__init__(data, *args, **kwargs)
