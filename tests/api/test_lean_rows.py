"""List pages build rows by hand (`represent`) for speed; each row must equal DRF's field-by-field output.

The declared serializer fields are the contract (the OpenAPI schema comes from them). These tests serialize
the same objects both ways, over data that exercises every branch of `represent`: nulls and values, guests
and members, PII on and off, dissolved organizations and warnings, both languages.
"""
from datetime import UTC, date, datetime, time

import pytest
from django.db.models import Prefetch
from django.utils import timezone, translation

from branches.api.serializers import OrganizationSerializer
from branches.api.views import _with_parent
from branches.models import Organization
from branches.selectors import with_structure
from branches.services import term_start
from members.api.serializers import MemberSerializer
from members.models import Member, MemberStatus
from orglife.api.serializers import ActivitySerializer, AttendanceSerializer
from orglife.api.views import _attendance
from orglife.models import Activity, AttendanceStatus, LeaveReason
from tests.api.conftest import bearer
from tests.members.factories import MemberFactory, valid_id_number
from tests.orglife.activity_factories import attend, log

pytestmark = pytest.mark.django_db


def rows_by_id(response):
    assert response.status_code == 200, response.content
    return {row["id"]: row for row in response.json()["results"]}


@pytest.fixture
def rich(tree, members):
    """Data touching every optional value: a dissolved group, a committee, guests, leave, check-in times."""
    tree.a1g.dissolved_on = date(2025, 6, 30)
    tree.a1g.dissolution_reason = "合并"
    tree.a1g.save()
    term_start(organization=tree.a1, started_on=date(2022, 1, 1), ends_on=date(2025, 1, 1),
               seats=[(members.a1, "secretary")])
    MemberFactory(branch=tree.b1, party_group=None, phone="13812345678", with_id=valid_id_number(9),
                  status=MemberStatus.PROBATIONARY, confirmed_on=None, education="")
    MemberFactory(branch=tree.a1, party_group=tree.a1g, is_active=True)
    meeting = log(tree.a1, "general_meeting", date(2025, 3, 1), starts_at=time(9, 30), ends_at=time(11, 0),
                  place="会议室", topics="学习", submitted_at=timezone.now())
    attend(meeting, members.a1, checked_in_at=datetime(2025, 3, 1, 1, 5, tzinfo=UTC))
    attend(meeting, members.a2, status=AttendanceStatus.LEAVE, leave_reason=LeaveReason.choices[0][0])
    attend(meeting, None, guest_name="列席甲")
    log(tree.b1, "theme_day", date(2025, 3, 2), is_voided=True, void_reason="重复")
    return meeting


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_organization_rows_equal_generic_output(api, users, tree, rich, language, settings):
    api.force_authenticate(users.superuser)
    with translation.override(language):
        got = rows_by_id(api.get("/api/v1/organizations/", {"updated_since": "2000-01-01T00:00:00Z"},
                                 HTTP_ACCEPT_LANGUAGE=language))
        qs = _with_parent(with_structure(Organization.objects.all()))
        serializer = OrganizationSerializer()
        expected = {o.pk: dict(serializer.generic_representation(o)) for o in qs}
    assert got.keys() == expected.keys() and tree.a1g.pk in got
    assert any(row["warnings"] for row in got.values()) and got[tree.a1g.pk]["is_active"] is False
    for pk, row in got.items():
        assert list(row.items()) == list(expected[pk].items())   # values and field order


@pytest.mark.parametrize("pii", [False, True])
def test_member_rows_equal_generic_output(api, tokens, tree, members, rich, pii):
    client = bearer(api, tokens.root if pii else tokens.gb)
    got = rows_by_id(client.get("/api/v1/members/"))
    serializer = MemberSerializer(context={"pii": pii})
    expected = {m.pk: dict(serializer.generic_representation(m))
                for m in Member.objects.select_related("branch", "party_group").filter(pk__in=got)}
    assert len(got) >= 2 and got.keys() == expected.keys()
    assert {row["pii_masked"] for row in got.values()} == {not pii}
    assert any(row["party_group"] is None for row in got.values())
    for pk, row in got.items():
        assert list(row.items()) == list(expected[pk].items())   # values and field order


