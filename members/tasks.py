"""Celery tasks of the members app: thin wrappers over services."""
from __future__ import annotations

from datetime import date

from celery import shared_task
from django.db import OperationalError

from .services.dues import dues_generate_month


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def generate_monthly_dues(month: str | None = None) -> int:
    """Beat runs this on the 1st (django-celery-beat: 每月1日生成党费缴纳记录); idempotent, so a redelivery or a
    manual re-run creates nothing twice. `month` is "YYYY-MM" (default: the current month)."""
    on = date.fromisoformat(f"{month}-01") if month else date.today()
    return dues_generate_month(month=on)
