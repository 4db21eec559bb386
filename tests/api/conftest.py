"""API fixtures: DRF test client, agency API clients of every kind, a clean throttle cache."""
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.utils import timezone
from rest_framework.test import APIClient

from branches.api_clients import api_client_create


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()  # throttle counters live in the cache
    yield
    cache.clear()


@pytest.fixture
def api():
    return APIClient()


def bearer(api, token):
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return api


@pytest.fixture
def tokens(tree):
    """API clients: on gb (read), on root (read + PII + reports), expired, revoked. Returns tokens and clients."""
    gb, gb_token = api_client_create(organization=tree.gb, name="乙总支客户端")
    root, root_token = api_client_create(organization=tree.root, name="党委客户端（含个人信息）", grants=["pii", "reports"])
    expired, expired_token = api_client_create(organization=tree.root, name="已过期", expires_days=1)
    expired.expires_at = timezone.now() - timezone.timedelta(seconds=1)
    expired.save(update_fields=["expires_at"])
    revoked, revoked_token = api_client_create(organization=tree.root, name="已吊销")
    revoked.revoked_at = timezone.now()
    revoked.save(update_fields=["revoked_at"])
    return SimpleNamespace(gb=gb_token, root=root_token, expired=expired_token, revoked=revoked_token,
                           clients=SimpleNamespace(gb=gb, root=root, expired=expired, revoked=revoked))


def ids(response):
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def login(client, user):
    """Session login with the user's stored password hash (the factory's set_password is not saved)."""
    user.refresh_from_db()
    client.force_login(user)
    return client
