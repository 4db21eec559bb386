"""Organizational-life figures in reports equal the compliance engine's (the numbers the pages show)."""
import io
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from orglife import compliance
from orglife.defaults import seed_defaults
from orglife.models import ActivityType, FrequencyRule
from reports.builders.document import format_value
from reports.models import JobStatus
from tests.orglife.activity_factories import attend, log

pytestmark = pytest.mark.django_db


@pytest.fixture
def q3_records(tree, branch_data, members):
    seed_defaults(ActivityType, FrequencyRule)  # a transactional test elsewhere may have flushed the seeded rows
    held = [log(tree.a1, "theme_day", date(2025, m, 20), title=f"{m}月主题党日") for m in (7, 8, 9)]
    log(tree.a1, "committee_meeting", date(2025, 7, 3))
    log(tree.a1, "general_meeting", date(2025, 9, 12), title="第三季度党员大会")
    present, absent = members.a1, branch_data.secretary
    for activity in held:
        attend(activity, present)
        attend(activity, absent, status="absent")
    return held


def test_quarterly_figures_match_the_compliance_engine(run_request, tree, q3_records):
    job = run_request(organization=tree.a1, kind="branch-quarterly", period="2025-Q3", fmt="xlsx").job
    assert job.status == JobStatus.DONE, job.error
    wb = load_workbook(job.file.path, read_only=True)
    start, end = date(2025, 7, 1), date(2025, 9, 30)
    summary = {r[1]: r[2] for r in wb["报告概要"].iter_rows(min_row=2, values_only=True)}
    expected_completion = compliance.completion_rates(branch_ids=[tree.a1.pk], start=start, end=end)[tree.a1.pk]
    expected_attendance = compliance.attendance_rates(branch_ids=[tree.a1.pk], start=start, end=end)[tree.a1.pk]
    assert summary["“三会一课”完成率"] == pytest.approx(round(expected_completion, 4))
    assert summary["组织生活出席率"] == pytest.approx(0.5)
    assert expected_attendance == pytest.approx(0.5)
    row = compliance.compliance_table(organizations_qs=type(tree.a1).objects.filter(pk=tree.a1.pk), period="2025-Q3")[0]
    by_type = {r[0]: r[1:] for r in wb["组织生活按类型"].iter_rows(min_row=2, values_only=True)}
    for cell in row.cells.values():
        if cell.required or cell.count:
            required, credited, held, missing, _state = by_type[cell.activity_type.name]
            assert (required, held, credited, missing) == (cell.required, cell.count, cell.held, cell.missing)
    records = list(wb["组织生活记录"].iter_rows(min_row=2, values_only=True))
    assert len(records) == 5 and {"7月主题党日", "第三季度党员大会"} <= {r[2] for r in records}


def test_monthly_pdf_prints_the_same_rate(run_request, tree, q3_records):
    job = run_request(organization=tree.a1, kind="branch-monthly", period="2025-09").job
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(Path(job.file.path).read_bytes())).pages)
    text = text.replace(" ", "").replace("\n", "")
    rate = compliance.completion_rates(branch_ids=[tree.a1.pk], start=date(2025, 9, 1), end=date(2025, 9, 30))
    assert f"完成率{format_value(rate[tree.a1.pk], 'percent')}" in text
    assert "9月主题党日" in text and "第三季度党员大会" in text


def test_committee_parts_use_the_same_rates(tree, q3_records):
    from reports.builders.committee import collect_parts
    from reports.periods import ReportPeriod

    parts = collect_parts(org=tree.root, branch_ids=[tree.a1.pk, tree.a2.pk], period=ReportPeriod.parse("2025"),
                          today=date(2026, 1, 10))
    rates = compliance.completion_rates(branch_ids=[tree.a1.pk, tree.a2.pk], start=date(2025, 1, 1),
                                        end=date(2025, 12, 31), today=date.today())
    assert parts[tree.a1.pk]["completion"] == rates[tree.a1.pk]
    assert parts[tree.a1.pk]["group"] == tree.ga.name
