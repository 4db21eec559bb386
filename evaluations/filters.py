"""One FilterSet per list, shared by the page, the export and the API."""
import django_filters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.filters import IntegerFilter, UpdatedSinceFilterSet, scoped_queryset

from .models import BranchEvaluation, Cycle, Rectification, RectificationSource, RectificationStatus, Step


class RectificationFilterSet(UpdatedSinceFilterSet):
    organization = django_filters.ModelChoiceFilter(queryset=scoped_queryset("branches.Organization"),
                                                    method="in_subtree", label=_("组织"))
    status = django_filters.ChoiceFilter(choices=RectificationStatus.choices, label=_("状态"))
    source = django_filters.ChoiceFilter(choices=RectificationSource.choices, label=_("来源"))
    overdue = django_filters.BooleanFilter(method="only_overdue", label=_("仅看逾期"))

    class Meta:
        model = Rectification
        fields = ["organization", "status", "source", "overdue"]

    def in_subtree(self, qs, name, value):
        return qs.filter(organization__path__startswith=value.path) if value else qs

    def only_overdue(self, qs, name, value):
        return qs.overdue(timezone.localdate()) if value else qs


class BranchEvaluationFilterSet(UpdatedSinceFilterSet):
    cycle = django_filters.ModelChoiceFilter(queryset=scoped_queryset("evaluations.Cycle"), label=_("评价周期"))
    step = django_filters.ChoiceFilter(choices=Step.choices, label=_("环节"))
    year = IntegerFilter(field_name="cycle__year", label=_("年度"))
    organization = django_filters.ModelChoiceFilter(queryset=scoped_queryset("branches.Organization"),
                                                    method="in_subtree", label=_("组织"))

    class Meta:
        model = BranchEvaluation
        fields = ["cycle", "step", "year", "organization", "four_strong", "stars"]

    def in_subtree(self, qs, name, value):
        return qs.filter(organization__path__startswith=value.path) if value else qs


class CycleFilterSet(UpdatedSinceFilterSet):
    year = IntegerFilter(label=_("年度"))

    class Meta:
        model = Cycle
        fields = ["year", "kind"]
