"""Points providers (members/services/points.py registry) that count organizational-life records: attendance and 谈心谈话.

Registered when orglife is ready (apps.py); members knows them only through the registry.
"""
from __future__ import annotations

from datetime import date

from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from members.services.points import register_provider

from .models import PRESENT_STATUSES, ActivityStatus, Attendance, Talk


def _attended(**activity_filter):
    """A provider counting a member's attendance (出席/迟到) at submitted org-life records matching the filter."""

    def count(*, member_ids, start: date, end: date) -> dict[int, int]:
        qs = Attendance.objects.filter(member_id__in=member_ids) if member_ids is not None else \
            Attendance.objects.filter(member__isnull=False)
        qs = (qs.filter(status__in=PRESENT_STATUSES, activity__is_voided=False,
                        activity__status=ActivityStatus.SUBMITTED, activity__held_on__gte=start,
                        activity__held_on__lte=end, **{f"activity__{k}": v for k, v in activity_filter.items()})
              .order_by().values("member_id").annotate(n=Count("activity_id", distinct=True)))
        return {row["member_id"]: row["n"] for row in (qs if member_ids is not None else qs.iterator(chunk_size=20000))}

    return count


register_provider("attendance", _("参加“三会一课”、主题党日（出席记录）"), _attended(activity_type__counts_for_completion=True))
register_provider("party_lecture", _("参加党课（出席记录）"), _attended(activity_type__category="lecture"))


def _talks(*, member_ids, start: date, end: date) -> dict[int, int]:
    """谈心谈话 a member took part in (org-life Talk records, not voided)."""
    through = Talk.participants.through
    qs = through.objects.filter(member_id__in=member_ids) if member_ids is not None else through.objects.all()
    qs = (qs.filter(talk__is_voided=False, talk__held_on__gte=start, talk__held_on__lte=end)
          .order_by().values("member_id").annotate(n=Count("talk_id", distinct=True)))
    return {row["member_id"]: row["n"] for row in (qs if member_ids is not None else qs.iterator(chunk_size=20000))}


register_provider("talk", _("参加谈心谈话（记录）"), _talks)
