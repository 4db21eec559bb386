"""Celery tasks for organizational life; schedules live in django-celery-beat (editable in admin)."""
import logging
from datetime import date

from celery import shared_task
from django.db import OperationalError

from . import attendance_counts, reminders, results
from . import counts as activity_counts

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def send_orglife_reminders() -> int:
    """Daily: secretaries' digests of due (≤7 days) and overdue activities."""
    return reminders.send_secretary_reminders()


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def send_orglife_staff_digests() -> int:
    """Weekly: staff digests of overdue branches in their subtree."""
    return reminders.send_staff_digests()


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def check_activity_counts() -> int:
    """Nightly: compare the monthly activity counts with the records; log each difference as an error and repair it.

    The services keep the counts in step; a difference means a write went around them (raw SQL, a script).
    """
    found = activity_counts.differences()
    for d in found[:100]:
        logger.error("activity counts differ from the records at %s: table %d, records %d", d.key, d.table, d.records)
    if found:
        activity_counts.repair(found)
        logger.error("activity counts: repaired %d differences", len(found))
    # the attendance page's stored counts, the same way
    found_attendance = attendance_counts.differences()
    for key, stored, recounted in found_attendance[:100]:
        logger.error("attendance counts differ from the records at %s: table %s, records %s", key, stored, recounted)
    if found_attendance:
        attendance_counts.repair(found_attendance)
        logger.error("attendance counts: repaired %d differences", len(found_attendance))
    return len(found) + len(found_attendance)


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def check_compliance_results() -> int:
    """Nightly: store the current year if it is not yet (a new year), then compare every stored year with a recount;
    log each difference as an error and refresh those organizations.

    The writes keep the rows in step; a difference means a write went around them (queryset.update, raw SQL)."""
    year = date.today().year
    if year not in results.stored_years():
        results.rebuild(year)
    total = 0
    for stored_year in sorted(results.stored_years()):
        found = results.differences(stored_year)
        for key, stored, recounted in found[:100]:
            logger.error("compliance results differ from a recount at %s %s: stored %s, recount %s",
                         stored_year, key, stored, recounted)
        if found:
            results.repair(stored_year, found)
        total += len(found)
    return total
