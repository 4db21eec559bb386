"""Bearer tokens: hashed at rest, expiry, revocation, last use, the usage log, the operator command."""
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from branches.api.authentication import hash_token
from branches.models import ApiClient, ApiRequestLog
from tests.api.conftest import bearer

URL = "/api/v1/organizations/"


def test_token_is_stored_only_as_its_hash(tokens):
    client = tokens.clients.gb
    assert client.token_hash == hash_token(tokens.gb)
    assert tokens.gb not in {client.token_hash, client.token_prefix}
    assert tokens.gb.startswith(client.token_prefix) and tokens.gb.startswith("sz_")


@pytest.mark.parametrize(
    "which, detail",
    [("expired", "令牌已过期，请联系党务工作者重新签发。"), ("revoked", "令牌已被吊销。")],
)
def test_expired_and_revoked_tokens_are_401(api, tokens, which, detail):
    response = bearer(api, getattr(tokens, which)).get(URL)
    assert response.status_code == 401
    assert response.json() == {"code": "not_authenticated", "detail": detail, "fields": {}}


@pytest.mark.parametrize("header", ["Bearer nope", "Bearer", "Bearer a b", "Bearer sz_wrongprefix-but-long-enough"])
def test_malformed_or_unknown_tokens_are_401(api, tokens, header):
    api.credentials(HTTP_AUTHORIZATION=header)
    response = api.get(URL)
    assert response.status_code == 401 and response.json()["code"] == "not_authenticated"


def test_right_prefix_wrong_secret_is_401(api, tokens):
    forged = tokens.gb[:12] + "x" * (len(tokens.gb) - 12)
    assert bearer(api, forged).get(URL).status_code == 401


def test_use_is_logged_and_last_used_recorded(api, tokens, tree):
    client = tokens.clients.gb
    assert client.last_used_at is None
    bearer(api, tokens.gb).get(URL)
    bearer(api, tokens.gb).get(f"{URL}{tree.a1.pk}/")
    client.refresh_from_db()
    assert client.last_used_at is not None
    log = list(ApiRequestLog.objects.filter(client=client).order_by("id").values_list("method", "path", "status"))
    assert log == [("GET", URL, 200), ("GET", f"{URL}{tree.a1.pk}/", 404)]


def test_create_api_client_command_prints_a_working_token(api, tree):
    out = StringIO()
    call_command("create_api_client", organization=tree.gb.code, name="测试平台", grant=["pii"], expires_days=30,
                 stdout=out)
    token = out.getvalue().strip().splitlines()[-1]
    client = ApiClient.objects.get(name="测试平台")
    assert client.grant_pii and not client.grant_reports and client.expires_at is not None
    assert bearer(api, token).get(URL).status_code == 200


def test_create_api_client_command_rejects_unknown_organization(tree):
    with pytest.raises(CommandError, match="找不到组织编码"):
        call_command("create_api_client", organization="NOPE", name="x", stdout=StringIO())


def test_revoking_takes_effect_immediately(api, tokens):
    from branches.api_clients import api_client_revoke

    assert bearer(api, tokens.gb).get(URL).status_code == 200
    api_client_revoke(client=tokens.clients.gb)
    assert bearer(api, tokens.gb).get(URL).status_code == 401
