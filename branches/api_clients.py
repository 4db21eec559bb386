"""Services and selectors for agency API clients (tokens are shown once, stored hashed)."""
from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from portal.scoping import MANAGE, VIEW

from .api.authentication import PREFIX_LENGTH, hash_token, token_prefix
from .models import ApiClient, ApiClientGrant, ApiRequestLog, Organization

TOKEN_PREFIX = "sz_"
DISSOLVED_ORGANIZATION = _("已撤销的组织不能再签发接口令牌。")
ALREADY_REVOKED = _("该客户端已吊销。")
TOKEN_TOO_SHORT = format_lazy(_("令牌至少 {n} 个字符。"), n=PREFIX_LENGTH + 8)
TOKEN_TAKEN = _("该令牌前缀已被其他客户端使用。")
UNKNOWN_GRANT = _("未知的授权：{grant}")
# An HTTP header value (ASCII only): the agency's developers read it in their logs.
TOKEN_EXPIRES_SOON = "API token expires at {at} ({days} days left): ask the portal's staff for a new token"


def new_token() -> str:
    """'sz_' + 43 url-safe characters (256 bits); its first 12 characters find it, its sha256 proves it."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


@transaction.atomic
def api_client_create(
    *,
    organization: Organization,
    name: str,
    grants=(),
    expires_days: int | None = None,
    throttle_rate: str | None = "",
    by=None,
    token: str | None = None,
) -> tuple[ApiClient, str]:
    """Create a client and its service account; returns the client and the token (shown once, never stored)."""
    if not organization.is_active:
        raise ValidationError({"organization": DISSOLVED_ORGANIZATION})
    for grant in grants:
        if grant not in ApiClientGrant.values:
            raise ValidationError({"grants": UNKNOWN_GRANT.format(grant=grant)})
    token = token or new_token()
    if len(token) < PREFIX_LENGTH + 8:
        raise ValidationError({"token": TOKEN_TOO_SHORT})
    if ApiClient.objects.filter(token_prefix=token_prefix(token)).exists():
        raise ValidationError({"token": TOKEN_TAKEN})
    User = get_user_model()
    user = User(username=f"api-{secrets.token_hex(6)}", first_name=name[:150])
    user.set_unusable_password()  # a service account: no login, no pages
    user.save()
    client = ApiClient(
        name=name,
        organization=organization,
        user=user,
        token_prefix=token_prefix(token),
        token_hash=hash_token(token),
        grant_reports=ApiClientGrant.REPORTS in grants,
        grant_pii=ApiClientGrant.PII in grants,
        throttle_rate=throttle_rate or "",
        # Every token expires: without a choice, after API_TOKEN_DEFAULT_EXPIRY_DAYS (warned before, see below).
        expires_at=timezone.now() + timedelta(days=expires_days or settings.API_TOKEN_DEFAULT_EXPIRY_DAYS),
        created_by=by,
    )
    client.full_clean(exclude=["user"])
    client.save()
    return client, token


@transaction.atomic
def api_client_revoke(*, client: ApiClient, by=None) -> ApiClient:
    """Revoke for good: the token stops working at once; the client and its log stay for the record."""
    if client.revoked_at:
        raise ValidationError(ALREADY_REVOKED)
    client.revoked_at = timezone.now()
    client.revoked_by = by
    client.save(update_fields=["revoked_at", "revoked_by"])
    return client


def token_expiry_warning(client, *, now=None) -> str:
    """The warning an API answer carries when its token expires within API_TOKEN_EXPIRY_WARNING_DAYS ("" otherwise)."""
    expires_at = getattr(client, "expires_at", None)
    if expires_at is None:
        return ""
    left = expires_at - (now or timezone.now())
    if left > timedelta(days=settings.API_TOKEN_EXPIRY_WARNING_DAYS):
        return ""
    return TOKEN_EXPIRES_SOON.format(at=timezone.localtime(expires_at).isoformat(timespec="minutes"),
                                     days=max(left.days, 0))


def api_client_list(*, user) -> QuerySet[ApiClient]:
    """Clients whose organization the user manages (staff of that subtree)."""
    return ApiClient.objects.restrict(user, MANAGE).select_related("organization", "created_by", "revoked_by")


def api_clients_for_agency(*, user, days: int = 30) -> QuerySet[ApiClient]:
    """The clients issued inside an agency user's scope, with their usage: requests in the last `days` and in all."""
    from datetime import timedelta

    from django.db.models import Count, Q
    from django.utils import timezone

    since = timezone.now() - timedelta(days=days)
    return (ApiClient.objects.restrict(user, VIEW).select_related("organization")
            .annotate(recent_requests=Count("requests", filter=Q(requests__at__gte=since)),
                      total_requests=Count("requests")))


def api_request_log(*, client: ApiClient, limit: int = 200) -> QuerySet[ApiRequestLog]:
    return client.requests.all()[:limit]
