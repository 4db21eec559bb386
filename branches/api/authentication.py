"""`Authorization: Bearer <token>` for agency API clients (branches.ApiClient)."""
from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from ..models import ApiClient

TOKEN_INVALID = _("令牌无效。")
TOKEN_EXPIRED = _("令牌已过期，请联系党务工作者重新签发。")
TOKEN_REVOKED = _("令牌已被吊销。")
PREFIX_LENGTH = 12
DEMO_API_TOKEN = "demo-agency-token-2026"   # README's demo token: refused under production settings
# last_used_at is written at most this often per client: one UPDATE per minute, not per request.
LAST_USED_RESOLUTION = timedelta(seconds=60)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_prefix(token: str) -> str:
    return token[:PREFIX_LENGTH]


class BearerTokenAuthentication(authentication.BaseAuthentication):
    """Returns (client's service account, client): scoping sees an ordinary user holding the agency role."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None  # not ours: session authentication may still apply
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(TOKEN_INVALID)
        try:
            token = header[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed(TOKEN_INVALID) from None
        client = (
            ApiClient.objects.select_related("user", "organization")
            .filter(token_prefix=token_prefix(token))
            .first()
        )
        if client is None or not hmac.compare_digest(client.token_hash, hash_token(token)):
            raise exceptions.AuthenticationFailed(TOKEN_INVALID)
        if settings.PORTAL_PRODUCTION and hmac.compare_digest(token, DEMO_API_TOKEN):
            raise exceptions.AuthenticationFailed(TOKEN_INVALID)   # a demo database copied into production
        now = timezone.now()
        if client.revoked_at is not None:
            raise exceptions.AuthenticationFailed(TOKEN_REVOKED)
        if client.expires_at is not None and client.expires_at <= now:
            raise exceptions.AuthenticationFailed(TOKEN_EXPIRED)
        if not client.user.is_active:
            raise exceptions.AuthenticationFailed(TOKEN_INVALID)
        if client.last_used_at is None or now - client.last_used_at >= LAST_USED_RESOLUTION:
            ApiClient.objects.filter(pk=client.pk).update(last_used_at=now)
            client.last_used_at = now
        return client.user, client

    def authenticate_header(self, request):
        return f'{self.keyword} realm="api"'


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "branches.api.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "接口客户端令牌：Authorization: Bearer <令牌>。令牌由党务工作者在“接口客户端”页面或 "
            "`manage.py create_api_client` 签发，只显示一次。",
        }
