"""The API's filter backend (its own module: DRF resolves DEFAULT_FILTER_BACKENDS while rest_framework loads,
so this must not import portal.api or DRF's views)."""
from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django_filters import DateFilter, IsoDateTimeFilter, ModelChoiceFilter, NumberFilter
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import exceptions

_TYPED_FILTERS = (IsoDateTimeFilter, DateFilter, NumberFilter, ModelChoiceFilter)
EMPTY_FILTER = _("不能为空：不需要此筛选时请不要传这个参数。")


class StrictFilterBackend(DjangoFilterBackend):
    """The API's filter backend: a typed filter given with an empty value (`updated_since=`, `period=`,
    `year=`, `organization=`) is bad input (400 naming the parameter), never silently "no filter" — the schema
    types those parameters, and an empty string is not a timestamp, a number, an id or a period. Free-text and
    choice filters keep the page's meaning of an empty value (no filter). A filter opts in with
    `empty_is_error = True`.
    """

    def get_filterset(self, request, queryset, view):
        filterset = super().get_filterset(request, queryset, view)
        if filterset is None:
            return None
        params = request.query_params
        empty = [name for name, f in filterset.filters.items()
                 if (isinstance(f, _TYPED_FILTERS) or getattr(f, "empty_is_error", False))
                 and name in params and any(not v.strip() for v in params.getlist(name))]
        if empty:
            raise exceptions.ValidationError({name: [EMPTY_FILTER] for name in empty})
        return filterset
