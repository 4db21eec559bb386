"""Hostile and malformed XLSX through the import PAGE: every file gets a clear Chinese message and changes
nothing. Extends tests/members/test_import.py (service level) with what it does not cover."""
from __future__ import annotations

import html
import io
import os
import zipfile
from datetime import date
from pathlib import Path

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from branches.services import organization_dissolve
from members.models import Member, MembershipMove
from members.services import importing
from members.services.importing import HEADERS
from tests.members.test_import import row, xlsx

pytestmark = pytest.mark.django_db
CORPUS = Path(__file__).parent / "corpus"


def snapshot():
    history = sum(m._default_manager.count() for m in apps.get_models() if m.__name__.startswith("Historical"))
    return Member.objects.count(), MembershipMove.objects.count(), history


def post(client, data: bytes, name="党员.xlsx"):
    before = snapshot()
    response = client.post(reverse("members:import"), {"file": SimpleUploadedFile(name, data)})
    assert response.status_code == 200, response.status_code
    assert snapshot() == before, "a refused import changed data"
    return html.unescape(response.content.decode())


@pytest.fixture
def staff_client(client, tree, users):
    client.force_login(users.staff)
    return client


def raw(rows, headers=HEADERS) -> bytes:
    return xlsx(rows, headers).getvalue()


@pytest.mark.parametrize("name", ["photo-renamed.pdf", "page-renamed.jpg", "drawing.svg", "archive.zip",
                                  "archive-renamed.docx", "minimal.pdf", "empty.pdf"])
def test_files_that_are_not_spreadsheets(staff_client, name):
    data = (CORPUS / name).read_bytes()
    page = post(staff_client, data)
    assert importing.NOT_XLSX in page or "提交的是空文件" in page


def test_csv_renamed_xlsx(staff_client):
    page = post(staff_client, ",".join(HEADERS).encode("utf-8") + b"\n")
    assert importing.NOT_XLSX in page


def test_oversized_file(staff_client):
    page = post(staff_client, os.urandom(importing.MAX_FILE_BYTES + 1))
    assert importing.TOO_BIG in page


def test_zip_bomb_in_a_real_workbook_shape(staff_client):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
        for i in range(3):
            zf.writestr(f"xl/worksheets/sheet{i}.xml", b"<" * (importing.MAX_UNZIPPED_BYTES // 2))
    assert importing.ZIP_BOMB in post(staff_client, buf.getvalue())


def test_over_the_row_limit_for_real(staff_client, tree):
    """MAX_ROWS + 1 data rows, no monkeypatching: refused as a whole, before any row is saved."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append(HEADERS)
    for i in range(importing.MAX_ROWS + 1):
        ws.append([f"人{i}"])
    buf = io.BytesIO()
    wb.save(buf)
    page = post(staff_client, buf.getvalue())
    assert importing.TOO_MANY_ROWS.format(max=importing.MAX_ROWS) in page


def test_headers_shuffled_or_translated(staff_client, tree):
    english = ["name", "gender", "birth_date", "id_number"]
    assert "表头与模板不一致" in post(staff_client, raw([row(tree, 1)], headers=english))
    assert "表头与模板不一致" in post(staff_client, raw([], headers=[]))


@pytest.mark.parametrize("override,expected", [
    ({"姓名": "=1+1"}, "不能是公式"),
    ({"身份证号": "=A1"}, "不能是公式"),
    ({"工作单位": "=cmd|' /C calc'!A0"}, "不能是公式"),                # DDE payload
    ({"出生日期": "1988-02-30"}, "不是有效日期"),                      # impossible date
    ({"入党日期": "二〇一二年七月一日"}, "不是有效日期"),              # date as free text
    ({"入党日期": "2012/7/1 上午"}, "不是有效日期"),
    # The ID number names the birth date too: the future date is refused as not matching it (import fills or checks).
    ({"出生日期": "2999-01-01", "身份证号": None}, "出生日期"),
    ({"入党日期": "1990-07-01"}, "年满十八岁"),                        # joined before 18
    ({"转正日期": "2011-07-01"}, "转正日期不能早于入党日期"),
    ({"姓名": "名" * 41}, "40"),                                        # longer than the column
    ({"职务/岗位": "岗" * 500}, "过长"),
    ({"姓名": "张\n三"}, "不可见字符"),                                  # line break inside a name
    ({"工作单位": "单位\r伪造的第二行"}, "不可见字符"),                  # carriage return
    ({"党员身份": "正式党员 "}, None),                                   # trailing space is fine (control)
])
def test_hostile_cells_are_reported_and_nothing_saved(staff_client, tree, override, expected):
    data = dict(row(tree, 2))
    if override.get("身份证号", "x") is None:
        override = {k: v for k, v in override.items() if k != "身份证号"}
    data.update(override)
    before = snapshot()
    response = staff_client.post(reverse("members:import"),
                                 {"file": SimpleUploadedFile("a.xlsx", raw([row(tree, 1), data]))})
    if expected is None:
        assert response.status_code == 302 and Member.objects.filter(name="导入2").exists()
        return
    page = html.unescape(response.content.decode())
    assert snapshot() == before
    assert "第 3 行" in page and expected in page, page[page.find("import-errors"):][:600]


def test_branch_codes_from_another_scope_or_dissolved(client, tree, users):
    client.force_login(users.staff_a)          # staff of 甲党总支: 乙一支部 is someone else's
    page = post(client, raw([row(tree, 1, 党支部编码=tree.b1.code)]))
    assert "不在您的管理范围内" in page
    organization_dissolve(organization=tree.a2, on=date(2024, 1, 1), reason="撤并", by=users.staff)
    page = post(client, raw([row(tree, 1, 党支部编码=tree.a2.code)]))
    assert "已撤销" in page


def test_group_of_another_branch(staff_client, tree):
    from tests.branches.factories import make_org

    other_group = make_org(tree.a2, name="甲二第一党小组")
    page = post(staff_client, raw([row(tree, 1, 党小组编码=other_group.code)]))
    assert "党小组编码不存在或不属于所填党支部" in page


def test_read_only_roles_cannot_import(client, tree, users):
    client.force_login(users.reviewer)
    before = snapshot()
    response = client.post(reverse("members:import"), {"file": SimpleUploadedFile("a.xlsx", raw([row(tree, 1)]))})
    assert response.status_code == 403 and snapshot() == before
