"""Helpers for organizational-life tests: records go straight to the table (services are tested separately).

The monthly counts the compliance engine reads and the attendance counts follow each record and attendance row
(`activity_counts.follow`, as in the services).
"""
from __future__ import annotations

import itertools
from datetime import date

from django.db import transaction

from orglife.counts import follow
from orglife.models import Activity, ActivityStatus, ActivityType, Attendance, AttendanceStatus

_codes = itertools.count(1)


def activity_type(code: str) -> ActivityType:
    return ActivityType.objects.get(code=code)


def log(org, code: str, held_on: date, *, status=ActivityStatus.SUBMITTED, **fields) -> Activity:
    activity = Activity(
        organization=org, activity_type=activity_type(code), held_on=held_on, title=fields.pop("title", "测试活动"),
        status=status, checkin_code=f"T{next(_codes):06d}", **fields,
    )
    with transaction.atomic(), follow(activity):
        activity.save()
    return activity


def attend(activity, member, status=AttendanceStatus.PRESENT, **fields) -> Attendance:
    with transaction.atomic(), follow(activity):  # the stored attendance counts follow, as in attendance_set
        return Attendance.objects.create(activity=activity, member=member, status=status, **fields)
