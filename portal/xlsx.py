"""Streaming XLSX export on openpyxl's write-only mode. Knows no domain model.

    from portal.xlsx import Column, Sheet, DATE, PERCENT, INTEGER, write_workbook, xlsx_response

    sheet = Sheet("党员名册", columns=[
        Column("姓名", "name", width=12),
        Column("入党日期", "joined_on", number_format=DATE),
        Column("所在支部", lambda m: m.branch.name, width=30),
    ], rows=queryset.iterator(chunk_size=2000))
    return xlsx_response("党员名册.xlsx", [sheet])

Rows are any iterable (generators, ``QuerySet.iterator()``): each row goes straight to a temporary file,
so 150,000 rows need no more memory than one. A column's value is a key (dict key or attribute name,
dotted paths follow relations) or a callable taking the row.

Text that a spreadsheet would run as a formula (starting with = + - @, tab, CR or LF) is stored as a text
cell with the "quote prefix" flag: Excel/LibreOffice show it verbatim and never evaluate it, and the
value read back is exactly what was exported.
"""
from __future__ import annotations

import datetime as dt
import re
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, Any
from urllib.parse import quote

from django.http import FileResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Number formats for Column(number_format=...).
DATE = "yyyy-mm-dd"
DATETIME = "yyyy-mm-dd hh:mm"
PERCENT = "0.0%"  # values are fractions: 0.25 -> 25.0%
INTEGER = "0"
THOUSANDS = "#,##0"
DECIMAL = "0.00"
TEXT = "@"

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
MAX_CELL_CHARS = 32_767  # Excel's limit; longer text corrupts the file for Excel
MAX_TITLE_CHARS = 31
_INVALID_TITLE_RE = re.compile(r"[\\/*?:\[\]]")

_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="F2F2F2")
_HEADER_ALIGNMENT = Alignment(vertical="center", wrap_text=True)


@dataclass(frozen=True)
class Column:
    header: str
    value: str | Callable[[Any], Any]
    width: float | None = None
    number_format: str | None = None


@dataclass
class Sheet:
    title: str
    columns: Sequence[Column]
    rows: Iterable[Any] = field(default_factory=tuple)


def is_formula_like(text: str) -> bool:
    return text.startswith(FORMULA_TRIGGERS)


def clean_text(text: str) -> str:
    """Drop control characters XML cannot carry, use \\n line breaks (XML turns CR into LF anyway), cut to Excel's limit."""
    text = ILLEGAL_CHARACTERS_RE.sub("", text)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text[:MAX_CELL_CHARS]


def _lookup(row: Any, path: str) -> Any:
    value = row
    for part in path.split("."):
        if value is None:
            return None
        if isinstance(value, dict):
            value = value.get(part)
        else:
            value = getattr(value, part, None)
    return value() if callable(value) else value


def _accessor(column: Column) -> Callable[[Any], Any]:
    if callable(column.value):
        return column.value
    path = column.value
    if "." not in path:
        # The common case, kept cheap: one dict lookup or attribute access per cell.
        def get(row: Any) -> Any:
            value = row.get(path) if isinstance(row, dict) else getattr(row, path, None)
            return value() if callable(value) else value

        return get
    return lambda row: _lookup(row, path)


def _plain_value(value: Any) -> Any:
    """Turn a Python value into something openpyxl stores natively."""
    if value is None or isinstance(value, (bool, int, float, Decimal, str)):
        return value
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value).replace(tzinfo=None)
        return value
    if isinstance(value, (dt.date, dt.time, dt.timedelta)):
        return value
    return str(value)  # lazy translations, enums, UUIDs, ...


def _safe_title(title: str, used: set[str]) -> str:
    base = _INVALID_TITLE_RE.sub("_", title).strip("'") or "Sheet"
    base = base[:MAX_TITLE_CHARS]
    candidate, n = base, 2
    while candidate.lower() in used:
        suffix = f"({n})"
        candidate = base[: MAX_TITLE_CHARS - len(suffix)] + suffix
        n += 1
    used.add(candidate.lower())
    return candidate


def _template_style(ws, **attrs):
    """A StyleArray computed once per column; every cell of the column then shares it."""
    cell = WriteOnlyCell(ws)
    for name, value in attrs.items():
        setattr(cell, name, value)
    return cell._style


def _write_sheet(wb: Workbook, sheet: Sheet, used_titles: set[str]) -> int:
    ws = wb.create_sheet(_safe_title(sheet.title, used_titles))
    columns = list(sheet.columns)
    for index, column in enumerate(columns, 1):
        if column.width:
            ws.column_dimensions[get_column_letter(index)].width = column.width
    ws.freeze_panes = "A2"

    header = []
    for column in columns:
        cell = WriteOnlyCell(ws, value=clean_text(str(column.header)))
        cell.data_type = "s"  # a header is never a formula either
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
        cell.alignment = _HEADER_ALIGNMENT
        header.append(cell)
    ws.append(header)

    accessors = [_accessor(c) for c in columns]
    formats = [c.number_format for c in columns]
    format_styles = [_template_style(ws, number_format=f) if f else None for f in formats]
    text_style = _template_style(ws, quotePrefix=True)

    count = 0
    for row in sheet.rows:
        values = []
        for get, style in zip(accessors, format_styles, strict=True):
            value = _plain_value(get(row))
            if isinstance(value, str):
                value = clean_text(value)
                if is_formula_like(value):
                    cell = WriteOnlyCell(ws, value=value)
                    cell.data_type = "s"
                    cell._style = text_style
                    value = cell
            elif style is not None and value is not None:
                cell = WriteOnlyCell(ws, value=value)
                cell._style = style
                value = cell
            values.append(value)
        ws.append(values)
        count += 1
    return count


def write_workbook(target: str | IO[bytes], sheets: Iterable[Sheet]) -> list[int]:
    """Write `sheets` to `target` (a path or a binary file object); returns the data-row count per sheet."""
    wb = Workbook(write_only=True)
    used: set[str] = set()
    counts = [_write_sheet(wb, sheet, used) for sheet in sheets]
    if not counts:
        _write_sheet(wb, Sheet("Sheet", columns=[]), used)
    wb.save(target)
    return counts


def content_disposition(filename: str, *, as_attachment: bool = True) -> str:
    """RFC 6266 / RFC 5987: an ASCII fallback plus the UTF-8 name (浏览器显示中文文件名)."""
    disposition = "attachment" if as_attachment else "inline"
    stem, dot, ext = filename.rpartition(".") if "." in filename else (filename, "", "")
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", stem).strip("_.")
    ext = re.sub(r"[^A-Za-z0-9]+", "", ext)
    fallback = (stem or "export") + (f".{ext}" if ext else "")
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def xlsx_response(filename: str, sheets: Iterable[Sheet]) -> FileResponse:
    """Build the workbook in a temporary file and stream it; the file is removed when the response closes."""
    tmp = tempfile.TemporaryFile(suffix=".xlsx")
    try:
        write_workbook(tmp, sheets)
        tmp.seek(0)
    except BaseException:
        tmp.close()
        raise
    response = FileResponse(tmp, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition(filename)
    response["Cache-Control"] = "no-store"
    return response
