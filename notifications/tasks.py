"""Celery tasks of the outbox (thin: the work is in services)."""
from celery import shared_task
from django.db import OperationalError

from . import services


@shared_task(name="notifications.deliver_pending", acks_late=True, autoretry_for=(OperationalError,),
             retry_backoff=True, max_retries=5)
def deliver_pending() -> dict:
    """Send every due pending delivery; queued after each message_send commits and run by beat every minute."""
    return services.deliveries_run()
