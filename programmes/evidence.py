"""A member's evidence for 五星党员, read from the portal's own records (one definition, shown on the nomination,
the member page and the API): study hours, points, 先锋岗/责任区, attendance, the year's 民主评议 grade."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db.models import Count, Q

from members.models import AppraisalEntry
from members.services.points import member_scores
from orglife.models import PRESENT_STATUSES, ActivityStatus, Attendance
from practice.models import VanguardPost
from practice.selectors import member_study


def member_evidence(*, member, year: int) -> dict:
    """Figures for one member in one year; every value is a plain JSON type (stored as the nomination's snapshot)."""

    start, end = date(year, 1, 1), date(year, 12, 31)
    _records, hours = member_study(member=member, year=year)
    scores = member_scores(members=[member], start=start, end=end)
    posts = (VanguardPost.objects.filter(holders=member, is_voided=False, starts_on__lte=end)
             .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=start)).count())
    att = (Attendance.objects.filter(member=member, activity__held_on__gte=start, activity__held_on__lte=end,
                                              activity__is_voided=False, activity__status=ActivityStatus.SUBMITTED)
           .aggregate(total=Count("pk"), present=Count("pk", filter=Q(status__in=PRESENT_STATUSES))))
    entry = AppraisalEntry.objects.filter(member=member, round__year=year).exclude(grade="").first()
    return {
        "year": year,
        "study_hours": str(Decimal(hours or 0)),
        "points": str(scores[0].total) if scores else None,
        "vanguard_posts": posts,
        "attendance_rate": round(att["present"] / att["total"], 3) if att["total"] else None,
        "activities": att["total"],
        "appraisal_grade": entry.grade if entry else "",
    }
