"""Demo practice data for the JB01 tree: 2026 (up to 1 November) of each kind, and the year before for what the
2025 四强 cycle and reports measure (study, plans, training, 联系点). Idempotent, deterministic."""
from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from branches.models import CommitteeSeat, Organization, SeatRole
from members.models import Member

from . import services
from .models import (
    Audience,
    Brand,
    BrandSelectionRound,
    HonourKind,
    Level,
    NoticeReceipt,
    PostKind,
    StudyRecord,
    StudySource,
    TrainingKind,
)

YEAR = 2026
REF = date(2026, 11, 1)   # same reference day as members.demo
MARKER_BRAND = "红色引擎"

BRANDS = {
    "JB01-Z1-01": ("中枢先锋", "对党忠诚 服务中枢", "以“三服务”为主线，把支部建在服务大局的第一线。", "文稿起草、督查督办、机要保密"),
    "JB01-Z1-02": ("政务连心桥", "连民心 办实事", "政务服务与群众诉求快速响应。", "12345 热线办理、政务公开"),
    "JB01-Z1-03": ("发改领航", "谋发展 促改革", "以重大项目推进检验党建成效。", "重点项目服务专班"),
    "JB01-Z2-01": ("红烛育人", "立德树人 薪火相传", "机关党员联系薄弱学校。", "教育督导、结对帮扶"),
    "JB01-Z2-02": ("健康守门人", "守护健康 先锋在前", "医防融合，党员带头进社区。", "公共卫生、应急处置"),
    "JB01-Z2-04": ("文旅红·滨江行", "以文铸魂 以旅兴业", "红色文旅线路讲解与志愿服务。", "红色资源保护利用"),
    "JB01-Z3-01": ("安居先锋", "筑安居 惠民生", "保障性住房与老旧小区改造中的党员攻坚。", "住房保障、城市更新"),
    "JB01-Z3-02": ("畅行滨江", "交通先行 党员先锋", "路网建设与出行服务。", "道路养护、公交服务"),
}
POSTS = [("政策解读先锋岗", PostKind.POST), ("窗口服务先锋岗", PostKind.POST), ("项目攻坚责任区", PostKind.AREA)]
TOPICS = ["党的二十届四中全会精神", "《中国共产党章程》", "习近平新时代中国特色社会主义思想学习纲要",
          "《中国共产党纪律处分条例》", "基层党建工作重要论述", "党史学习：红船精神", "《习近平谈治国理政》第五卷",
          "中央八项规定精神", "主题教育专题学习", "全面从严治党新要求"]
SOURCES = [StudySource.XUEXI, StudySource.XUEXI, StudySource.BOOK, StudySource.COLLECTIVE, StudySource.ONLINE,
           StudySource.RED_BASE]
PLAN_FORMS = ["集中学习", "专题研讨", "读书班", "观看专题片", "红色教育基地现场教学"]


def _d(month, day):
    return date(YEAR, month, day)


