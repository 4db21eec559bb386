"""Stalled report jobs (heartbeat stopped): requeued once, requester told, re-requesting allowed, bounded."""
from datetime import timedelta

import pytest
from django.utils import timezone

from notifications.models import Message
from reports import services
from reports.models import JobStatus, ReportJob

pytestmark = pytest.mark.django_db


@pytest.fixture
def running(tree, users, celery_eager, settings):
    settings.REPORTS_STALL_AFTER_SECONDS = 90
    job = ReportJob.objects.create(organization=tree.a1, kind="branch-annual", period="2025", format="pdf",
                                   requested_by=users.secretary, status=JobStatus.RUNNING,
                                   started_at=timezone.now(), heartbeat_at=timezone.now(), progress=67)
    return job


def silent_for(job, seconds):
    ReportJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - timedelta(seconds=seconds))


def test_a_beating_job_is_not_stalled(running):
    silent_for(running, 30)
    assert services.check_stalled() == 0
    assert ReportJob.objects.get(pk=running.pk).status == JobStatus.RUNNING


def test_a_silent_job_is_requeued_once_and_the_requester_told(running, users):
    silent_for(running, 120)
    assert services.check_stalled() == 1
    assert services.check_stalled() == 0
    job = ReportJob.objects.get(pk=running.pk)
    assert job.status == JobStatus.QUEUED and job.stage == services.STALLED_STAGE and job.progress == 0
    notice = Message.objects.get(recipient=users.secretary, kind="reports.stalled")
    assert notice.link == job.get_absolute_url()


def test_re_requesting_a_stalled_job_is_allowed(running, users):
    silent_for(running, 120)
    result = services.report_request(organization=running.organization, kind="branch-annual", period="2025",
                                     user=users.secretary)
    assert result.job.pk == running.pk and result.created     # not "同一报告正在生成中"
    assert ReportJob.objects.get(pk=running.pk).status in (JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.DONE)
    assert ReportJob.objects.count() == 1


def test_a_job_that_keeps_killing_workers_fails_with_the_reason(running, settings):
    settings.REPORTS_MAX_STALLS = 2
    ReportJob.objects.filter(pk=running.pk).update(stalls=1)
    silent_for(running, 120)
    assert services.check_stalled() == 1
    job = ReportJob.objects.get(pk=running.pk)
    assert job.status == JobStatus.FAILED and "2 次" in job.error


def test_a_redelivered_message_does_not_take_a_job_that_still_beats(running):
    assert not services.report_claim(job_id=running.pk, redelivered=True)
    silent_for(running, 120)
    assert services.report_claim(job_id=running.pk, redelivered=True)
