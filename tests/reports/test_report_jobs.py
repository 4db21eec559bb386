"""Report jobs: request, reuse of unchanged data, regeneration, claiming, failures, fan-out, schedules."""
import errno
import os
from datetime import date
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from reports import services
from reports.models import JobStatus, ReportJob, ReportPart
from reports.periods import ReportPeriod
from reports.storage import stored_files
from tests.members.factories import MemberFactory

pytestmark = pytest.mark.django_db


def test_branch_report_runs_in_process_and_stores_one_file(run_request, tree, branch_data, users):
    result = run_request(organization=tree.a1, kind="branch-annual", period="2025", fmt="pdf", user=users.secretary)
    job = result.job
    assert result.created and job.status == JobStatus.DONE, job.error
    assert job.progress == 100 and job.file.name.endswith(".pdf")
    assert Path(job.file.path).read_bytes()[:5] == b"%PDF-"
    assert job.size == Path(job.file.path).stat().st_size and len(job.checksum) == 64
    assert job.requested_by == users.secretary and job.attempts == 1
    assert job.started_at <= job.finished_at and job.render_ms is not None
    assert stored_files(job) == [Path(job.file.name).name]


def test_the_requester_is_told_once_that_the_report_is_ready(run_request, tree, branch_data, users):
    from notifications.models import Message

    job = run_request(organization=tree.a1, kind="branch-annual", period="2025", fmt="pdf", user=users.secretary).job
    ready = Message.objects.filter(recipient=users.secretary, kind="report.ready")
    assert [(m.link, m.key) for m in ready] == [(job.get_absolute_url(), f"report.ready:{job.pk}")]
    assert str(job.organization) in ready[0].title
    again = run_request(organization=tree.a1, kind="branch-annual", period="2025", fmt="pdf", user=users.secretary)
    assert not again.created and ready.count() == 1          # the existing file: no second notice


def test_same_data_returns_the_existing_file(run_request, tree, branch_data):
    first = run_request(organization=tree.a1, kind="branch-monthly", period="2025-09", fmt="xlsx").job
    again = run_request(organization=tree.a1, kind="branch-monthly", period="2025-09", fmt="xlsx")
    assert again.reused and not again.created and again.job.pk == first.pk
    assert ReportJob.objects.count() == 1


def test_changed_data_or_regenerate_makes_a_new_file(run_request, tree, branch_data):
    first = run_request(organization=tree.a1, kind="branch-monthly", period="2025-09", fmt="xlsx").job
    forced = run_request(organization=tree.a1, kind="branch-monthly", period="2025-09", fmt="xlsx", regenerate=True)
    assert forced.created and forced.job.pk != first.pk and forced.job.status == JobStatus.DONE
    MemberFactory(branch=tree.a1, name="新转入党员")
    changed = run_request(organization=tree.a1, kind="branch-monthly", period="2025-09", fmt="xlsx")
    assert changed.created and changed.job.fingerprint != first.fingerprint


def test_other_format_or_period_is_another_report(run_request, tree, branch_data):
    pdf = run_request(organization=tree.a1, kind="branch-quarterly", period="2025-Q3", fmt="pdf").job
    xlsx = run_request(organization=tree.a1, kind="branch-quarterly", period="2025-Q3", fmt="xlsx").job
    q2 = run_request(organization=tree.a1, kind="branch-quarterly", period="2025-Q2", fmt="pdf").job
    assert len({pdf.pk, xlsx.pk, q2.pk}) == 3


