"""Contract of /api/v1/members/: fields, the page's FilterSet, tombstones, PII masking and its access log."""
import base64
from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from members.models import MemberStatus, PiiAccess
from members.services.registry import member_deactivate
from portal.api import VALIDATION_DETAIL
from portal.pagination import INVALID_CURSOR
from tests.api.conftest import bearer, ids
from tests.members.factories import MemberFactory, valid_id_number

URL = "/api/v1/members/"
FIELDS = {
    "id", "name", "gender", "gender_display", "ethnicity", "birth_date", "phone", "id_number", "education",
    "education_display", "work_unit", "post", "category", "category_display", "status", "status_display",
    "joined_on", "confirmed_on", "party_age", "branch", "branch_code", "branch_name", "party_group",
    "party_group_name", "is_active", "left_on", "left_reason", "pii_masked", "updated_at",
}


@pytest.fixture
def person(tree):
    return MemberFactory(branch=tree.b1, name="王小明", phone="13812345678", with_id=valid_id_number(7))


def test_fields_masked_without_pii_grant(api, tokens, person):
    [row] = bearer(api, tokens.gb).get(URL).json()["results"]
    assert set(row) == FIELDS
    assert row["phone"] == "138****5678"
    assert row["id_number"] == person.id_number_masked and "*" in row["id_number"]
    assert row["pii_masked"] is True
    assert row["branch_code"] == person.branch.code
    assert not PiiAccess.objects.exists()


def test_pii_grant_shows_and_logs_every_member_read(api, tokens, tree, person, members):
    body = bearer(api, tokens.root).get(URL).json()
    row = next(r for r in body["results"] if r["id"] == person.pk)
    assert row["phone"] == "13812345678" and row["id_number"] == valid_id_number(7) and row["pii_masked"] is False
    logged = PiiAccess.objects.filter(action=PiiAccess.Action.API)
    # one row per branch on the page (a1, a2, b1), listing every member read: person + the three fixture members
    by_branch = {e.organization_id: e for e in logged}
    assert set(by_branch) == {tree.a1.pk, tree.a2.pk, tree.b1.pk}
    assert sorted(pk for e in logged for pk in e.member_ids) == sorted(r["id"] for r in body["results"])
    assert sorted(by_branch[tree.b1.pk].member_ids) == sorted([members.b1.pk, person.pk])
    assert by_branch[tree.b1.pk].member is None and by_branch[tree.a2.pk].member == members.a2  # single → member
    assert all(e.user == tokens.clients.root.user and "党委客户端" in e.detail for e in logged)
    api.get(f"{URL}{person.pk}/")
    single = logged.get(member=person)
    assert single.member_ids == [person.pk] and single.organization == tree.b1


def test_api_reads_show_on_the_pii_log_only_to_staff_in_scope(client, api, tokens, tree, users, person, members):
    bearer(api, tokens.root).get(URL)
    client.force_login(users.staff_a)   # 甲党总支: sees the reads of a1 and a2, not those of b1
    page = client.get(reverse("members:pii_log")).content.decode()
    assert members.a1.name in page and tree.a1.name in page and tree.a2.name in page
    assert person.name not in page and members.b1.name not in page and tree.b1.name not in page
    client.force_login(users.staff)      # the whole tree: the b1 row names both members read
    page = client.get(reverse("members:pii_log")).content.decode()
    assert "2 名党员" in page and person.name in page and members.b1.name in page and "接口读取个人信息" in page


def test_people_see_masked_data_unless_allowed_to_export_pii(api, users, person):
    api.force_authenticate(users.staff)
    assert api.get(f"{URL}{person.pk}/").json()["pii_masked"] is True
    api.force_authenticate(users.superuser)
    assert api.get(f"{URL}{person.pk}/").json()["id_number"] == valid_id_number(7)
    assert PiiAccess.objects.filter(user=users.superuser, member=person, action="api").count() == 1


def test_phone_search_needs_the_pii_grant(api, tokens, person):
    assert ids(bearer(api, tokens.gb).get(URL, {"q": "1381234"})) == set()
    assert ids(bearer(api, tokens.gb).get(URL, {"q": "小明"})) == {person.pk}
    assert ids(bearer(api, tokens.root).get(URL, {"q": "1381234"})) == {person.pk}


def test_filters_shared_with_the_page(api, users, tree, members):
    api.force_authenticate(users.staff)
    probationary = MemberFactory(branch=tree.a2, status=MemberStatus.PROBATIONARY, confirmed_on=None)
    assert ids(api.get(URL, {"organization": tree.ga.pk})) == {members.a1.pk, members.a2.pk, probationary.pk}
    assert ids(api.get(URL, {"organization": tree.a1g.pk})) == {members.a1.pk}
    assert ids(api.get(URL, {"status": "probationary"})) == {probationary.pk}
    assert ids(api.get(URL, {"party_age_min": 100})) == set()


def test_left_members_hidden_by_default_and_sent_as_tombstones(api, users, tree, members):
    api.force_authenticate(users.staff)
    since = timezone.now()
    member_deactivate(member=members.b1, on=date.today(), reason="去世", by=users.staff)
    assert members.b1.pk not in ids(api.get(URL))
    rows = api.get(URL, {"updated_since": since.isoformat()}).json()["results"]
    assert [(r["id"], r["is_active"], r["left_reason"]) for r in rows] == [(members.b1.pk, False, "去世")]


def test_ordering_and_cursor_pages(api, users, tree):
    api.force_authenticate(users.staff)
    MemberFactory.create_batch(5, branch=tree.a1)
    first = api.get(URL, {"page_size": 2, "ordering": "-id"}).json()
    second = api.get(first["next"]).json()
    got = [r["id"] for r in first["results"] + second["results"]]
    assert got == sorted(got, reverse=True) and len(set(got)) == 4
    assert second["previous"]


@pytest.mark.parametrize("cursor", ["bz14", base64.b64encode(b"p=not-an-id").decode(), "%%%"])
def test_tampered_cursor_is_400_in_the_error_shape(api, users, tree, members, cursor):
    api.force_authenticate(users.staff)
    response = api.get(URL, {"cursor": cursor})
    if cursor == "%%%":  # decodes to an empty cursor: the first page
        assert response.status_code == 200
        return
    assert response.status_code == 400
    assert response.json() == {"code": "validation_error", "detail": VALIDATION_DETAIL,
                               "fields": {"cursor": [INVALID_CURSOR]}}
