"""FilterSet of organizational-life records, shared by pages and the API (/api/v1/activities/)."""
import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field

from branches.filters import _org_id
from portal.api import ActiveByDefaultMixin
from portal.filters import OrderingFilter, UpdatedSinceFilter, UpdatedSinceFilterSet, scoped_queryset

from .models import Activity, ActivityStatus, ActivityType

VOID_CHOICES = [("1", _("有效")), ("0", _("已作废")), ("all", _("全部"))]
ACTIVITY_ORDERING_FIELDS = ["id", "held_on", "updated_at"]


class ActivityFilterSet(ActiveByDefaultMixin, UpdatedSinceFilterSet):
    """Organizational-life records (组织生活记录): by organization subtree, type, status, date range, text.

    Voided records (作废) are left out unless asked for; with updated_since they come back as tombstones
    (API field `is_deleted`=true, the model's `is_voided`) so a syncing agency learns that a record it pulled no longer counts.
    """

    organization = extend_schema_field(_org_id("所属组织 id（含本级及下级）"))(django_filters.ModelChoiceFilter(
        label=_("所属组织 id（含本级及下级）"), queryset=scoped_queryset("branches.Organization"), method="in_subtree",
        empty_label=_("全部"),
    ))
    type = extend_schema_field({
        "type": "string", "description": "活动类型代码，如 general_meeting、committee_meeting、lecture；可重复以选多种类型。",
    })(django_filters.ModelMultipleChoiceFilter(
        label=_("活动类型"), field_name="activity_type__code", to_field_name="code", queryset=ActivityType.objects.all(),
    ))
    status = django_filters.ChoiceFilter(label=_("状态"), choices=ActivityStatus.choices, empty_label=_("全部"))
    held_on_after = django_filters.DateFilter(field_name="held_on", lookup_expr="gte", label=_("活动日期起（含，YYYY-MM-DD）"))
    held_on_before = django_filters.DateFilter(field_name="held_on", lookup_expr="lte", label=_("活动日期止（含，YYYY-MM-DD）"))
    active = django_filters.ChoiceFilter(
        label=_("是否作废"), choices=VOID_CHOICES, method="active_filter", empty_label=None,
        help_text=_("默认只列有效记录；带 updated_since 时默认全部（含已作废，作为“墓碑”）。"),
    )
    q = django_filters.CharFilter(label=_("主题/议题/地点"), method="search")
    ordering = OrderingFilter(
        label=_("排序"), fields=[(f, f) for f in ACTIVITY_ORDERING_FIELDS],
        field_labels={"id": _("编号"), "held_on": _("活动日期"), "updated_at": _("更新时间")},
    )
    updated_since = UpdatedSinceFilter(
        help_text=_("记录本身或其出席情况在此时间之后有变动（含作废）的记录。"),
    )

    class Meta:
        model = Activity
        fields = ["status"]

    def in_subtree(self, queryset, name, value):
        return queryset if value is None else queryset.filter(organization__path__startswith=value.path)

    def active_filter(self, queryset, name, value):
        if value == "all":
            return queryset
        return queryset.filter(is_voided=(value == "0"))

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(title__icontains=value) | Q(topics__icontains=value) | Q(place__icontains=value))
