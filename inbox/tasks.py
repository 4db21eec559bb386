"""Celery tasks of the message centre (thin: the work is in reminders/services)."""
from celery import shared_task
from django.db import OperationalError

from . import reminders


@shared_task(name="inbox.reminders_run", acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True,
             max_retries=3)
def reminders_run() -> dict:
    """Create today's reminder messages (idempotent); beat runs it daily (django-celery-beat, editable in admin)."""
    return reminders.reminders_run()
