"""One FilterSet for the member list page, its XLSX export and the API."""
import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal.filters import OrderingFilter, UpdatedSinceFilterSet, scoped_queryset
from portal.widgets import FastSelect

from .models import Member, MemberCategory, MemberStatus
from .permissions import can_export_pii


def pii_allowed(request) -> bool:
    """Token clients: the explicit PII grant. People: the right to export personal data (same as the XLSX).
    No request (an internal caller): no."""
    if request is None:
        return False
    has_grant = getattr(getattr(request, "auth", None), "has_grant", None)
    if has_grant is not None:
        return bool(has_grant("pii"))
    return can_export_pii(request.user)


class MemberFilterSet(UpdatedSinceFilterSet):
    organization = django_filters.ModelChoiceFilter(
        label=_("所属组织（含下级）"), queryset=scoped_queryset("branches.Organization"), method="in_subtree",
        empty_label=_("全部"), widget=FastSelect,
    )
    status = django_filters.ChoiceFilter(label=_("党员身份"), choices=MemberStatus.choices, empty_label=_("全部"))
    category = django_filters.ChoiceFilter(label=_("党员类别"), choices=MemberCategory.choices, empty_label=_("全部"))
    party_age_min = django_filters.NumberFilter(label=_("党龄不少于（年）"), method="party_age_min_filter", min_value=0)
    party_age_max = django_filters.NumberFilter(label=_("党龄不超过（年）"), method="party_age_max_filter", min_value=0)
    q = django_filters.CharFilter(label=_("姓名"), method="search")
    active = django_filters.ChoiceFilter(
        label=_("在册状态"), choices=[("1", _("在册")), ("0", _("已离开")), ("all", _("全部"))], method="active_filter",
        empty_label=None,
    )
    ordering = OrderingFilter(
        label=_("排序"),
        fields=[("name", "name"), ("joined_on", "joined_on"), ("birth_date", "birth_date"), ("branch__path", "branch"),
                ("updated_at", "updated_at")],
        empty_label=_("默认（按支部、姓名）"),
        field_labels={"name": _("姓名"), "joined_on": _("入党日期"), "birth_date": _("出生日期"),
                      "branch__path": _("所在支部"), "updated_at": _("更新时间")},
    )

    class Meta:
        model = Member
        fields = ["status", "category"]

    def __init__(self, data=None, *args, **kwargs):
        # Default to active members when the form does not say otherwise.
        if data is not None and not data.get("active"):
            data = data.copy()
            data["active"] = "1"
        super().__init__(data, *args, **kwargs)
        # Page order: the most used filters first; updated_since stays last (used by API clients).
        order = ["q", "organization", "status", "category", "party_age_min", "party_age_max", "active", "ordering"]
        self.filters = {k: self.filters[k] for k in order + [k for k in self.filters if k not in order]}
        if "organization" in self.filters:
            self.filters["organization"].field.label_from_instance = lambda o: f"{'　' * (o.depth - 1)}{o.name}"

    def in_subtree(self, queryset, name, value):
        if value is None:
            return queryset
        if value.is_group:
            return queryset.filter(party_group=value)
        return queryset.filter(branch__path__startswith=value.path)

    def search(self, queryset, name, value):
        """Name; phone digits only with the PII right (else a number could be guessed one digit at a time).

        The one rule for the page, its XLSX export and the API (MemberApiFilterSet inherits it)."""
        value = value.strip()
        if not value:
            return queryset
        if pii_allowed(self.request):
            return queryset.filter(Q(name__icontains=value) | Q(phone__contains=value))
        return queryset.filter(name__icontains=value)

    def party_age_min_filter(self, queryset, name, value):
        return queryset.with_party_age_between(min_years=int(value))

    def party_age_max_filter(self, queryset, name, value):
        return queryset.with_party_age_between(max_years=int(value))

    def active_filter(self, queryset, name, value):
        if value == "all":
            return queryset
        return queryset.filter(is_active=(value != "0"))


