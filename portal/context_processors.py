"""Template context shared by every page."""

from django.utils.functional import SimpleLazyObject

from portal import navigation as nav_registry


def navigation(request):
    """{"nav_items": [...]}, computed only if a template actually uses it (JSON/API responses never pay)."""
    return {"nav_items": SimpleLazyObject(lambda: nav_registry.items_for(request))}
