"""Staff pages for API clients: issue (token shown once), revoke, usage log; others are refused."""
import pytest

from branches.models import ApiClient
from tests.api.conftest import bearer, login

LIST = "/org/api-clients/"


def test_staff_issues_a_client_and_sees_the_token_once(client, api, users, tree):
    login(client, users.staff_a)
    response = client.post(LIST, {"name": "甲总支平台", "organization": tree.ga.pk, "grants": ["reports"],
                                  "expires_days": 30})
    assert response.status_code == 200 and "no-cache" in response["Cache-Control"]
    created = ApiClient.objects.get(name="甲总支平台")
    token = response.context["token"]
    assert token.encode() in response.content and created.grant_reports and not created.grant_pii
    assert token.encode() not in client.get(LIST).content  # never again
    assert bearer(api, token).get("/api/v1/organizations/").status_code == 200


def test_staff_cannot_issue_outside_their_subtree(client, users, tree):
    login(client, users.staff_a)
    response = client.post(LIST, {"name": "越权", "organization": tree.gb.pk})
    assert response.status_code == 200 and not ApiClient.objects.filter(name="越权").exists()
    assert "organization" in response.context["form"].errors


def test_revoke_and_usage_log(client, api, users, tokens, tree):
    bearer(api, tokens.gb).get("/api/v1/organizations/")
    login(client, users.staff)
    detail = client.get(f"{LIST}{tokens.clients.gb.pk}/")
    assert detail.status_code == 200 and b"/api/v1/organizations/" in detail.content
    assert client.post(f"{LIST}{tokens.clients.gb.pk}/revoke/").status_code == 302
    assert bearer(api, tokens.gb).get("/api/v1/organizations/").status_code == 401


def test_staff_of_another_subtree_gets_404(client, users, tokens):
    login(client, users.staff_a)  # staff of ga; the client is on gb
    assert client.get(f"{LIST}{tokens.clients.gb.pk}/").status_code == 404
    assert client.post(f"{LIST}{tokens.clients.gb.pk}/revoke/").status_code == 404


@pytest.mark.parametrize("who", ["secretary", "reviewer"])
def test_non_staff_are_refused(client, users, who):
    login(client, getattr(users, who))
    assert client.get(LIST).status_code == 403


def test_unknown_api_address_is_a_json_404(api, users):
    api.force_authenticate(users.staff)
    response = api.get("/api/v1/no-such-thing/")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
