"""A report as an editable Word file (.docx), from the same Document the PDF and the XLSX are written from.

Laid out after 党政机关公文格式 (GB/T 9704-2012) so an office edits rather than retypes: A4, margins 37/35/28/26 mm,
title in 小标宋 二号 centred, body in 仿宋 三号 with a first-line indent of two characters and a fixed 28-point line
spacing, first-level headings (一、) in 黑体 三号, second-level ones (（一）) in 楷体 三号, tables with a bold header row
that repeats on each page. Fonts are named, not embedded: Word substitutes the office's installed ones. Charts are
pictures of the PDF's charts (the same SVG, rasterized), with their 图N captions.
"""
from __future__ import annotations

from copy import deepcopy
from functools import cache

from docx import Document as WordDocument
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.text.run import Run

from reports.builders.document import Document, Section, Table

TITLE_FONT, BODY_FONT, HEADING_FONT, SUBHEADING_FONT = "方正小标宋简体", "仿宋_GB2312", "黑体", "楷体_GB2312"
SIZE_TITLE, SIZE_BODY, SIZE_TABLE = Pt(22), Pt(16), Pt(10.5)
LINE = Pt(28)


_RUN_PROPERTIES: dict = {}


def _font(run, name: str, size, bold: bool = False) -> None:
    """The run's font, size and weight, with the East Asian font named too (Word picks it for CJK text).
    Built once per (font, size, bold) through python-docx and copied after: its element-by-element setters were
    half of a report's DOCX time."""
    key = (name, size, bold)
    proto = _RUN_PROPERTIES.get(key)
    if proto is None:
        probe = WordDocument().add_paragraph().add_run()
        probe.font.name = name
        probe.font.size = size
        probe.font.bold = bold
        rpr = probe._element.get_or_add_rPr()
        fonts = rpr.find(qn("w:rFonts"))
        if fonts is None:
            fonts = OxmlElement("w:rFonts")
            rpr.append(fonts)
        for attr in ("w:eastAsia", "w:ascii", "w:hAnsi"):
            fonts.set(qn(attr), name)
        proto = _RUN_PROPERTIES[key] = rpr
    element = run._element
    if element.rPr is not None:
        element.remove(element.rPr)
    element.insert(0, deepcopy(proto))


def _paragraph(doc, text: str, *, font=BODY_FONT, size=SIZE_BODY, bold=False, indent=True, align=None,
               line=LINE, space_after=0):
    p = doc.add_paragraph()
    fmt = p.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = line
    fmt.space_after = Pt(space_after)
    fmt.space_before = Pt(0)
    if indent:
        fmt.first_line_indent = Pt(size.pt * 2)
    if align is not None:
        p.alignment = align
    _font(p.add_run(text), font, size, bold)
    return p


def _repeat_header(row) -> None:
    trpr = row._tr.get_or_add_trPr()
    flag = OxmlElement("w:tblHeader")
    flag.set(qn("w:val"), "true")
    trpr.append(flag)


def _table(doc, table: Table) -> None:
    _paragraph(doc, f"表{table.number}　{table.caption}", font=HEADING_FONT, size=Pt(12), indent=False,
               align=WD_ALIGN_PARAGRAPH.CENTER, line=Pt(22))
    grid = doc.add_table(rows=1, cols=len(table.columns))
    grid._tbl.tblStyle_val = _table_style()
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    usable = 156  # mm between the 公文 margins
    widths = [Mm(usable * w / 100) for w in table.col_widths()]
    header = grid.rows[0]
    _repeat_header(header)
    for cell, col, width in zip(header.cells, table.columns, widths, strict=True):
        cell.width = width
        paragraph = cell.paragraphs[0]  # a new cell holds one empty paragraph
        _font(paragraph.add_run(col.header), HEADING_FONT, SIZE_TABLE, bold=True)
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if table.rows:
        # One row built through python-docx (widths, alignment, font), then copied for every row with its texts
        # put in: building each cell through the API was two thirds of a report's DOCX time.
        model = grid.add_row()
        for cell, col, width in zip(model.cells, table.columns, widths, strict=True):
            cell.width = width
            paragraph = cell.paragraphs[0]
            _font(paragraph.add_run("-"), BODY_FONT, SIZE_TABLE)
            if col.css:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT if col.css == "num" else WD_ALIGN_PARAGRAPH.CENTER
        model_tr = model._tr
        grid._tbl.remove(model_tr)
        for row in table.rows:  # every row, as the XLSX: an office trims in Word, it cannot add back
            tr = deepcopy(model_tr)
            for run, col in zip(tr.iter(qn("w:r")), table.columns, strict=True):
                _set_text(run, col.format(row.get(col.key)))
            grid._tbl.append(tr)
    if table.note:
        _paragraph(doc, f"注：{table.note}", size=Pt(10.5), indent=False, line=Pt(18))


