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


@never_cache
@require_GET
def healthz(request):
    """Health for load balancers and compose, each dependency reported on its own.

    `database`: ok | unavailable — decides the status (503 when unavailable: no page works without it).
    `broker`: ok | unavailable | not_configured — reported only (pages work without Redis; report requests
    and messages are kept and sent when it is back), checked with a 0.5 s connect timeout.
    """
    status = {"database": "ok", "broker": _broker_status()}
    code = 200
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # any database error means unhealthy
        status["database"] = "unavailable"
        code = 503
    response = JsonResponse(status, status=code)
    if code == 503:
        response["Retry-After"] = str(settings.DATABASE_UNAVAILABLE_RETRY_AFTER)
    return response


def _broker_status() -> str:
    from .celery import app
    from .queue import publish_timeout

    if not app.conf.broker_url or app.conf.task_always_eager:
        return "not_configured"
    timeout = publish_timeout()
    try:
        with app.connection_for_write(connect_timeout=timeout, transport_options={
                "max_retries": 0, "socket_connect_timeout": timeout, "socket_timeout": timeout}) as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=timeout)
    except Exception:
        return "unavailable"
    return "ok"


def favicon(request):
    """Browsers ask for /favicon.ico; resolved per request so the hashed static name is used in production."""
    return HttpResponsePermanentRedirect(static("img/favicon.svg"))
