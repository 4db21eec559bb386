"""reports.rendering.pdf: the sample report renders with the shipped CJK subset fonts, TOC and page numbers."""
import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from fontTools.ttLib import TTFont
from pypdf import PdfReader

from reports.rendering import pdf as pdf_module
from reports.rendering.pdf import (
    FONT_FAMILY,
    LocalOnlyURLFetcher,
    PdfRenderingSetupError,
    ensure_harfbuzz_subsetting,
    render_pdf,
    render_pdf_to_path,
)
from reports.rendering.sample import SAMPLE_TEMPLATE, sample_context

SECTION_HEADINGS = ["一、政治功能强", "二、支部班子强", "三、党员队伍强", "四、作用发挥强"]
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts" / "reports"


@pytest.fixture(scope="module")
def sample_pdf() -> bytes:
    return render_pdf(render_to_string(SAMPLE_TEMPLATE, sample_context()))


@pytest.fixture(scope="module")
def reader(sample_pdf) -> PdfReader:
    return PdfReader(io.BytesIO(sample_pdf))


@pytest.fixture(scope="module")
def page_texts(reader) -> list[str]:
    return [page.extract_text() for page in reader.pages]


def _fonts(reader: PdfReader) -> dict[str, object]:
    """BaseFont name -> font dictionary, over every page."""
    fonts = {}
    for page in reader.pages:
        for font_ref in page["/Resources"]["/Font"].values():
            font = font_ref.get_object()
            fonts[str(font["/BaseFont"])] = font
    return fonts


def test_harfbuzz_subsetting_is_available():
    ensure_harfbuzz_subsetting()


def test_missing_harfbuzz_subset_is_reported(monkeypatch):
    from weasyprint.pdf import fonts as weasy_fonts

    monkeypatch.setattr(weasy_fonts, "harfbuzz_subset", None)
    with pytest.raises(PdfRenderingSetupError, match="libharfbuzz-subset"):
        ensure_harfbuzz_subsetting()


def test_missing_font_file_is_reported(monkeypatch, tmp_path):
    monkeypatch.setattr(pdf_module, "FONT_FILES", {400: tmp_path / "nope.otf"})
    with pytest.raises(PdfRenderingSetupError, match="nope.otf"):
        ensure_harfbuzz_subsetting()


def test_sample_has_several_pages_and_metadata(reader):
    assert len(reader.pages) >= 4
    assert reader.metadata.title == "2024年度推进“四强”党支部建设情况报告"


def test_chinese_section_headings_are_extractable(page_texts):
    body = "\n".join(page_texts[2:])  # after cover and TOC
    for heading in SECTION_HEADINGS:
        assert re.search(rf"^{heading}$", body, re.MULTILINE), heading
    assert "机关第一党支部" in body  # table cell
    assert "第 3 页 共" in page_texts[2]  # footer


def test_only_the_shipped_subset_fonts_are_embedded(reader):
    fonts = _fonts(reader)
    assert fonts, "no fonts in the PDF"
    family = FONT_FAMILY.replace(" ", "-")
    for base_font, font in fonts.items():
        # "/ABCDEF+Noto-Sans-SC-Subset[-Bold]": a subset (tag) of our family, never a system fallback font.
        assert re.fullmatch(rf"/[A-Z]{{6}}\+{family}(-Bold)?", base_font), base_font
        descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
        embedded = descriptor.get("/FontFile3") or descriptor.get("/FontFile2")
        assert embedded is not None, f"{base_font} is not embedded"
        data = embedded.get_object().get_data()
        font_file = TTFont(io.BytesIO(data))
        assert font_file["name"].getDebugName(1) == FONT_FAMILY
        # Subsetted per document: far fewer glyphs than the ~8,000 characters we ship.
        assert font_file.getGlyphOrder() and len(data) < 500_000
    assert any(name.endswith("-Bold") for name in fonts)


