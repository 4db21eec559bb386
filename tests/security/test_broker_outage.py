"""Redis (the broker) down: a report request answers at once with the clear message; back: sent within a minute.

The broker is a redis-server this test starts on a free port and stops — never the shared one on 6379.
"""
from __future__ import annotations

import shutil
import socket
import subprocess
import threading
import time
from contextlib import contextmanager
from datetime import date

import pytest
import redis
from django.urls import reverse
from django_celery_beat.models import PeriodicTask

from portal.celery import app
from reports import services, tasks
from reports.models import JobStatus, ReportJob
from reports.views import QUEUE_UNAVAILABLE

pytestmark = pytest.mark.skipif(not shutil.which("redis-server"), reason="needs redis-server")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PrivateRedis:
    def __init__(self):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        self.process = subprocess.Popen(["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                                         "--save", "", "--appendonly", "no"], stdout=subprocess.DEVNULL)
        client = redis.Redis.from_url(self.url)
        for _ in range(100):
            try:
                client.ping()
                return client
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self):
        if self.process:
            self.process.terminate()
            self.process.wait(10)
            self.process = None


@contextmanager
def publishing_to(url):
    """Celery publishes to `url` (not eagerly) inside the block."""
    # broker_write_url's own setting (None: it follows broker_url), not the property: read through the property
    # and put back, it pinned writes to this process's Redis, and a later test's broker_url change (the embedded
    # filesystem broker) was ignored by every publish.
    old = app.conf.broker_url, app.conf.get("broker_write_url"), app.conf.task_always_eager
    app.conf.broker_url, app.conf.broker_write_url, app.conf.task_always_eager = url, None, False
    try:
        yield
    finally:
        app.conf.broker_url, app.conf.broker_write_url, app.conf.task_always_eager = old


@pytest.fixture
def broker():
    """Celery publishes to a private Redis that is down until the test starts it."""
    server = PrivateRedis()
    with publishing_to(server.url):
        yield server
        server.stop()


@pytest.mark.django_db(transaction=True)   # real commits: the job is published after commit
def test_report_request_fails_fast_with_redis_down_and_is_sent_once_it_is_back(client, tree, users, members, broker):
    client.force_login(users.secretary)
    url = reverse("reports:organization", args=[tree.a1.pk])

    assert client.get(url).status_code == 200   # warm up (templates, URL resolver): time the publish, not imports
    started = time.monotonic()
    response = client.post(url, {"kind": "branch-monthly", "period": "2025-09", "format": "xlsx"})
    took = time.monotonic() - started
    job = ReportJob.objects.get()
    assert job.status == JobStatus.QUEUED and job.stage == services.QUEUE_WAITING   # kept in the database
    assert str(QUEUE_UNAVAILABLE) in client.get(response.url).content.decode()       # and the user is told
    assert services.QUEUE_WAITING in client.get(url).content.decode()
    started = time.monotonic()
    assert services.enqueue(job.pk) is False
    publish = time.monotonic() - started
    print(f"\nredis down: request {took:.2f}s, publish attempt {publish:.3f}s")
    assert publish < 1.0, f"a publish with Redis down blocked {publish:.2f}s"
    assert took < 2.0, f"the request with Redis down took {took:.2f}s"

    assert tasks.requeue_waiting() == 0                       # beat while still down: nothing sent, nothing lost
    queue = broker.start()                                    # Redis is back
    assert tasks.requeue_waiting() == 1
    assert queue.llen("celery") == 1                           # the job's task is on the queue, once
    job.refresh_from_db()
    assert job.status == JobStatus.QUEUED and job.stage != services.QUEUE_WAITING
    assert tasks.requeue_waiting() == 0                        # and not sent again by the next beat


@pytest.mark.django_db
def test_requeue_runs_every_minute():
    task = PeriodicTask.objects.get(task="reports.requeue_waiting")
    assert task.enabled and (task.interval.every, task.interval.period) == (1, "minutes")
    deliver = PeriodicTask.objects.get(task="notifications.deliver_pending")
    assert deliver.enabled and (deliver.interval.every, deliver.interval.period) == (1, "minutes")


class SilentBroker:
    """Accepts TCP connections and never answers: a broker behind a dead network path, where each attempt waits
    for its socket timeout (the case a refused connection on localhost never shows)."""

    def __init__(self):
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(64)
        self.url = f"redis://127.0.0.1:{self.socket.getsockname()[1]}/0"
        self.held = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while True:
            try:
                self.held.append(self.socket.accept()[0])
            except OSError:
                return

    def close(self):
        self.socket.close()
        for each in self.held:
            each.close()


@pytest.fixture
def silent_broker():
    server = SilentBroker()
    with publishing_to(server.url):
        yield server
        server.close()


@pytest.mark.django_db(transaction=True)
def test_a_schedule_with_the_broker_unreachable_waits_once_and_keeps_every_job(tree, silent_broker):
    """The annual schedule queues two jobs per branch (10,000 on a province): with one connection per message, each
    waited its own socket timeout (2 s), and the beat task hit its time limit before most jobs existed. One batch
    connection: the first send waits, the rest fail at once, and every job is kept waiting for requeue_waiting."""
    from reports.schedules import request_scheduled

    started = time.monotonic()
    count = request_scheduled(kind="branch-annual", formats=["pdf", "docx"], today=date(2026, 1, 5))
    took = time.monotonic() - started
    jobs = list(ReportJob.objects.all())
    assert count == 6 and len(jobs) == 6
    assert all(job.status == JobStatus.QUEUED and job.stage == services.QUEUE_WAITING for job in jobs)
    print(f"\nsilent broker: 6 jobs requested in {took:.2f}s")
    assert took < 4.5, f"the schedule waited {took:.1f}s: each job waited for the broker again"


@pytest.mark.django_db(transaction=True)
def test_a_schedule_publishes_every_job_on_one_connection(tree, broker):
    from reports.schedules import request_scheduled

    queue = broker.start()
    before = queue.info("stats")["total_connections_received"]
    assert request_scheduled(kind="branch-annual", formats=["pdf", "docx"], today=date(2026, 1, 5)) == 6
    opened = queue.info("stats")["total_connections_received"] - before
    assert queue.llen("celery") == 6
    assert not ReportJob.objects.filter(stage=services.QUEUE_WAITING).exists()
    assert opened <= 2, f"{opened} broker connections for 6 jobs"
