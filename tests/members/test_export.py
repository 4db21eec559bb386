import io
from datetime import date, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from members.models import Gender, PiiAccess
from tests.members.factories import MemberFactory, valid_id_number

pytestmark = pytest.mark.django_db


def export(client, **params):
    response = client.get(reverse("members:list"), {"format": "xlsx", **params})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    ws = load_workbook(io.BytesIO(body)).worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    return rows[0], rows[1:]


def test_export_rows_match_the_filtered_list(client, tree, users):
    MemberFactory.create_batch(3, branch=tree.a1)
    MemberFactory.create_batch(2, branch=tree.b1)
    client.force_login(users.staff)
    headers, rows = export(client, organization=tree.a1.pk)
    assert headers[0] == "姓名" and "身份证号" in headers
    assert len(rows) == 3
    assert {r[headers.index("所在党支部")] for r in rows} == {tree.a1.name}


def test_export_masks_personal_data_and_respects_scope(client, tree, users):
    number = valid_id_number(77)
    MemberFactory(branch=tree.a1, name="甲", phone="13912345678", with_id=number)
    MemberFactory(branch=tree.b1, name="乙")
    client.force_login(users.secretary)
    headers, rows = export(client)
    assert [r[0] for r in rows] == ["甲"]
    row = rows[0]
    assert row[headers.index("身份证号")] != number and row[headers.index("身份证号")].endswith(number[-4:])
    assert row[headers.index("手机号")] == "139****5678"


def test_cells_that_would_run_as_formulas_are_text(client, tree, users):
    MemberFactory(branch=tree.a1, name="=1+1", work_unit="@SUM(A1)")
    client.force_login(users.staff)
    headers, rows = export(client)
    response = client.get(reverse("members:list"), {"format": "xlsx"})
    body = b"".join(response.streaming_content) if response.streaming else response.content
    ws = load_workbook(io.BytesIO(body)).worksheets[0]
    cell = ws.cell(row=2, column=1)
    assert cell.value == "=1+1" and cell.data_type == "s"


def test_full_pii_export_is_superuser_only_and_logged(client, tree, users):
    number = valid_id_number(78)
    MemberFactory(branch=tree.a1, with_id=number)
    client.force_login(users.staff)
    assert client.get(reverse("members:export_pii")).status_code == 403
    client.force_login(users.superuser)
    response = client.get(reverse("members:export_pii"))
    body = b"".join(response.streaming_content) if response.streaming else response.content
    ws = load_workbook(io.BytesIO(body)).worksheets[0]
    assert number in [c.value for c in ws[2]]
    assert PiiAccess.objects.filter(user=users.superuser, action="export").count() == 1


def test_import_template_has_the_import_headers(client, users):
    from members.services.importing import HEADERS

    client.force_login(users.staff)
    response = client.get(reverse("members:import"), {"template": "1"})
    body = b"".join(response.streaming_content) if response.streaming else response.content
    ws = load_workbook(io.BytesIO(body)).worksheets[0]
    assert [c.value for c in ws[1]] == HEADERS


def test_import_template_lists_each_group_with_its_branch(client, tree, users):
    from members.views.exporting import GROUP_CODES_SHEET

    client.force_login(users.staff)
    response = client.get(reverse("members:import"), {"template": "1"})
    body = b"".join(response.streaming_content) if response.streaming else response.content
    sheet = load_workbook(io.BytesIO(body))[GROUP_CODES_SHEET]
    header = [c.value for c in sheet[1]]
    rows = [dict(zip(header, (c.value for c in row), strict=True)) for row in sheet.iter_rows(min_row=2)]
    assert {"编码": tree.a1g.code, "名称": tree.a1g.name, "所属党支部": tree.a1.name,
            "所属党支部编码": tree.a1.code} in rows


def test_export_row_shows_labels_party_age_group_and_leaving(client, tree, users):
    """Values come from .values() rows: each cell must say what the member page says."""
    from members.models import Education, MemberCategory, MemberStatus

    kept = MemberFactory(branch=tree.a1, party_group=tree.a1g, name="甲", gender="female", education=Education.BACHELOR,
                         category=MemberCategory.RETIRED, status=MemberStatus.FULL, confirmed_on=date(2011, 7, 1))
    MemberFactory(branch=tree.a1, name="乙", status=MemberStatus.PROBATIONARY, confirmed_on=None, is_active=False,
                  left_reason="转出")
    client.force_login(users.staff)
    headers, rows = export(client, active="all")
    by_name = {r[0]: dict(zip(headers, r, strict=False)) for r in rows}
    first, second = by_name["甲"], by_name["乙"]
    assert first["性别"] == kept.get_gender_display() == "女"
    assert first["学历"] == kept.get_education_display()
    assert first["党员类别"] == kept.get_category_display() and first["党员身份"] == kept.get_status_display()
    assert first["党龄"] == kept.party_age
    assert first["出生日期"] == datetime(1985, 3, 12)
    assert (first["所在党支部"], first["党支部编码"], first["党小组"]) == (tree.a1.name, tree.a1.code, tree.a1g.name)
    assert first["在册"] == "是"
    assert second["党龄"] is None and second["转正日期"] is None and not second["党小组"]
    assert second["在册"] == "否（转出）"


def test_export_labels_follow_the_language(client, tree, users, settings):
    """Labels are resolved once per export, in the language of the request."""
    MemberFactory(branch=tree.a1, name="甲", gender="female")
    client.force_login(users.staff)
    settings.LANGUAGE_CODE = "en"
    headers, rows = export(client)
    with translation.override("en"):
        expected = str(dict(Gender.choices)[Gender.FEMALE])
    assert expected != "女"  # the English catalog has it
    assert rows[0][1] == expected


@pytest.mark.parametrize("count", [1, 30])
def test_export_queries_do_not_grow_with_rows(client, tree, users, count):
    MemberFactory.create_batch(count, branch=tree.a1, party_group=tree.a1g)
    client.force_login(users.staff)
    with CaptureQueriesContext(connection) as ctx:
        headers, rows = export(client)
    assert len(rows) == count
    member_selects = [q["sql"] for q in ctx.captured_queries if 'FROM "members_member"' in q["sql"]]
    assert len(member_selects) == 1  # one query for every row: no per-row lookups
