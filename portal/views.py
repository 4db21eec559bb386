"""Shared page bases and site-wide views; no domain model is imported here."""
from __future__ import annotations

from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import HttpResponsePermanentRedirect, JsonResponse
from django.templatetags.static import static
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

PAGE_ACCESS_DENIED = _("该账号仅用于接口访问（上级机关），不能使用门户页面。")


def has_page_access(user) -> bool:
    return import_string(settings.PORTAL_PAGE_ACCESS_CHECK)(user)


class PortalPageMixin(LoginRequiredMixin):
    """Every portal page: logged in, and a role that uses pages (agency accounts are API-only)."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not has_page_access(request.user):
            raise PermissionDenied(PAGE_ACCESS_DENIED)
        return super().dispatch(request, *args, **kwargs)


def login_for_api_docs(view):
    """Swagger UI is a page: a visitor who is not logged in goes to the login form (the schema itself answers 401)."""
    from functools import wraps

    from django.contrib.auth.views import redirect_to_login

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if settings.API_DOCS_REQUIRE_LOGIN and not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapped


@never_cache
@require_GET
def healthz(request):
    """Liveness for load balancers and compose: the database must answer; the broker is reported."""
    status = {"database": "ok"}
    code = 200
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # any database error means unhealthy
        status["database"] = "unavailable"
        code = 503
    return JsonResponse(status, status=code)


def favicon(request):
    """Browsers ask for /favicon.ico; resolved per request so the hashed static name is used in production."""
    return HttpResponsePermanentRedirect(static("img/favicon.svg"))
