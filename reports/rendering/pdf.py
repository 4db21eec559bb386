"""HTML -> PDF with WeasyPrint, using the shipped CJK subset fonts and the base report stylesheet.

    from reports.rendering.pdf import render_pdf, render_pdf_to_path, render_template_to_pdf

    pdf_bytes = render_template_to_pdf("reports/pdf/sample.html", context)
    render_pdf_to_path(html, media_path)          # atomic: a reader never sees half a file

The FontConfiguration, the parsed base CSS (reports/rendering/static/pdf.css plus @font-face rules for
reports/fonts/*.otf) and the URL fetcher are built once per process on first use and reused by every
render: parsing the CSS and loading two 3 MB fonts into fontconfig is a large part of a cold render.
Renders in one process are serialized by a lock (fontconfig/Pango objects are shared).

Worker start-up: call ``warm_up()`` (it runs ``ensure_harfbuzz_subsetting()`` and builds the shared state)
from Celery's ``worker_process_init`` signal so a misconfigured host fails at boot, not on the first report.

Resources: only ``data:`` URLs and ``file:`` URLs inside the project's static/ and reports/ folders are
fetched. No network access (a report can never be made to request an internal URL), no arbitrary files.
"""
from __future__ import annotations

import io
import logging
import math
import os
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

import weasyprint
import weasyprint.formatting_structure.boxes
from django.conf import settings
from django.template.loader import render_to_string
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher

from portal.perf import gc_paused

from .charts import svg_size

logger = logging.getLogger(__name__)

RENDERING_DIR = Path(__file__).resolve().parent
REPORTS_DIR = RENDERING_DIR.parent
FONT_DIR = REPORTS_DIR / "fonts"
BASE_CSS_PATH = RENDERING_DIR / "static" / "pdf.css"
FONT_FAMILY = "Noto Sans SC Subset"
FONT_FILES = {400: FONT_DIR / "NotoSansSC-Subset-Regular.otf", 700: FONT_DIR / "NotoSansSC-Subset-Bold.otf"}
MIN_HARFBUZZ = (4, 1, 0)  # WeasyPrint's own threshold in weasyprint/pdf/fonts.py Font.subset()


class PdfRenderingSetupError(RuntimeError):
    """The host cannot render reports the way we ship them (missing library or font)."""


def ensure_harfbuzz_subsetting() -> None:
    """Fail loudly if WeasyPrint would subset fonts with fontTools instead of HarfBuzz.

    WeasyPrint (>= 63) decides in ``weasyprint.pdf.fonts.Font.subset``:
    ``if harfbuzz_subset and harfbuzz.hb_version_atleast(4, 1, 0)`` -> ``hb_subset``, otherwise a
    warning and fontTools, which takes seconds per CJK font and much more memory. ``harfbuzz_subset``
    is ``None`` when ``libharfbuzz-subset.so.0`` (Debian: libharfbuzz-subset0) cannot be loaded.
    We look at the very names that function uses.
    """
    from weasyprint.pdf import fonts as pdf_fonts

    if getattr(pdf_fonts, "harfbuzz_subset", None) is None:
        raise PdfRenderingSetupError(
            "WeasyPrint cannot load libharfbuzz-subset (install the system package libharfbuzz-subset0); "
            "it would fall back to slow fontTools subsetting of the CJK fonts."
        )
    harfbuzz = pdf_fonts.harfbuzz
    if not harfbuzz.hb_version_atleast(*MIN_HARFBUZZ):
        raise PdfRenderingSetupError(
            f"HarfBuzz is older than {'.'.join(map(str, MIN_HARFBUZZ))}; WeasyPrint would fall back to fontTools "
            "subsetting. Upgrade libharfbuzz0b and libharfbuzz-subset0."
        )
    missing = [str(path) for path in FONT_FILES.values() if not path.is_file()]
    if missing:
        raise PdfRenderingSetupError(f"Report fonts missing: {', '.join(missing)} (run scripts/build_cjk_font.py)")


def _allowed_roots() -> tuple[Path, ...]:
    roots = [REPORTS_DIR]
    base_dir = getattr(settings, "BASE_DIR", None)
    if base_dir:
        roots.append(Path(base_dir) / "static")
    roots.extend(Path(p) for p in getattr(settings, "STATICFILES_DIRS", ()) if isinstance(p, (str, os.PathLike)))
    return tuple(root.resolve() for root in roots)


class LocalOnlyURLFetcher(URLFetcher):
    """Fetch ``data:`` URLs and files under the allowed folders; refuse everything else."""

    def __init__(self, allowed_roots: tuple[Path, ...]):
        super().__init__(allowed_protocols=("data", "file"), allow_redirects=False)
        self.allowed_roots = allowed_roots

    def fetch(self, url, headers=None):
        if url.lower().startswith("file:"):
            path = Path(url2pathname(unquote(urlsplit(url).path))).resolve()
            if not any(path.is_relative_to(root) for root in self.allowed_roots):
                raise ValueError(f"PDF rendering may not read {path}")
        return super().fetch(url, headers)


