"""Celery tasks for organizational life; schedules live in django-celery-beat (editable in admin)."""
from celery import shared_task
from django.db import OperationalError

from . import reminders


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def send_orglife_reminders() -> int:
    """Daily: secretaries' digests of due (≤7 days) and overdue activities."""
    return reminders.send_secretary_reminders()


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def send_orglife_staff_digests() -> int:
    """Weekly: staff digests of overdue branches in their subtree."""
    return reminders.send_staff_digests()
