"""One error shape, per-client throttling with Retry-After, idempotent POSTs."""
import pytest

from branches.models import Organization
from portal.models import IdempotencyKey
from tests.api.conftest import bearer

URL = "/api/v1/organizations/"


@pytest.fixture
def low_rate(monkeypatch):
    from portal.throttling import ClientRateThrottle

    monkeypatch.setattr(ClientRateThrottle, "THROTTLE_RATES", {"api_client": "3/min"})


def test_throttled_per_client_with_retry_after(api, tokens, low_rate):
    gb = bearer(api, tokens.gb)
    assert [gb.get(URL).status_code for _ in range(3)] == [200, 200, 200]
    response = gb.get(URL)
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    assert response.json()["code"] == "throttled" and response.json()["fields"] == {}
    # another client has its own budget
    from rest_framework.test import APIClient

    assert bearer(APIClient(), tokens.root).get(URL).status_code == 200
    # the refused request is in the client's usage log too
    assert tokens.clients.gb.requests.filter(status=429).count() == 1


def test_a_clients_own_rate_overrides_the_default(api, tokens, low_rate):
    tokens.clients.gb.throttle_rate = "1/min"
    tokens.clients.gb.save(update_fields=["throttle_rate"])
    gb = bearer(api, tokens.gb)
    assert [gb.get(URL).status_code for _ in range(2)] == [200, 429]


def test_validation_errors_name_every_field(api, users, tree):
    api.force_authenticate(users.staff)
    body = api.get("/api/v1/members/", {"status": "x", "party_age_min": "-1", "updated_since": "2025-13-01"}).json()
    assert body["code"] == "validation_error"
    assert set(body["fields"]) == {"status", "party_age_min", "updated_since"}
    assert all(isinstance(m, str) for msgs in body["fields"].values() for m in msgs)


@pytest.mark.urls("tests.api.idempotency_urls")
class TestIdempotentCreate:
    URL = "/api/v1/branches/"

    def payload(self, tree, code="NEW01"):
        return {"name": "新支部", "code": code, "established_on": "2025-01-01", "parent": tree.ga.pk}

    def test_replay_returns_the_first_response_without_creating_twice(self, api, users, tree):
        api.force_authenticate(users.staff)
        first = api.post(self.URL, self.payload(tree), HTTP_IDEMPOTENCY_KEY="k-1")
        again = api.post(self.URL, self.payload(tree), HTTP_IDEMPOTENCY_KEY="k-1")
        assert first.status_code == again.status_code == 201
        assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
        assert Organization.objects.filter(code="NEW01").count() == 1

    def test_same_key_other_body_is_422(self, api, users, tree):
        api.force_authenticate(users.staff)
        api.post(self.URL, self.payload(tree), HTTP_IDEMPOTENCY_KEY="k-2")
        response = api.post(self.URL, self.payload(tree, code="NEW02"), HTTP_IDEMPOTENCY_KEY="k-2")
        assert response.status_code == 422 and response.json()["code"] == "idempotency_key_reused"

    def test_keys_belong_to_their_user(self, api, users, tree):
        api.force_authenticate(users.staff)
        api.post(self.URL, self.payload(tree), HTTP_IDEMPOTENCY_KEY="k-3")
        api.force_authenticate(users.staff_a)
        response = api.post(self.URL, self.payload(tree, code="NEW03"), HTTP_IDEMPOTENCY_KEY="k-3")
        assert response.status_code == 201 and response.json()["code"] == "NEW03"

    def test_failed_request_frees_the_key(self, api, users, tree):
        api.force_authenticate(users.staff)
        bad = api.post(self.URL, {**self.payload(tree), "established_on": "soon"}, HTTP_IDEMPOTENCY_KEY="k-4")
        assert bad.status_code == 400 and set(bad.json()["fields"]) == {"established_on"}
        assert not IdempotencyKey.objects.filter(key="k-4").exists()
        assert api.post(self.URL, self.payload(tree), HTTP_IDEMPOTENCY_KEY="k-4").status_code == 201

    def test_in_flight_key_is_409(self, api, users, tree):
        IdempotencyKey.objects.create(user=users.staff, key="k-5", method="POST", path=self.URL,
                                      fingerprint="whatever")
        api.force_authenticate(users.staff)
        # same fingerprint is required for 409; compute it the way the mixin does
        import hashlib
        import json

        data = self.payload(tree)
        IdempotencyKey.objects.filter(key="k-5").update(fingerprint=hashlib.sha256(
            json.dumps(["POST", self.URL, data], sort_keys=True, default=str).encode()).hexdigest())
        assert api.post(self.URL, data, HTTP_IDEMPOTENCY_KEY="k-5").status_code == 409

    def test_writes_use_the_write_action_scope(self, api, users, tree):
        api.force_authenticate(users.reviewer)  # VIEW on everything, MANAGE nowhere
        response = api.post(self.URL, self.payload(tree))
        assert response.status_code == 400 and set(response.json()["fields"]) == {"parent"}

    def test_service_validation_errors_are_400_not_500(self, api, users, tree):
        api.force_authenticate(users.staff)
        response = api.post(self.URL, {**self.payload(tree), "parent": tree.a1g.pk})  # a branch under a group
        assert response.status_code == 400 and response.json()["code"] == "validation_error"


LISTS = ["/api/v1/organizations/", "/api/v1/members/", "/api/v1/activities/"]


@pytest.mark.parametrize("url", LISTS)
@pytest.mark.parametrize("stamp", ["2026-01-01T00:00:00-19:35", "0166-08-08T11:43:53+23:59", "2026-01-01T00:00:00"])
def test_updated_since_with_any_valid_offset_is_answered(api, users, tree, url, stamp):
    """Python reads offsets up to ±23:59, PostgreSQL only ±15:59: the filter hands the database UTC (found by
    Schemathesis on PostgreSQL as a 500)."""
    api.force_authenticate(users.staff)
    assert api.get(url, {"updated_since": stamp}).status_code == 200


@pytest.mark.parametrize("url", LISTS)
@pytest.mark.parametrize("stamp", ["0001-01-01T00:00:00+08:00", "9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00"])
def test_updated_since_outside_the_calendar_is_400(api, users, tree, url, stamp):
    from portal.filters import TIMESTAMP_OUT_OF_RANGE

    api.force_authenticate(users.staff)
    response = api.get(url, {"updated_since": stamp})
    assert response.status_code == 400
    assert response.json()["fields"] == {"updated_since": [TIMESTAMP_OUT_OF_RANGE]}
