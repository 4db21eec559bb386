"""Bulk seeding of members for `seed_scale`: ~30 per branch, spread over the branch's 党小组."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from branches.models import CommitteeSeat, CommitteeTerm, Organization, OrganizationKind, SeatRole
from portal import crypto
from portal.bulk import copy_rows

from .models import Gender, Member, MemberCategory, MemberStatus
from .validators import id_check_digit, mask_id_number

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红娥玲芬燕彬鹏辉"
PER_BRANCH = 30


def seed_members(*, ctx) -> None:
    rng = ctx.rng
    groups: dict[int, list[int]] = {}
    for gid, path in ctx.organizations().filter(kind=OrganizationKind.PARTY_GROUP).values_list("id", "path"):
        groups.setdefault(path[:-Organization.steplen], []).append(gid)
    branches = list(ctx.organizations().filter(kind=OrganizationKind.BRANCH).values_list("id", "path"))
    now = timezone.now()

    def rows():
        serial = 0
        for bid, path in branches:
            gids = groups.get(path, [None])
            for i in range(PER_BRANCH):
                serial += 1
                birth = date(1950, 1, 1) + timedelta(days=rng.randint(0, 18000))
                joined = min(birth + timedelta(days=365 * rng.randint(19, 40)), date(2025, 6, 1))
                full = joined < date(2025, 1, 1)
                first17 = f"{110000 + serial % 90000:06d}{birth:%Y%m%d}{serial % 1000:03d}"
                number = first17 + id_check_digit(first17)
                name = rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if serial % 3 else "")
                yield (
                    name, Gender.MALE if serial % 2 else Gender.FEMALE, "汉族", birth, f"13{serial:09d}"[:11],
                    crypto.encrypt(number), crypto.digest(number), mask_id_number(number), "", "", "",
                    MemberCategory.RETIRED if birth.year < 1962 else MemberCategory.IN_SERVICE,
                    MemberStatus.FULL if full else MemberStatus.PROBATIONARY, joined,
                    joined + timedelta(days=365) if full else None, bid, gids[i % len(gids)], True, None, "",
                    date(2020, 1, 1), now, now, "",
                )

    columns = ["name", "gender", "ethnicity", "birth_date", "phone", "id_number_encrypted", "id_number_digest",
               "id_number_masked", "education", "work_unit", "post", "category", "status", "joined_on", "confirmed_on",
               "branch_id", "party_group_id", "is_active", "left_on", "left_reason", "joined_branch_on", "created_at",
               "updated_at", "mobile_location"]
    total = copy_rows(Member, columns, rows())
    ctx.stdout.write(f"  党员 {total} 名")


def seed_committees(*, ctx) -> None:
    """One current term per branch with 3–5 seats taken from its full members."""
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


def seed_dues(*, ctx) -> None:
    """A year of 党费 records: every member of the scale tree, the twelve months up to this one, as the monthly
    generation and the secretaries' payments leave them. Most months are paid in the month; this month is still open
    for a third of the members; about 3 % have a run of 3–8 unpaid months at the end (欠缴), a few a single gap.
    Without it the dues pages and home's 欠缴 counts were measured on the demo's few hundred records, not a province's
    18 M (issue #23)."""
    from dateutil.relativedelta import relativedelta

    from .models import DuesRecord, PayMethod

    rng = ctx.rng
    this_month = date.today().replace(day=1)
    months = [this_month - relativedelta(months=k) for k in range(11, -1, -1)]
    now = timezone.now()
    methods = [PayMethod.WECHAT, PayMethod.ALIPAY, PayMethod.CASH, PayMethod.PAYROLL]
    members = (Member.objects.filter(branch__path__startswith=ctx.data["root_path"], is_active=True)
               .order_by("id").values_list("id", "branch_id"))

    def rows():
        for member_id, branch_id in members.iterator(chunk_size=50_000):
            base = Decimal(rng.randrange(3000, 12000, 100))
            percent = Decimal("0.5") if base <= 3000 else (Decimal("1.0") if base <= 5000 else Decimal("1.5"))
            due = (base * percent / 100).quantize(Decimal("0.01"))
            draw = rng.random()
            arrears = rng.randint(3, 8) if draw < 0.03 else 0
            gap = rng.randrange(12) if 0.03 <= draw < 0.08 else None
            open_now = rng.random() < 0.33
            method = methods[member_id % len(methods)]
            for i, month in enumerate(months):
                unpaid = i >= 12 - arrears or i == gap or (i == 11 and open_now)
                paid_on = None if unpaid else month + timedelta(days=rng.randint(0, 20))
                yield (member_id, branch_id, month, base, percent, due, None if unpaid else due, paid_on,
                       "" if unpaid else method, now)

    columns = ["member_id", "branch_id", "month", "base", "percent", "amount_due", "amount_paid", "paid_on", "method",
               "updated_at"]
    total = copy_rows(DuesRecord, columns, rows())
    from .services.dues import arrears_rebuild, totals_rebuild

    totals_rebuild(months=months)   # COPY went around the services that keep the stored totals and standings
    owing = arrears_rebuild()
    ctx.stdout.write(f"  党费记录 {total} 条（{months[0]:%Y-%m}—{months[-1]:%Y-%m}），欠缴 {owing} 人")


def seed_points_totals(*, ctx) -> None:
    """The stored yearly 党员积分 totals and the branch figures (PointsBranchTotal) the points page ranks by, from the
    records just loaded (COPY bypasses the services that keep them). Linear in the data: one grouped pass per
    provider over the year's records, then the members in chunks."""
    from datetime import date

    from .services.points import points_totals_rebuild

    ctx.stdout.write(f"  党员积分汇总 {points_totals_rebuild(year=date.today().year)} 行（含党支部汇总）")
