"""Who sees what through the API: each role and each client scope against each endpoint and object."""
from datetime import date

import pytest

from tests.api.conftest import bearer, ids, login
from tests.orglife.activity_factories import attend, log

ORGS, MEMBERS = "/api/v1/organizations/", "/api/v1/members/"
ACTIVITIES, COMPLIANCE = "/api/v1/activities/", "/api/v1/compliance/"

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


# records are held by branches and groups: visible ones per identity, and the branch rows of the compliance table
ACTIVITY_SCOPE = {
    "staff": {"a1", "a1g", "a2", "b1"}, "staff_a": {"a1", "a1g", "a2"}, "secretary": {"a1", "a1g"},
    "reviewer": {"a1", "a1g", "a2", "b1"}, "agency": {"b1"}, "nobody": set(), "superuser": {"a1", "a1g", "a2", "b1"},
    "token_gb": {"b1"}, "token_root": {"a1", "a1g", "a2", "b1"},
}
COMPLIANCE_SCOPE = {who: {n for n in seen if n != "a1g"} for who, seen in ACTIVITY_SCOPE.items()}


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


@pytest.fixture
def records(tree, members):
    """One record per branch and group, each with its member's attendance."""
    held = {name: log(getattr(tree, name), code, date(2026, 3, 1))
            for name, code in [("a1", "general_meeting"), ("a1g", "group_meeting"), ("a2", "lecture"),
                               ("b1", "theme_day")]}
    for name in ("a1", "a2", "b1"):
        attend(held[name], getattr(members, name))
    return held


@pytest.mark.parametrize("who", sorted(ACTIVITY_SCOPE))
def test_activity_list_and_detail_follow_scope(api, users, tokens, records, who):
    client = as_identity(api, who, users, tokens)
    expected = {records[n].pk for n in ACTIVITY_SCOPE[who]}
    assert ids(client.get(ACTIVITIES)) == expected
    for name, activity in records.items():
        response = client.get(f"{ACTIVITIES}{activity.pk}/")
        assert response.status_code == (200 if activity.pk in expected else 404), (who, name)
    assert client.get(f"{ACTIVITIES}999999/").status_code == 404


@pytest.mark.parametrize("who", sorted(COMPLIANCE_SCOPE))
def test_compliance_rows_follow_scope(api, users, tokens, tree, records, who):
    client = as_identity(api, who, users, tokens)
    response = client.get(COMPLIANCE, {"period": "2026-Q1"})
    assert response.status_code == 200
    got = {row["organization"]["id"] for row in response.json()["results"]}
    assert got == {getattr(tree, n).pk for n in COMPLIANCE_SCOPE[who]}
    # the scope's root may be named; an organization outside it is refused, never evaluated
    for name in ("a1", "b1"):
        inside = name in COMPLIANCE_SCOPE[who]
        assert client.get(COMPLIANCE, {"organization": getattr(tree, name).pk}).status_code == (200 if inside else 400)


@pytest.mark.parametrize("url", [ACTIVITIES, COMPLIANCE])
@pytest.mark.parametrize("token", ["revoked", "expired"])
def test_revoked_and_expired_tokens_are_401(api, tokens, records, url, token):
    response = bearer(api, getattr(tokens, token)).get(url)
    assert response.status_code == 401 and response.json()["code"] == "not_authenticated"


@pytest.mark.parametrize("url", [ORGS, MEMBERS, ACTIVITIES, COMPLIANCE])
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
    assert api.post(ACTIVITIES, {}).status_code == 405
    assert api.post(COMPLIANCE, {}).status_code == 405


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
