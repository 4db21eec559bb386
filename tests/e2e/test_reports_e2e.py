"""Staff request the committee's 四强 report on the reports page, see it finish and download the PDF."""
import io
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from reports.models import JobStatus, ReportJob
from tests.e2e.conftest import ARTIFACTS, login
from tests.members.factories import MemberFactory

pytestmark = pytest.mark.django_db(transaction=True)
SHOTS = ARTIFACTS / "reports"


@pytest.fixture
def in_process_tasks():
    """The live server runs tasks in-process (the embedded default), whatever broker the test run has."""
    from portal.celery import app

    old = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = old


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_staff_generates_and_downloads_the_committee_report(make_page, live_server, tree, users, in_process_tasks):
    for org in (tree.a1, tree.a2, tree.b1):
        MemberFactory.create_batch(2, branch=org)
    page = make_page()
    login(page, live_server, "staff")
    page.click("a[data-nav-key=reports]")
    page.wait_for_load_state("networkidle")
    assert tree.root.name in page.content()
    shot(page, "01-reports-page")
    page.select_option("select[name=kind]", "committee-four-strong")
    page.fill("input[name=period]", "2025")
    page.check("input[name=format][value=pdf]")
    # Embedded mode renders in the request: allow for a loaded CI machine (15 s was seen to run out at load 9).
    page.click("button:has-text('生成')", timeout=60_000)
    page.wait_for_load_state("networkidle")
    row = page.locator("tr[data-status=done]").first
    row.wait_for()
    shot(page, "02-job-done")
    assert "四强党支部建设工作汇报" in row.inner_text() and "已完成" in row.inner_text()
    with page.expect_download() as download:
        row.locator("a[data-download=pdf]").click()
    data = Path(download.value.path()).read_bytes()
    assert data[:5] == b"%PDF-"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    assert "四强" in text and tree.b1.name in text
    job = ReportJob.objects.get()
    assert job.status == JobStatus.DONE and job.requested_by == users.staff
    assert download.value.suggested_filename.endswith(".pdf")
    assert page.errors == []


def test_secretary_sees_progress_bar_while_running(make_page, live_server, tree, users):
    """A job another process is working on: the page polls and the bar fills in without a reload."""
    job = ReportJob.objects.create(organization=tree.a1, kind="branch-annual", period="2025", format="pdf",
                                   status=JobStatus.RUNNING, progress=35, stage="读取党员、班子与评星结果")
    page = make_page()
    login(page, live_server, "secretary")
    page.goto(f"{live_server.url}/reports/org/{tree.a1.pk}/")
    bar = page.locator(f"tr[data-job='{job.pk}'] .progress-bar")
    assert bar.get_attribute("data-width") == "35"
    shot(page, "03-progress")
    ReportJob.objects.filter(pk=job.pk).update(progress=80, stage="排版生成文件")
    expect(page.locator(f"tr[data-job='{job.pk}'] .progress-bar")).to_have_attribute(
        "style", re.compile(r"width:\s*80%"), timeout=10_000)  # htmx swapped the row, portal.js set the width
    ReportJob.objects.filter(pk=job.pk).update(status=JobStatus.FAILED, error="报告模板有误，无法排版：测试")
    page.locator(f"tr[data-job='{job.pk}'][data-status=failed]").wait_for(timeout=10_000)
    assert "报告模板有误" in page.content()
    assert page.locator("#report-jobs[hx-trigger]").count() == 0  # polling stopped
    shot(page, "04-failed")
    assert page.errors == []
