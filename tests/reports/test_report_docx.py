"""Every report kind as DOCX from the same document model as the PDF/XLSX: same sections, same figures."""
import pytest
from docx import Document as WordDocument

from reports.builders.document import format_value
from reports.models import JobStatus
from reports.services import _context

pytestmark = pytest.mark.django_db

KINDS = [("branch-annual", "a1", "2025"), ("secretary-duty", "a1", "2025"), ("branch-monthly", "a1", "2025-06"),
         ("branch-quarterly", "a1", "2025-Q2"), ("committee-four-strong", "root", "2025")]


def _word_text(path) -> tuple[str, list[list[list[str]]]]:
    word = WordDocument(path)
    tables = [[[c.text for c in row.cells] for row in t.rows] for t in word.tables]
    return "\n".join(p.text for p in word.paragraphs), tables


@pytest.mark.parametrize("kind,org,period", KINDS)
def test_docx_has_the_sections_tables_and_figures_of_the_document(run_request, tree, branch_data, committee_tree,
                                                                   kind, org, period):
    from reports.services import BUILDERS

    job = run_request(organization=getattr(tree, org), kind=kind, period=period, fmt="docx").job
    assert job.status == JobStatus.DONE, job.error
    assert job.download_name.endswith(".docx")
    text, tables = _word_text(job.file.path)
    if kind == "committee-four-strong":
        from reports.builders.committee import build_committee, collect_parts
        from reports.sources import branches_under

        ctx = _context(job, progress=False)
        parts = collect_parts(org=job.organization, branch_ids=branches_under(job.organization, on=ctx.as_of),
                              period=ctx.period, today=ctx.today)
        document = build_committee(ctx, sorted(parts.values(), key=lambda p: p["path"]))
    else:
        document = BUILDERS[kind](_context(job, progress=False))
    for section in document.sections:
        for s in section.walk():
            assert s.title in text
            for paragraph in s.paragraphs:
                assert paragraph in text
    assert len(tables) == len(document.tables())
    for word_table, table in zip(tables, document.tables(), strict=True):
        assert word_table[0] == [c.header for c in table.columns]
        assert len(word_table) == len(table.rows) + 1
        for word_row, row in zip(word_table[1:], table.rows, strict=True):
            assert word_row == [format_value(row.get(c.key), c.kind) for c in table.columns]
    assert "统计口径说明" in text


def test_docx_embeds_each_chart_as_a_png_picture(run_request, tree, branch_data):
    """The annual report's charts are pictures in the Word file (PNG rendered from the PDF's SVG), not a note."""
    import io

    from PIL import Image

    from reports.services import BUILDERS

    job = run_request(organization=tree.a1, kind="branch-annual", period="2025", fmt="docx").job
    assert job.status == JobStatus.DONE, job.error
    document = BUILDERS["branch-annual"](_context(job, progress=False))
    charts = [f for s in document.sections for x in s.walk() for f in x.figures]
    assert charts
    word = WordDocument(job.file.path)
    images = [rel.target_part.blob for rel in word.part.rels.values() if "image" in rel.reltype]
    assert len(images) == len(charts)
    for blob in images:
        image = Image.open(io.BytesIO(blob))
        assert image.format == "PNG" and image.width > 300
        colours = image.convert("RGB").getcolors(maxcolors=1 << 20)
        assert colours is not None and len(colours) > 5  # drawn, not a blank page
    text = "\n".join(p.text for p in word.paragraphs)
    assert "见同名PDF" not in text
    for chart in charts:
        assert f"图{chart.number}　{chart.caption}" in text


def test_docx_charts_cut_from_the_pdf_are_the_charts_drawn_alone(run_request, tree, branch_data, tmp_path):
    """A DOCX written beside its PDF takes each chart from the PDF's page (pdfium, cropped to the chart's box)
    instead of laying the SVGs out again: the same pixel size as the chart drawn alone and the same picture but
    for anti-aliasing at the sub-pixel offset."""
    import io

    from PIL import Image, ImageChops, ImageStat

    from reports.rendering.pdf import svgs_to_png
    from reports.services import BUILDERS, render_document

    job = run_request(organization=tree.a1, kind="branch-annual", period="2025", fmt="pdf").job
    document = BUILDERS["branch-annual"](_context(job, progress=False))
    figures = document.figures()
    assert len(figures) >= 2
    pictures = {}
    render_document(document, "pdf", tmp_path / "report.pdf", pictures=pictures)
    assert sorted(pictures) == [f.number for f in figures]
    for figure, (alone, width, height) in zip(figures, svgs_to_png([f.svg for f in figures]), strict=True):
        cut, cut_width, cut_height = pictures[figure.number]
        assert (cut_width, cut_height) == (width, height)
        a, b = (Image.open(io.BytesIO(png)).convert("RGB") for png in (alone, cut))
        assert a.size == b.size
        assert max(ImageStat.Stat(ImageChops.difference(a, b)).mean) < 6, figure.caption
        assert len(b.getcolors(maxcolors=1 << 20)) > 5  # the chart, not a blank crop
    render_document(document, "docx", tmp_path / "report.docx", pictures=pictures)
    word = WordDocument(tmp_path / "report.docx")
    images = sorted(rel.target_part.blob for rel in word.part.rels.values() if "image" in rel.reltype)
    assert images == sorted(pictures[f.number][0] for f in figures)
