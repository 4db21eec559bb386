"""XLSX import: all rows or none, and every bad row listed with its row number and reason."""
import io
import zipfile
from datetime import date

import pytest
from openpyxl import Workbook

from members.models import Member, MembershipMove
from members.services import importing
from members.services.importing import HEADERS, ImportRejected, import_members
from tests.members.factories import MemberFactory, valid_id_number

pytestmark = pytest.mark.django_db

# scope, organizations named by the file, registry duplicates, then the writes (members, history, moves) and savepoints,
# and whether compliance results are stored (orglife.results refreshes the branches the import added members to);
# +5: the stored organization figures recount the import's branch (branches/figures.py: its counts, path, locked
# row, update, and one update of its ancestors' subtree figures)
IMPORT_QUERIES = 14


def row(tree, n, **over):
    data = {"姓名": f"导入{n}", "性别": "男" if (100 + n) % 2 else "女",  # as the ID number's 17th digit says "民族": "汉族", "出生日期": "1988-04-02", "手机号": f"1390000{n:04d}",
            "身份证号": valid_id_number(100 + n, date(1988, 4, 2)), "学历": "大学本科", "工作单位": "单位",
            "职务/岗位": "科员", "党员类别": "在职", "党员身份": "正式党员", "入党日期": "2012-07-01",
            "转正日期": "2013-07-01", "党支部编码": tree.a1.code, "党小组编码": ""}
    data.update(over)
    return data


def xlsx(rows, headers=HEADERS):
    wb = Workbook()
    ws = wb.active
    ws.append(headers)
    for r in rows:
        ws.append([r.get(h) for h in headers])
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    return buf


def rejected(fileobj, user):
    with pytest.raises(ImportRejected) as exc:
        import_members(fileobj=fileobj, by=user)
    return exc.value.result


def test_good_file_imports_every_row(tree, users):
    f = xlsx([row(tree, 1), row(tree, 2, **{"党小组编码": tree.a1g.code}), row(tree, 3, 出生日期=date(1990, 1, 1),
              身份证号=valid_id_number(103, date(1990, 1, 1)))])
    result = import_members(fileobj=f, by=users.staff)
    assert result.created == 3
    assert Member.objects.filter(name__startswith="导入").count() == 3
    assert MembershipMove.objects.filter(member__name__startswith="导入", kind="registered").count() == 3
    assert Member.objects.get(name="导入2").party_group == tree.a1g
    assert Member.objects.get(name="导入1").get_id_number() == valid_id_number(101, date(1988, 4, 2))


@pytest.mark.parametrize("override,expected", [
    ({"姓名": ""}, "“姓名”不能为空"),
    ({"身份证号": "110101198804020000"}, "校验位"),
    ({"出生日期": "1988-13-40"}, "不是有效日期"),
    ({"性别": "未知"}, "“性别”应为"),
    ({"党支部编码": "NOPE"}, "不存在"),
    ({"党小组编码": "NOPE"}, "党小组编码"),
    ({"工作单位": "=HYPERLINK(\"http://x\")"}, "不能是公式"),
    ({"转正日期": ""}, "正式党员须填写转正日期"),
    ({"手机号": "12345"}, "手机号"),
    ({"工作单位": "a\tb"}, "不可见字符"),
    ({"工作单位": "长" * 121}, "过长"),
    ({"工作单位": "单位\u202eexe.txt"}, "不可见字符"),  # right-to-left override
])
def test_each_bad_row_is_reported_and_nothing_saved(tree, users, override, expected):
    f = xlsx([row(tree, 1), row(tree, 2, **override)])
    result = rejected(f, users.staff)
    assert [e.row for e in result.errors] == [3]
    assert any(expected in m for m in result.errors[0].messages), result.errors[0].messages
    assert not Member.objects.filter(name__startswith="导入").exists()


def test_duplicates_within_file_and_against_registry(tree, users):
    MemberFactory(branch=tree.b1, name="已在册", with_id=valid_id_number(105, date(1988, 4, 2)))
    f = xlsx([row(tree, 1), row(tree, 2, 身份证号=valid_id_number(101, date(1988, 4, 2))), row(tree, 5)])
    result = rejected(f, users.staff)
    by_row = {e.row: " ".join(e.messages) for e in result.errors}
    assert "与第 2 行重复" in by_row[3]
    assert "已在册" in by_row[4]
    assert not Member.objects.filter(name__startswith="导入").exists()


def test_branch_outside_importers_scope_is_refused(tree, users):
    result = rejected(xlsx([row(tree, 1, 党支部编码=tree.b1.code)]), users.secretary)
    assert "不在您的管理范围内" in result.errors[0].messages[0]


def test_reviewer_cannot_import_anywhere(tree, users):
    result = rejected(xlsx([row(tree, 1)]), users.reviewer)
    assert result.errors


def test_wrong_headers(tree, users):
    result = rejected(xlsx([row(tree, 1)], headers=["名字", "性别"]), users.staff)
    assert "表头" in result.file_error and "姓名" in result.file_error


def test_not_a_spreadsheet(users):
    result = rejected(io.BytesIO(b"%PDF-1.4 not a spreadsheet"), users.staff)
    assert result.file_error == importing.NOT_XLSX


