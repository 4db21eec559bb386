"""Contract of /api/v1/compliance/: rows per organization and period from branches.compliance, filters, pages, 400s."""
from datetime import date

import pytest
from django.utils import timezone

from branches.models import Organization
from orglife.compliance import PERIOD_FORMAT_ERROR, PERIOD_YEAR_ERROR, compliance_table
from orglife.models import ActivityStatus
from tests.api.conftest import bearer
from tests.orglife.activity_factories import log

URL = "/api/v1/compliance/"
ROW_FIELDS = {"organization", "period", "period_kind", "period_start", "period_end", "rules", "required", "done",
              "missing", "overdue", "rate", "completion_rate", "status"}
RULE_FIELDS = {"type", "type_name", "holder", "per", "min_count", "required", "done", "records", "missing", "overdue",
               "due_on", "status", "windows"}


@pytest.fixture
def held(tree):
    """2025 Q1: a1 held its 党员大会 and two of three 主题党日 (the third voided, the 党课 only a draft);
    its 党小组 met every month; a2 held nothing; b1 held its 党员大会 on the last day of the quarter."""
    log(tree.a1, "general_meeting", date(2025, 2, 10))
    log(tree.a1, "theme_day", date(2025, 1, 20))
    log(tree.a1, "theme_day", date(2025, 2, 20))
    log(tree.a1, "theme_day", date(2025, 3, 20), is_voided=True)
    log(tree.a1, "lecture", date(2025, 3, 1), status=ActivityStatus.DRAFT, lecturer="王书记", lecture_title="党课")
    for month in (1, 2, 3):
        log(tree.a1g, "group_meeting", date(2025, month, 8))
    log(tree.b1, "general_meeting", date(2025, 3, 31))


def rows_by_org(response):
    assert response.status_code == 200, response.content
    return {row["organization"]["id"]: row for row in response.json()["results"]}


def rules_of(row):
    return {r["type"]: (r["required"], r["done"], r["records"], r["status"]) for r in row["rules"]}


def test_rows_fields_and_counts(api, users, tree, held):
    api.force_authenticate(users.staff)
    rows = rows_by_org(api.get(URL, {"period": "2025-Q1"}))
    assert list(rows) == [tree.a1.pk, tree.a2.pk, tree.b1.pk]  # branches only, in tree order
    a1 = rows[tree.a1.pk]
    assert set(a1) == ROW_FIELDS and all(set(r) == RULE_FIELDS for r in a1["rules"])
    assert a1["organization"] == {"id": tree.a1.pk, "code": tree.a1.code, "name": "甲一支部", "kind": "branch",
                                  "path": tree.a1.path}
    assert (a1["period"], a1["period_kind"], a1["period_start"], a1["period_end"]) == (
        "2025-Q1", "quarter", "2025-01-01", "2025-03-31")
    # no committee (fewer than 3 seats): no 支委会 is required; the group's meetings count on the branch row
    assert rules_of(a1) == {
        "general_meeting": (1, 1, 1, "met"),
        "group_meeting": (3, 3, 3, "met"),
        "lecture": (1, 0, 0, "overdue"),          # a draft does not count
        "theme_day": (3, 2, 2, "overdue"),        # the voided one does not count
        "life_meeting": (0, 0, 0, "none"),        # yearly: judged in December
        "appraisal": (0, 0, 0, "none"),
        "talk": (0, 0, 0, "none"),
    }
    assert [r["type"] for r in a1["rules"]][:4] == ["general_meeting", "group_meeting", "lecture", "theme_day"]
    theme = next(r for r in a1["rules"] if r["type"] == "theme_day")
    assert theme["windows"] == [
        {"period": "2025-01", "required": 1, "held": 1, "status": "met"},
        {"period": "2025-02", "required": 1, "held": 1, "status": "met"},
        {"period": "2025-03", "required": 1, "held": 0, "status": "overdue"},
    ]
    assert (theme["per"], theme["holder"], theme["min_count"], theme["missing"], theme["overdue"]) == (
        "month", "branch", 1, 1, 1)
    assert (a1["required"], a1["done"], a1["missing"], a1["overdue"], a1["status"]) == (8, 6, 2, 2, "overdue")
    assert a1["rate"] == pytest.approx(6 / 8)
    assert rows[tree.a2.pk]["status"] == "overdue" and rows[tree.a2.pk]["done"] == 0
    assert rules_of(rows[tree.b1.pk])["general_meeting"] == (1, 1, 1, "met")


def test_numbers_are_the_engines(api, users, tree, held):
    """The endpoint renders branches.compliance; it does not count on its own."""
    api.force_authenticate(users.staff)
    for period in ("2025", "2025-Q1", "2025-02"):
        rows = rows_by_org(api.get(URL, {"period": period}))
        engine = compliance_table(organizations_qs=Organization.objects.filter(pk__in=rows), period=period,
                                  today=timezone.localdate())
        assert [r.organization.pk for r in engine] == list(rows)
        for expected in engine:
            got = rows[expected.organization.pk]
            assert (got["required"], got["done"], got["missing"], got["overdue"]) == (
                expected.required, expected.held, expected.missing, expected.overdue)
            assert {r["type"]: (r["required"], r["done"], r["records"]) for r in got["rules"]} == {
                c.activity_type.code: (c.required, c.held, c.count) for c in expected.cells.values()}


