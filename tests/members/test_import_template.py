"""The import template a new user downloads: Excel keeps ID numbers as text, choice columns are drop-downs, and the
codes the uploader may use are listed (their scope only). Read back with openpyxl, as the importer reads it."""
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from members.models import Member
from members.services.importing import HEADERS, import_members
from members.views.exporting import BRANCH_CODES_SHEET, GROUP_CODES_SHEET

pytestmark = pytest.mark.django_db


def template(client, user) -> bytes:
    client.force_login(user)
    response = client.get(reverse("members:import"), {"template": "1"})
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def letter(header):
    return "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[HEADERS.index(header)]


def test_id_and_phone_columns_are_text_formatted(client, users):
    body = template(client, users.staff)
    wb = load_workbook(io.BytesIO(body))
    ws = wb.worksheets[0]
    assert [c.value for c in ws[1]] == HEADERS
    for header in ("身份证号", "手机号"):
        cell = ws[f"{letter(header)}2"]
        assert cell.number_format == "@" and isinstance(cell.value, str)
    # The whole column, not only the example row: what the user types into row 500 stays text.
    for header in ("身份证号", "手机号"):
        assert ws.column_dimensions[letter(header)].number_format == "@"
    assert ws.column_dimensions[letter("姓名")].number_format == "General"


def test_every_choice_column_has_a_drop_down(client, users, tree):
    wb = load_workbook(io.BytesIO(template(client, users.staff)))
    validations = {str(v.sqref).split(":")[0]: v for v in wb.worksheets[0].data_validations.dataValidation}
    for header, expected in (("性别", '"男,女"'), ("党员身份", '"预备党员,正式党员"')):
        v = validations[f"{letter(header)}2"]
        assert v.type == "list" and v.formula1 == expected and v.showErrorMessage
    for header in ("学历", "党员类别"):
        assert validations[f"{letter(header)}2"].type == "list"
    assert validations[f"{letter('党支部编码')}2"].formula1.startswith(f"'{BRANCH_CODES_SHEET}'!$A$2:$A$")
    assert validations[f"{letter('党小组编码')}2"].formula1.startswith(f"'{GROUP_CODES_SHEET}'!$A$2:$A$")


def test_codes_sheets_list_only_the_uploaders_scope(client, users, tree):
    wb = load_workbook(io.BytesIO(template(client, users.secretary)))
    branches = [r for r in wb[BRANCH_CODES_SHEET].iter_rows(min_row=2, values_only=True)]
    groups = [r for r in wb[GROUP_CODES_SHEET].iter_rows(min_row=2, values_only=True)]
    assert branches == [(tree.a1.code, tree.a1.name, f"{tree.ga.name}")]
    assert groups == [(tree.a1g.code, tree.a1g.name, tree.a1.name, tree.a1.code)]
    v = {str(v.sqref).split(":")[0]: v for v in wb.worksheets[0].data_validations.dataValidation}
    assert v[f"{letter('党支部编码')}2"].formula1 == f"'{BRANCH_CODES_SHEET}'!$A$2:$A$2"

    staff_codes = {r[0] for r in load_workbook(io.BytesIO(template(client, users.staff)))[BRANCH_CODES_SHEET]
                   .iter_rows(min_row=2, values_only=True)}
    assert staff_codes == {tree.a1.code, tree.a2.code, tree.b1.code}


def test_the_template_as_downloaded_imports(client, users, tree):
    """The example row (its 党支部编码 is one the user may use) passes every check: the template is self-consistent."""
    body = template(client, users.secretary)
    result = import_members(fileobj=io.BytesIO(body), by=users.secretary)
    assert result.created == 1
    assert Member.objects.get(name="张三").branch == tree.a1
