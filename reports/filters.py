"""Filters for report jobs (API list). `format` is DRF's format override in query strings, hence file_format."""
import django_filters
from django.utils.translation import gettext_lazy as _

from portal.filters import scoped_queryset

from .models import JobStatus, ReportFormat, ReportJob, ReportKind


class ReportJobFilterSet(django_filters.FilterSet):
    organization = django_filters.ModelChoiceFilter(
        label=_("组织（含下级）"), queryset=scoped_queryset("branches.Organization"), method="in_subtree")
    kind = django_filters.ChoiceFilter(label=_("报告类型"), choices=ReportKind.choices)
    period = django_filters.CharFilter(label=_("期间（2025、2025-Q3、2025-09）"))
    status = django_filters.ChoiceFilter(label=_("状态"), choices=JobStatus.choices)
    file_format = django_filters.ChoiceFilter(label=_("格式"), field_name="format", choices=ReportFormat.choices)

    class Meta:
        model = ReportJob
        fields = ["organization", "kind", "period", "status", "file_format"]

    def in_subtree(self, queryset, name, value):
        return queryset.filter(organization__path__startswith=value.path) if value else queryset
