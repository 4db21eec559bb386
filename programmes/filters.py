"""FilterSets shared by the API (and pages when they grow lists)."""
import django_filters
from django.utils.translation import gettext_lazy as _

from portal.filters import UpdatedSinceFilterSet, scoped_queryset

from .models import Candidacy, Programme, Stage


def _subtree(qs, name, value):
    return qs.filter(organization__path__startswith=value.path) if value else qs


class CandidacyFilterSet(UpdatedSinceFilterSet):
    organization = django_filters.ModelChoiceFilter(queryset=scoped_queryset("branches.Organization"),
                                                    method="in_subtree", label=_("组织"))
    programme = django_filters.ChoiceFilter(field_name="round__programme", choices=Programme.choices, label=_("活动"))
    year = django_filters.NumberFilter(field_name="round__year", label=_("年度"))
    stage = django_filters.ChoiceFilter(choices=Stage.choices, label=_("环节"))

    class Meta:
        model = Candidacy
        fields = ["organization", "programme", "year", "stage"]

    def in_subtree(self, qs, name, value):
        return _subtree(qs, name, value)


class TitleFilterSet(django_filters.FilterSet):
    organization = django_filters.ModelChoiceFilter(queryset=scoped_queryset("branches.Organization"),
                                                    method="in_subtree", label=_("组织"))
    kind = django_filters.CharFilter(field_name="kind", label=_("称号"))
    year = django_filters.NumberFilter(field_name="year", label=_("年度"))
    current = django_filters.BooleanFilter(method="only_current", label=_("仅看有效称号"))

    def in_subtree(self, qs, name, value):
        return _subtree(qs, name, value)

    def only_current(self, qs, name, value):
        return qs.current() if value else qs
