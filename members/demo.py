"""Demo members (~300, plausible names and dates), committees with terms, and the four demo users."""
from __future__ import annotations

import random
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from django.contrib.auth import get_user_model

from branches.models import Organization, Role, SeatRole
from branches.services import role_grant, term_start

from .models import Education, Gender, Member, MemberCategory, MemberStatus
from .services.registry import member_create
from .validators import id_check_digit

DEMO_PASSWORD = "portal-demo-2026"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN_M = "伟强磊军勇杰涛明超刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林洋斌博文亮建国志成海峰晨阳"
GIVEN_F = "芳娜敏静丽艳娟霞燕玲桂英秀兰红梅琳雪婷慧莹晶倩洁颖琴云露瑶怡欣悦佳楠璐丹"
ETHNICITIES = ["汉族"] * 18 + ["回族", "满族", "蒙古族", "壮族"]
UNITS_POSTS = ["科员", "副科长", "科长", "副主任", "主任科员", "一级主任科员", "四级调研员", "办事员", "工程师"]
# Members per branch code; 区教育局 exceeds 50 (a structural warning on purpose).
SIZES = {"JB01-Z1-01": 38, "JB01-Z1-02": 32, "JB01-Z1-03": 14, "JB01-Z1-04": 9, "JB01-Z2-01": 53, "JB01-Z2-02": 34,
         "JB01-Z2-03": 16, "JB01-Z2-04": 10, "JB01-Z3-01": 38, "JB01-Z3-02": 30, "JB01-Z3-03": 12, "JB01-Z3-04": 6}
NO_COMMITTEE = {"JB01-Z2-03"}            # ≥7 正式党员 but no committee: warning
TERM_START = {"JB01-Z1-04": date(2022, 3, 1),   # term ended 2025-03: 换届 overdue
              "JB01-Z2-02": date(2023, 12, 20),  # ends within 90 days of the demo date (换届选举 in progress)
              "JB01-Z1-02": date(2023, 10, 20)}  # ended 2026-10-20: re-elected on 2026-10-16 (members.elections.demo)


def _id_number(rng, birth: date, gender: str) -> str:
    seq = rng.randint(10, 99) * 10 + (rng.choice([1, 3, 5, 7, 9]) if gender == Gender.MALE else rng.choice([0, 2, 4, 6, 8]))
    first17 = f"320105{birth:%Y%m%d}{seq:03d}"
    return first17 + id_check_digit(first17)


def _person(rng, today: date) -> dict:
    gender = rng.choice([Gender.MALE, Gender.FEMALE])
    given = GIVEN_M if gender == Gender.MALE else GIVEN_F
    name = rng.choice(SURNAMES) + "".join(rng.choice(given) for _ in range(rng.choice([1, 2, 2])))
    retired = rng.random() < 0.12
    age = rng.randint(62, 80) if retired else rng.randint(24, 58)
    birth = today - relativedelta(years=age) - timedelta(days=rng.randint(0, 364))
    joined = birth + relativedelta(years=rng.randint(19, min(age - 1, 40)) if age > 20 else 19) + timedelta(days=rng.randint(0, 300))
    joined = min(joined, today - timedelta(days=30))
    probationary = joined > today - relativedelta(years=1)
    return {
        "name": name, "gender": gender, "ethnicity": rng.choice(ETHNICITIES), "birth_date": birth,
        "phone": f"1{rng.choice([3, 5, 8, 9])}{rng.randint(0, 9)}{rng.randint(10000000, 99999999)}",
        "id_number": _id_number(rng, birth, gender),
        "education": rng.choice([Education.BACHELOR] * 4 + [Education.POSTGRADUATE] * 2 + [Education.COLLEGE, Education.HIGH_SCHOOL]),
        "post": rng.choice(UNITS_POSTS), "category": MemberCategory.RETIRED if retired else MemberCategory.IN_SERVICE,
        "status": MemberStatus.PROBATIONARY if probationary else MemberStatus.FULL,
        "joined_on": joined, "confirmed_on": None if probationary else joined + relativedelta(years=1),
    }