def test_empty_file(tree, users):
    assert rejected(xlsx([]), users.staff).file_error == importing.EMPTY


def test_row_limit(tree, users, monkeypatch):
    monkeypatch.setattr(importing, "MAX_ROWS", 3)
    result = rejected(xlsx([row(tree, i) for i in range(1, 6)]), users.staff)
    assert "超过上限 3 行" in result.file_error


def test_zip_bomb_is_refused_before_parsing(users):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<x/>")
        zf.writestr("xl/worksheets/sheet1.xml", b" " * (importing.MAX_UNZIPPED_BYTES + 1))
    assert buf.tell() < 1_000_000  # small on disk, huge unpacked
    buf.seek(0)
    assert rejected(buf, users.staff).file_error == importing.ZIP_BOMB


@pytest.mark.parametrize("override,expected", [
    ({"姓名": "长" * 41}, "姓名"),  # the model's max_length (40), below the generic 120-character cap
    ({"民族": "族" * 21}, "民族"),
    ({"入党日期": "2000-07-01", "转正日期": "2001-07-01"}, "入党时须年满十八岁"),  # model clean(): born 1988
    ({"党员身份": "预备党员"}, "预备党员不应有转正日期"),
    ({"转正日期": "2011-07-01"}, "转正日期不能早于入党日期"),
])
def test_model_rules_still_apply_to_imported_rows(tree, users, override, expected):
    result = rejected(xlsx([row(tree, 1), row(tree, 2, **override)]), users.staff)
    assert [e.row for e in result.errors] == [3]
    assert any(expected in m for m in result.errors[0].messages), result.errors[0].messages
    assert not Member.objects.filter(name__startswith="导入").exists()


def test_date_forms_and_date_cells_are_accepted(tree, users):
    forms = ["2012-07-01", "2012/07/01", "2012.07.01", "20120701", "2012年07月01日", "2012-7-1", date(2012, 7, 1)]
    rows = [row(tree, i, 入党日期=form) for i, form in enumerate(forms, 1)]
    assert import_members(fileobj=xlsx(rows), by=users.staff).created == len(forms)
    assert set(Member.objects.filter(name__startswith="导入").values_list("joined_on", flat=True)) == {date(2012, 7, 1)}


def test_the_same_bad_date_is_reported_on_every_row(tree, users):
    result = rejected(xlsx([row(tree, 1, 出生日期="1988-02-30"), row(tree, 2, 出生日期="1988-02-30")]), users.staff)
    assert [e.row for e in result.errors] == [2, 3]
    assert all("不是有效日期" in e.messages[0] for e in result.errors)


def test_every_bad_row_is_listed_not_only_the_first(tree, users):
    rows = [row(tree, 1), row(tree, 2, 性别="未知"), row(tree, 3), row(tree, 4, 党支部编码="NOPE", 手机号="1")]
    result = rejected(xlsx(rows), users.staff)
    assert [e.row for e in result.errors] == [3, 5]
    assert len(result.errors[1].messages) == 2  # both problems of row 5


@pytest.mark.parametrize("count", [1, 25])
def test_import_queries_do_not_grow_with_rows(tree, users, count, django_assert_num_queries):
    rows = [row(tree, i, **{"党小组编码": tree.a1g.code if i % 2 else ""}) for i in range(1, count + 1)]
    f = xlsx(rows)
    with django_assert_num_queries(IMPORT_QUERIES):
        assert import_members(fileobj=f, by=users.staff).created == count


# --- What a new user trips over (issue #22) ------------------------------------------------------------------------

def test_birth_date_and_gender_are_checked_against_the_id_number(tree, users):
    # The ID encodes 1988-04-02 and a man (101 is odd); the row says 1989-04-02 and 女.
    result = rejected(xlsx([row(tree, 1, 出生日期="1989-04-02", 性别="女")]), users.staff)
    text = " ".join(result.errors[0].messages)
    assert "身份证号中的出生日期为 1988-04-02" in text and "表示“男”" in text
    assert not Member.objects.filter(name="导入1").exists()


def test_blank_birth_date_and_gender_are_filled_from_the_id_number(tree, users):
    import_members(fileobj=xlsx([row(tree, 2, 出生日期="", 性别="")]), by=users.staff)
    member = Member.objects.get(name="导入2")
    assert (member.birth_date, member.gender) == (date(1988, 4, 2), "female")


def test_blank_birth_date_without_an_id_number_is_an_error(tree, users):
    result = rejected(xlsx([row(tree, 1, 出生日期="", 身份证号="")]), users.staff)
    assert "“出生日期”不能为空。" in result.errors[0].messages


@pytest.mark.parametrize("cell,shown", [
    (110101198804020101, "1.10101E+17"),       # the number as Excel stores it (last digits lost)
    (1.10101198804021e17, "1.10101E+17"),
    ("3.20101E+17", "3.20101E+17"),             # the text Excel shows, pasted back
])
def test_an_id_number_excel_turned_into_a_number_says_how_to_fix_it(tree, users, cell, shown):
    result = rejected(xlsx([row(tree, 1, 身份证号=cell)]), users.staff)
    text = " ".join(result.errors[0].messages)
    assert f"被 Excel 当作数字保存（{shown}）" in text and "“文本”格式" in text
