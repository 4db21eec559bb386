"""Celery tasks: ids in, a service does the work. Idempotent, acks_late, retried on transient errors."""
from __future__ import annotations

import logging

from celery import Task, shared_task
from celery.exceptions import SoftTimeLimitExceeded
from celery.signals import worker_init, worker_process_init
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.utils import translation

from . import services
from .models import JobStatus, ReportJob

logger = logging.getLogger(__name__)

try:  # the broker's connection errors are transient too
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    TRANSIENT = (OperationalError, InterfaceError, RedisConnectionError, RedisTimeoutError, ConnectionError)
except ImportError:  # pragma: no cover - redis is a dependency
    TRANSIENT = (OperationalError, InterfaceError, ConnectionError)

SOFT_LIMIT = getattr(settings, "REPORTS_SOFT_TIME_LIMIT", 300)
HARD_LIMIT = getattr(settings, "REPORTS_TIME_LIMIT", 360)
MAX_RETRIES = 5


@worker_init.connect
def check_renderer(**kwargs):
    """Worker boot: refuse to start if WeasyPrint would fall back to slow fontTools subsetting."""
    from .rendering.pdf import ensure_harfbuzz_subsetting

    ensure_harfbuzz_subsetting()


@worker_process_init.connect
def warm_up_renderer(**kwargs):
    """Each pool process: check again and build the font configuration + parsed CSS once, before any job."""
    from .rendering.pdf import warm_up

    warm_up()


class ReportTask(Task):
    """Marks the job failed with a readable reason when retries are exhausted or the task dies."""

    abstract = True

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        job_id = args[0] if args else kwargs.get("job_id")
        if job_id is not None:
            services.report_fail(job_id=job_id, reason=services.RETRIES_EXHAUSTED.format(detail=exc)
                                 if isinstance(exc, TRANSIENT) else services.readable_error(exc))


DOCUMENT_LANGUAGE = "zh-hans"


def _guarded(job_id: int, func) -> None:
    """Run `func`; transient errors propagate (autoretry), anything else fails the job with its reason.

    Documents are built in Chinese whatever the site language (they are submitted upward); the failure reason
    shown on the page is rendered outside, in the site language.
    """
    try:
        with translation.override(DOCUMENT_LANGUAGE):
            func()
    except TRANSIENT:
        raise
    except SoftTimeLimitExceeded:
        services.report_fail(job_id=job_id, reason=services.TIMEOUT_ERROR.format(seconds=SOFT_LIMIT))
    except Exception as exc:  # permanent: template error, bad data... the job says why
        logger.exception("report job %s failed", job_id)
        services.report_fail(job_id=job_id, reason=services.readable_error(exc))


def _redelivered(task) -> bool:
    info = task.request.delivery_info or {}
    return bool(info.get("redelivered"))


class heartbeat:
    """While the job runs, a thread writes its heartbeat every REPORTS_HEARTBEAT_SECONDS (own DB connection).

    It dies with the worker process, which is the point: a killed worker's job stops beating and
    check_stalled requeues it, instead of it showing "生成中" until the broker's visibility timeout.
    """

    def __init__(self, *job_ids: int):
        import threading

        self.job_ids, self.stop = job_ids, threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True, name=f"heartbeat-{job_ids[0]}")

    def beat(self):
        for job_id in self.job_ids:
            services.report_heartbeat(job_id)

    def _run(self):
        from django.db import connection

        try:
            while not self.stop.wait(settings.REPORTS_HEARTBEAT_SECONDS):
                try:
                    self.beat()
                except Exception:  # database blip: the next beat tries again
                    logger.warning("report jobs %s: heartbeat not written", self.job_ids, exc_info=True)
        finally:
            connection.close()

    def __enter__(self):
        self.beat()
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join(5)


TASK_OPTIONS = dict(bind=True, base=ReportTask, acks_late=True, reject_on_worker_lost=True,
                    autoretry_for=TRANSIENT, retry_backoff=True, retry_backoff_max=120, retry_jitter=True,
                    max_retries=MAX_RETRIES, soft_time_limit=SOFT_LIMIT, time_limit=HARD_LIMIT)


@shared_task(name="reports.run_report", **TASK_OPTIONS)
def run_report(self, job_id: int) -> None:
    if not services.report_claim(job_id=job_id, retry=bool(self.request.retries), redelivered=_redelivered(self)):
        return  # another delivery has it, or it is finished
    job = ReportJob.objects.select_related("organization").get(pk=job_id)
    also = services.report_claim_formats(job=job)
    try:
        with heartbeat(job_id, *(other.pk for other in also)):
            _guarded(job_id, lambda: services.report_run(job=job, also=also))
    finally:
        services.report_release(jobs=also)  # the ones not written (the shared run failed): queued again


@shared_task(name="reports.check_stalled", acks_late=True, ignore_result=True)
def check_stalled() -> int:
    """Beat, every minute: running jobs whose heartbeat stopped are requeued and their requesters told."""
    return services.check_stalled()


@shared_task(name="reports.requeue_waiting", acks_late=True, ignore_result=True)
def requeue_waiting() -> int:
    """Beat, every 5 minutes: jobs requested while the queue was down are sent now that it answers."""
    return services.requeue_waiting()


@shared_task(name="reports.collect_report_parts", **TASK_OPTIONS)
def collect_report_parts(self, job_id: int, branch_ids: list[int]) -> None:
    with heartbeat(job_id):
        _guarded(job_id, lambda: services.report_collect(job_id=job_id, branch_ids=branch_ids))


@shared_task(name="reports.render_committee_report", **TASK_OPTIONS)
def render_committee_report(self, job_id: int) -> None:
    job = ReportJob.objects.select_related("organization").get(pk=job_id)
    if job.status != JobStatus.RUNNING:
        return
    with heartbeat(job_id):
        _guarded(job_id, lambda: services.report_render_committee(job=job))


@shared_task(name="reports.scheduled_reports", acks_late=True, autoretry_for=TRANSIENT, retry_backoff=True,
             max_retries=MAX_RETRIES)
def scheduled_reports(kind: str, schedule_name: str = "", fmt: str = "pdf", formats: list[str] | None = None) -> int:
    """Beat entry: request `kind` for the last completed period for every organization it applies to, in each
    of `formats` (the schedules ask for PDF and the editable DOCX; `fmt` alone is the older single format)."""
    from .schedules import request_scheduled

    return request_scheduled(kind=kind, schedule_name=schedule_name, formats=formats or [fmt])
