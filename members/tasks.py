"""Celery tasks of the members app: thin wrappers over services."""
from __future__ import annotations

import logging
from datetime import date

from celery import shared_task
from django.db import OperationalError

from .services import dues_totals, points
from .services.dues import arrears_differences, arrears_rebuild, dues_generate_month

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def generate_monthly_dues(month: str | None = None) -> int:
    """Beat runs this on the 1st (django-celery-beat: 每月1日生成党费缴纳记录); idempotent, so a redelivery or a
    manual re-run creates nothing twice. `month` is "YYYY-MM" (default: the current month)."""
    on = date.fromisoformat(f"{month}-01") if month else date.today()
    return dues_generate_month(month=on)


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def check_points_totals(year: int | None = None) -> int:
    """Nightly: compare this year's stored 党员积分 totals and branch figures (what the points page ranks by) with a
    recount; log each difference as an error and, if any, rebuild the year. The services keep them in step; a
    difference means a write went around them (queryset.update, raw SQL, a bulk load). Returns the differences."""
    year = year or date.today().year
    members = points.points_totals_differences(year=year)
    branches = points.points_branch_totals_differences(year=year)
    for d in members[:50]:
        logger.error("points total of member %s in %s differs: stored %s, counted %s", d.member_id, year, d.stored,
                     d.counted)
    for d in branches[:50]:
        logger.error("points figures of branch %s in %s differ: stored %s, counted %s", d.organization_id, year,
                     d.stored, d.counted)
    found = len(members) + len(branches)
    if found:
        rows = points.points_totals_rebuild(year=year)
        logger.error("points totals of %s: %d differences; the year was rebuilt (%d totals)", year, found, rows)
    return found


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def check_dues_arrears() -> int:
    """Nightly: compare the stored 欠缴 standings (home's counts, the 欠缴名单) with the rule applied to the records;
    log each difference as an error and, if any, rebuild. A new month makes every row's `upto` old, so the first
    night of a month rebuilds without an error when only `upto` moved (the monthly generation usually did already).
    A write that went around the services (queryset.update, raw SQL, a bulk load) is logged. Returns the
    differences other than a month's turn."""
    found = arrears_differences()
    real = [d for d in found if not (d[1] and d[2] and d[1][:3] == d[2][:3])]
    for member_id, stored, counted in real[:50]:
        logger.error("dues arrears of member %s differ: stored %s, by the rule %s", member_id, stored, counted)
    if found:
        n = arrears_rebuild()
        if real:
            logger.error("dues arrears: %d differences; rebuilt (%d members in arrears)", len(real), n)
    return len(real)


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def check_dues_totals() -> int:
    """Nightly: compare the stored 党费收缴 totals (the dues summary, the organization page) with a recount of the
    records; log each difference as an error and, if any, rebuild. Returns the differences."""
    found = dues_totals.differences()
    for (organization_id, month), stored, counted in found[:50]:
        logger.error("dues totals of organization %s in %s differ: stored %s, counted %s", organization_id,
                     f"{month:%Y-%m}", stored, counted)
    if found:
        rows = dues_totals.totals_rebuild()
        logger.error("dues totals: %d differences; rebuilt (%d rows)", len(found), rows)
    return len(found)