def _user(username: str, full_name: str, *, is_superuser: bool = False):
    User = get_user_model()
    user, created = User.objects.get_or_create(username=username, defaults={"first_name": full_name})
    if created:
        user.set_password(DEMO_PASSWORD)
        user.is_superuser = user.is_staff = is_superuser
        user.save()
    return user


def seed(*, stdout=None) -> None:
    if Member.objects.exists() or not Organization.objects.filter(code="JB01").exists():
        return
    rng = random.Random(2026)
    today = date(2026, 11, 1)
    root = Organization.objects.get(code="JB01")
    # Make sure the people's id numbers stay unique in the demo set.
    seen = set()
    branches = {o.code: o for o in Organization.objects.branches()}
    for code, size in SIZES.items():
        branch = branches[code]
        groups = list(Organization.objects.filter(path__startswith=branch.path, kind="party_group").order_by("path"))
        members = []
        for i in range(size):
            data = _person(rng, today)
            while data["id_number"] in seen:
                data = _person(rng, today)
            seen.add(data["id_number"])
            if i == 0:  # the secretary is an experienced full member
                data.update(status=MemberStatus.FULL, category=MemberCategory.IN_SERVICE,
                            joined_on=date(2003, 6, 18) if code == "JB01-Z1-01" else data["joined_on"])
                data["confirmed_on"] = data["joined_on"] + relativedelta(years=1)
                if code == "JB01-Z1-01":
                    data.update(name="林晓梅", gender=Gender.FEMALE)
            group = groups[i % len(groups)] if groups else None
            members.append(member_create(branch=branch, party_group=group, work_unit=branch.units,
                                         registered_on=max(branch.established_on, date(2020, 1, 1)), **data))
        full = [m for m in members if m.status == MemberStatus.FULL]
        if code in NO_COMMITTEE:
            continue
        started = TERM_START.get(code, date(2024, rng.randint(3, 10), rng.randint(1, 28)))
        if len(full) >= 7:
            roles = [SeatRole.SECRETARY, SeatRole.ORGANIZATION, SeatRole.PROPAGANDA, SeatRole.DISCIPLINE]
            if len(full) >= 25:
                roles.insert(1, SeatRole.DEPUTY_SECRETARY)
            seats = list(zip(full[: len(roles)], roles, strict=True))
        else:
            seats = [(full[0], SeatRole.SECRETARY)]
        term_start(organization=branch, started_on=started, seats=seats)

    staff = _user("staff", "周建华")
    role_grant(user=staff, organization=root, role=Role.STAFF)
    secretary = _user("secretary", "林晓梅")
    home = branches["JB01-Z1-01"]
    role_grant(user=secretary, organization=home, role=Role.SECRETARY)
    Member.objects.filter(branch=home, name="林晓梅").update(user=secretary)
    reviewer = _user("reviewer", "吴志强")
    role_grant(user=reviewer, organization=root, role=Role.REVIEWER)
    agency = _user("agency", "区委组织部（接口）")
    role_grant(user=agency, organization=root, role=Role.AGENCY)
    member_user = _user("member", "党员示例账号")
    plain = Member.objects.filter(branch=home, status=MemberStatus.FULL, user__isnull=True).order_by("id")[3]
    member_user.first_name = plain.name
    member_user.save(update_fields=["first_name"])
    plain.user = member_user
    plain.save(update_fields=["user"])
    _user("admin", "系统管理员", is_superuser=True)
    if stdout:
        stdout.write(f"党员 {Member.objects.count()} 名；演示账号 staff / secretary / reviewer / agency / member / admin，密码 {DEMO_PASSWORD}")


# ============================================================================================
# Lifecycle demo: people at every development stage, a year of dues, transfers, status changes,
# last year's 民主评议 and some points. Deterministic (fixed dates and seed), idempotent, bulk where possible.
# ============================================================================================
LIFECYCLE_TODAY = date(2026, 11, 1)
HOME = "JB01-Z1-01"


