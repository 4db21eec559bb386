"""GET /api/v1/: an index of the resources, for authenticated callers only."""
import pytest

from tests.api.conftest import bearer

pytestmark = pytest.mark.django_db


def test_index_lists_the_stable_resource_names_with_absolute_links(api, tokens):
    body = bearer(api, tokens.gb).get("/api/v1/").json()
    for name in ("organizations", "members", "activities", "compliance", "evaluation-cycles", "branch-results",
                 "rectifications", "report-jobs"):
        assert body[name] == f"http://testserver/api/v1/{name}/"
    assert body["schema"].endswith("/api/schema/")


@pytest.mark.parametrize("header", [None, "Bearer not-a-real-token"])
def test_index_is_refused_without_valid_credentials(api, header, tokens):
    if header:
        api.credentials(HTTP_AUTHORIZATION=header)
    response = api.get("/api/v1/")
    assert response.status_code == 401
    assert "organizations" not in response.json()


def test_index_is_refused_to_a_revoked_client(api, tokens):
    assert bearer(api, tokens.revoked).get("/api/v1/").status_code == 401