def font_face_css() -> str:
    rules = []
    for weight, path in FONT_FILES.items():
        rules.append(
            "@font-face {"
            f' font-family: "{FONT_FAMILY}"; font-style: normal; font-weight: {weight};'
            f' src: url("{path.as_uri()}") format("opentype"); '
            "}"
        )
    return "\n".join(rules)


@dataclass(frozen=True)
class _Renderer:
    font_config: FontConfiguration
    stylesheet: weasyprint.CSS
    url_fetcher: LocalOnlyURLFetcher


_renderer: _Renderer | None = None
_init_lock = threading.Lock()
_render_lock = threading.Lock()


def build_base_stylesheet(font_config: FontConfiguration, url_fetcher: URLFetcher) -> weasyprint.CSS:
    css = font_face_css() + "\n" + BASE_CSS_PATH.read_text(encoding="utf-8")
    return weasyprint.CSS(string=css, base_url=BASE_CSS_PATH.as_uri(), font_config=font_config,
                          url_fetcher=url_fetcher)


def get_renderer() -> _Renderer:
    """The process-wide FontConfiguration + parsed base CSS, built on first use."""
    global _renderer
    if _renderer is None:
        with _init_lock:
            if _renderer is None:
                font_config = FontConfiguration()
                fetcher = LocalOnlyURLFetcher(_allowed_roots())
                _renderer = _Renderer(font_config, build_base_stylesheet(font_config, fetcher), fetcher)
    return _renderer


def reset_renderer() -> None:
    """Forget the shared state (tests, or after replacing the font files)."""
    global _renderer
    with _init_lock:
        _renderer = None


def warm_up() -> None:
    """Check the host and build the shared renderer; call once at worker start."""
    ensure_harfbuzz_subsetting()
    get_renderer()


def _default_base_url() -> str:
    base_dir = getattr(settings, "BASE_DIR", None)
    return (Path(base_dir).resolve().as_uri() + "/") if base_dir else RENDERING_DIR.as_uri() + "/"


def render_pdf(html: str, *, base_url: str | None = None) -> bytes:
    """Render an HTML document (already rendered template) to PDF bytes with the base report CSS."""
    return render_pdf_with_pages(html, base_url=base_url)[0]


def render_pdf_with_pages(html: str, *, base_url: str | None = None) -> tuple[bytes, int]:
    """Like render_pdf, also returning the number of pages laid out."""
    rendered = render_pdf_document(html, base_url=base_url)
    return rendered.data, rendered.page_count


@dataclass(frozen=True)
class PlacedFigure:
    """Where the chart of a `<figure data-figure="N">` was laid out: its page (0-based) and its box in CSS px
    from the page's top-left corner."""
    number: int
    page: int
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class RenderedPdf:
    data: bytes
    page_count: int
    figures: tuple[PlacedFigure, ...]


def render_pdf_document(html: str, *, base_url: str | None = None) -> RenderedPdf:
    """Render to PDF bytes, with the page count and where each numbered figure's chart was placed (so the DOCX
    can take its pictures from this PDF instead of laying the charts out again: figures_to_png)."""
    renderer = get_renderer()
    with _render_lock, gc_paused():
        document = weasyprint.HTML(
            string=html, base_url=base_url or _default_base_url(), url_fetcher=renderer.url_fetcher,
        ).render(stylesheets=[renderer.stylesheet], font_config=renderer.font_config)
        figures = tuple(placed for n, page in enumerate(document.pages)
                        for placed in _placed_figures(page._page_box, n))
        rendered = RenderedPdf(document.write_pdf(uncompressed_pdf=False), len(document.pages), figures)
        # Freed by reference counting before the collector is back on: it would otherwise walk the whole
        # laid-out document once (tens of ms) to find the little that is cyclic.
        del document
    return rendered


def _placed_figures(box, page: int, number: int | None = None) -> list[PlacedFigure]:
    """The replaced box (the chart) inside each `<figure data-figure>` under `box`, in document order."""
    element = getattr(box, "element", None)
    if box.element_tag == "figure" and element is not None and element.get("data-figure"):
        number = int(element.get("data-figure"))
    if number is not None and isinstance(box, weasyprint.formatting_structure.boxes.ReplacedBox):
        return [PlacedFigure(number, page, box.content_box_x(), box.content_box_y(), box.width, box.height)]
    found = []
    for child in getattr(box, "children", ()):
        found += _placed_figures(child, page, number)
    return found


