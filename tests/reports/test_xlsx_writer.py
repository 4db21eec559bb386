"""portal.xlsx: formula escaping, header layout, number formats, streaming."""
import datetime as dt
import io
from decimal import Decimal
from types import SimpleNamespace
from urllib.parse import unquote

import pytest
from openpyxl import load_workbook

from portal.xlsx import (
    DATE,
    DATETIME,
    INTEGER,
    PERCENT,
    XLSX_CONTENT_TYPE,
    Column,
    Sheet,
    content_disposition,
    write_workbook,
    xlsx_response,
)


def _read(buffer, **kwargs):
    buffer.seek(0)
    return load_workbook(buffer, **kwargs)


def _write(sheets):
    buffer = io.BytesIO()
    counts = write_workbook(buffer, sheets)
    return buffer, counts


@pytest.mark.parametrize(
    "dangerous",
    ["=1+1", "+86 138 0000 0000", "-2+3", "@SUM(A1:A2)", "\t=cmd|' /C calc'!A0", "\r=1", "\n=1", '=HYPERLINK("http://x","点我")'],
)
def test_formula_like_text_is_stored_as_text(dangerous):
    buffer, _ = _write([Sheet("s", [Column("备注", "note")], [{"note": dangerous}])])
    ws = _read(buffer)["s"]
    cell = ws["A2"]
    assert cell.data_type == "s"
    assert cell.value == dangerous.replace("\r", "\n")  # XML stores line breaks as LF
    assert cell.quotePrefix is True


def test_formula_like_header_is_text_too():
    buffer, _ = _write([Sheet("s", [Column("=1+1", "x")], [])])
    cell = _read(buffer)["s"]["A1"]
    assert cell.data_type == "s"
    assert cell.value == "=1+1"


def test_ordinary_text_and_numbers_are_untouched():
    rows = [{"name": "张三", "n": -5, "text": "正常文本"}]
    buffer, _ = _write([Sheet("s", [Column("姓名", "name"), Column("数", "n"), Column("t", "text")], rows)])
    ws = _read(buffer)["s"]
    assert [c.value for c in ws[2]] == ["张三", -5, "正常文本"]
    assert ws["B2"].data_type == "n"  # a negative *number* stays a number
    assert not ws["A2"].quotePrefix


def test_header_is_bold_frozen_and_widths_applied():
    columns = [Column("姓名", "name", width=12), Column("所在党支部", "branch", width=36.5), Column("备注", "note")]
    buffer, _ = _write([Sheet("党员名册", columns, [{"name": "李四", "branch": "第一党支部", "note": ""}])])
    ws = _read(buffer)["党员名册"]
    assert ws.freeze_panes == "A2"
    assert [c.value for c in ws[1]] == ["姓名", "所在党支部", "备注"]
    assert all(c.font.b for c in ws[1])
    assert not ws["A2"].font.b
    assert ws.column_dimensions["A"].width == 12
    assert ws.column_dimensions["B"].width == 36.5


def test_number_formats_dates_percentages_integers():
    aware = dt.datetime(2024, 7, 1, 1, 30, tzinfo=dt.UTC)
    rows = [{"on": dt.date(2024, 7, 1), "at": aware, "rate": 0.875, "count": 42, "score": Decimal("95.5")}]
    columns = [
        Column("日期", "on", number_format=DATE),
        Column("时间", "at", number_format=DATETIME),
        Column("出勤率", "rate", number_format=PERCENT),
        Column("人数", "count", number_format=INTEGER),
        Column("得分", "score"),
    ]
    buffer, _ = _write([Sheet("s", columns, rows)])
    ws = _read(buffer)["s"]
    on, at, rate, count, score = ws[2]
    assert on.number_format == DATE and on.value == dt.datetime(2024, 7, 1)
    # Aware datetimes are shown in the portal's time zone (Asia/Shanghai), as Excel knows no zones.
    assert at.number_format == DATETIME and at.value == dt.datetime(2024, 7, 1, 9, 30)
    assert rate.number_format == PERCENT and rate.value == 0.875
    assert count.number_format == INTEGER and count.value == 42
    assert score.value == 95.5


def test_keys_attributes_dotted_paths_and_callables():
    row = SimpleNamespace(name="王五", branch=SimpleNamespace(name="机关党支部"), age=lambda: 30)
    columns = [
        Column("姓名", "name"),
        Column("支部", "branch.name"),
        Column("年龄", "age"),
        Column("标签", lambda r: f"{r.name}/{r.branch.name}"),
        Column("空", "missing.attr"),
    ]
    buffer, _ = _write([Sheet("s", columns, [row])])
    assert [c.value for c in _read(buffer)["s"][2]] == ["王五", "机关党支部", 30, "王五/机关党支部", None]


