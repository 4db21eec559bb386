import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from members.models import PiiAccess
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
    from members.importing import HEADERS

    client.force_login(users.staff)
    response = client.get(reverse("members:import"), {"template": "1"})
    body = b"".join(response.streaming_content) if response.streaming else response.content
    ws = load_workbook(io.BytesIO(body)).worksheets[0]
    assert [c.value for c in ws[1]] == HEADERS