def test_a_queued_job_is_returned_instead_of_a_second_one(tree, branch_data, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        first = services.report_request(organization=tree.a1, kind="branch-annual", period="2025")
        second = services.report_request(organization=tree.a1, kind="branch-annual", period="2025", regenerate=True)
    assert first.created and not second.created and second.job.pk == first.job.pk
    assert len(callbacks) == 1


@pytest.mark.parametrize(("kind", "period", "field", "message"), [
    ("branch-monthly", "2025", "period", "2025-09"),
    ("branch-quarterly", "2025-13", "period", "期间格式"),
    ("branch-annual", "2025-Q1", "period", "2025"),
    ("committee-four-strong", "2025", "kind", "只能为基层党委或党总支"),
])
def test_bad_requests_say_what_to_fix(tree, kind, period, field, message):
    with pytest.raises(ValidationError) as exc:
        services.report_request(organization=tree.a1, kind=kind, period=period)
    assert message in " ".join(exc.value.message_dict[field])
    assert not ReportJob.objects.exists()


def test_branch_reports_are_not_for_committees(tree):
    with pytest.raises(ValidationError) as exc:
        services.report_request(organization=tree.root, kind="branch-annual", period="2025")
    assert "只能为党支部生成" in exc.value.message_dict["kind"][0]


def test_user_outside_scope_cannot_request(tree, users):
    with pytest.raises(ValidationError):
        services.report_request(organization=tree.b1, kind="branch-annual", period="2025", user=users.secretary)


def test_claim_is_taken_once(tree, branch_data, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        job = services.report_request(organization=tree.a1, kind="branch-annual", period="2025").job
    assert services.report_claim(job_id=job.pk) is True
    assert services.report_claim(job_id=job.pk) is False  # a duplicate delivery does nothing
    assert services.report_claim(job_id=job.pk, retry=True) is True  # a redelivery after a lost worker
    job.refresh_from_db()
    assert job.status == JobStatus.RUNNING and job.attempts == 2


def _queued_pdf_and_docx(tree, capture):
    with capture(execute=False):
        pdf = services.report_request(organization=tree.a1, kind="branch-annual", period="2025", fmt="pdf").job
        docx = services.report_request(organization=tree.a1, kind="branch-annual", period="2025", fmt="docx").job
    return pdf, docx


def test_pdf_and_docx_queued_together_are_written_from_one_collect(eager, tree, branch_data, monkeypatch,
                                                                   django_capture_on_commit_callbacks):
    """The schedules ask for both formats: whichever message comes first claims both and collects once."""
    from docx import Document as WordDocument
    from pypdf import PdfReader

    from reports.rendering import pdf as pdf_rendering
    from reports.tasks import run_report

    pdf, docx = _queued_pdf_and_docx(tree, django_capture_on_commit_callbacks)
    builds, chart_passes = [], []
    build = services.BUILDERS["branch-annual"]
    monkeypatch.setitem(services.BUILDERS, "branch-annual", lambda ctx: builds.append(ctx.org.pk) or build(ctx))
    real_pass = pdf_rendering.svgs_to_png
    monkeypatch.setattr(pdf_rendering, "svgs_to_png", lambda svgs, **kw: chart_passes.append(svgs) or real_pass(svgs, **kw))
    run_report.delay(docx.pk)  # the DOCX's message first: it takes the PDF with it
    run_report.delay(pdf.pk)   # the PDF's own message finds it done
    pdf.refresh_from_db()
    docx.refresh_from_db()
    assert builds == [tree.a1.pk]
    assert (pdf.status, docx.status) == (JobStatus.DONE, JobStatus.DONE)
    assert docx.collect_ms > 0 and pdf.collect_ms == 0 and pdf.attempts == 1 and docx.attempts == 1
    text = "".join(page.extract_text() for page in PdfReader(pdf.file.path).pages)
    word = "\n".join(p.text for p in WordDocument(docx.file.path).paragraphs)
    assert "2025年度党支部工作报告" in text and "2025年度党支部工作报告" in word
    # The PDF was written first, though the DOCX claimed: the DOCX's charts are cut from it, none drawn again.
    assert pdf.finished_at <= docx.finished_at
    assert chart_passes == []


def test_a_format_whose_shared_write_fails_is_queued_again_and_written_on_its_own(
        eager, tree, branch_data, monkeypatch, django_capture_on_commit_callbacks):
    from reports.rendering import docx as docx_rendering
    from reports.tasks import run_report

    pdf, docx = _queued_pdf_and_docx(tree, django_capture_on_commit_callbacks)
    real, calls = docx_rendering.render_docx, []

    def fails_once(document, target, **kwargs):
        calls.append(target)
        if len(calls) == 1:
            raise RuntimeError("renderer crashed")
        return real(document, target, **kwargs)

    monkeypatch.setattr(docx_rendering, "render_docx", fails_once)
    with django_capture_on_commit_callbacks(execute=True):
        run_report.delay(pdf.pk)
    pdf.refresh_from_db()
    docx.refresh_from_db()
    assert pdf.status == JobStatus.DONE and pdf.collect_ms > 0
    assert docx.status == JobStatus.DONE and docx.collect_ms > 0, docx.error  # its own run, its own collect
    assert docx.attempts == 2 and len(calls) == 2


def test_charts_not_cut_from_the_pdf_leave_the_pdf_done_and_the_docx_draws_its_own(
        eager, tree, branch_data, monkeypatch, caplog, django_capture_on_commit_callbacks):
    """Cutting the DOCX's charts out of the PDF just written is a saving: a pdfium failure there (a corrupt page, a
    library upgrade) must not fail the PDF, and the DOCX must still carry every chart."""
    from docx import Document as WordDocument
    from pypdfium2 import PdfiumError

    from reports.rendering import pdf as pdf_rendering
    from reports.tasks import run_report

    pdf, docx = _queued_pdf_and_docx(tree, django_capture_on_commit_callbacks)

    import pypdfium2

    real_document, opened = pypdfium2.PdfDocument, []

    def pdfium_fails_once(*args, **kwargs):  # the cut from the PDF fails; the DOCX's own chart pass works
        opened.append(args)
        if len(opened) == 1:
            raise PdfiumError("Failed to load document (PDFium: Data format error).")
        return real_document(*args, **kwargs)

    monkeypatch.setattr(pypdfium2, "PdfDocument", pdfium_fails_once)
    chart_passes = []
    real_pass = pdf_rendering.svgs_to_png
    monkeypatch.setattr(pdf_rendering, "svgs_to_png", lambda svgs, **kw: chart_passes.append(svgs) or real_pass(svgs, **kw))
    run_report.delay(pdf.pk)
    pdf.refresh_from_db()
    docx.refresh_from_db()
    assert (pdf.status, docx.status) == (JobStatus.DONE, JobStatus.DONE), (pdf.error, docx.error)
    assert pdf.attempts == docx.attempts == 1
    figures = len(chart_passes[0]) if chart_passes else 0
    assert figures > 0  # the DOCX drew its charts itself, in one pass
    assert len(WordDocument(docx.file.path).inline_shapes) == figures
    assert "charts for the DOCX not cut from the PDF" in caplog.text


def test_committee_reports_are_not_claimed_with_another_format(tree, committee_tree,
                                                               django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        pdf = services.report_request(organization=tree.root, kind="committee-four-strong", period="2025").job
        services.report_request(organization=tree.root, kind="committee-four-strong", period="2025", fmt="docx")
    assert services.report_claim_formats(job=pdf) == []


def test_rerunning_a_finished_job_changes_nothing(run_request, tree, branch_data):
    from reports.tasks import run_report

    job = run_request(organization=tree.a1, kind="branch-annual", period="2025").job
    checksum, finished = job.checksum, job.finished_at
    run_report.delay(job.pk)
    job.refresh_from_db()
    assert (job.checksum, job.finished_at, job.attempts) == (checksum, finished, 1)
    assert stored_files(job) == [Path(job.file.name).name]


def test_redelivered_job_replaces_its_file_and_removes_partial_leftovers(run_request, tree, branch_data):
    job = run_request(organization=tree.a1, kind="branch-annual", period="2025").job
    folder = Path(job.file.path).parent
    (folder / f".{Path(job.file.name).name}.deadbeef.part").write_bytes(b"%PDF-half")  # a killed worker's leftover
    ReportJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING)
    assert services.report_claim(job_id=job.pk, retry=True)
    services.report_run(job=ReportJob.objects.get(pk=job.pk))
    job.refresh_from_db()
    assert job.status == JobStatus.DONE
    assert stored_files(job) == [Path(job.file.name).name]


def test_failing_template_marks_the_job_failed_with_its_reason(run_request, tree, branch_data, monkeypatch):
    monkeypatch.setattr(services, "PDF_TEMPLATE", "reports/pdf/does-not-exist.html")
    job = run_request(organization=tree.a1, kind="branch-annual", period="2025", fmt="pdf").job
    assert job.status == JobStatus.FAILED
    assert "报告模板有误" in job.error and "does-not-exist" in job.error
    assert not job.file and stored_files(job) == []


def test_broken_template_syntax_is_reported(run_request, tree, branch_data, settings, tmp_path):
    folder = tmp_path / "tpl" / "reports" / "pdf"
    folder.mkdir(parents=True)
    (folder / "report.html").write_text("{% if %}", encoding="utf-8")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path / "tpl", *settings.TEMPLATES[0]["DIRS"]]}]
    job = run_request(organization=tree.a1, kind="branch-annual", period="2025", fmt="pdf").job
    assert job.status == JobStatus.FAILED and job.error.startswith("报告模板有误")


