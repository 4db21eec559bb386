"""The generated files themselves: PDF text and page 1 as PNG, XLSX rows, all matching the database."""
import io
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from openpyxl import load_workbook
from pypdf import PdfReader

from members.models import Member
from reports import sources
from reports.models import JobStatus, ReportPlan
from reports.periods import ReportPeriod

pytestmark = pytest.mark.django_db
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts" / "reports"


def _text(job) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(Path(job.file.path).read_bytes()))
    return reader, "\n".join(page.extract_text() for page in reader.pages).replace(" ", "").replace("\u3000", "")


def _png(job, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    target = ARTIFACTS / name
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", job.file.path,
                    str(target)], check=True)
    return target.with_suffix(".png")


@pytest.fixture
def annual_pdf(run_request, tree, branch_data, users):
    ReportPlan.objects.create(organization=tree.a1, year=2025, highlights="支部开展了读书月活动。",
                              next_year_plan="深化理论学习\n推进支部标准化建设")
    job = run_request(organization=tree.a1, kind="branch-annual", period="2025", fmt="pdf", user=users.secretary).job
    assert job.status == JobStatus.DONE, job.error
    return job


def test_branch_annual_pdf_has_the_sections_and_the_database_figures(annual_pdf, tree):
    reader, text = _text(annual_pdf)
    for heading in ("2025年度党支部工作报告", "一、基本情况", "二、政治功能强", "三、支部班子强", "四、党员队伍强",
                    "五、作用发挥强", "六、整改落实情况", "七、存在的问题", "八、2026年工作计划", "九、统计口径说明"):
        assert heading in text
    active = Member.objects.filter(branch=tree.a1, is_active=True)
    text = text.replace("\n", "")
    assert f"有党员{active.count()}名" in text
    assert f"预备党员{active.filter(status='probationary').count()}名" in text
    assert "张书记" in text and "支部委员会组成" in text  # the committee table from the seats
    assert "深化理论学习" in text and "支部开展了读书月活动" in text  # the secretary's input
    assert "第1页共" in text.replace(" ", "") or "第2页共" in text  # page numbers in the footer
    assert annual_pdf.page_count == len(reader.pages)
    assert _png(annual_pdf, "branch-annual-page1").stat().st_size > 5000


def test_pdf_embeds_the_subset_cjk_font(annual_pdf):
    reader, _ = _text(annual_pdf)
    fonts = set()
    for page in reader.pages:
        for font in (page.get("/Resources") or {}).get("/Font", {}).values():
            fonts.add(str(font.get_object().get("/BaseFont")))
    assert any("NotoSansSC" in f.replace(" ", "") or "Noto" in f for f in fonts), fonts


def test_missing_apps_print_no_data_instead_of_failing(annual_pdf, monkeypatch):
    _, text = _text(annual_pdf)
    if not sources.has_orglife():
        assert "组织生活记录模块尚未启用" in text
    if not sources.has_evaluations():
        assert "评星定级模块尚未启用" in text


def test_plan_section_asks_for_input_when_empty(run_request, tree, branch_data):
    job = run_request(organization=tree.a1, kind="branch-annual", period="2025").job
    _, text = _text(job)
    assert "支部书记尚未填写下一年度工作计划" in text


def test_secretary_duty_skeleton(run_request, tree, branch_data):
    job = run_request(organization=tree.a1, kind="secretary-duty", period="2025").job
    _, text = _text(job)
    for heading in ("一、履行党建工作第一责任人职责情况", "二、抓“四强”党支部建设的主要做法", "（一）政治功能强",
                    "（四）作用发挥强", "三、存在的问题及原因分析", "四、下一步工作打算"):
        assert heading in text
    assert "述职人：张书记" in text and "原因分析由述职人填写" in text


def test_monthly_report_lists_member_changes(run_request, tree, branch_data):
    job = run_request(organization=tree.a1, kind="branch-monthly", period="2025-06").job
    _, text = _text(job)
    assert "2025年6月组织生活情况报告" in text
    assert "发展（接收预备党员）1名" in text  # 王预备 joined on 2025-06-01


def test_committee_pdf_has_toc_sections_and_branch_count(run_request, tree, members, branch_data, committee_tree):
    job = run_request(organization=tree.root, kind="committee-four-strong", period="2025", fmt="pdf").job
    assert job.status == JobStatus.DONE, job.error
    reader, text = _text(job)
    assert "目录" in text
    for heading in ("一、总体情况", "二、聚焦“政治功能强”", "三、聚焦“支部班子强”", "四、聚焦“党员队伍强”",
                    "五、聚焦“作用发挥强”", "六、评星定级与“四强”党支部", "七、“四强”党支部创建", "八、整改落实情况",
                    "九、存在的问题", "十、下一步工作",
                    "附表各党支部主要指标"):
        assert heading in text
    branches = len(sources.branches_under(tree.root))
    total = Member.objects.within(tree.root.path).active().count()
    assert f"所属党支部{branches}个，党员{total}名" in text.replace("\n", "")
    for org in committee_tree:
        assert org.name in text  # every branch in the appendix table
    toc_page = reader.pages[1].extract_text()
    assert "总体情况" in toc_page and any(ch.isdigit() for ch in toc_page)
    _png(job, "committee-four-strong-page1")