def figures_to_png(rendered: RenderedPdf, svgs: dict[int, str], *,
                   scale: float = 2.0) -> dict[int, tuple[bytes, float, float]]:
    """The charts of `svgs` (by figure number) as PNG, cut by pdfium from the PDF they were just drawn in: the
    same pictures as svgs_to_png (the same pixel size, the SVG's own size in CSS px beside each), without a
    second WeasyPrint pass — that pass was 60 % of a DOCX's render. A figure not found placed exactly once is
    left out; the caller rasterizes those with svgs_to_png."""
    import pypdfium2

    placed: dict[int, list[PlacedFigure]] = {}
    for figure in rendered.figures:
        placed.setdefault(figure.number, []).append(figure)
    wanted = {number: spots[0] for number, spots in placed.items() if number in svgs and len(spots) == 1}
    if not wanted:
        return {}
    out = {}
    pdf = pypdfium2.PdfDocument(rendered.data)
    try:
        for number, spot in wanted.items():
            width, height = svg_size(svgs[number])
            page = pdf[spot.page]
            page_width, page_height = page.get_size()  # PDF points; CSS px x 0.75
            # svgs_to_png's pixel size (its page is the SVG's own size); here the box may be drawn smaller.
            out_scale = scale * 0.75 * 96 / 72
            size = (math.ceil(width * 0.75 * out_scale), math.ceil(height * 0.75 * out_scale))
            render_scale = out_scale * width / spot.width
            left, top = round(spot.x * 0.75 * render_scale), round(spot.y * 0.75 * render_scale)
            right = math.ceil(page_width * render_scale) - left - size[0]
            bottom = math.ceil(page_height * render_scale) - top - size[1]
            # pypdfium2 takes the crop in points and rounds each side up in pixels: whole pixels, a hair under.
            crop = tuple(max(0.0, (px - 1e-6) / render_scale) for px in (left, bottom, right, top))
            image = page.render(scale=render_scale, crop=crop).to_pil()
            buffer = io.BytesIO()
            image.save(buffer, format="PNG", compress_level=1)
            out[number] = (buffer.getvalue(), width, height)
    finally:
        pdf.close()
    return out


def render_pdf_to_path(html: str, path: str | os.PathLike, *, base_url: str | None = None) -> Path:
    """Render to `path` atomically (temporary file in the same folder, then rename)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    data = render_pdf(html, base_url=base_url)
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp_name, target)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return target


def render_template_to_pdf(template_name: str, context: dict | None = None, *, base_url: str | None = None) -> bytes:
    """render_to_string + render_pdf; templates extend reports/pdf/base.html."""
    return render_pdf(render_to_string(template_name, context or {}), base_url=base_url)


def svg_to_png(svg: str, *, scale: float = 2.0) -> tuple[bytes, float, float]:
    """One chart's SVG as PNG bytes with its size in CSS pixels (see svgs_to_png)."""
    return svgs_to_png([svg], scale=scale)[0]


def svgs_to_png(svgs: list[str], *, scale: float = 2.0) -> list[tuple[bytes, float, float]]:
    """Charts' SVGs as PNG bytes, each with its size in CSS pixels: laid out by WeasyPrint in one document, a page
    the size of each SVG (the shipped CJK fonts, like the PDF), then rasterized page by page by pdfium (pypdfium2,
    a self-contained wheel). The DOCX embeds these so Word shows the same charts as the PDF. One WeasyPrint pass for
    all of a report's charts: a pass has a fixed cost (stylesheet, fonts, PDF writing) larger than a chart's."""
    import base64

    import pypdfium2

    if not svgs:
        return []
    sizes = [svg_size(svg) for svg in svgs]
    # As data: images, not inline: WeasyPrint then reads each SVG with its XML parser instead of its (pure
    # Python) HTML parser, a third of this function's time.
    pages = "".join(f'<div class="chart-page" style="page: chart{n}"><img src="data:image/svg+xml;base64,'
                    f'{base64.b64encode(svg.encode()).decode()}" width="{w}" height="{h}"></div>'
                    for n, (svg, (w, h)) in enumerate(zip(svgs, sizes, strict=True)))
    no_header = "@top-left { content: none } @top-right { content: none } @bottom-center { content: none }"
    page_rules = "".join(f"@page chart{n} {{ size: {w}px {h}px; margin: 0; {no_header} }}"
                         for n, (w, h) in enumerate(sizes))
    html = (f"<html><head><style>{page_rules} body {{ margin: 0 }} img {{ display: block }}"
            f" .chart-page {{ break-after: page }} .chart-page:last-child {{ break-after: auto }}</style></head>"
            f"<body>{pages}</body></html>")
    pdf = render_pdf(html)
    document = pypdfium2.PdfDocument(pdf)
    out = []
    try:
        for n, (width, height) in enumerate(sizes):
            image = document[n].render(scale=scale * 0.75 * 96 / 72).to_pil()  # px -> pt is 0.75; 96 dpi base
            buffer = io.BytesIO()
            image.save(buffer, format="PNG", compress_level=1)  # flat-colour charts: level 9 took 20 ms a chart
            out.append((buffer.getvalue(), width, height))
    finally:
        document.close()
    return out