def test_transient_errors_are_retried_then_fail_readably(run_request, tree, branch_data, monkeypatch):
    from django.db import OperationalError

    calls = []

    def flaky(**kwargs):
        calls.append(1)
        raise OperationalError("connection reset")

    from reports.tasks import run_report

    monkeypatch.setattr(services, "report_run", flaky)
    monkeypatch.setattr(run_report, "retry_backoff", False)  # no waiting between the in-process retries
    monkeypatch.setattr(run_report, "default_retry_delay", 0)
    job = run_request(organization=tree.a1, kind="branch-annual", period="2025").job
    assert len(calls) == 6  # first try + 5 retries
    assert job.status == JobStatus.FAILED and "多次重试后仍未成功" in job.error


def test_committee_report_fans_out_one_part_per_branch(run_request, tree, members, committee_tree, monkeypatch):
    from reports import tasks

    seen = []
    original = tasks.collect_report_parts.run

    def spy(job_id, branch_ids):
        seen.append(list(branch_ids))
        return original(job_id, branch_ids)

    monkeypatch.setattr(tasks.collect_report_parts, "run", spy)
    job = run_request(organization=tree.root, kind="committee-four-strong", period="2025", fmt="xlsx").job
    assert job.status == JobStatus.DONE, job.error
    branches = [tree.a1.pk, tree.a2.pk, tree.b1.pk, *[o.pk for o in committee_tree]]
    assert sorted(pk for chunk in seen for pk in chunk) == sorted(branches)
    assert all(len(chunk) == 1 for chunk in seen)  # small tree: one task per branch
    assert job.parts_total == len(branches)
    assert not ReportPart.objects.filter(job=job).exists()  # scratch rows are cleared once the file exists


