"""Shared FilterSet bases (domain-free)."""
import django_filters
from django.utils.translation import gettext_lazy as _


def scoped_queryset(model_path: str, action: str = "view"):
    """A ModelChoiceFilter queryset callable: only choices the requesting user may see."""
    from django.apps import apps

    def _qs(request):
        model = apps.get_model(model_path)
        if request is None:
            return model.objects.none()
        return model.objects.restrict(request.user, action)

    return _qs


class UpdatedSinceFilterSet(django_filters.FilterSet):
    """Incremental sync: rows changed at or after a timestamp (ISO 8601)."""

    updated_since = django_filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte", label=_("更新时间起"))
