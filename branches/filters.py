"""FilterSets shared by pages and the API: organizations (/api/v1/organizations/) and organizational-life
records (/api/v1/activities/)."""
import django_filters
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field

from portal.api import ActiveByDefaultMixin
from portal.filters import UpdatedSinceFilter, UpdatedSinceFilterSet, scoped_queryset

from .models import CommitteeTerm, Organization, OrganizationKind


def _org_id(description: str) -> dict:
    """Schema of an organization filter: documented by its id (the filter itself resolves it within the scope)."""
    return {"type": "integer", "description": f"{description}；授权范围外的组织为 400。"}


ACTIVE_CHOICES = [("1", _("现有")), ("0", _("已撤销")), ("all", _("全部"))]


class OrganizationFilterSet(ActiveByDefaultMixin, UpdatedSinceFilterSet):
    kind = django_filters.MultipleChoiceFilter(label=_("类型"), choices=OrganizationKind.choices)
    organization = extend_schema_field(_org_id("所属组织 id（含本级及下级）"))(django_filters.ModelChoiceFilter(
        label=_("所属组织 id（含本级及下级）"), queryset=scoped_queryset("branches.Organization"), method="in_subtree"
    ))
    parent = extend_schema_field(_org_id("直属上级组织 id（只列其直属下级）"))(django_filters.ModelChoiceFilter(
        label=_("直属上级组织 id（只列其直属下级）"), queryset=scoped_queryset("branches.Organization"), method="children_of"
    ))
    active = django_filters.ChoiceFilter(
        label=_("状态"), choices=ACTIVE_CHOICES, method="active_filter", empty_label=None,
        help_text=_("默认只列现有组织；带 updated_since 时默认全部（含已撤销，作为“墓碑”）。"),
    )
    q = django_filters.CharFilter(label=_("名称/简称/编码"), method="search")
    updated_since = UpdatedSinceFilter(
        method="changed_since",
        help_text=_("组织信息或其委员会任期（换届、任期变动）在此时间之后有变动的组织。"),
    )

    class Meta:
        model = Organization
        fields = ["kind"]

    def in_subtree(self, queryset, name, value):
        return queryset if value is None else queryset.filter(path__startswith=value.path)

    def children_of(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(path__startswith=value.path, depth=value.depth + 1)

    def changed_since(self, queryset, name, value):
        if value is None:
            return queryset
        terms = CommitteeTerm.objects.filter(organization=OuterRef("pk"), updated_at__gte=value)
        return queryset.filter(Q(updated_at__gte=value) | Q(Exists(terms)))

    def active_filter(self, queryset, name, value):
        if value == "all":
            return queryset
        return queryset.filter(dissolved_on__isnull=(value != "0"))

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(short_name__icontains=value) | Q(code__icontains=value))