def test_large_trees_are_chunked_into_a_bounded_number_of_tasks():
    ids = list(range(5000))
    chunks = services.chunks(ids)
    assert len(chunks) <= services.FANOUT_MAX_TASKS
    assert sum(chunks, []) == ids


def test_summary_is_queued_once_even_if_two_parts_finish_together(tree, committee_tree, monkeypatch,
                                                                 django_capture_on_commit_callbacks):
    from reports import tasks

    with django_capture_on_commit_callbacks(execute=False):
        job = services.report_request(organization=tree.root, kind="committee-four-strong", period="2025").job
    services.report_claim(job_id=job.pk)
    queued = []
    monkeypatch.setattr(tasks.render_committee_report, "delay", lambda job_id: queued.append(job_id))
    services.report_parts_finished(job_id=job.pk)
    services.report_parts_finished(job_id=job.pk)
    assert queued == [job.pk]


def test_scheduled_reports_record_who_they_are_for(eager, tree, branch_data, django_capture_on_commit_callbacks):
    from reports.schedules import request_scheduled

    with django_capture_on_commit_callbacks(execute=False):
        count = request_scheduled(kind="branch-monthly", schedule_name="每月1日", today=date(2025, 10, 1))
    assert count == 3  # a1, a2, b1
    job = ReportJob.objects.get(organization=tree.a1)
    assert job.scheduled and job.period == "2025-09" and job.schedule_name == "每月1日"
    assert job.requested_for == f"{tree.a1.name}书记 张书记" and job.requested_by is None


def test_scheduled_formats_are_queued_side_by_side_with_single_request_fingerprints(
        eager, tree, branch_data, django_capture_on_commit_callbacks):
    """The annual schedule asks for PDF and DOCX: per organization, both jobs one after the other (so one worker
    writes both from one collect), the data state read once and the fingerprints those of single requests."""
    from reports import sources
    from reports.schedules import request_scheduled

    with django_capture_on_commit_callbacks(execute=False):
        count = request_scheduled(kind="branch-annual", formats=["pdf", "docx"], today=date(2026, 1, 5))
    jobs = list(ReportJob.objects.select_related("organization").order_by("pk"))
    assert count == 6 and [j.format for j in jobs] == ["pdf", "docx"] * 3
    assert [j.organization.path for j in jobs[::2]] == sorted(j.organization.path for j in jobs[::2])
    assert all(a.organization_id == b.organization_id for a, b in zip(jobs[::2], jobs[1::2], strict=True))
    for job in jobs:
        assert job.period == "2025" and job.fingerprint == sources.data_fingerprint(
            org=job.organization, kind=job.kind, period=job.period, fmt=job.format, version=services.REPORT_VERSION)


