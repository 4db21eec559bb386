"""Site-wide request guards that know no domain model."""
from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import cache
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext_lazy as _

log = logging.getLogger(__name__)

TOO_MANY_FAILED_AUTH = _("认证失败次数过多，请 {minutes} 分钟后再试。")
DATABASE_UNAVAILABLE = _("数据库暂时无法连接，本次操作未被保存；请 {seconds} 秒后重试。")
# Errors that mean "the database server cannot be reached" (connection refused, reset, restarting), as
# opposed to a bad query: psycopg raises OperationalError for both, so the message decides.
CONNECTION_LOST_HINTS = ("connection", "connect", "server closed", "terminating", "shutting down", "starting up",
                         "recovery mode", "could not receive", "could not send", "no route", "timeout expired")


def is_database_unavailable(exc: BaseException | None) -> bool:
    """True for a database that is down or restarting (not for a query error such as a deadlock or lock timeout)."""
    if isinstance(exc, InterfaceError):
        return True
    if not isinstance(exc, OperationalError):
        return False
    text = str(exc).lower()
    return any(hint in text for hint in CONNECTION_LOST_HINTS) and "deadlock" not in text


def database_unavailable_response(request):
    """503 with Retry-After: JSON under the API prefix, else a Chinese page rendered without the database."""
    seconds = int(getattr(settings, "DATABASE_UNAVAILABLE_RETRY_AFTER", 15))
    prefix = getattr(settings, "API_PATH_PREFIX", "/api/")
    if request is not None and request.path.startswith(prefix):
        response = JsonResponse({"code": "database_unavailable", "detail": DATABASE_UNAVAILABLE.format(seconds=seconds),
                                 "fields": {}}, status=503, json_dumps_params={"ensure_ascii": False})
    else:
        response = HttpResponse(render_to_string("503.html", {"retry_after": seconds}), status=503)
    response["Retry-After"] = str(seconds)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    """PostgreSQL down or restarting: answer 503 + Retry-After (Chinese page, JSON for the API), not 500.

    Catches the OperationalError/InterfaceError of a lost connection raised by the view (process_exception).
    Raised in another middleware (session, authentication), Django turns it into handler500, which is
    portal.errors.server_error: it answers the same way. The dead connection is closed so the next request
    connects afresh.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if is_database_unavailable(exception):
            return self._answer(request, exception)
        return None

    @staticmethod
    def _answer(request, exc):
        from django.db import connections

        log.error("database unavailable, answered 503: %s", exc)
        for conn in connections.all(initialized_only=True):
            conn.close_if_unusable_or_obsolete()
        return database_unavailable_response(request)


class SiteLanguageMiddleware:
    """Serve every request in the site language (settings.LANGUAGE_CODE, from the LANGUAGE variable).

    Unlike django.middleware.locale.LocaleMiddleware this ignores the browser's Accept-Language, so an
    English-language browser still gets the Chinese portal unless the deployment chose LANGUAGE=en.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class FailedAuthThrottleMiddleware:
    """Rate-limit failed authentication on the API, whatever the scheme (Bearer token, session, basic).

    DRF runs its throttles only after authentication succeeds, so a guessed token that fails is never
    throttled by them; django-axes covers the login form only. This counts unauthenticated 401/403
    answers under API_PATH_PREFIX per client address and, past API_FAILED_AUTH_LIMIT within
    API_FAILED_AUTH_WINDOW seconds, answers 429 before the view runs. A cache outage disables it (logged).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        prefix = getattr(settings, "API_PATH_PREFIX", "/api/")
        if not request.path.startswith(prefix):
            return self.get_response(request)
        limit = settings.API_FAILED_AUTH_LIMIT
        window = settings.API_FAILED_AUTH_WINDOW
        key = f"failed-auth:{request.META.get('REMOTE_ADDR', '')}"
        try:
            failures = cache.get(key, 0)
        except Exception:
            log.warning("cache unavailable: failed-auth throttle is off")
            return self.get_response(request)
        if failures >= limit:
            response = JsonResponse({"code": "throttled", "detail": TOO_MANY_FAILED_AUTH.format(minutes=window // 60)},
                                    status=429, json_dumps_params={"ensure_ascii": False})
            response["Retry-After"] = str(window)
            return response
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if response.status_code in (401, 403) and not (user and user.is_authenticated):
            try:
                if not cache.add(key, 1, window):
                    cache.incr(key)
            except Exception:
                pass
        return response
