"""Real Celery workers against Redis: a branch report, a committee fan-out, and a worker killed mid-write.

Needs a broker and a database another process can open: run with REDIS_URL (CI sets it) and a PostgreSQL
DATABASE_URL. The worker subprocess uses pytest-django's test database ("test_" + the database name).
"""
import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from pypdf import PdfReader

from notifications.models import Message
from reports import services
from reports.models import JobStatus, ReportJob
from reports.services import report_request
from reports.storage import stored_files

pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs a Redis broker: set REDIS_URL (CI does)"),
]
BASE_DIR = Path(settings.BASE_DIR)


@pytest.fixture
def database_url():
    db = connection.settings_dict
    if connection.vendor != "postgresql":
        pytest.skip("the worker subprocess needs a shared database: set DATABASE_URL to PostgreSQL")
    user = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{user}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def broker():
    """A clean queue on the broker this test run owns."""
    from portal.celery import app

    app.control.purge()
    assert not app.conf.task_always_eager
    return app


class Worker:
    def __init__(self, *, database_url, media_root, log: Path, publish_delay=0.0, concurrency=1,
                 visibility_timeout=4, heartbeat_seconds=1):
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.reports.worker_settings", "DATABASE_URL": database_url,
               "MEDIA_ROOT": str(media_root), "REPORTS_TEST_PUBLISH_DELAY": str(publish_delay),
               "CELERY_VISIBILITY_TIMEOUT": str(visibility_timeout), "PYTHONUNBUFFERED": "1",
               # a redelivered message may take the job once its heartbeat is this old (the dead worker's)
               "REPORTS_HEARTBEAT_SECONDS": str(heartbeat_seconds), "REPORTS_STALL_AFTER_SECONDS": "3"}
        self.log = log
        self.handle = open(log, "ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "portal", "worker", "-l", "info", "-c", str(concurrency),
             "--without-gossip", "--without-mingle", "--without-heartbeat", "-n", f"reports-test-{time.time_ns()}@%h"],
            cwd=BASE_DIR, env=env, stdout=self.handle, stderr=subprocess.STDOUT, start_new_session=True)

    def kill(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
        self.handle.close()


@pytest.fixture
def start_worker(database_url, media_root, broker, tmp_path):
    workers = []

    def start(**kwargs):
        worker = Worker(database_url=database_url, media_root=media_root, log=tmp_path / f"worker{len(workers)}.log",
                        **kwargs)
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()


def wait_for(predicate, timeout: float, what: str, log: Path | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    tail = log.read_text(errors="replace")[-3000:] if log and log.exists() else ""
    raise AssertionError(f"timed out waiting for {what}\n{tail}")


def finished(job_id):
    job = ReportJob.objects.get(pk=job_id)
    return job if job.status in (JobStatus.DONE, JobStatus.FAILED) else None


def test_worker_renders_a_branch_report(start_worker, tree, branch_data):
    worker = start_worker()
    job = report_request(organization=tree.a1, kind="branch-annual", period="2025").job
    job = wait_for(lambda: finished(job.pk), 90, "the branch report", worker.log)
    assert job.status == JobStatus.DONE, job.error
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(Path(job.file.path).read_bytes())).pages)
    assert "2025年度党支部工作报告" in text and job.attempts == 1


@pytest.mark.parametrize("kind,org,period", [("branch-annual", "a1", "2025"), ("secretary-duty", "a1", "2025"),
                                              ("branch-monthly", "a1", "2025-06"),
                                              ("branch-quarterly", "a1", "2025-Q2"),
                                              ("committee-four-strong", "root", "2025")])
def test_worker_writes_every_kind_as_docx(start_worker, tree, branch_data, kind, org, period):
    """Each kind in the editable Word format, by a real worker; the file opens again and carries the figures."""
    from docx import Document as WordDocument

    worker = start_worker()
    job = report_request(organization=getattr(tree, org), kind=kind, period=period, fmt="docx").job
    job = wait_for(lambda: finished(job.pk), 120, f"the {kind} docx", worker.log)
    assert job.status == JobStatus.DONE, job.error
    assert job.file.name.endswith(".docx")
    word = WordDocument(job.file.path)
    text = "\n".join(p.text for p in word.paragraphs)
    assert "统计口径说明" in text and word.core_properties.title in text
    assert "年度年度" not in job.download_name