def test_activity_rows_equal_generic_output(api, users, tree, members, rich):
    api.force_authenticate(users.superuser)
    got = rows_by_id(api.get("/api/v1/activities/", {"updated_since": "2000-01-01T00:00:00Z"}))
    qs = (Activity.objects.select_related("organization", "activity_type")
          .prefetch_related(Prefetch("attendances", queryset=_attendance())).filter(pk__in=got))
    serializer = ActivitySerializer()
    expected = {a.pk: dict(serializer.generic_representation(a)) for a in qs}
    assert got.keys() == expected.keys() and len(got) == 2
    assert [r["name"] for r in got[rich.pk]["attendance"]] == sorted([members.a1.name, members.a2.name]) + ["列席甲"]
    for pk, row in got.items():
        assert row == expected[pk]
    # the attendance rows themselves, hand-built vs field by field
    detail = api.get(f"/api/v1/activities/{rich.pk}/").json()
    assert detail == got[rich.pk]
    attendance = AttendanceSerializer()
    generic = [dict(attendance.generic_representation(row)) for row in _attendance().filter(activity=rich)]
    assert detail["attendance"] == generic
    assert {r["is_guest"] for r in generic} == {True, False} and any(r["checked_in_at"] for r in generic)


# --- The organization, member and activity lists read value rows (ValueRowsListMixin), the detail pages instances -


@pytest.mark.parametrize("who", ["staff_a", "secretary"])
def test_scoped_list_rows_equal_detail_rows(api, users, tree, members, rich, who):
    """A scoped person's list rows (value rows) are byte for byte the detail answers (model instances): same text,
    same field order; only rows within the scope."""
    user = getattr(users, who)
    api.force_authenticate(user)
    for url, drop in (("/api/v1/organizations/", "terms"), ("/api/v1/members/", None), ("/api/v1/activities/", None)):
        since = {"updated_since": "2000-01-01T00:00:00Z"}   # dissolved organizations and former members too
        rows = rows_by_id(api.get(url, since))
        assert rows
        for pk, row in rows.items():
            detail = api.get(f"{url}{pk}/", since)
            assert detail.status_code == 200
            expected = {k: v for k, v in detail.json().items() if k != drop}
            assert list(row.items()) == list(expected.items())
    scope = {tree.ga.pk, tree.a1.pk, tree.a1g.pk, tree.a2.pk} if who == "staff_a" else {tree.a1.pk, tree.a1g.pk}
    assert set(rows_by_id(api.get("/api/v1/organizations/", {"updated_since": "2000-01-01T00:00:00Z"}))) == scope
    branches = {row["branch"] for row in rows_by_id(api.get("/api/v1/members/")).values()}
    assert branches and branches <= scope
    organizations = {row["organization"] for row in rows_by_id(api.get("/api/v1/activities/")).values()}
    assert organizations and organizations <= scope


@pytest.mark.parametrize("pii", [False, True])
def test_agency_member_list_equals_its_detail_and_logs_the_page(api, tokens, tree, members, rich, pii):
    """The agency token's list: masked without the PII grant, full with it — the same bytes as the detail answer
    (model instance) — and with the grant one PII access row per branch on the page, naming the page's members."""
    from members.models import PiiAccess

    client = bearer(api, tokens.root if pii else tokens.gb)
    response = client.get("/api/v1/members/")
    listed = rows_by_id(response)
    logged = {row.organization_id: sorted(row.member_ids) for row in PiiAccess.objects.filter(action="api")}
    by_branch: dict[int, list[int]] = {}
    for row in listed.values():
        by_branch.setdefault(row["branch"], []).append(row["id"])
    assert logged == ({b: sorted(ids) for b, ids in by_branch.items()} if pii else {})
    for pk, row in listed.items():
        assert list(row.items()) == list(client.get(f"/api/v1/members/{pk}/").json().items())
    assert {row["pii_masked"] for row in listed.values()} == {not pii}
    assert any("*" in row["phone"] for row in listed.values()) is (not pii)


@pytest.mark.parametrize("url", ["/api/v1/organizations/", "/api/v1/members/"])
def test_lists_build_no_model_instances(api, users, tree, members, rich, url):
    """The list pages read value rows: no Organization or Member instance is built for a page (the scope and the
    filter's organization are resolved before; the page itself is values)."""
    from django.db.models.signals import post_init

    built = []

    def count(sender, **kwargs):
        built.append(sender.__name__)

    api.force_authenticate(users.superuser)
    for model in (Organization, Member):
        post_init.connect(count, sender=model)
    try:
        rows = rows_by_id(api.get(url))
    finally:
        for model in (Organization, Member):
            post_init.disconnect(count, sender=model)
    assert len(rows) >= 3 and built == []
