"""Contract of /api/v1/organizations/: fields, filters, pagination, ordering, updated_since with tombstones."""
from datetime import date

import pytest
from django.utils import timezone

from branches.services import organization_dissolve, term_start
from tests.api.conftest import ids

URL = "/api/v1/organizations/"

LIST_FIELDS = {
    "id", "code", "name", "short_name", "kind", "kind_display", "parent", "parent_code", "path", "depth",
    "established_on", "dissolved_on", "dissolution_reason", "is_active", "units", "locality", "locality_display",
    "term_years", "member_count", "full_member_count", "seat_count", "term_ends_on", "warnings", "updated_at",
}


@pytest.fixture
def staff_api(api, users):
    api.force_authenticate(users.staff)
    return api


def test_list_fields_and_tree_order(staff_api, tree, members):
    body = staff_api.get(URL).json()
    assert set(body) == {"next", "previous", "results"}
    rows = body["results"]
    assert [r["id"] for r in rows] == [o.pk for o in (tree.root, tree.ga, tree.a1, tree.a1g, tree.a2, tree.gb, tree.b1)]
    assert set(rows[0]) == LIST_FIELDS
    a1 = next(r for r in rows if r["id"] == tree.a1.pk)
    assert a1["parent"] == tree.ga.pk and a1["parent_code"] == tree.ga.code
    assert a1["member_count"] == 1 and a1["kind"] == "branch" and a1["kind_display"] == "党支部"
    assert a1["is_active"] is True and a1["dissolved_on"] is None
    assert rows[0]["parent"] is None
    # structural warnings come with the row: one full member is too few for a branch
    assert {"code": "too_few_full_members", "level": "warn"}.items() <= a1["warnings"][0].items()


def test_detail_has_committee_terms_and_seats(staff_api, tree, members):
    term_start(organization=tree.a1, started_on=date(2024, 1, 1), ends_on=date(2027, 1, 1),
               seats=[(members.a1, "secretary")])
    body = staff_api.get(f"{URL}{tree.a1.pk}/").json()
    assert set(body) == LIST_FIELDS | {"terms"}
    [term] = body["terms"]
    assert term["is_current"] is True and term["ends_on"] == "2027-01-01"
    assert term["seats"] == [{"role": "secretary", "role_display": "书记", "member": members.a1.pk,
                              "member_name": members.a1.name, "started_on": term["seats"][0]["started_on"],
                              "ended_on": None}]
    assert body["seat_count"] == 1 and body["term_ends_on"] == "2027-01-01"


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"kind": "branch"}, {"a1", "a2", "b1"}),
        ({"kind": ["general_branch", "party_group"]}, {"ga", "gb", "a1g"}),
        ({"organization": "ga"}, {"ga", "a1", "a1g", "a2"}),
        ({"parent": "ga"}, {"a1", "a2"}),
        ({"q": "甲一"}, {"a1", "a1g"}),
    ],
)
def test_filters(staff_api, tree, params, expected):
    params = {k: (getattr(tree, v).pk if k in ("organization", "parent") else v) for k, v in params.items()}
    assert ids(staff_api.get(URL, params)) == {getattr(tree, name).pk for name in expected}


def test_dissolved_hidden_by_default_listed_on_request(staff_api, tree):
    organization_dissolve(organization=tree.a2, on=date(2025, 1, 1), reason="合并")
    assert tree.a2.pk not in ids(staff_api.get(URL))
    assert ids(staff_api.get(URL, {"active": "0"})) == {tree.a2.pk}
    assert tree.a2.pk in ids(staff_api.get(URL, {"active": "all"}))


def test_updated_since_returns_changes_and_tombstones(staff_api, tree):
    since = timezone.now()
    assert ids(staff_api.get(URL, {"updated_since": since.isoformat()})) == set()
    organization_dissolve(organization=tree.a2, on=date(2025, 1, 1), reason="合并")
    term_start(organization=tree.b1, started_on=date(2025, 1, 1), ends_on=date(2028, 1, 1), seats=[])
    rows = staff_api.get(URL, {"updated_since": since.isoformat()}).json()["results"]
    by_id = {r["id"]: r for r in rows}
    assert set(by_id) == {tree.a2.pk, tree.b1.pk}  # a new committee term counts as a change of b1
    assert by_id[tree.a2.pk]["is_active"] is False and by_id[tree.a2.pk]["dissolved_on"] == "2025-01-01"
    # an explicit active filter still wins
    assert ids(staff_api.get(URL, {"updated_since": since.isoformat(), "active": "1"})) == {tree.b1.pk}


def test_updated_since_must_be_a_timestamp(staff_api, tree):
    response = staff_api.get(URL, {"updated_since": "yesterday"})
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert list(response.json()["fields"]) == ["updated_since"]


def test_cursor_pagination_walks_every_row_once(staff_api, tree):
    seen, url, pages = [], URL + "?page_size=3", 0
    while url:
        body = staff_api.get(url).json()
        seen += [r["id"] for r in body["results"]]
        url, pages = body["next"], pages + 1
    assert pages == 3 and len(seen) == len(set(seen)) == 7


@pytest.mark.parametrize("ordering", ["code", "-updated_at", "-id"])
def test_ordering(staff_api, tree, ordering):
    rows = staff_api.get(URL, {"ordering": ordering}).json()["results"]
    field = ordering.lstrip("-")
    values = [r[field] for r in rows]
    assert values == sorted(values, reverse=ordering.startswith("-"))


def test_unknown_ordering_falls_back_to_tree_order(staff_api, tree):
    rows = staff_api.get(URL, {"ordering": "name"}).json()["results"]
    assert [r["path"] for r in rows] == sorted(r["path"] for r in rows)


def test_bad_filter_values_are_400_with_field_errors(staff_api, tree):
    response = staff_api.get(URL, {"kind": "nonsense", "organization": "999999"})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "validation_error" and set(body["fields"]) == {"kind", "organization"}
    assert body["detail"]


def test_page_size_is_capped(staff_api, tree):
    assert len(staff_api.get(URL, {"page_size": 10_000}).json()["results"]) == 7