def test_toc_page_numbers_point_at_the_headings(page_texts):
    toc = {}
    for line in page_texts[1].splitlines():
        match = re.match(r"^(.+?)\s*\.{3,}\s*(\d+)$", line.strip())
        if match:
            toc[match[1].strip()] = int(match[2])
    for heading in SECTION_HEADINGS:
        assert heading in toc, f"{heading} missing from the TOC: {toc}"
        page_number = toc[heading]
        assert re.search(rf"^{heading}$", page_texts[page_number - 1], re.MULTILINE), (heading, page_number)


def test_render_pdf_to_path_writes_the_file_atomically(tmp_path):
    target = tmp_path / "out" / "报告.pdf"
    render_pdf_to_path("<html><body><h2>政治功能强</h2><p>正文</p></body></html>", target)
    assert target.read_bytes().startswith(b"%PDF-")
    assert [p.name for p in target.parent.iterdir()] == ["报告.pdf"]  # no temporary file left behind


def test_url_fetcher_refuses_network_and_files_outside_the_project():
    fetcher = LocalOnlyURLFetcher(pdf_module._allowed_roots())
    with pytest.raises(ValueError):
        fetcher.fetch("http://127.0.0.1:9/secret")
    with pytest.raises(ValueError):
        fetcher.fetch("file:///etc/passwd")
    with pytest.raises(ValueError):
        fetcher.fetch((pdf_module.FONT_DIR / ".." / ".." / ".." / "etc" / "passwd").resolve().as_uri())
    response = fetcher.fetch(pdf_module.FONT_FILES[400].as_uri())
    assert response.read(4) == b"OTTO"
    response.close()


def test_weasyprint_understands_every_declaration_of_the_report_stylesheet(caplog):
    """A declaration WeasyPrint does not support is dropped with a warning (at every worker's start) and does
    nothing on the page, though the stylesheet reads as if it did: none may be left in it."""
    from weasyprint.text.fonts import FontConfiguration

    caplog.set_level("WARNING", logger="weasyprint")
    pdf_module.build_base_stylesheet(FontConfiguration(), LocalOnlyURLFetcher(pdf_module._allowed_roots()))
    ignored = [r.getMessage() for r in caplog.records if r.name.startswith("weasyprint")]
    assert ignored == []


def test_a_report_cannot_pull_in_local_files(caplog):
    html = '<html><body><p>x</p><img src="file:///etc/hostname"><img src="http://169.254.169.254/"></body></html>'
    data = render_pdf(html)
    assert data.startswith(b"%PDF-")
    assert "may not read" in caplog.text or "disallowed protocol" in caplog.text


def test_first_page_renders_to_png(sample_pdf, tmp_path):
    if not shutil.which("pdftoppm"):
        pytest.skip("pdftoppm (poppler-utils) not installed")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    source = tmp_path / "sample.pdf"
    source.write_bytes(sample_pdf)
    (ARTIFACTS / "sample.pdf").write_bytes(sample_pdf)
    prefix = ARTIFACTS / "sample-page"
    subprocess.run(["pdftoppm", "-png", "-r", "72", "-f", "1", "-l", "3", str(source), str(prefix)], check=True,
                   timeout=60)
    pngs = sorted(ARTIFACTS.glob("sample-page-*.png"))
    assert pngs and pngs[0].read_bytes().startswith(b"\x89PNG")


def test_report_paragraphs_drop_spaces_next_to_chinese_so_justification_opens_no_gaps():
    """WeasyPrint justifies by widening spaces only: a space beside a number in Chinese prose took a whole
    line's slack. Spaces between Latin words stay."""
    from reports.templatetags.report_text import cjk_tight

    assert cjk_tight("共 3 个党支部，占 25.0%；书记培训覆盖率 58.3%。") == "共3个党支部，占25.0%；书记培训覆盖率58.3%。"
    assert cjk_tight("2024年08月 选举产生") == "2024年08月选举产生"
    assert cjk_tight("见同名 Excel 报表；Noto Sans SC") == "见同名Excel报表；Noto Sans SC"
    html = render_to_string("reports/pdf/_section.html", {"level": 2, "section": {
        "id": "s", "title": "一、总体情况", "paragraphs": ["所属党支部 12 个，党员 294 名。"], "items": ["获评 1 次"]}})
    assert "<p>所属党支部12个，党员294名。</p>" in html and "<li>获评1次</li>" in html