def seed(*, stdout=None) -> None:

    if not Organization.objects.filter(code="JB01").exists() or not Member.objects.exists():
        return
    if Brand.objects.filter(name=MARKER_BRAND).exists():
        return
    rng = random.Random(11)
    User = get_user_model()
    staff = User.objects.filter(username="staff").first()
    reviewer = User.objects.filter(username="reviewer").first()
    member_user = User.objects.filter(username="member").first()
    root = Organization.objects.get(code="JB01")
    branches = list(Organization.objects.branches().filter(path__startswith=root.path).order_by("path"))
    by_code = {b.code: b for b in branches}
    members = {b.pk: list(Member.objects.filter(branch=b, is_active=True).order_by("id")) for b in branches}
    secretaries = dict(CommitteeSeat.objects.filter(term__closed_on__isnull=True, role=SeatRole.SECRETARY)
                       .values_list("term__organization_id", "member_id"))

    # 党建品牌: a 1+N matrix under the committee's brand; recognitions; a closed selection round.
    parent = services.brand_create(organization=root, name=MARKER_BRAND, slogan="党建引领 机关先行",
                                   meaning="区机关工委总品牌，各支部子品牌共同构成“1+N”品牌矩阵。",
                                   tied_work="机关作风建设、服务基层", launched_on=date(2023, 7, 1), by=staff)
    brands = []
    for code, (name, slogan, meaning, work) in BRANDS.items():
        brands.append(services.brand_create(organization=by_code[code], parent=parent, name=name, slogan=slogan,
                                            meaning=meaning, tied_work=work, by=staff,
                                            launched_on=date(2024, rng.randint(1, 12), rng.randint(1, 28))))
    services.recognition_add(brand=brands[0], title="特色品牌", level=Level.CITY, awarded_on=_d(6, 28),
                             issuer="市直机关工委", by=staff)
    services.recognition_add(brand=brands[3], title="优秀党建品牌", level=Level.COUNTY, awarded_on=_d(7, 1),
                             issuer="区委组织部", by=staff)
    rnd = services.round_create(organization=root, name=f"{YEAR} 年度机关党建品牌评选", year=YEAR, award_count=2,
                                by=staff)
    for b in brands[:5]:
        services.round_enter(round=rnd, brand=b, statement=f"{b.name}：{b.meaning}", by=staff)
    services.round_start_scoring(round=rnd, by=staff)
    for entry in rnd.entries.all():
        for judge in (staff, reviewer):
            services.entry_score(entry=entry, judge=judge, score=Decimal(rng.randint(78, 96)))
    services.round_close(round=BrandSelectionRound.objects.get(pk=rnd.pk), on=_d(9, 30), by=staff)

    # 先锋岗 / 责任区, with commitments and reported results.
    for b in branches:
        people = members[b.pk]
        if len(people) < 3:
            continue
        for name, kind in POSTS[: 3 if len(people) >= 10 else 1]:
            holders = rng.sample(people, 2 if kind == PostKind.POST else 3)
            post = services.post_create(organization=b, kind=kind, name=name, starts_on=_d(1, 10), by=staff,
                                        holders=holders, scope="本岗位/区域的日常工作与急难险重任务。",
                                        commitment="亮身份、亮承诺、亮成效：办件零差错，群众零投诉。")
            services.post_result_add(post=post, reported_on=_d(6, 30), by=staff,
                                     summary="上半年办结事项全部按期完成，收到群众表扬 3 次。")

    # Individual study (bulk for speed; history rows included), the member user's own records.
    records = []
    for b in branches:
        for m in members[b.pk]:
            for _ in range(rng.randint(2, 8)):
                records.append(StudyRecord(member=m, organization_id=b.pk, topic=rng.choice(TOPICS),
                                           studied_on=_d(rng.randint(1, 10), rng.randint(1, 28)),
                                           hours=Decimal(rng.choice([1, 1.5, 2, 2, 3, 4])),
                                           source=rng.choice(SOURCES), recorded_by=staff))
    bulk_create_with_history(records, StudyRecord, batch_size=500, default_user=staff)
    if member_user is not None:
        me = Member.objects.filter(user=member_user).first()
        if me is not None:
            services.study_record_create(member=me, studied_on=_d(10, 30), topic="学习强国每日答题", hours=Decimal("1"),
                                         source=StudySource.XUEXI, notes="完成专项答题 10 题。", by=member_user)

    # Knowledge contest with results.
    contest = services.contest_create(organization=root, name="学习党的二十届四中全会精神知识竞赛",
                                      held_on=_d(10, 20), level=Level.COUNTY, by=staff)
    entrants = rng.sample([m for ms in members.values() for m in ms], 30)
    for m in sorted(entrants, key=lambda x: x.pk):
        score = Decimal(rng.randint(70, 100))
        award = "一等奖" if score >= 97 else "二等奖" if score >= 92 else "三等奖" if score >= 88 else ""
        services.contest_result_set(contest=contest, member=m, score=score, award=award, by=staff)

    # 学习排档表 per branch: one item a month, done up to October (some missed).
    for b in branches:
        plan = services.plan_create(organization=b, year=YEAR, title=f"{b.short_name or b.name} {YEAR} 年理论学习排档表",
                                    by=staff)
        for month in range(1, 13):
            item = services.plan_item_add(plan=plan, planned_on=_d(month, 15), topic=TOPICS[(month + b.pk) % len(TOPICS)],
                                          form=PLAN_FORMS[month % len(PLAN_FORMS)], by=staff)
            if month <= 10 and rng.random() > 0.12:
                services.plan_item_done(item=item, done_on=_d(month, 16), by=staff)

    # Training: a secretaries' course (most secretaries completed), a 党务干部 course, a 发展对象 course.
    sec_course = services.course_create(organization=root, name=f"{YEAR} 年党支部书记轮训班", kind=TrainingKind.SECRETARY,
                                        hours=Decimal("24"), starts_on=_d(4, 14), ends_on=_d(4, 16),
                                        location="区委党校", by=staff)
    for i, (_branch_id, member_id) in enumerate(sorted(secretaries.items())):
        m = Member.objects.get(pk=member_id)
        if not m.branch.path.startswith(root.path):
            continue
        services.attendance_set(course=sec_course, member=m, attended=i % 5 != 4, completed=i % 5 not in (3, 4),
                                by=staff)
    staff_course = services.course_create(organization=root, name="党务干部业务能力提升培训", kind=TrainingKind.STAFF,
                                          hours=Decimal("16"), starts_on=_d(8, 20), ends_on=_d(8, 21),
                                          location="线上", by=staff)
    for m in rng.sample([m for ms in members.values() for m in ms], 15):
        services.attendance_set(course=staff_course, member=m, completed=True, by=staff)

    # 党建联系点: each branch has a committee contact; visits vary so coverage differs.
    services.contact_rule_set(organization=root, min_visits_per_year=2, by=staff)
    for i, b in enumerate(branches):
        point = services.contact_point_assign(organization=b, year=YEAR, contact_user=staff, contact_title="工委委员",
                                              by=staff)
        for k in range((i + 2) % 4):
            problems = []
            if k == 0 and i % 3 == 1:
                problems = [{"problem": "三会一课记录不完整，缺少 2 次支委会会议记录。", "requirement": "补齐会议记录并建立会后 3 日内归档制度。",
                             "due_on": _d(12, 31), "responsible_person": "支部书记"}]
            services.contact_visit_record(contact_point=point, visited_on=_d(3 + k * 3, 10 + i), by=staff,
                                          checked="三会一课记录、党费收缴、党员学习台账", problems=problems,
                                          findings=problems[0]["problem"] if problems else "")

    # Honours: 两优一先 and others.
    honoured = rng.sample([m for ms in members.values() for m in ms], 6)
    for m, kind in zip(honoured, [HonourKind.EXCELLENT_MEMBER] * 4 + [HonourKind.EXCELLENT_WORKER] * 2, strict=True):
        services.honour_award(kind=kind, level=Level.COUNTY, year=YEAR, member=m, awarded_on=_d(6, 28),
                              issuer="中共滨江区委", citation="工作中勇挑重担，发挥了党员先锋模范作用。", by=staff)
    services.honour_award(kind=HonourKind.ADVANCED_ORG, level=Level.COUNTY, year=YEAR, organization=by_code["JB01-Z1-01"],
                          awarded_on=_d(6, 28), issuer="中共滨江区委", citation="支部标准化规范化建设成效突出。", by=staff)
    services.honour_award(kind=HonourKind.RED_FLAG, level=Level.SYSTEM, year=YEAR, organization=by_code["JB01-Z2-02"],
                          issuer="区机关工委", by=staff)

    # Notices with some read receipts.
    published = [
        (root, Audience.ALL, "关于开展年度党支部“四强”创建工作的通知", "各党支部：请对照“四强”党支部标准开展自查，于 12 月 10 日前报送自评材料。", 10, 8),
        (root, Audience.SECRETARIES, "关于报送学习排档表完成情况的通知", "请各支部书记于 11 月 25 日前在门户中更新学习排档表完成情况。", 10, 28),
        (root, Audience.MEMBERS, "“学习强国”学习提示", "请全体党员坚持每日学习，并在门户“我的学习”中记录个人学习。", 10, 30),
    ]
    for org, audience, title, body, month, day in published:
        at = timezone.make_aware(datetime.combine(_d(month, day), time(9, 0)))
        n = services.notice_publish(organization=org, audience=audience, title=title, body=body, published_at=at,
                                    by=staff)
        if audience == Audience.ALL and reviewer is not None:
            NoticeReceipt.objects.get_or_create(notice=n, user=reviewer, defaults={"read_at": at + timedelta(hours=2)})
    _seed_previous_year(root=root, branches=branches, members=members, secretaries=secretaries, staff=staff, rng=rng)
    if stdout:
        stdout.write(f"党建实践：{len(brands) + 1} 个品牌、{len(records)} 条学习记录（{YEAR} 年），{len(branches)} 个联系点；"
                     f"另含 {YEAR - 1} 年学习、排档、培训与联系点记录。")


