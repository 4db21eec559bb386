"""Organizational-life records since January of last year for the demo branches; some branches are behind on purpose.

Deterministic (fixed random seed) and idempotent; rows are bulk-inserted so the whole demo seeds in seconds.
Dates are relative to today, so "what is due" always has something to show: the demo secretary's branch has held
this month's 主题党日 but not yet its 支委会.
"""
from __future__ import annotations

import random
from datetime import date, time, timedelta

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from branches.models import BRANCH_KINDS, Organization, OrganizationKind
from members.models import Member
from portal.demo_calendar import in_time

from . import attendance_counts, results
from .compliance import Period
from .models import Activity, ActivityStatus, ActivityType, Attendance, AttendanceStatus, LeaveReason, RulePer, Talk
from .services import CHECKIN_ALPHABET

HOME = "JB01-Z1-01"
# code -> probability that a required activity is held (lower = behind on purpose)
DILIGENCE = {"JB01-Z2-03": 0.45, "JB01-Z2-04": 0.6, "JB01-Z3-03": 0.55, "JB01-Z1-04": 0.7}
DEFAULT_DILIGENCE = 0.98
PLACES = ["机关三楼党员活动室", "第一会议室", "党建活动中心", "单位小会议室", "线上会议（腾讯会议）"]
THEMES = ["学习贯彻党的二十届四中全会精神", "深入学习《习近平谈治国理政》", "重温入党誓词", "学习党章党规",
          "开展志愿服务进社区", "参观廉政教育基地", "讨论年度重点工作", "学习《中国共产党纪律处分条例》",
          "“我为群众办实事”专题讨论", "学习身边先进典型事迹"]
LECTURES = ["坚定理想信念 筑牢信仰之基", "以高质量党建引领高质量发展", "严守纪律规矩 永葆清廉本色", "践行初心使命 勇于担当作为"]


def _code(rng, used) -> str:
    while True:
        c = "".join(rng.choice(CHECKIN_ALPHABET) for _ in range(6))
        if c not in used:
            used.add(c)
            return c


def _status(rng, diligent: bool):
    r = rng.random()
    absent_p = 0.03 if diligent else 0.12
    if r < absent_p:
        return AttendanceStatus.ABSENT, ""
    if r < absent_p + 0.07:
        return AttendanceStatus.LEAVE, rng.choice(LeaveReason.values)
    if r < absent_p + 0.10:
        return AttendanceStatus.LATE, ""
    return AttendanceStatus.PRESENT, ""


