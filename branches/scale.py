"""Bulk seeding of the organization tree and committees for `seed_scale` (no per-row saves)."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from .models import CommitteeSeat, CommitteeTerm, Organization, OrganizationKind, SeatRole

GROUPS_PER_BRANCH = 3


def _child_path(parent_path: str, index: int) -> str:
    return Organization._get_path(parent_path, len(parent_path) // Organization.steplen + 1, index)


def seed_tree(*, ctx) -> None:
    rng, n = ctx.rng, ctx.branches
    second = max(1, n // 100)
    # Beside any tree already there (the growth test scales the demo): the next free root position.
    last_root = Organization.objects.get_last_root_node()
    position = Organization._str2int(last_root.path) + 1 if last_root else 1
    prefix = "S0" if position == 1 else f"S{position}"
    root = Organization(name="中共某省直机关工作委员会", kind=OrganizationKind.COMMITTEE, code=prefix, depth=1,
                        path=_child_path("", position), numchild=second, established_on=date(1990, 7, 1))
    orgs = [root]
    per = [n // second + (1 if i < n % second else 0) for i in range(second)]
    branch_rows = []
    for i in range(second):
        kind = OrganizationKind.COMMITTEE if i % 3 == 0 else OrganizationKind.GENERAL_BRANCH
        mid = Organization(name=f"第{i + 1}机关{'党委' if kind == 'committee' else '党总支'}", kind=kind, code=f"{prefix}-{i + 1:03d}",
                           depth=2, path=_child_path(root.path, i + 1), numchild=per[i], established_on=date(1995, 1, 1))
        orgs.append(mid)
        for j in range(per[i]):
            est = date(2000, 1, 1) + timedelta(days=rng.randint(0, 8000))
            b = Organization(name=f"第{i + 1}单位第{j + 1}党支部", kind=OrganizationKind.BRANCH, code=f"{prefix}-{i + 1:03d}-{j + 1:04d}",
                             depth=3, path=_child_path(mid.path, j + 1), numchild=GROUPS_PER_BRANCH, established_on=est)
            orgs.append(b)
            branch_rows.append(b)
            for k in range(GROUPS_PER_BRANCH):
                orgs.append(Organization(name=f"第{k + 1}党小组", kind=OrganizationKind.PARTY_GROUP, code=f"{b.code}-G{k + 1}",
                                         depth=4, path=_child_path(b.path, k + 1), numchild=0, established_on=est))
    Organization.objects.bulk_create(orgs, batch_size=5000)
    ctx.data["root_path"] = root.path
    ctx.stdout.write(f"  组织 {len(orgs)} 个（党支部 {len(branch_rows)}）")


def seed_committees(*, ctx) -> None:
    """One current term per branch with 3–5 seats taken from its full members."""
    from members.models import Member, MemberStatus

    rng = ctx.rng
    # Ordered by path and sized by position, not by id: ids differ between databases, the seed must not.
    branches = list(ctx.organizations().filter(kind=OrganizationKind.BRANCH).order_by("path").values_list("id", flat=True))
    seat_count = {bid: 3 + (i % 3) for i, bid in enumerate(branches)}
    terms = []
    for bid in branches:
        start = date(2023, 1, 1) + timedelta(days=rng.randint(0, 900))
        terms.append(CommitteeTerm(organization_id=bid, started_on=start, ends_on=start + timedelta(days=3 * 365)))
    CommitteeTerm.objects.bulk_create(terms, batch_size=5000)
    term_by_branch = dict(CommitteeTerm.objects.filter(organization__in=branches).values_list("organization_id", "id"))
    roles = [SeatRole.SECRETARY, SeatRole.ORGANIZATION, SeatRole.PROPAGANDA, SeatRole.DISCIPLINE, SeatRole.DEPUTY_SECRETARY]
    seats, taken = [], {}
    for mid, bid in Member.objects.filter(status=MemberStatus.FULL, branch__in=branches).order_by("branch_id", "id").values_list("id", "branch_id").iterator(chunk_size=20000):
        i = taken.get(bid, 0)
        if i < seat_count[bid]:
            seats.append(CommitteeSeat(term_id=term_by_branch[bid], member_id=mid, role=roles[i], started_on=date(2023, 1, 1)))
            taken[bid] = i + 1
    CommitteeSeat.objects.bulk_create(seats, batch_size=10000)
    ctx.stdout.write(f"  委员会 {len(terms)} 届，职务 {len(seats)} 个")


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
    from django.db import connection
    from django.utils import timezone

    from members.models import Member
    from portal.bulk import copy_rows

    from .models import Activity, ActivityStatus, ActivityType, Attendance, AttendanceStatus, FrequencyRule
    from .orglife_defaults import seed_defaults

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
               "is_election", "status", "submitted_at", "submitted_by_id", "checkin_code", "is_deleted",
               "deleted_reason", "created_by_id", "created_at", "updated_at"]
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
    from .activity_counts import rebuild

    ctx.stdout.write(f"  月度计数 {rebuild()} 行")
