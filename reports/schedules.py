"""Scheduled reports (django-celery-beat, rows created by migration 0002 and editable in admin).

Every schedule runs ``reports.scheduled_reports(kind)``: the report of the last completed period (last month
on the 1st, last quarter after a quarter ends, last year in January) for every organization the kind applies
to, recorded as scheduled with the schedule's name and the person it is for.
"""
from __future__ import annotations

import logging

from django.core.exceptions import ValidationError
from django.utils import timezone

from branches.models import CommitteeSeat, Organization, RoleGrant
from portal.queue import publishing_batch

from .models import BRANCH_REPORT_KINDS, KIND_PERIOD, ReportKind
from .periods import ReportPeriod

logger = logging.getLogger(__name__)

def targets(kind: str):
    """(organization, who it is for) for every active organization `kind` is written for."""

    if kind in BRANCH_REPORT_KINDS:
        orgs = list(Organization.objects.active().branches().order_by("path"))
        secretaries = dict(CommitteeSeat.objects.filter(
            term__organization__in=orgs, term__closed_on__isnull=True, ended_on__isnull=True, role="secretary",
        ).values_list("term__organization_id", "member__name"))
        return [(o, f"{o.name}书记 {secretaries[o.pk]}" if o.pk in secretaries else f"{o.name}支部委员会") for o in orgs]
    orgs = list(Organization.objects.active().filter(kind__in=["committee", "general_branch"]).order_by("path"))
    staff = {}
    for org_id, name in RoleGrant.objects.filter(organization__in=orgs, role="staff").values_list(
            "organization_id", "user__username"):
        staff.setdefault(org_id, []).append(name)
    return [(o, f"{o.name}党务工作者 {'、'.join(staff[o.pk])}" if o.pk in staff else f"{o.name}") for o in orgs]


def request_formats(*, organization, kind: str, period: str, formats: list[str], schedule_name: str,
                    requested_for: str = "", state: list[str] | None = None) -> int:
    """One organization's report in each of `formats`, one after another: the organization's data state is read
    once (or given: sources.data_states for a whole schedule), and the jobs are queued side by side so the first
    worker to take one writes them all from one collect (services.report_claim_formats). Returns the jobs created."""
    from . import sources
    from .services import report_request

    if state is None and len(formats) > 1:
        state = sources.data_state(organization)
    created = 0
    for fmt in formats:
        created += int(report_request(organization=organization, kind=kind, period=period, fmt=fmt, scheduled=True,
                                      schedule_name=schedule_name, requested_for=requested_for,
                                      data_state=state).created)
    return created


def request_scheduled(*, kind: str, schedule_name: str = "", formats: list[str] = ("pdf",), today=None) -> int:
    from .sources import data_states

    period = ReportPeriod.previous_completed(KIND_PERIOD[kind], today or timezone.localdate())
    count = 0
    organizations = targets(kind)
    states = data_states([org for org, _person in organizations])
    with publishing_batch():   # one broker connection for the whole schedule, not one per job
        for org, person in organizations:
            try:
                count += request_formats(organization=org, kind=kind, period=period.key, formats=list(formats),
                                         schedule_name=schedule_name or f"{ReportKind(kind).label}（定时）",
                                         requested_for=person, state=states[org.pk])
            except ValidationError as exc:
                logger.warning("scheduled %s for %s skipped: %s", kind, org, exc.messages)
                continue
    logger.info("scheduled %s %s: %d jobs queued", kind, period.key, count)
    return count