def test_committee_report_fans_out_over_two_worker_processes(start_worker, tree, members, committee_tree):
    worker = start_worker(concurrency=2)
    job = report_request(organization=tree.root, kind="committee-four-strong", period="2025").job
    seen = set()

    def progress():
        current = ReportJob.objects.get(pk=job.pk)
        seen.add((current.progress, current.stage))
        return finished(job.pk)

    started = time.monotonic()
    job = wait_for(progress, 120, "the committee report", worker.log)
    assert job.status == JobStatus.DONE, job.error
    assert job.parts_total == 6
    assert any(stage.startswith("分支部统计") for _, stage in seen) or len(seen) > 1
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(Path(job.file.path).read_bytes())).pages)
    assert "四强" in text and "附表" in text
    print(f"committee fan-out over 2 processes: {time.monotonic() - started:.1f}s")


def test_worker_killed_mid_write_is_redelivered_and_leaves_one_file(start_worker, tree, branch_data, media_root):
    first = start_worker(publish_delay=30)
    job = report_request(organization=tree.a1, kind="branch-annual", period="2025").job
    folder = Path(media_root) / "reports" / tree.a1.code / str(job.pk)
    wait_for(lambda: folder.is_dir() and any(p.name.endswith(".part") for p in folder.iterdir()), 90,
             "the temporary file", first.log)
    first.kill()  # SIGKILL during the write: the message stays unacknowledged
    assert ReportJob.objects.get(pk=job.pk).status == JobStatus.RUNNING
    assert [p.name for p in folder.iterdir() if not p.name.endswith(".part")] == []  # no half file published

    second = start_worker()
    job = wait_for(lambda: finished(job.pk), 120, "the redelivered job", second.log)
    assert job.status == JobStatus.DONE, job.error
    assert job.attempts == 2
    assert stored_files(job) == [Path(job.file.name).name]  # exactly one file, the leftover removed
    reader = PdfReader(io.BytesIO(Path(job.file.path).read_bytes()))
    assert len(reader.pages) == job.page_count


def test_killed_worker_with_the_production_visibility_timeout_is_requeued_by_the_stall_check(
        start_worker, tree, users, branch_data, media_root, settings):
    """Production visibility timeout (900 s): Redis would redeliver after 15 minutes. The heartbeat stops
    with the worker; the stall check tells the requester and requeues the job within seconds; one file."""
    settings.REPORTS_STALL_AFTER_SECONDS = 3
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] == 900
    first = start_worker(publish_delay=30, visibility_timeout=900)
    job = report_request(organization=tree.a1, kind="branch-annual", period="2025", user=users.secretary).job
    folder = Path(media_root) / "reports" / tree.a1.code / str(job.pk)
    wait_for(lambda: folder.is_dir() and any(p.name.endswith(".part") for p in folder.iterdir()), 90,
             "the temporary file", first.log)
    time.sleep(4)
    assert services.check_stalled() == 0          # a slow job that still beats is left alone
    first.kill()
    killed = time.monotonic()
    assert ReportJob.objects.get(pk=job.pk).status == JobStatus.RUNNING
    wait_for(lambda: services.check_stalled() == 1, 30, "the stall check to requeue the job")
    detected = time.monotonic() - killed
    job.refresh_from_db()
    assert job.status == JobStatus.QUEUED and job.stage == services.STALLED_STAGE and job.stalls == 1
    assert services.check_stalled() == 0          # idempotent: requeued once
    notice = Message.objects.get(recipient=users.secretary, kind="reports.stalled")
    assert "重新排队" in notice.title and notice.deliveries.count() <= 1

    second = start_worker(visibility_timeout=900)
    job = wait_for(lambda: finished(job.pk), 120, "the requeued job", second.log)
    assert job.status == JobStatus.DONE, job.error
    assert job.attempts == 2
    assert stored_files(job) == [Path(job.file.name).name]  # exactly one file, the killed run's leftover removed
    print(f"killed worker: stall detected and requeued {detected:.1f}s after the kill "
          f"(stall threshold 3 s; production 90 s + beat ≤60 s), done {time.monotonic() - killed:.1f}s after")
