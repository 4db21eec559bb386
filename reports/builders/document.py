"""A report as data: sections with paragraphs, key figures, tables and charts.

The same Document renders to PDF (templates/reports/pdf/report.html) and to XLSX (one sheet per table), so
both formats always carry the same figures.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from portal import figures, xlsx

EMPTY = "—"


@dataclass(frozen=True)
class Col:
    header: str
    key: str
    kind: str = "text"  # text | int | percent | decimal | date | stars | bool
    width: float | None = None

    def format(self, value: Any) -> str:
        return format_value(value, self.kind)

    @property
    def css(self) -> str:
        return "num" if self.kind in ("int", "percent", "decimal") else ("center nowrap" if self.kind in (
            "date", "stars", "bool") else "")


def format_value(value: Any, kind: str = "text") -> str:
    if value is None or value == "":
        return EMPTY
    if kind == "percent":
        return f"{float(value) * 100:.1f}%"
    if kind == "decimal":
        return f"{float(value):.1f}"
    if kind == "int":
        return f"{int(value)}"
    if kind == "date":
        return value.strftime("%Y-%m-%d") if isinstance(value, (date, datetime)) else str(value)
    if kind == "stars":
        return f"{'★' * int(value)}" if value else "未定级"
    if kind == "bool":
        return "是" if value else "否"
    return str(value)


XLSX_FORMATS = {"int": xlsx.INTEGER, "percent": xlsx.PERCENT, "decimal": "0.0", "date": xlsx.DATE}


@dataclass
class Table:
    id: str
    caption: str
    columns: Sequence[Col]
    rows: Sequence[dict]
    sheet: str | None = None          # XLSX sheet title (defaults to the caption without its number)
    pdf_limit: int | None = None      # rows shown in the PDF (the XLSX always has all of them)
    note: str = ""
    number: int = 0                   # 表N, assigned by Document.number()
    dense: bool = False               # many columns: tighter cells in the PDF (class "dense")

    @property
    def pdf_rows(self) -> Sequence[dict]:
        return self.rows[: self.pdf_limit] if self.pdf_limit else self.rows

    @property
    def truncated(self) -> int:
        return max(0, len(self.rows) - len(self.pdf_rows))

    def col_widths(self) -> list[int]:
        """Whole-percent column widths for the PDF <colgroup> (classes w-1..w-100 in pdf.css), from each
        column's width or a default by kind."""
        defaults = {"int": 8, "percent": 9, "decimal": 8, "date": 11, "stars": 12, "bool": 6, "text": 14}
        weights = [c.width or defaults.get(c.kind, 14) for c in self.columns]
        total = sum(weights) or 1
        return [max(1, min(100, round(w * 100 / total))) for w in weights]

    def cells(self):
        """Rows of (formatted text, css class) for the PDF template."""
        for row in self.pdf_rows:
            yield [(c.format(row.get(c.key)), c.css, row.get("_highlight") == c.key) for c in self.columns]


@dataclass
class Figure:
    svg: str
    caption: str
    number: int = 0


@dataclass
class Section:
    id: str
    title: str
    paragraphs: list[str] = field(default_factory=list)
    stats: list[tuple[str, str]] = field(default_factory=list)   # (value, label) boxes
    items: list[str] = field(default_factory=list)               # a numbered list
    tables: list[Table] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    figure_row: bool = False                                     # figures side by side
    children: list[Section] = field(default_factory=list)
    empty: str = ""                                              # "暂无数据" text when the source is missing
    page_break: bool = False

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass(frozen=True)
class FigureValue:
    """One figure printed in the document: which definition (portal.figures), for which organization, period and
    parameter, and its value. The consistency test recomputes each from its definition and from the API."""

    figure: str
    org_id: int
    period: str
    param: Any
    value: Any


