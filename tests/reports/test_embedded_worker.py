"""The embedded default behaves like production (issue #22): `make run` has no Redis, yet a report is queued on a
real broker (kombu's filesystem transport, files in a folder) and a real Celery worker renders it, so the page
shows 排队中 → 生成中 → 已完成 instead of a form that freezes. The worker runs in a thread here (the in-memory
test database is shared between threads, not processes); `make run` starts it as a process (scripts/run_embedded.sh).
"""
import time
from pathlib import Path

import pytest
from celery.contrib.testing.worker import start_worker

from reports.models import JobStatus, ReportJob
from reports.services import report_request

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def filesystem_broker(tmp_path):
    from portal.celery import app

    folder = tmp_path / "broker"
    (folder / "processed").mkdir(parents=True)
    saved = {k: app.conf[k] for k in ("broker_url", "broker_transport_options", "task_always_eager")}
    app.conf.update(broker_url="filesystem://", task_always_eager=False, broker_transport_options={
        "data_folder_in": str(folder), "data_folder_out": str(folder), "processed_folder": str(folder / "processed"),
        "control_folder": str(folder / "control")})   # not ./control in the checkout
    _fresh_connections(app)
    yield folder
    app.conf.update(saved)
    _fresh_connections(app)


def _fresh_connections(app):
    """Forget pooled connections and producers, so the next message goes to the broker now configured.

    Celery's `app.pool` is kombu's process-wide pool for the broker URL (`kombu.pools.connections`), not the
    app's own: closing it without dropping it from kombu's registry leaves a closed pool that every later test
    in this process is handed ("Acquire on closed pool"). `pools.reset()` closes and forgets them all."""
    from kombu import pools

    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None


def test_report_is_queued_on_the_filesystem_broker_and_rendered_by_a_worker(filesystem_broker, tree, branch_data,
                                                                            media_root):
    from portal.celery import app

    job = report_request(organization=tree.a1, kind="branch-annual", period="2025").job
    # Nobody consumes yet: the job waits in the queue as a message file (no server involved).
    assert ReportJob.objects.get(pk=job.pk).status == JobStatus.QUEUED
    assert [p for p in Path(filesystem_broker).iterdir() if p.is_file()]

    import celery.contrib.testing.tasks  # noqa: F401  (start_worker requires celery.ping registered)

    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            job.refresh_from_db()
            if job.status in (JobStatus.DONE, JobStatus.FAILED):
                break
            time.sleep(0.3)
    assert job.status == JobStatus.DONE, job.error
    assert Path(job.file.path).read_bytes().startswith(b"%PDF")