def test_data_states_of_a_whole_schedule_equal_each_organizations_own(tree, branch_data, committee_tree):
    """The schedule reads every organization's data state in grouped queries; item by item it must be what one
    organization's own read gives (else a schedule would regenerate, or wrongly reuse, a file). Moves count for
    both ends, once; records of a 党小组 count for its branch and every ancestor asked about."""
    from branches.models import Organization
    from members.models import MembershipMove, MoveKind
    from reports import sources

    a1_member = branch_data.secretary
    MembershipMove.objects.create(member=a1_member, kind=MoveKind.TRANSFER, from_organization=tree.a1,
                                  to_organization=tree.a2, occurred_on=date(2025, 5, 1))
    MembershipMove.objects.create(member=a1_member, kind=MoveKind.GROUP, from_organization=tree.a1g,
                                  to_organization=tree.a1, occurred_on=date(2025, 6, 1))
    organizations = list(Organization.objects.order_by("path"))
    states = sources.data_states(organizations)
    assert {o.pk: sources.data_state(o) for o in organizations} == states
    moves = {o.pk: next(p for p in states[o.pk] if p.startswith("move:")) for o in (tree.a1, tree.a2, tree.b1)}
    assert moves[tree.a1.pk].startswith("move:2:") and moves[tree.a2.pk].startswith("move:1:")
    assert moves[tree.b1.pk] == "move:0:None"


def test_beat_schedules_exist_and_point_at_the_task():
    """Created by migration 0002 (run again here: transactional tests elsewhere may have flushed the table)."""
    import importlib

    from django.apps import apps
    from django_celery_beat.models import PeriodicTask

    migration = importlib.import_module("reports.migrations.0002_report_schedules")
    migration.create(apps, None)
    migration.create(apps, None)  # idempotent
    tasks = PeriodicTask.objects.filter(task="reports.scheduled_reports")
    kinds = {t.kwargs for t in tasks}
    assert tasks.count() == 5 and all(t.crontab_id for t in tasks)
    assert any('"branch-monthly"' in k for k in kinds) and any('"committee-four-strong"' in k for k in kinds)
    monthly = tasks.get(kwargs__contains="branch-monthly").crontab
    assert (monthly.day_of_month, monthly.hour) == ("1", "2")


@pytest.mark.parametrize(("kind", "today", "expected"), [
    ("month", date(2025, 10, 1), "2025-09"), ("month", date(2025, 1, 1), "2024-12"),
    ("quarter", date(2025, 10, 1), "2025-Q3"), ("quarter", date(2025, 1, 1), "2024-Q4"),
    ("year", date(2026, 1, 10), "2025"),
])
def test_schedules_report_on_the_last_completed_period(kind, today, expected):
    assert ReportPeriod.previous_completed(kind, today).key == expected


@pytest.mark.django_db(transaction=True)  # the command waits for the job, which is queued on commit
def test_generate_report_command_prints_the_file(eager, tree, branch_data, capsys):
    from django.core.management import call_command

    call_command("generate_report", organization=tree.a1.code, kind="branch-monthly", period="2025-09",
                 format="xlsx", timeout=120)   # fail, don't wait the default 15 minutes, if the job never runs
    path = capsys.readouterr().out.strip()
    assert path.endswith("branch-monthly-2025-09.xlsx") and Path(path).is_file()
    job = ReportJob.objects.get()
    assert job.status == JobStatus.DONE and job.requested_by is None


def test_generate_report_command_refuses_bad_input(eager, tree):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="2025-09"):
        call_command("generate_report", organization=tree.a1.code, kind="branch-monthly", period="2025")
    with pytest.raises(CommandError, match="没有编码"):
        call_command("generate_report", organization="NOPE", kind="branch-monthly", period="2025-09")


@pytest.mark.parametrize("error", [errno.ENOSPC, errno.EROFS])
def test_storage_full_or_read_only_fails_the_job_with_a_reason_and_leaves_no_file(run_request, tree, branch_data,
                                                                                   monkeypatch, error):
    from reports import storage

    def copy_then_fail(src, dst):
        Path(dst).write_bytes(b"half a file")   # the disk fills up part way
        raise OSError(error, os.strerror(error))

    monkeypatch.setattr(storage.shutil, "copyfile", copy_then_fail)
    job = run_request(organization=tree.a1, kind="branch-monthly", period="2025-09", fmt="xlsx").job
    assert job.status == JobStatus.FAILED and "存储空间不足或不可写" in job.error
    assert not job.file and stored_files(job) == []   # no partial file, no record pointing at a missing one