def seed_activities(*, stdout=None) -> None:
    if not Organization.objects.filter(code=HOME).exists():
        return
    if Activity.objects.filter(organization__code__startswith="JB01").exists():
        return
    from .defaults import seed_defaults
    from .models import FrequencyRule

    seed_defaults(ActivityType, FrequencyRule)  # normally there from the data migration; idempotent
    rng = random.Random(4242)
    today = timezone.localdate()
    types = {t.code: t for t in ActivityType.objects.all()}
    branches = list(Organization.objects.filter(code__startswith="JB01", kind__in=BRANCH_KINDS, dissolved_on__isnull=True)
                    .annotate(seats=Count("terms__seats", filter=Q(terms__closed_on__isnull=True,
                                                                   terms__seats__ended_on__isnull=True)))
                    .order_by("path"))
    groups = list(Organization.objects.filter(code__startswith="JB01", kind=OrganizationKind.PARTY_GROUP).order_by("path"))
    members = list(Member.objects.filter(is_active=True, branch__code__startswith="JB01").order_by("pk"))
    by_branch, by_group = {}, {}
    for m in members:
        by_branch.setdefault(m.branch_id, []).append(m)
        if m.party_group_id:
            by_group.setdefault(m.party_group_id, []).append(m)
    groups_of = {}
    for g in groups:
        groups_of.setdefault(g.parent_path, []).append(g)

    # From January of last year: last year's 四强 cycle, reports and compliance rest on a full year of records.
    start = date(today.year - 1, 1, 1)
    months = [start + relativedelta(months=i) for i in range(12 + today.month)]
    used_codes = set(Activity.objects.values_list("checkin_code", flat=True))
    plan = []  # (org, type, day, roster)

    def add(org, code, first_day, last_day, roster, p):
        last_day = min(last_day, today)
        if last_day < max(first_day, org.established_on) or rng.random() > p:
            return
        lo = max(first_day, org.established_on)
        day = lo + timedelta(days=rng.randint(0, max(0, (last_day - lo).days)))
        if day > today:
            return
        plan.append((org, types[code], day, roster))

    for b in branches:
        p = DILIGENCE.get(b.code, DEFAULT_DILIGENCE)
        roster = by_branch.get(b.pk, [])
        for m0 in months:
            m1 = m0 + relativedelta(months=1) - timedelta(days=1)
            current = m0.year == today.year and m0.month == today.month
            # The demo secretary's branch: this month's 支委会 is still to do (the browser test logs it).
            if not (current and b.code == HOME):
                if b.seats >= 3:
                    add(b, "committee_meeting", m0, m0 + timedelta(days=9), [m for m in roster[:b.seats]], p)
            if current and b.code == HOME:
                add(b, "theme_day", m0, today, roster, 1.0)
            else:
                add(b, "theme_day", m0, m1, roster, p)
            for g in groups_of.get(b.path, []):
                add(g, "group_meeting", m0, m1, by_group.get(g.pk, []), p)
            q = Period.containing(RulePer.QUARTER, m0)
            if m0.month == q.start.month + 1:  # middle month of each quarter
                add(b, "general_meeting", q.start, q.end, roster, p)
                add(b, "lecture", q.start, q.end, roster, p * 0.95)
            if m0.month == 12 or (m0.month == 1 and rng.random() < 0.3):
                add(b, "life_meeting", m0, m1, roster, p)
                add(b, "appraisal", m0, m1, roster, p)

    # Most branches keep a fixed monthly day; a few extras so counts are not all exactly 1.
    activities = []
    for org, t, day, roster in plan:
        title = {
            "committee_meeting": f"{day.month}月支委会：研究部署当月工作",
            "theme_day": f"{day.month}月主题党日：{in_time(rng.choice(THEMES), day)}",
            "group_meeting": f"{day.month}月党小组学习会",
            "general_meeting": f"{Period.containing(RulePer.QUARTER, day).label}支部党员大会",
            "lecture": f"党课：{rng.choice(LECTURES)}",
            "life_meeting": f"{day.year}年度组织生活会",
            "appraisal": f"{day.year}年度民主评议党员",
        }[t.code]
        is_lecture = t.code == "lecture"
        activities.append(Activity(
            organization=org, activity_type=t, title=title, held_on=day, starts_at=time(14, 30), ends_at=time(16, 30),
            place=rng.choice(PLACES), topics=title.split("：", 1)[-1],
            minutes="会议传达学习了有关精神，结合本单位实际进行了交流讨论，明确了下一步工作安排。",
            lecturer=(roster[0].name if roster else "支部书记") if is_lecture else "",
            lecture_title=title.removeprefix("党课：") if is_lecture else "",
            status=ActivityStatus.SUBMITTED if (day < today - timedelta(days=3) or rng.random() < 0.7) else ActivityStatus.DRAFT,
            submitted_at=timezone.now() if day < today else None, checkin_code=_code(rng, used_codes),
        ))
    Activity.objects.bulk_create(activities, batch_size=500)
    from .counts import rebuild

    rebuild()  # bulk_create bypasses the services: the compliance table's monthly counts follow here
    if today.year not in results.stored_years():  # the compliance summaries read this year's stored results
        results.rebuild(today.year)
    saved = list(Activity.objects.filter(organization__code__startswith="JB01").select_related("activity_type")
                 .order_by("pk"))
    rosters = {(org.pk, t.pk, day): roster for org, t, day, roster in plan}
    behind_paths = [b.path for b in branches if b.code in DILIGENCE]
    behind = {o.pk for o in [*branches, *groups] if any(o.path.startswith(p) for p in behind_paths)}
    rows = []
    for a in saved:
        roster = rosters.get((a.organization_id, a.activity_type_id, a.held_on), [])
        for m in roster:
            if m.joined_branch_on and m.joined_branch_on > a.held_on:
                continue
            status, reason = _status(rng, a.organization_id not in behind)
            rows.append(Attendance(activity=a, member=m, status=status, leave_reason=reason))
    Attendance.objects.bulk_create(rows, batch_size=2000)
    with transaction.atomic():  # the bulk rows went around the services: the stored attendance counts take them
        for a in saved:
            attendance_counts.move(None, attendance_counts.contribution(a.pk))

    # 谈心谈话: last year nearly everyone in diligent branches talked (the 2025 cycle's coverage metric rests on it);
    # this year most members of diligent branches have talked so far.
    talks = 0
    last_year = (date(today.year - 1, 1, 1), date(today.year - 1, 12, 31), 0.95, 0.5)
    this_year = (date(today.year, 1, 1), today, 0.85, 0.35)
    for first, last, diligent_share, behind_share in (last_year, this_year):
        for b in branches:
            roster = [m for m in by_branch.get(b.pk, []) if not m.joined_branch_on or m.joined_branch_on <= last]
            share = diligent_share if b.code not in DILIGENCE else behind_share
            covered = roster[: int(len(roster) * share)]
            for i in range(0, len(covered) - 1, 2):
                day = first + timedelta(days=rng.randint(0, max(0, (last - first).days)))
                talk = Talk.objects.create(organization=b, held_on=day, topic="思想工作交流",
                                           note="交流了近期思想和工作情况。")
                talk.participants.set([covered[i], covered[i + 1]])
                talks += 1
    if stdout:
        stdout.write(f"组织生活记录 {len(saved)} 条、出席 {len(rows)} 人次、谈心谈话 {talks} 次。")