def test_control_characters_are_dropped_instead_of_corrupting_the_file():
    buffer, _ = _write([Sheet("s", [Column("x", "x")], [{"x": "a\x00b\x07c"}])])
    assert _read(buffer)["s"]["A2"].value == "abc"


def test_several_sheets_and_unsafe_titles():
    buffer, counts = _write([
        Sheet("汇总/2024", [Column("a", "a")], [{"a": 1}]),
        Sheet("汇总/2024", [Column("a", "a")], [{"a": 2}, {"a": 3}]),
    ])
    assert counts == [1, 2]
    wb = _read(buffer)
    assert wb.sheetnames == ["汇总_2024", "汇总_2024(2)"]


def test_generator_of_20k_rows_streams_in_write_only_mode():
    consumed = []

    def rows():
        for i in range(20_000):
            consumed.append(i)
            yield (i, f"党员{i}", dt.date(2020, 1, 1) + dt.timedelta(days=i % 365), i / 20_000)

    columns = [
        Column("序号", lambda r: r[0], number_format=INTEGER),
        Column("姓名", lambda r: r[1]),
        Column("日期", lambda r: r[2], number_format=DATE),
        Column("比例", lambda r: r[3], number_format=PERCENT),
    ]
    buffer, counts = _write([Sheet("大表", columns, rows())])
    assert counts == [20_000]
    assert len(consumed) == 20_000
    ws = _read(buffer, read_only=True)["大表"]
    all_rows = list(ws.iter_rows(values_only=True))
    assert len(all_rows) == 20_001
    assert all_rows[-1][:2] == (19_999, "党员19999")


def test_content_disposition_has_ascii_fallback_and_utf8_name():
    header = content_disposition("党员名册 2024.xlsx")
    assert header.startswith('attachment; filename="')
    fallback = header.split('filename="')[1].split('"')[0]
    assert fallback.isascii() and fallback.endswith(".xlsx")
    encoded = header.split("filename*=UTF-8''")[1]
    assert unquote(encoded) == "党员名册 2024.xlsx"
    assert " " not in encoded


@pytest.mark.django_db  # closing a response fires request_finished, which checks database connections
def test_xlsx_response_streams_a_readable_workbook():
    response = xlsx_response("组织生活统计.xlsx", [Sheet("统计", [Column("支部", "b")], [{"b": "第二党支部"}])])
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert "filename*=UTF-8''%E7%BB%84%E7%BB%87" in response["Content-Disposition"]
    body = b"".join(response.streaming_content)
    response.close()
    assert int(response["Content-Length"]) == len(body)
    ws = load_workbook(io.BytesIO(body))["统计"]
    assert ws["A2"].value == "第二党支部"


def test_other_value_types_round_trip():
    rows = [{"b": True, "t": dt.time(10, 30), "d": dt.timedelta(hours=30), "at": dt.datetime(2020, 1, 2, 3, 4, 5),
             "on": dt.date(2024, 2, 29), "long": "长" * 40_000, "nan": float("nan"), "lazy": SimpleNamespace(x=1)}]
    columns = [Column(k, k) for k in ("b", "t", "d", "at", "on", "long", "nan")] + [Column("obj", "lazy.x")]
    buffer, _ = _write([Sheet("s", columns, rows)])
    b, t, d, at, on, long, nan, obj = _read(buffer)["s"][2]
    assert b.value is True and b.data_type == "b"
    assert t.value == dt.time(10, 30)
    assert d.value == dt.timedelta(hours=30)
    assert at.value == dt.datetime(2020, 1, 2, 3, 4, 5) and at.number_format == "yyyy-mm-dd h:mm:ss"
    assert on.value == dt.datetime(2024, 2, 29) and on.number_format == "yyyy-mm-dd"
    assert len(long.value) == 32_767
    assert nan.value == "nan"  # Excel has no NaN: written as text rather than a corrupt number
    assert obj.value == 1


def test_package_is_well_formed_with_content_types_first():
    import zipfile
    from xml.etree import ElementTree

    buffer, _ = _write([Sheet("党员 & <名册>", [Column("a&b", "a", width=8)], [{"a": "x < y & z"}])])
    with zipfile.ZipFile(buffer) as zf:
        names = zf.namelist()
        assert names[0] == "[Content_Types].xml"  # file-type sniffers (libmagic) look at the first entry
        assert {"xl/workbook.xml", "xl/styles.xml", "xl/worksheets/sheet1.xml", "_rels/.rels"} <= set(names)
        for name in names:
            ElementTree.fromstring(zf.read(name))  # every part parses
    wb = _read(buffer)
    assert wb.sheetnames == ["党员 & <名册>"]
    assert [c.value for c in wb.worksheets[0][2]] == ["x < y & z"]


def test_no_sheets_still_makes_a_workbook():
    buffer, counts = _write([])
    assert counts == []
    assert _read(buffer).sheetnames == ["Sheet"]
