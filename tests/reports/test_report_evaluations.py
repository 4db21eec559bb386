"""Reports read star levels, 四强 and 整改 from the evaluations app (real records, published results)."""
import io
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from evaluations import services as ev_services
from evaluations.models import Rectification, Step
from reports import sources
from reports.models import JobStatus
from tests.evaluations.factories import make_cycle, small_standard

pytestmark = pytest.mark.django_db


@pytest.fixture
def results(tree, users, members, committee_tree):
    """Published 2025 results: a1 five stars + 四强, a2 three stars, b1 two stars; one open 整改 on b1."""
    standard, _ = small_standard(tree.root, users.staff)
    cycle = make_cycle(tree.root, standard, users.staff)
    published = {
        tree.a1: (5, True, Decimal("95.00"), {"political": "24", "leadership": "23", "members": "24", "role": "24"}),
        tree.a2: (3, False, Decimal("74.00"), {"political": "19", "leadership": "18", "members": "19", "role": "18"}),
        tree.b1: (2, False, Decimal("62.00"), {"political": "15", "leadership": "16", "members": "16", "role": "15"}),
    }
    for org, (stars, four, total, criteria) in published.items():
        cycle.evaluations.filter(organization=org).update(step=Step.RESULT, stars=stars, four_strong=four,
                                                          total=total, criterion_scores=criteria)
    rect = ev_services.rectification_create(organization=tree.b1, problem="组织生活记录不完整", requirement="补齐会议记录",
                                            due_on=date.today() + timedelta(days=10), by=users.staff,
                                            responsible_person="乙书记",
                                            evaluation=cycle.evaluations.get(organization=tree.b1))
    Rectification.objects.filter(pk=rect.pk).update(due_on=date.today() - timedelta(days=1))  # now overdue
    return cycle


def _text(job):
    reader = PdfReader(io.BytesIO(Path(job.file.path).read_bytes()))
    return "".join(p.extract_text() for p in reader.pages).replace(" ", "").replace("\n", "")


def test_evaluation_source_reads_published_results(tree, results):
    out = sources.evaluation_results(branch_ids=[tree.a1.pk, tree.a2.pk, tree.b1.pk], year=2025)
    assert out[tree.a1.pk]["stars"] == 5 and out[tree.a1.pk]["four_strong"] is True
    assert out[tree.a1.pk]["criteria"]["political"] == 96.0  # 24 of 25 points
    assert out[tree.a1.pk]["criteria"]["role"] == 96.0  # 24 of 15 + 10 points
    assert out[tree.b1.pk]["total"] == 62.0


def test_unpublished_results_are_not_reported(tree, results):
    results.evaluations.filter(organization=tree.a2).update(step=Step.PUBLICITY)
    out = sources.evaluation_results(branch_ids=[tree.a2.pk], year=2025)
    assert tree.a2.pk not in out


def test_branch_annual_report_shows_stars_and_rectification(run_request, tree, results, branch_data):
    job = run_request(organization=tree.b1, kind="branch-annual", period="2025").job
    assert job.status == JobStatus.DONE, job.error
    text = _text(job)
    assert "综合得分62.0分，评定为二星党支部" in text
    assert "组织生活记录不完整" in text and "已逾期" in text


def test_committee_report_counts_stars_four_strong_and_weak_branches(run_request, tree, results):
    job = run_request(organization=tree.root, kind="committee-four-strong", period="2025").job
    assert job.status == JobStatus.DONE, job.error
    text = _text(job)
    assert "有评星定级结果的党支部3个，其中“四强”党支部1个、五星党支部1个" in text
    assert "五星1个、四星0个、三星1个、二星1个、一星0个" in text
    assert "超过整改期限1项" in text
    weak = text[text.index("九、存在的问题"):]
    assert tree.b1.name in weak and "逾期整改1项" in weak and "超过整改期限仍未销号" in weak
    xlsx = run_request(organization=tree.root, kind="committee-four-strong", period="2025", fmt="xlsx").job
    wb = load_workbook(xlsx.file.path, read_only=True)
    dist = {r[0]: r[1] for r in wb["星级分布"].iter_rows(min_row=2, values_only=True)}
    assert dist == {"五星": 1, "四星": 0, "三星": 1, "二星": 1, "一星": 0}
    assert [r[0] for r in wb["四强党支部"].iter_rows(min_row=2, values_only=True)] == [tree.a1.name]


def test_committee_report_on_a_later_year_names_the_cycle_its_stars_come_from(run_request, tree, results):
    """A 2026 report before the 2026 cycle is published shows the 2025 results and says so; the 2025 report
    does not add the note."""
    later = _text(run_request(organization=tree.root, kind="committee-four-strong", period="2026").job)
    note = f"（星级结果采用最近公布的{results.name}结果）".replace(" ", "")
    assert "其中“四强”党支部1个、五星党支部1个" + note in later
    assert "获评“四强”党支部1个" + note in later
    same_year = _text(run_request(organization=tree.root, kind="committee-four-strong", period="2025").job)
    assert "星级结果采用最近公布的" not in same_year