def _set_text(run, text: str) -> None:
    """The copied run's text: its one <w:t> set directly; python-docx's setter (tabs and line breaks as <w:tab/> and
    <w:br/>) only where the text holds them."""
    if any(c in text for c in "\t\n\r"):
        Run(run, None).text = text
        return
    t = run.find(qn("w:t"))
    t.text = text
    if text != text.strip():
        t.set(qn("xml:space"), "preserve")


@cache
def _table_style() -> str:
    """The id of Word's "Table Grid" style in python-docx's default template, every report's starting point
    (looked up by name on each table, python-docx scans the styles part each time)."""
    return WordDocument().styles["Table Grid"].style_id


def _section(doc, section: Section, level: int, pictures: dict) -> None:
    if section.page_break:
        doc.add_page_break()
    _paragraph(doc, section.title, font=HEADING_FONT if level == 1 else SUBHEADING_FONT, indent=True,
               bold=level > 1)
    if section.empty:
        _paragraph(doc, section.empty)
    for text in section.paragraphs:
        _paragraph(doc, text)
    if section.stats:
        _paragraph(doc, "主要数据：" + "；".join(f"{label} {value}" for value, label in section.stats) + "。")
    for n, item in enumerate(section.items, 1):
        _paragraph(doc, f"{n}. {item}")
    for table in section.tables:
        _table(doc, table)
    for figure in section.figures:
        _figure(doc, figure, pictures[id(figure)])
        _paragraph(doc, f"图{figure.number}　{figure.caption}", size=Pt(12), indent=False,
                   align=WD_ALIGN_PARAGRAPH.CENTER, line=Pt(22))
    for child in section.children:
        _section(doc, child, level + 1, pictures)


def _pictures(document: Document, given: dict | None) -> dict:
    """Every chart of the document as a picture, by figure: those `given` by figure number (cut from the PDF
    just drawn of the same document, services.render_document), the rest rasterized in one pass (svgs_to_png)."""
    from .pdf import svgs_to_png

    figures = document.figures()
    if len({f.number for f in figures}) < len(figures):
        given = None  # not numbered: nothing to match by
    given = given or {}
    missing = [f for f in figures if f.number not in given]
    drawn = dict(zip((id(f) for f in missing), svgs_to_png([f.svg for f in missing]) if missing else [], strict=True))
    return {id(f): given[f.number] if f.number in given else drawn[id(f)] for f in figures}


def _figure(doc, figure, picture) -> None:
    """The chart as a PNG picture (the PDF's SVG rasterized), centred, at most the text width (156 mm)."""
    import io

    png, width, height = picture
    paragraph = doc.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.paragraph_format.first_line_indent = Pt(0)
    width_mm = min(156.0, width * 25.4 / 96)
    paragraph.add_run().add_picture(io.BytesIO(png), width=Mm(width_mm))


def render_docx(document: Document, target, *, pictures: dict | None = None) -> None:
    """Write `document` to the local path `target`; `pictures`: chart pictures already made, by figure number."""
    doc = WordDocument()
    page = doc.sections[0]
    page.orientation = WD_ORIENT.PORTRAIT
    page.page_width, page.page_height = Mm(210), Mm(297)
    page.top_margin, page.bottom_margin, page.left_margin, page.right_margin = Mm(37), Mm(35), Mm(28), Mm(26)
    normal = doc.styles["Normal"]
    normal.font.name = BODY_FONT
    normal.font.size = SIZE_BODY
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)

    _paragraph(doc, document.organization, font=BODY_FONT, indent=False, align=WD_ALIGN_PARAGRAPH.CENTER)
    _paragraph(doc, document.title, font=TITLE_FONT, size=SIZE_TITLE, indent=False, align=WD_ALIGN_PARAGRAPH.CENTER,
               line=Pt(36), space_after=12)
    if document.subtitle:
        _paragraph(doc, document.subtitle, font=SUBHEADING_FONT, indent=False, align=WD_ALIGN_PARAGRAPH.CENTER)
    for label, value in document.cover_meta:
        _paragraph(doc, f"{label}：{value}", indent=False, align=WD_ALIGN_PARAGRAPH.CENTER)
    pictures = _pictures(document, pictures)
    for section in document.sections:
        _section(doc, section, 1, pictures)
    footer = page.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(footer.add_run(document.title), BODY_FONT, Pt(10.5))
    doc.core_properties.title = document.title
    doc.core_properties.author = document.organization
    doc.save(str(target))
