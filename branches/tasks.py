"""Nightly check of the stored organization figures (branches.figures), as orglife checks its stored counts."""
from __future__ import annotations

import logging

from celery import shared_task
from django.db import OperationalError

from . import figures

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def check_organization_figures() -> int:
    """Compare every stored figure with a recount; log each difference as an error and, if any, rebuild the table.

    The writes keep the rows in step; a difference means a write went around them (queryset.update, raw SQL, a bulk
    load without `figures.rebuild`). Returns the number of differences found."""
    found = figures.differences()
    for d in found[:100]:
        logger.error("organization figures differ from the rows at organization %s %s: stored %s, rows %s",
                     d.organization_id, d.field, d.table, d.rows)
    if found:
        rows = figures.rebuild()
        logger.error("organization figures: %d differences; the table was rebuilt (%d rows)", len(found), rows)
    return len(found)