def seed_lifecycle(*, stdout=None) -> None:
    if not Organization.objects.filter(code=HOME).exists() or not Member.objects.exists():
        return
    from .defaults import ensure_defaults
    from .models import Candidate

    ensure_defaults()  # rules, rates, points scheme (a flushed test database has lost the migration's rows)
    if Candidate.objects.exists():
        return  # already seeded
    rng = random.Random(8)
    staff = get_user_model().objects.filter(username="staff").first()
    secretary = get_user_model().objects.filter(username="secretary").first()
    branches = {o.code: o for o in Organization.objects.branches()}
    _seed_development(branches, rng, staff, secretary)
    _seed_dues(rng)
    _seed_transfers_and_status(branches, staff, secretary)
    _seed_appraisals(rng, secretary)
    _seed_points(branches, secretary, staff)
    from .services.points import points_totals_rebuild

    points_totals_rebuild(year=date.today().year)  # after the attendance seeded above: the stored totals
    from .elections.demo import seed as seed_elections

    seed_elections(by=secretary)
    if stdout:
        from .models import DuesRecord
        stdout.write(f"发展党员 {Candidate.objects.count()} 人（各阶段），党费记录 {DuesRecord.objects.count()} 条，"
                     "转接 1 笔待接收，2025 年度民主评议已完成，换届选举 1 个已完成、1 个进行中")


def _seed_development(branches, rng, staff, secretary):
    from .models import MilestoneKind as K
    from .services.development import candidate_create, milestone_record

    home = branches[HOME]
    full = list(Member.objects.filter(branch=home, status=MemberStatus.FULL, is_active=True).order_by("id")[:6])

    def person(name, gender, birth, branch=home):
        return dict(branch=branch, name=name, gender=gender, birth_date=birth, work_unit=branch.units or "区直机关",
                    education=Education.BACHELOR, by=secretary)

    def walk(c, steps):
        for kind, on, extra in steps:
            milestone_record(candidate=c, kind=kind, on=on, by=extra.pop("by", secretary), **extra)

    # 入党申请人: one waiting for the talk, one talked to
    candidate_create(applied_on=date(2026, 10, 20), **person("陈思雨", Gender.FEMALE, date(2001, 4, 3)))
    c = candidate_create(applied_on=date(2026, 8, 5), **person("郑浩然", Gender.MALE, date(1999, 9, 18)))
    walk(c, [(K.FIRST_TALK, date(2026, 8, 20), {})])
    # 入党积极分子: one eligible for 发展对象 (>1 year), one not yet (the browser test uses both)
    for name, gender, birth, applied, decided in [
        ("赵思远", Gender.MALE, date(1996, 2, 11), date(2025, 3, 2), date(2025, 9, 15)),
        ("钱雨桐", Gender.FEMALE, date(1998, 7, 30), date(2025, 11, 10), date(2026, 3, 10)),
    ]:
        c = candidate_create(applied_on=applied, **person(name, gender, birth))
        walk(c, [(K.FIRST_TALK, applied + relativedelta(days=14), {}),
                 (K.RECOMMENDATION, applied + relativedelta(months=2), {}),
                 (K.ACTIVIST_DECISION, decided, {}),
                 (K.CONTACTS_ASSIGNED, decided + relativedelta(days=3), {"people": full[1:3]})])
    # 发展对象 with the branch vote 4+ months ago and no approval yet: "late approval" in the due list
    c = candidate_create(applied_on=date(2024, 3, 1), **person("孙嘉怡", Gender.FEMALE, date(1995, 12, 1)))
    walk(c, [(K.FIRST_TALK, date(2024, 3, 20), {}), (K.ACTIVIST_DECISION, date(2024, 6, 1), {}),
             (K.ACTIVIST_REVIEW, date(2024, 12, 1), {}), (K.CANDIDATE_DECISION, date(2025, 6, 10), {}),
             (K.TRAINING, date(2025, 9, 20), {"hours": 32}), (K.POLITICAL_REVIEW, date(2026, 3, 1), {}),
             (K.INTRODUCERS, date(2026, 5, 10), {"people": full[1:3]}),
             (K.BRANCH_VOTE, date(2026, 6, 20), {"meeting_ref": "区委办支〔2026〕5号", "votes_for": 30})])
    # 预备党员 (approved; one whose 预备期 ends within 30 days) and a 正式党员 who came through the pipeline
    for name, gender, birth, vote, confirm in [
        ("李明轩", Gender.MALE, date(1994, 5, 6), date(2025, 11, 20), None),
        ("周佳琪", Gender.FEMALE, date(1997, 8, 9), date(2026, 3, 20), None),
        ("吴俊杰", Gender.MALE, date(1993, 1, 26), date(2025, 5, 20), date(2026, 5, 22)),
    ]:
        c = candidate_create(applied_on=vote - relativedelta(years=3), **person(name, gender, birth))
        walk(c, [(K.FIRST_TALK, vote - relativedelta(years=3, days=-10), {}),
                 (K.ACTIVIST_DECISION, vote - relativedelta(years=2, months=6), {}),
                 (K.CANDIDATE_DECISION, vote - relativedelta(years=1), {}),
                 (K.TRAINING, vote - relativedelta(months=6), {"hours": 24}),
                 (K.POLITICAL_REVIEW, vote - relativedelta(months=2), {}),
                 (K.INTRODUCERS, vote - relativedelta(months=1), {"people": full[2:4]}),
                 (K.BRANCH_VOTE, vote, {"meeting_ref": f"区委办支〔{vote.year}〕{vote.month}号", "votes_for": 31}),
                 (K.UPPER_APPROVAL, vote + relativedelta(days=25), {"by": staff}),
                 (K.OATH, vote + relativedelta(months=1), {})])
        if confirm:
            walk(c, [(K.PROBATION_REVIEW, vote + relativedelta(months=6), {}),
                     (K.CONFIRMATION_VOTE, confirm, {"meeting_ref": f"区委办支〔{confirm.year}〕4号"})])
    # a few applicants and activists in other branches, so staff lists span the tree
    for i, code in enumerate(["JB01-Z1-02", "JB01-Z2-01", "JB01-Z3-01"]):
        c = candidate_create(applied_on=date(2026, 2 + i, 10), **person(
            f"{SURNAMES[i * 7]}{GIVEN_M[i * 3]}{GIVEN_F[i]}", Gender.MALE, date(1998, i + 1, 5), branches[code]))
        walk(c, [(K.FIRST_TALK, date(2026, 2 + i, 25), {}), (K.ACTIVIST_DECISION, date(2026, 5 + i, 8), {})])


