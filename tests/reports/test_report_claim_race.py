"""Two workers taking the same branch report in different formats at the same instant (the schedules queue the
PDF and the DOCX side by side; two pool processes each get one message): every job is claimed exactly once.

Real concurrency on PostgreSQL: each worker is a thread with its own connection. The race is held open where it
hurts: the first worker has read the partner format as queued (report_claim_formats) and waits at a barrier
before writing its claim; the second worker claims that very job from its own message (report_claim) meanwhile.
An update that does not re-check the status then lets both take it (and both write the file); the conditional
UPDATE lets exactly one.
"""
from __future__ import annotations

import threading

import pytest
from django.db.models.query import QuerySet

from reports import services
from reports.models import JobStatus, ReportJob
from tests.concurrency import all_at_once, failures
from tests.databases import postgresql_only

TRIALS = 8

pytestmark = [pytest.mark.django_db(transaction=True), postgresql_only("concurrent claims")]



def _requeue(*jobs) -> None:
    ReportJob.objects.filter(pk__in=[j.pk for j in jobs]).update(status=JobStatus.QUEUED, started_at=None,
                                                                   heartbeat_at=None, attempts=0)


def test_two_workers_claiming_a_report_in_two_formats_take_each_job_once(tree, monkeypatch):
    pdf = services.report_request(organization=tree.a1, kind="branch-annual", period="2025", fmt="pdf").job
    docx = services.report_request(organization=tree.a1, kind="branch-annual", period="2025", fmt="docx").job
    armed = threading.local()
    real_update = QuerySet.update

    def update_held_open(self, **kwargs):
        if getattr(armed, "gate", None):  # the first worker's claim of the partner, after it read it as queued
            read, claimed = armed.gate
            armed.gate = None
            read.wait()     # let the second worker claim the partner now
            claimed.wait()  # ... and commit it
        return real_update(self, **kwargs)

    monkeypatch.setattr(QuerySet, "update", update_held_open)
    for trial in range(TRIALS):
        _requeue(pdf, docx)
        first, second = (pdf, docx) if trial % 2 == 0 else (docx, pdf)
        taken, errors = _race_once(first, second, armed)
        assert not errors, errors
        assert taken == {"first": [first.pk], "second": [second.pk]}, f"trial {trial}: claimed {taken}"
        attempts = dict(ReportJob.objects.filter(pk__in=[pdf.pk, docx.pk]).values_list("pk", "attempts"))
        assert attempts == {pdf.pk: 1, docx.pk: 1}, f"trial {trial}: {attempts}"


def _race_once(first: ReportJob, second: ReportJob, armed: threading.local):
    """The first worker claims `first` then its partner formats, held open after reading them (armed.gate);
    the second worker claims `second` from its own message meanwhile. Returns what each took, and errors."""
    read, claimed = threading.Barrier(2, timeout=20), threading.Barrier(2, timeout=20)
    taken: dict[str, list[int]] = {"first": [], "second": []}

    def first_worker():
        try:
            assert services.report_claim(job_id=first.pk)
            taken["first"].append(first.pk)
            job = ReportJob.objects.get(pk=first.pk)
            armed.gate = (read, claimed)
            taken["first"] += [j.pk for j in services.report_claim_formats(job=job)]
        finally:
            armed.gate = None

    def second_worker():
        read.wait()
        if services.report_claim(job_id=second.pk):
            taken["second"].append(second.pk)
        claimed.wait()
        if taken["second"]:
            job = ReportJob.objects.get(pk=second.pk)
            taken["second"] += [j.pk for j in services.report_claim_formats(job=job)]

    return taken, failures(all_at_once(first_worker, second_worker))
