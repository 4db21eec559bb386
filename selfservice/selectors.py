"""Reads for 我的: everything is keyed by the member record linked to the signed-in user, never by an id from the
request, so a member can only ever read herself. Figures come from their one definition in the owning app
(attendance: branches.compliance, arrears: members.services.dues, points: members.services.points, study: practice.selectors)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from django.db.models import Q, Sum
from django.utils import timezone

from branches.models import CommitteeSeat
from members.models import AppraisalEntry, DuesRecord, EntryStatus, Member, MembershipMove, PointsEntry
from members.services import dues as dues_rules
from members.services import points as points_rules
from orglife import compliance
from orglife.models import Activity, ActivityCategory, Attendance, AttendanceStatus
from orglife.services import checkin_window
from practice import selectors as practice_selectors
from practice.models import ContestResult, StudyRecord
from practice.permissions import own_member as practice_own_member

UPCOMING_DAYS = 60


def own_member(user) -> Member | None:
    """The active member record linked to `user`, or None: practice's lookup, cached on the user for the request
    (the navigation asks on every page; one query serves both apps)."""
    return practice_own_member(user)


def has_member_record(user) -> bool:
    return own_member(user) is not None


# --- 我的档案 ----------------------------------------------------------------------------------------------
def next_political_birthday(member: Member, today: date) -> tuple[date, int]:
    """The next 入党 anniversary on or after `today` and the years it marks (29 Feb falls on 28 Feb)."""
    years = today.year - member.joined_on.year
    day = member.joined_on + relativedelta(years=years)
    if day < today:
        years += 1
        day = member.joined_on + relativedelta(years=years)
    return day, years


def profile(*, member: Member, today: date | None = None) -> dict:
    today = today or timezone.localdate()
    birthday, years = next_political_birthday(member, today)
    moves = list(MembershipMove.objects.filter(member=member)
                 .select_related("from_organization", "to_organization").order_by("-occurred_on", "-id"))
    return {"member": member, "birthday": birthday, "birthday_years": years, "birthday_days": (birthday - today).days,
            "moves": moves}


# --- 我的组织生活 ------------------------------------------------------------------------------------------
@dataclass
class Upcoming:
    activity: Activity
    status: str | None            # her attendance status if already marked
    can_check_in: bool            # the check-in window is open now


def _seated(member: Member, on: date) -> set[int]:
    """Organizations whose committee `member` sits on, on `on` (a 支委会 expects only them)."""
    return set(CommitteeSeat.objects.filter(member=member, term__started_on__lte=on)
               .filter(Q(term__closed_on__isnull=True) | Q(term__closed_on__gt=on))
               .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=on)).values_list("term__organization_id", flat=True))


def orglife(*, member: Member, year: int | None = None, now=None) -> dict:
    """Her meetings this year (status per record), the year's counts and 出席率, and upcoming ones with check-in."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    year = year or today.year
    start, end = date(year, 1, 1), date(year, 12, 31)
    rows = list(Attendance.objects.filter(member=member, activity__is_voided=False,
                                          activity__held_on__gte=start, activity__held_on__lte=end)
                .select_related("activity__activity_type", "activity__organization")
                .order_by("-activity__held_on", "-activity__id"))
    counted = set(compliance.counted_attendance(start=start, end=end, member_ids=[member.pk])
                  .values_list("pk", flat=True))
    counts = {s: 0 for s in AttendanceStatus.values}
    for r in rows:
        r.counted = r.pk in counted
        if r.counted:
            counts[r.status] += 1
    attended, expected, rate = compliance.member_attendance_rates(member_ids=[member.pk], start=start, end=end)[member.pk]

    orgs = [member.branch_id] + ([member.party_group_id] if member.party_group_id else [])
    seated = _seated(member, today)
    activities = (Activity.objects.live().filter(organization_id__in=orgs + list(seated), held_on__gte=today,
                                                 held_on__lte=today + timedelta(days=UPCOMING_DAYS),
                                                 activity_type__takes_attendance=True)
                  .select_related("activity_type", "organization").order_by("held_on", "starts_at", "id"))
    mine = dict(Attendance.objects.filter(member=member, activity__in=activities).values_list("activity_id", "status"))
    upcoming = []
    for a in activities:
        committee = a.activity_type.category == ActivityCategory.COMMITTEE_MEETING
        if (a.organization_id not in seated) if committee else (a.organization_id not in orgs):
            continue
        opens, closes = checkin_window(a)
        upcoming.append(Upcoming(a, mine.get(a.pk), opens <= now <= closes))
    return {"year": year, "rows": rows, "counts": counts, "attended": attended, "expected": expected, "rate": rate,
            "upcoming": upcoming}


