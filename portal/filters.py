"""Shared FilterSet bases (domain-free)."""
from datetime import UTC

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from portal.pickers import PickerFilterSetMixin

TIMESTAMP_OUT_OF_RANGE = _("时间超出可用范围。")


class OrderingFilter(django_filters.OrderingFilter):
    """django-filter's OrderingFilter with the portal's own "(descending)" label: django-filter ships zh_CN only,
    which Django's zh-hans never loads, so its label leaked English ("姓名 (descending)") into the Chinese UI."""

    descending_fmt = _("%s（降序）")


def scoped_queryset(model_path: str, action: str = "view"):
    """A ModelChoiceFilter queryset callable: only choices the requesting user may see."""
    from django.apps import apps

    def _qs(request):
        model = apps.get_model(model_path)
        if request is None:
            return model.objects.none()
        return model.objects.restrict(request.user, action)

    return _qs


class UtcIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 timestamp, normalized to UTC.

    Python accepts offsets up to ±23:59 but PostgreSQL only ±15:59 ("time zone displacement out of range"),
    and a timestamp at the edge of the calendar (0001-01-01T00:00+08:00) has no UTC equivalent: both are
    bad input (400), never a database error.
    """

    default_error_messages = {"out_of_range": TIMESTAMP_OUT_OF_RANGE}

    def to_python(self, value):
        value = super().to_python(value)
        if value is None:
            return None
        try:
            return value.astimezone(UTC)
        except (OverflowError, ValueError):
            raise forms.ValidationError(self.error_messages["out_of_range"], code="out_of_range") from None


@extend_schema_field(OpenApiTypes.INT)
class IntegerFilter(django_filters.NumberFilter):
    """A whole number (a year, a count): `year=0.5` is bad input (400), not a filter that matches nothing."""

    field_class = forms.IntegerField


class UpdatedSinceFilter(django_filters.IsoDateTimeFilter):
    """`updated_since`: rows changed at or after a timestamp (ISO 8601 with time zone)."""

    field_class = UtcIsoDateTimeField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("field_name", "updated_at")
        kwargs.setdefault("lookup_expr", "gte")
        kwargs.setdefault("label", _("更新时间起"))
        super().__init__(*args, **kwargs)


class UpdatedSinceFilterSet(PickerFilterSetMixin, django_filters.FilterSet):
    """Incremental sync: rows changed at or after a timestamp (ISO 8601)."""

    updated_since = UpdatedSinceFilter()
