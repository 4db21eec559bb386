"""API throttling (named by REST_FRAMEWORK settings; kept apart from portal.api so DRF can import it early)."""
import logging

from rest_framework.throttling import SimpleRateThrottle

log = logging.getLogger(__name__)


class ClientRateThrottle(SimpleRateThrottle):
    """Per API client (token), else per logged-in user, else per address; 429 with Retry-After.

    Rate: the client's own `throttle_rate` when set, else REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["api_client"].
    """

    scope = "api_client"

    def allow_request(self, request, view):
        custom = getattr(request.auth, "throttle_rate", "") or ""
        if custom:
            self.rate = custom
            self.num_requests, self.duration = self.parse_rate(custom)
        try:
            return super().allow_request(request, view)
        except Exception:  # the cache (Redis) is down: serve rather than fail every API call
            log.warning("cache unavailable: API throttling is off")
            return True

    def get_cache_key(self, request, view):
        auth = request.auth
        if auth is not None and getattr(auth, "pk", None) is not None:
            ident = f"client-{auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"ip-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