def _seed_dues(rng):
    from decimal import Decimal

    from .models import DuesBase, DuesClass, DuesRecord, PayMethod
    from .services.dues import default_class, dues_generate_month

    members = list(Member.objects.filter(is_active=True).order_by("id"))
    bases = []
    for m in members:
        cls = default_class(m)
        amount = Decimal(rng.randrange(2600, 13000, 50)) if cls == DuesClass.IN_SERVICE else (
            Decimal(rng.randrange(3500, 7500, 50)))
        bases.append(DuesBase(member=m, dues_class=cls, base=amount, effective_from=date(2025, 1, 1),
                              note="2025 年度核定"))
    DuesBase.objects.bulk_create(bases)
    first = LIFECYCLE_TODAY - relativedelta(months=11)
    months = [first + relativedelta(months=i) for i in range(12)]
    for month in months:
        dues_generate_month(month=month)
    # Arrears on purpose: one member 6+ months, two members 3 months (in the home branch and elsewhere).
    ids = [m.pk for m in members]
    six = {ids[5], ids[40]}
    three = {ids[8], ids[120]}
    home_path = Organization.objects.get(code=HOME).path
    for month in months:
        qs = DuesRecord.objects.filter(month=month)
        if month == LIFECYCLE_TODAY:
            qs = qs.exclude(branch__path__startswith=home_path)  # left for the secretary (and the browser test)
        if month >= LIFECYCLE_TODAY - relativedelta(months=5):
            qs = qs.exclude(member_id__in=six)
        if month >= LIFECYCLE_TODAY - relativedelta(months=2):
            qs = qs.exclude(member_id__in=three)
        method = rng.choice([PayMethod.WECHAT, PayMethod.PAYROLL, PayMethod.TRANSFER])
        qs.update(paid_on=month + relativedelta(days=rng.randint(3, 20)), method=method)
    from django.db.models import F

    DuesRecord.objects.filter(paid_on__isnull=False).update(amount_paid=F("amount_due"))
    from .services.dues import arrears_rebuild, totals_rebuild

    totals_rebuild()    # the updates above went around the records' signals
    arrears_rebuild()