def test_branch_xlsx_rows_match_the_selectors(run_request, tree, branch_data):
    job = run_request(organization=tree.a1, kind="branch-annual", period="2025", fmt="xlsx").job
    wb = load_workbook(job.file.path, read_only=True)
    assert wb.sheetnames[0] == "报告概要" and "党员结构" in wb.sheetnames and "支部委员会" in wb.sheetnames
    structure = sources.member_structure(org=tree.a1, on=ReportPeriod.parse("2025").end)
    rows = list(wb["党员结构"].iter_rows(values_only=True))
    assert rows[0] == ("类别", "人数", "占比")
    assert [(r[0], r[1]) for r in rows[1:]] == [(r["label"], r["count"]) for r in structure["table"]]
    assert rows[1][2] == 1.0  # shares are numbers formatted as percent, not text
    summary = {r[1]: r[2] for r in wb["报告概要"].iter_rows(min_row=2, values_only=True)}
    assert summary["党员总数"] == Member.objects.filter(branch=tree.a1, is_active=True).count()
    seats = [r[1] for r in wb["支部委员会"].iter_rows(min_row=2, values_only=True)]
    assert seats[0] == "张书记"


def test_xlsx_header_frozen_and_formulas_escaped(run_request, tree, branch_data):
    from members.models import Member as M

    M.objects.filter(name="张书记").update(name="=HYPERLINK(\"x\")")
    job = run_request(organization=tree.a1, kind="branch-annual", period="2025", fmt="xlsx").job
    wb = load_workbook(job.file.path)
    ws = wb["支部委员会"]
    assert ws.freeze_panes == "A2"
    cell = ws["B2"]
    assert cell.value == "=HYPERLINK(\"x\")" and cell.data_type == "s"


def test_committee_xlsx_has_every_branch(run_request, tree, members, committee_tree):
    job = run_request(organization=tree.root, kind="committee-four-strong", period="2025", fmt="xlsx").job
    wb = load_workbook(job.file.path, read_only=True)
    rows = list(wb["全部党支部"].iter_rows(min_row=2, values_only=True))
    expected = sources.branches_under(tree.root)
    assert len(rows) == len(expected)
    counts = {r[0]: r[2] for r in rows}
    for org in committee_tree:
        assert counts[org.name] == Member.objects.filter(branch=org, is_active=True).count()


@pytest.mark.skipif(not shutil.which("pdftoppm"), reason="poppler-utils not installed")
def test_page_one_png_is_written(annual_pdf):
    png = _png(annual_pdf, "branch-annual-cover")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_pdf_html_has_no_inline_styles_and_every_width_class_is_defined(run_request, tree, members, branch_data,
                                                                         committee_tree, monkeypatch):
    """CSP forbids style= attributes: the report HTML (tables, charts) sizes columns with .w-N classes from the
    report's own stylesheet, and each class it uses has a rule there."""
    import re

    from reports.rendering import pdf as pdf_module

    seen = []
    real = pdf_module.render_pdf_document
    monkeypatch.setattr(pdf_module, "render_pdf_document", lambda html, **kw: (seen.append(html), real(html, **kw))[1])
    for org, kind in ((tree.root, "committee-four-strong"), (tree.a1, "branch-annual")):
        job = run_request(organization=org, kind=kind, period="2025", fmt="pdf").job
        assert job.status == JobStatus.DONE, job.error
    assert len(seen) == 2
    css = (Path(pdf_module.__file__).parent / "static" / "pdf.css").read_text()
    defined = set(re.findall(r"col\.w-(\d+)\s*\{\s*width:\s*(\d+)%", css))
    assert all(a == b for a, b in defined) and {int(a) for a, _ in defined} == set(range(1, 101))
    for html in seen:
        assert not re.search(r"\sstyle\s*=", html), re.search(r".{80}\sstyle\s*=.{80}", html)
        # Charts as <img> with data: URLs (parsed as XML, outside the page's cascade), none inline.
        assert "<svg" not in html
        used = {int(n) for n in re.findall(r'<col class="w-(\d+)"', html)}
        assert used and used <= set(range(1, 101))
    assert sum(html.count('<img class="chart" src="data:image/svg+xml;base64,') for html in seen) >= 2
