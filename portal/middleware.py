"""Site-wide request guards that know no domain model."""
from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import cache
from django.http import JsonResponse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

log = logging.getLogger(__name__)

TOO_MANY_FAILED_AUTH = _("认证失败次数过多，请 {minutes} 分钟后再试。")


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