def _seed_transfers_and_status(branches, staff, secretary):
    from .models import StatusKind
    from .services import status, transfers

    sender = get_user_model().objects.filter(is_superuser=True).first() or staff
    z12 = Member.objects.filter(branch=branches["JB01-Z1-02"], is_active=True, status=MemberStatus.FULL).order_by("id")
    # in flight: 区政府办 → 区委办 (the demo secretary sees it under 待本支部接收)
    transfers.transfer_initiate(member=z12[3], to_branch=branches[HOME], on=date(2026, 10, 26), reason="工作调动",
                                letter_no="", by=sender)
    returned = transfers.transfer_initiate(member=z12[4], to_branch=branches["JB01-Z2-01"], on=date(2026, 8, 3),
                                           reason="借调", by=sender)
    transfers.transfer_return(transfer=returned, on=date(2026, 8, 10), reason="借调期未满一年，组织关系不转", by=sender)
    mobile = Member.objects.filter(branch=branches["JB01-Z3-01"], is_active=True).order_by("id")
    transfers.member_mark_mobile(member=mobile[6], location="广东省深圳市南山区", since=date(2026, 3, 1), by=staff)
    transfers.member_mark_mobile(member=mobile[7], location="新疆维吾尔自治区喀什地区（援疆）", since=date(2025, 8, 1),
                                 by=staff)
    other = Member.objects.filter(branch=branches["JB01-Z2-01"], is_active=True, status=MemberStatus.FULL).order_by("id")
    status.member_discipline(member=other[10], on=date(2026, 6, 15), months=12, reason="违反工作纪律，经党委研究决定",
                             by=staff)
    status.member_leave(member=other[11], kind=StatusKind.DEATH, on=date(2026, 9, 2), reason="因病去世", by=staff)


def _seed_appraisals(rng, secretary):
    from .models import AppraisalEntry, Grade
    from .services.appraisal import appraisal_decide, appraisal_open

    unqualified_shown = False
    for n, branch in enumerate(Organization.objects.branches().filter(members__isnull=False).distinct().order_by("path"), 1):
        rnd = appraisal_open(branch=branch, year=2025, on=date(2026, 1, 8), by=secretary)
        entries = list(rnd.entries.order_by("id"))
        graded = [e for e in entries if not e.is_probationary]
        cap = len(graded) // 3
        grades = {}
        for i, e in enumerate(graded):
            grades[e.pk] = Grade.EXCELLENT if i < max(cap - 1, 0) else (
                Grade.BASIC if i == len(graded) - 1 and len(graded) > 10 else Grade.QUALIFIED)
            total = len(entries) - 1
            e.peer_excellent = rng.randint(0, total // 2)
            e.peer_qualified = total - e.peer_excellent
            e.self_grade = Grade.QUALIFIED
        AppraisalEntry.objects.bulk_update(graded, ["peer_excellent", "peer_qualified", "self_grade"])
        disposals = {}
        if not unqualified_shown and len(graded) > 20:  # one 不合格 with its disposal, adopted by the 党员大会
            unqualified_shown = True
            grades[graded[-2].pk] = Grade.UNQUALIFIED
            disposals[graded[-2].pk] = "correct"
        appraisal_decide(round=rnd, grades=grades, on=date(2026, 1, 20), by=secretary, disposals=disposals,
                         meeting_on=date(2026, 1, 20), meeting_ref=f"党大〔2026〕{n}号")


def _seed_points(branches, secretary, staff):
    from .models import PointsItem
    from .services.points import points_entry_add, points_entry_audit

    home = Member.objects.filter(branch=branches[HOME], is_active=True).order_by("id")
    volunteer = PointsItem.objects.get(name="志愿服务、承诺践诺")
    award = PointsItem.objects.get(name="受到表彰奖励")
    for i, m in enumerate(home[:8]):
        e = points_entry_add(member=m, item=volunteer, occurred_on=date(2026, 3 + i % 6, 12), quantity=1 + i % 3,
                             note="社区志愿服务", by=secretary)
        if i < 6:
            points_entry_audit(entry=e, approve=True, by=staff)
    points_entry_add(member=home[2], item=award, occurred_on=date(2026, 7, 1), note="区级优秀共产党员", by=secretary)
