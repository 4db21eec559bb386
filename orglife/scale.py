"""Bulk seeding of organizational-life records and their monthly counts for `seed_scale` (COPY, no per-row saves)."""
from __future__ import annotations

from datetime import date, datetime, time

from django.db import connection
from django.utils import timezone

from branches.models import CommitteeSeat, OrganizationKind
from members.models import Member
from portal.bulk import copy_rows

from . import attendance_counts, results
from .counts import rebuild
from .defaults import seed_defaults
from .models import Activity, ActivityStatus, ActivityType, Attendance, AttendanceStatus, FrequencyRule

# Per branch per year: the 支部工作条例 minimums plus a little extra, ~70 records including 党小组会.
# (type code, times a year, who attends: "branch" all members / "committee" the seats / "group" the group's members)
BRANCH_PLAN = [
    ("general_meeting", 4, "branch"), ("committee_meeting", 12, "committee"), ("lecture", 4, "branch"),
    ("theme_day", 12, "branch"), ("life_meeting", 1, "branch"), ("appraisal", 1, "branch"),
]
GROUP_PLAN = [("group_meeting", 12, "group")]
_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def _checkin_code(serial: int) -> str:
    """8 characters, 'Z' prefixed: never equal to a 6-character code the service hands out."""
    out = []
    for _ in range(7):
        serial, r = divmod(serial, len(_CODE_ALPHABET))
        out.append(_CODE_ALPHABET[r])
    return "Z" + "".join(reversed(out))


def seed_activities(*, ctx, year: int = 2025) -> None:
    """12 months of submitted records for every branch and 党小组, with attendance, loaded with COPY."""


    rng = ctx.rng
    # `seed_scale --flush` also empties the types the data migration made: restore the built-ins first.
    seed_defaults(ActivityType, FrequencyRule)
    types = dict(ActivityType.objects.values_list("code", "id"))
    plan_types = {code for code, _, _ in BRANCH_PLAN + GROUP_PLAN}
    missing = plan_types - set(types)
    if missing:
        ctx.stdout.write(f"  跳过组织生活：缺少活动类型 {sorted(missing)}")
        return
    by_branch: dict[int, list[int]] = {}
    by_group: dict[int, list[int]] = {}
    scale_orgs = ctx.organizations()
    for mid, bid, gid in Member.objects.filter(is_active=True, branch__in=scale_orgs).order_by("id").values_list("id", "branch_id", "party_group_id").iterator(chunk_size=50000):
        by_branch.setdefault(bid, []).append(mid)
        if gid:
            by_group.setdefault(gid, []).append(mid)
    seats: dict[int, list[int]] = {}
    for bid, mid in CommitteeSeat.objects.filter(ended_on__isnull=True, term__organization__in=scale_orgs).values_list("term__organization_id", "member_id"):
        seats.setdefault(bid, []).append(mid)
    orgs = list(scale_orgs.filter(kind__in=[OrganizationKind.BRANCH, OrganizationKind.PARTY_GROUP])
                .order_by("path").values_list("id", "kind"))
    next_id = (Activity.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    first_id = next_id
    now = timezone.now()
    attendance: list[tuple] = []
    statuses = [AttendanceStatus.PRESENT] * 17 + [AttendanceStatus.LATE, AttendanceStatus.LEAVE, AttendanceStatus.ABSENT]

    def activity_rows():
        nonlocal next_id
        for oid, kind in orgs:
            is_group = kind == OrganizationKind.PARTY_GROUP
            for code, per_year, who in (GROUP_PLAN if is_group else BRANCH_PLAN):
                people = (by_group.get(oid, []) if who == "group" else
                          seats.get(oid, []) if who == "committee" else by_branch.get(oid, []))
                for k in range(per_year):
                    month = 1 + (k * 12) // per_year if per_year < 12 else k + 1
                    if code in ("life_meeting", "appraisal"):
                        month = 12 if code == "life_meeting" else 11
                    if rng.random() < 0.08:  # some branches miss some meetings: compliance has gaps to find
                        continue
                    held = date(year, month, rng.randint(1, 28))
                    aid = next_id
                    next_id += 1
                    submitted = timezone.make_aware(datetime.combine(held, time(18, 0)))
                    host = people[0] if people else None
                    yield (aid, oid, types[code], f"{held:%m}月{code}", held, "09:00:00", "11:00:00", "会议室",
                           host, host, "", "", "", "", "", False, ActivityStatus.SUBMITTED, submitted, None,
                           _checkin_code(aid), False, "", None, now, now)
                    for mid in people:
                        st = rng.choice(statuses)
                        attendance.append((aid, mid, "", st, "official" if st == AttendanceStatus.LEAVE else "", "", None))

    columns = ["id", "organization_id", "activity_type_id", "title", "held_on", "starts_at", "ends_at", "place",
               "host_id", "recorder_id", "lecturer", "lecture_title", "topics", "minutes", "resolutions",
               "is_election", "status", "submitted_at", "submitted_by_id", "checkin_code", "is_voided",
               "void_reason", "created_by_id", "created_at", "updated_at"]
    att_columns = ["activity_id", "member_id", "guest_name", "status", "leave_reason", "note", "checked_in_at"]
    n_att = 0

    def chunks():
        # Activities stream through COPY in chunks; attendance of the chunk follows once its activities exist.
        nonlocal n_att
        buf = []
        for row in activity_rows():
            buf.append(row)
            if len(buf) >= 20000:
                yield buf
                buf = []
        if buf:
            yield buf

    total = 0
    for buf in chunks():
        total += copy_rows(Activity, columns, buf)
        n_att += copy_rows(Attendance, att_columns, attendance, chunk=200_000)
        attendance.clear()
    if connection.vendor == "postgresql" and total:
        with connection.cursor() as cur:
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{Activity._meta.db_table}', 'id'), %s)", [next_id - 1])
    ctx.data["activities"] = (first_id, next_id - 1)
    ctx.stdout.write(f"  组织生活记录 {total} 条，出席登记 {n_att} 条")


def seed_activity_counts(*, ctx) -> None:
    """The monthly counts the compliance table reads, from the records just loaded (COPY bypasses the services)."""

    ctx.stdout.write(f"  月度计数 {rebuild()} 行")  # (also refreshes the compliance results of the stored years)
    ctx.stdout.write(f"  出席计数 {attendance_counts.rebuild()} 行")  # the attendance page's stored totals
    year = date.today().year
    if year not in results.stored_years():  # the compliance summaries read this year from the stored results
        ctx.stdout.write(f"  落实情况存储结果 {results.rebuild(year)} 行")