def _seed_previous_year(*, root, branches, members, secretaries, staff, rng) -> None:
    """Last year's record: the published 2025 cycle and the default (last-year) reports measure it."""

    year = YEAR - 1

    def d(month, day):
        return date(year, month, day)

    records = []
    for b in branches:
        for m in members[b.pk]:
            if m.joined_on and m.joined_on.year > year:
                continue
            for _ in range(rng.randint(3, 9)):
                records.append(StudyRecord(member=m, organization_id=b.pk, topic=rng.choice(TOPICS),
                                           studied_on=d(rng.randint(1, 12), rng.randint(1, 28)),
                                           hours=Decimal(rng.choice([1, 1.5, 2, 2, 3, 4])),
                                           source=rng.choice(SOURCES), recorded_by=staff))
    bulk_create_with_history(records, StudyRecord, batch_size=500, default_user=staff)
    for b in branches:
        plan = services.plan_create(organization=b, year=year, title=f"{b.short_name or b.name} {year} 年理论学习排档表",
                                    by=staff)
        for month in range(1, 13):
            item = services.plan_item_add(plan=plan, planned_on=d(month, 15), topic=TOPICS[(month + b.pk) % len(TOPICS)],
                                          form=PLAN_FORMS[month % len(PLAN_FORMS)], by=staff)
            if rng.random() > 0.1:
                services.plan_item_done(item=item, done_on=d(month, 16), by=staff)
    course = services.course_create(organization=root, name=f"{year} 年党支部书记轮训班", kind=TrainingKind.SECRETARY,
                                    hours=Decimal("24"), starts_on=d(5, 12), ends_on=d(5, 14), location="区委党校", by=staff)
    for i, (_branch_id, member_id) in enumerate(sorted(secretaries.items())):
        m = Member.objects.select_related("branch").get(pk=member_id)
        if m.branch.path.startswith(root.path) and m.is_active:
            services.attendance_set(course=course, member=m, attended=i % 6 != 5, completed=i % 6 not in (4, 5), by=staff)
    for i, b in enumerate(branches):
        point = services.contact_point_assign(organization=b, year=year, contact_user=staff, contact_title="工委委员",
                                              by=staff)
        for k in range((i + 1) % 3 + 1):
            services.contact_visit_record(contact_point=point, visited_on=d(2 + k * 4, 8 + i), by=staff,
                                          checked="三会一课记录、党费收缴、党员学习台账")