def test_period_kinds(api, users, tree, held):
    api.force_authenticate(users.staff)
    year = rows_by_org(api.get(URL, {"period": "2025"}))[tree.a1.pk]
    assert (year["period_kind"], year["period_start"], year["period_end"]) == ("year", "2025-01-01", "2025-12-31")
    assert rules_of(year)["life_meeting"] == (1, 0, 0, "overdue")  # December's window ends in the year
    month = rows_by_org(api.get(URL, {"period": "2025-02"}))[tree.a1.pk]
    assert (month["period"], month["period_kind"], month["period_end"]) == ("2025-02", "month", "2025-02-28")
    assert "general_meeting" not in {r["type"] for r in month["rules"] if r["required"]}  # quarterly: March
    assert rules_of(month)["theme_day"] == (1, 1, 1, "met")
    lower = rows_by_org(api.get(URL, {"period": "2025-q1"}))[tree.a1.pk]
    assert lower["period"] == "2025-Q1"


def test_default_period_is_this_year(api, users, tree):
    api.force_authenticate(users.staff)
    row = rows_by_org(api.get(URL))[tree.a1.pk]
    assert row["period"] == str(timezone.localdate().year) and row["period_kind"] == "year"


def test_scope_and_filters(api, users, tokens, tree, held):
    api.force_authenticate(users.staff)
    assert list(rows_by_org(api.get(URL, {"period": "2025-Q1", "organization": tree.ga.pk}))) == [tree.a1.pk, tree.a2.pk]
    assert list(rows_by_org(api.get(URL, {"period": "2025-Q1", "organization": tree.a2.pk}))) == [tree.a2.pk]
    groups = rows_by_org(api.get(URL, {"period": "2025-Q1", "kind": "groups"}))
    assert list(groups) == [tree.a1g.pk] and rules_of(groups[tree.a1g.pk]) == {"group_meeting": (3, 3, 3, "met")}
    only = rows_by_org(api.get(URL, {"period": "2025-Q1", "type": "theme_day"}))
    assert {tuple(r["type"] for r in row["rules"]) for row in only.values()} == {("theme_day",)}
    api.force_authenticate(users.secretary)
    assert list(rows_by_org(api.get(URL, {"period": "2025-Q1"}))) == [tree.a1.pk]


def test_cursor_pages_in_tree_order(api, users, tree, held):
    api.force_authenticate(users.staff)
    first = api.get(URL, {"period": "2025-Q1", "page_size": 2}).json()
    assert [r["organization"]["id"] for r in first["results"]] == [tree.a1.pk, tree.a2.pk]
    second = api.get(first["next"]).json()
    assert [r["organization"]["id"] for r in second["results"]] == [tree.b1.pk] and second["next"] is None
    assert second["results"][0]["period"] == "2025-Q1"  # the period travels with the cursor


@pytest.mark.parametrize("period, message", [
    ("2025-Q5", PERIOD_FORMAT_ERROR),
    ("2025-13", PERIOD_FORMAT_ERROR),
    ("2025-9", PERIOD_FORMAT_ERROR),
    ("Q3", PERIOD_FORMAT_ERROR),
    ("二〇二五", PERIOD_FORMAT_ERROR),
    ("0000", PERIOD_YEAR_ERROR),
    ("9999-12", PERIOD_YEAR_ERROR),
])
def test_invalid_period_is_400_with_a_chinese_message(api, users, tree, period, message):
    api.force_authenticate(users.staff)
    response = api.get(URL, {"period": period})
    assert response.status_code == 400
    assert response.json()["fields"] == {"period": [message]}


@pytest.mark.parametrize("params, field", [
    ({"kind": "committees"}, "kind"),
    ({"type": "no_such_type"}, "type"),
    ({"organization": "abc"}, "organization"),
    ({"page_size": "-1"}, "page_size"),
    ({"cursor": "bz14"}, "cursor"),
])
def test_other_bad_input_is_400(api, users, tree, params, field):
    api.force_authenticate(users.staff)
    response = api.get(URL, params)
    assert response.status_code == 400 and set(response.json()["fields"]) == {field}


def test_organization_outside_the_scope_is_400_not_a_leak(api, tokens, tree):
    response = bearer(api, tokens.gb).get(URL, {"organization": tree.a1.pk})
    assert response.status_code == 400 and set(response.json()["fields"]) == {"organization"}


def test_read_only(api, users, tree):
    api.force_authenticate(users.superuser)
    assert api.post(URL, {}).status_code == 405