# --- 我的党费 ----------------------------------------------------------------------------------------------
def dues(*, member: Member, today: date | None = None) -> dict:
    today = today or timezone.localdate()
    records = list(DuesRecord.objects.filter(member=member, month__lte=dues_rules.month_start(today))
                   .order_by("-month")[:24])
    unpaid = [r for r in records if not r.is_paid]
    year_rows = [r for r in records if r.month.year == today.year]
    return {
        "records": records, "unpaid": unpaid, "unpaid_amount": sum((r.amount_due or 0 for r in unpaid), 0),
        "arrear": dues_rules.member_arrear(member=member, upto=today),
        "year_due": sum((r.amount_due or 0 for r in year_rows), 0),
        "year_paid": sum((r.amount_paid or 0 for r in year_rows if r.is_paid), 0),
        "base": member.dues_bases.order_by("-effective_from", "-id").first(),
    }


# --- 我的学习与积分 ----------------------------------------------------------------------------------------
def study(*, member: Member, year: int | None = None, today: date | None = None) -> dict:
    today = today or timezone.localdate()
    year = year or today.year
    start, end = date(year, 1, 1), min(date(year, 12, 31), today)
    data = practice_selectors.member_panel(member=member, year=year)
    data["study_records"] = list(StudyRecord.objects.filter(member=member, is_voided=False, studied_on__year=year)
                                 .order_by("-studied_on", "-id"))
    data["contests"] = list(ContestResult.objects.filter(member=member, contest__is_voided=False)
                            .select_related("contest").order_by("-contest__held_on")[:10])
    scores = points_rules.member_scores(members=[member], start=start, end=end)
    data["score"] = scores[0] if scores else None
    data["providers"] = {k: p.label for k, p in points_rules.providers().items()}
    data["manual_entries"] = list(PointsEntry.objects.filter(member=member, occurred_on__gte=start, occurred_on__lte=end)
                                  .select_related("item").order_by("-occurred_on", "-id"))
    data["pending_points"] = sum(e.quantity * e.item.points for e in data["manual_entries"]
                                 if e.status == EntryStatus.PENDING)
    data["appraisal"] = open_appraisal(member=member)
    data["training_hours"] = sum((t.course.hours for t in data["trainings"] if t.attended), 0)
    data["year_hours"] = StudyRecord.objects.filter(member=member, is_voided=False, studied_on__year=year).aggregate(
        h=Sum("hours"))["h"] or 0
    return data


def open_appraisal(*, member: Member) -> AppraisalEntry | None:
    """Her entry in an open 民主评议 round of her branch, if any."""
    return (AppraisalEntry.objects.filter(member=member, round__is_closed=False, round__branch=member.branch)
            .select_related("round", "round__branch").order_by("-round__year").first())


# --- 我的 (home) -------------------------------------------------------------------------------------------
def overview(*, member: Member) -> dict:
    """What the home shows a member: what is due (upcoming meetings, open check-in, unpaid dues, an open 自评)."""
    life = orglife(member=member)
    money = dues(member=member)
    return {"member": member, "upcoming": life["upcoming"][:3], "rate": life["rate"], "attended": life["attended"],
            "expected": life["expected"], "year": life["year"], "unpaid": money["unpaid"],
            "unpaid_amount": money["unpaid_amount"], "arrear": money["arrear"],
            "appraisal": open_appraisal(member=member)}
