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
        return only_given_filters(filterset)


def only_given_filters(filterset):
    """Keep only the filters whose parameter the request (or the FilterSet's own defaults, e.g. `active=1`) gives.

    Why: django-filter builds a form field anew for every filter on every request, Django's form deep-copies them
    and cleans each one; for a parameter that is absent the cleaned value is empty, and every filter (django-filter's
    and the portal's `method=` filters alike) leaves the queryset as it is for an empty value. So the result, the
    400s on bad input and the form's cleaned values for the given parameters are unchanged, at a fraction of the cost
    (a list page usually names one or two of its six to ten filters). A filter is kept when any parameter starts with
    its name, so a widget reading suffixed parameters (`held_on_after`) keeps its filter. A FilterSet that has already
    built its form (in `__init__`) is left whole.
    """
    if "_form" in filterset.__dict__:
        return filterset
    given = tuple(filterset.data.keys())
    filterset.filters = {name: f for name, f in filterset.filters.items()
                         if any(key.startswith(name) for key in given)}
    return filterset
