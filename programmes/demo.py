"""Demo data: a designated 2025 四强 branch (and the 工委's second designation), a 2026 红旗支部 创建 in progress,
and the 2025 五星党员 with their 标兵. Deterministic (fixed dates) and idempotent."""
from __future__ import annotations

from datetime import date

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from branches.models import Organization
from evaluations.demo import CYCLE_2025
from evaluations.models import Cycle, Step
from members.models import Member

from . import services
from .models import EntryKind, Programme, Round

FOUR_2025 = "2025 年度“四强”党支部创建"
RED_2026 = "2026 年度红旗党支部创建"
STAR_2025 = "2025 年度五星党员评选"
DEMO_BRANCH = "JB01-Z1-01"
HIGHER_BODY = "市直机关工委"


def seed(*, stdout=None) -> None:

    root = Organization.objects.filter(code="JB01").first()
    cycle = Cycle.objects.filter(name=CYCLE_2025).first()
    if root is None or cycle is None or Round.objects.filter(name=FOUR_2025).exists():
        return
    users = {u.username: u for u in get_user_model().objects.filter(username__in=["staff", "secretary"])}
    if len(users) < 2:
        return
    staff, secretary = users["staff"], users["secretary"]
    home = Organization.objects.get(code=DEMO_BRANCH)

    # 四强 2025: the branches whose 2025 result is 四强 apply (the demo branch through its secretary), the 党总支
    # recommends, the 党委 designates after 公示; the 工委 designates the best of them again.
    four = services.round_create(organization=root, programme=Programme.FOUR_STRONG, year=2025, name=FOUR_2025,
                                 by=staff, cycle=cycle, apply_closes_on=date(2026, 2, 28),
                                 recommend_closes_on=date(2026, 3, 10), decide_closes_on=date(2026, 3, 20),
                                 higher_body=HIGHER_BODY)
    strong = list(cycle.evaluations.filter(step=Step.RESULT, four_strong=True).select_related("organization")
                  .order_by("-total"))
    designated = []
    for i, ev in enumerate(strong):
        org = ev.organization
        cand = services.candidacy_apply(round=four, organization=org, by=secretary if org == home else staff,
                                        materials="支部工作台账、三会一课记录、获奖证明", today=date(2026, 2, 25),
                                        self_assessment="对照政治功能强、支部班子强、党员队伍强、作用发挥强逐项自评。")
        services.candidacy_recommend(candidacy=cand, by=staff, recommend=True, note="同意推荐", today=date(2026, 3, 5))
        services.candidacy_decide(candidacy=cand, by=staff, approve=True, note="党委会审定", today=date(2026, 3, 12))
        services.candidacy_designate(candidacy=cand, by=staff, today=date(2026, 3, 18))
        designated.append(cand)
        if i < max(1, len(strong) // 2):
            services.candidacy_designate_higher(candidacy=cand, by=staff, on=date(2026, 4, 20),
                                                document="工委〔2026〕12号")
    if not any(c.organization == home for c in designated):   # the demo needs its branch to hold the title
        cand = services.candidacy_nominate(round=four, organization=home, by=staff, reason="党委决定参评")

    # 红旗支部 2026: the demo branch is 创建中 — applied, recommended, 自查 on four of six items, one 督办.
    red = services.round_create(organization=root, programme=Programme.RED_FLAG, year=2026, name=RED_2026, by=staff,
                                apply_closes_on=date(2026, 9, 30), recommend_closes_on=date(2026, 12, 31),
                                decide_closes_on=date(2027, 1, 31))
    cand = services.candidacy_apply(round=red, organization=home, by=secretary, today=date(2026, 9, 1),
                                    materials="红旗党支部创建方案（时间表、路线图）",
                                    self_assessment="按天督办、按周自查、按月检查，六项标准分解到党小组和党员。")
    for item, text in (("team", "支委会按周自查班子履职情况"), ("members", "党员学习笔记按月检查"),
                       ("affairs", "三会一课记录逐月核对"), ("style", "开展作风建设自查")):
        services.item_entry_add(candidacy=cand, item=item, kind=EntryKind.SELF_CHECK, text=text, by=secretary,
                                on=date(2026, 10, 15), today=date(2026, 10, 15))
    services.item_entry_add(candidacy=cand, item="results", kind=EntryKind.SUPERVISION, by=staff,
                            text="党总支督办：年底前报送工作实绩材料", on=date(2026, 10, 20), today=date(2026, 10, 20))

    # 五星党员 2025: three members of the demo branch recommended, approved; the first is 标兵.
    star = services.round_create(organization=root, programme=Programme.FIVE_STAR, year=2025, name=STAR_2025,
                                 by=staff, apply_closes_on=date(2026, 1, 31), recommend_closes_on=date(2026, 1, 31),
                                 decide_closes_on=date(2026, 2, 28))
    kinds = [k["code"] for k in star.items]
    picked = 0
    for member in Member.objects.filter(branch=home, is_active=True).order_by("pk"):
        try:
            c = services.five_star_recommend(round=star, member=member, kind=kinds[picked % len(kinds)],
                                             by=secretary, materials="年度表现突出", today=date(2026, 1, 20))
        except ValidationError:
            continue   # e.g. a 不合格 民主评议 grade in 2025
        services.candidacy_decide(candidacy=c, by=staff, approve=True, is_model=picked == 0, today=date(2026, 2, 10))
        services.candidacy_designate(candidacy=c, by=staff, today=date(2026, 2, 20))
        picked += 1
        if picked == 3:
            break
    if stdout:
        stdout.write(f"创建活动：四强命名 {len(designated)} 个（工委再次命名 {max(1, len(strong) // 2) if strong else 0} 个），"
                     f"红旗党支部创建中 1 个，2025 年度五星党员 {picked} 名。")
