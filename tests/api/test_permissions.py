"""Who sees what through the API: each role and each client scope against each endpoint and object."""
import pytest

from tests.api.conftest import bearer, ids, login

ORGS, MEMBERS = "/api/v1/organizations/", "/api/v1/members/"

# expected visible organizations / members per identity (names from the `tree` and `members` fixtures)
ORG_SCOPE = {
    "staff": {"root", "ga", "gb", "a1", "a1g", "a2", "b1"},
    "staff_a": {"ga", "a1", "a1g", "a2"},
    "secretary": {"a1", "a1g"},
    "reviewer": {"root", "ga", "gb", "a1", "a1g", "a2", "b1"},
    "agency": {"gb", "b1"},
    "nobody": set(),
    "superuser": {"root", "ga", "gb", "a1", "a1g", "a2", "b1"},
    "token_gb": {"gb", "b1"},
    "token_root": {"root", "ga", "gb", "a1", "a1g", "a2", "b1"},
}
MEMBER_SCOPE = {
    "staff": {"a1", "a2", "b1"}, "staff_a": {"a1", "a2"}, "secretary": {"a1"}, "reviewer": {"a1", "a2", "b1"},
    "agency": {"b1"}, "nobody": set(), "superuser": {"a1", "a2", "b1"}, "token_gb": {"b1"},
    "token_root": {"a1", "a2", "b1"},
}


def as_identity(api, who, users, tokens):
    if who.startswith("token_"):
        return bearer(api, getattr(tokens, who.removeprefix("token_")))
    api.force_authenticate(getattr(users, who))
    return api


@pytest.mark.parametrize("who", sorted(ORG_SCOPE))
def test_organization_list_and_detail_follow_scope(api, users, tokens, tree, who):
    client = as_identity(api, who, users, tokens)
    expected = {getattr(tree, n).pk for n in ORG_SCOPE[who]}
    assert ids(client.get(ORGS, {"page_size": 500})) == expected
    for name in ("root", "ga", "gb", "a1", "a1g", "a2", "b1"):
        org = getattr(tree, name)
        response = client.get(f"{ORGS}{org.pk}/")
        assert response.status_code == (200 if org.pk in expected else 404), (who, name)
    assert client.get(f"{ORGS}999999/").status_code == 404  # missing looks exactly like outside scope


@pytest.mark.parametrize("who", sorted(MEMBER_SCOPE))
def test_member_list_and_detail_follow_scope(api, users, tokens, members, who):
    client = as_identity(api, who, users, tokens)
    expected = {getattr(members, n).pk for n in MEMBER_SCOPE[who]}
    assert ids(client.get(MEMBERS)) == expected
    for name in ("a1", "a2", "b1"):
        member = getattr(members, name)
        assert client.get(f"{MEMBERS}{member.pk}/").status_code == (200 if member.pk in expected else 404)


@pytest.mark.parametrize("url", [ORGS, MEMBERS])
def test_anonymous_is_401_with_bearer_challenge(api, tree, url):
    response = api.get(url)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["code"] == "not_authenticated"


def test_filter_on_an_organization_outside_scope_is_rejected(api, tokens, tree, members):
    response = bearer(api, tokens.gb).get(MEMBERS, {"organization": tree.ga.pk})
    assert response.status_code == 400 and set(response.json()["fields"]) == {"organization"}


def test_no_writes_on_read_only_resources(api, users, tree):
    api.force_authenticate(users.superuser)
    assert api.post(ORGS, {"name": "x"}).status_code == 405
    assert api.delete(f"{ORGS}{tree.a1.pk}/").status_code == 405
    assert api.post(MEMBERS, {}).json()["code"] == "method_not_allowed"


def test_client_scope_ends_when_its_organization_is_dissolved(api, tokens, tree):
    from datetime import date

    from branches.services import organization_dissolve

    organization_dissolve(organization=tree.b1, on=date(2025, 1, 1), reason="撤销")
    organization_dissolve(organization=tree.gb, on=date(2025, 1, 2), reason="撤销")
    assert ids(bearer(api, tokens.gb).get(ORGS, {"active": "all"})) == set()


def test_token_user_cannot_use_pages(client, tokens):
    """The service account behind a token has no password and no page role."""
    user = tokens.clients.gb.user
    assert not user.has_usable_password()
    login(client, user)
    assert client.get("/org/").status_code == 403