@dataclass
class Document:
    title: str
    organization: str
    subtitle: str = ""
    cover_meta: list[tuple[str, str]] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    toc: bool = False
    summary: list[tuple[str, str, Any, str]] = field(default_factory=list)  # (section, label, value, kind) for XLSX
    org_id: int | None = None
    period: str = ""
    values: list[FigureValue] = field(default_factory=list)

    def bind(self, org, period) -> Document:
        self.org_id, self.period = org.pk, period.key
        return self

    def fig(self, figure_id: str, value: Any, *, org_id: int | None = None, param: Any = None,
            summary: str = "") -> str:
        """Record a printed figure and return its text. An id no definition knows fails here (KeyError)."""
        definition = figures.get(figure_id)
        self.values.append(FigureValue(figure_id, self.org_id if org_id is None else org_id, self.period, param,
                                       value))
        if summary:
            label = definition.name if param is None else f"{definition.name}（{param}）"
            self.summary.append((summary, label, value, definition.kind))
        return format_value(value, definition.kind)

    def finish(self, heading: str) -> Document:
        """Close with the 口径 of every figure printed (once each), then number tables and figures."""
        used = list(dict.fromkeys(v.figure for v in self.values))
        if used:
            section = Section("definitions", heading)
            section.paragraphs.append("本报告所列数据由系统根据已提交的记录自动统计，各项数据的统计口径如下"
                                      "（门户“统计口径说明”页面列有全部指标）。")
            section.tables.append(Table(
                "definitions-table", "统计口径", [Col("指标", "name", width=20), Col("口径", "text", width=80)],
                [{"name": figures.get(f).name, "text": figures.get(f).short()} for f in used],
                sheet="统计口径", dense=True))
            self.sections.append(section)
        return self.number()

    def number(self) -> Document:
        t = f = 0
        for section in self.sections:
            for s in section.walk():
                for table in s.tables:
                    t += 1
                    table.number = t
                for figure in s.figures:
                    f += 1
                    figure.number = f
        return self

    def tables(self) -> list[Table]:
        return [t for section in self.sections for s in section.walk() for t in s.tables]

    def figures(self) -> list[Figure]:
        return [f for section in self.sections for s in section.walk() for f in s.figures]

    def toc_entries(self) -> list[dict]:
        return [{"id": s.id, "title": s.title, "children": [{"id": c.id, "title": c.title} for c in s.children]}
                for s in self.sections]

    def text_figure(self, section: str, label: str, value: Any, kind: str = "text") -> None:
        self.summary.append((section, label, value, kind))


def sheets(document: Document) -> list[xlsx.Sheet]:
    """One sheet for the key figures, then one per table (all rows, native number formats)."""
    out = [xlsx.Sheet("报告概要", [
        xlsx.Column("部分", lambda r: r[0], width=22),
        xlsx.Column("项目", lambda r: r[1], width=34),
        xlsx.Column("数值", lambda r: _xlsx_value(r[2], r[3]), width=16),
        xlsx.Column("说明", lambda r: "百分比" if r[3] == "percent" else "", width=10),
    ], rows=[("报告", "标题", document.title, "text"), ("报告", "党组织", document.organization, "text"),
             *document.summary])]
    for table in document.tables():
        title = table.sheet or table.caption
        out.append(xlsx.Sheet(title, [
            xlsx.Column(c.header, _getter(c), width=c.width or _default_width(c),
                        number_format=XLSX_FORMATS.get(c.kind)) for c in table.columns
        ], rows=table.rows))
    return out


def _xlsx_value(value, kind):
    if kind == "percent" and value is not None:
        return round(float(value), 4)
    return value


def _getter(col: Col) -> Callable[[dict], Any]:
    if col.kind == "stars":
        return lambda row: row.get(col.key) or None
    if col.kind == "bool":
        return lambda row: "是" if row.get(col.key) else "否"
    if col.kind == "percent":
        return lambda row: None if row.get(col.key) is None else round(float(row[col.key]), 4)
    return lambda row: row.get(col.key)


def _default_width(col: Col) -> float:
    if col.kind in ("int", "percent", "decimal", "stars", "bool"):
        return max(10, len(col.header) * 2 + 2)
    if col.kind == "date":
        return 12
    return max(14, min(48, len(col.header) * 2 + 8))
