"""The API builds form fields only for the filter parameters a request gives (portal.filter_backends.only_given_filters).

The answer must be the same bytes as with every filter's field built and cleaned: rows, order, 400s and their field
errors.
"""
import pytest
from rest_framework.request import Request

from portal import filter_backends
from tests.api.conftest import bearer

pytestmark = pytest.mark.django_db

QUERIES = [
    ("/api/v1/organizations/", ""),
    ("/api/v1/organizations/", "organization={a1}"),
    ("/api/v1/organizations/", "kind=branch&kind=party_group&ordering=-code"),
    ("/api/v1/organizations/", "parent={gb}&active=all&q=支部"),
    ("/api/v1/organizations/", "updated_since=2000-01-01T00:00:00Z&page_size=2"),
    ("/api/v1/members/", ""),
    ("/api/v1/members/", "organization={gb}&ordering=-name"),
    ("/api/v1/members/", "party_age_min=0&party_age_max=100&status=full&q=1"),
    ("/api/v1/members/", "updated_since=2000-01-01T00:00:00%2B08:00&active=0"),
    ("/api/v1/activities/", "held_on_after=2025-01-01&held_on_before=2025-12-31"),
]
BAD_QUERIES = [   # the same 400 and field errors
    ("/api/v1/organizations/", "organization=abc"),
    ("/api/v1/organizations/", "organization=999999&kind=nope"),
    ("/api/v1/organizations/", "organization="),
    ("/api/v1/members/", "party_age_min=0.5&ordering=phone"),
    ("/api/v1/members/", "updated_since=yesterday&active=2"),
    ("/api/v1/activities/", "held_on_after=2025-13-01"),
]


@pytest.mark.parametrize(("url", "query"), QUERIES + BAD_QUERIES)
def test_same_answer_as_with_every_filter(api, tokens, tree, members, url, query, monkeypatch):
    client = bearer(api, tokens.root)
    full_url = f"{url}?{query.format(a1=tree.a1.pk, gb=tree.gb.pk)}"
    given = client.get(full_url)
    monkeypatch.setattr(filter_backends, "only_given_filters", lambda filterset: filterset)
    whole = client.get(full_url)
    assert given.status_code == whole.status_code
    assert given.content == whole.content
    if (url, query) in BAD_QUERIES:
        assert given.status_code == 400 and given.json()["fields"], given.content
    else:
        assert given.status_code == 200, given.content


def test_only_the_given_parameters_are_built(rf, users, tree):
    from branches.api.views import OrganizationViewSet

    request = Request(rf.get("/api/v1/organizations/", {"organization": tree.a1.pk}))
    request.user = users.superuser
    view = OrganizationViewSet(request=request, format_kwarg=None, action="list")
    filterset = filter_backends.StrictFilterBackend().get_filterset(request, view.get_queryset(), view)
    assert set(filterset.form.fields) == {"organization", "active"}   # active: the FilterSet's default ("1")
    assert filterset.is_valid()
    assert filterset.form.cleaned_data["organization"] == tree.a1
