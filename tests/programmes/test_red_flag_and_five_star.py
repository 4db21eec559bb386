"""红旗支部 创建 (items, 督办/自查, steps, list per year) and 五星党员 评选 (evidence, eligibility, 标兵)."""
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from members.models import AppraisalEntry, AppraisalRound, Grade
from practice.models import HonourKind, StudyRecord, VanguardPost
from programmes import selectors, services
from programmes.defaults import FIVE_STAR_KINDS, RED_FLAG_ITEMS
from programmes.models import EntryKind, Stage
from tests.orglife.activity_factories import attend, log
from tests.programmes.conftest import ON_TIME

MAT = dict(materials="创建方案", self_assessment="六项标准自查")


def _check_all(cand, by, **kw):
    for item in cand.round.items:
        services.item_entry_add(candidacy=cand, item=item["code"], kind=EntryKind.SELF_CHECK, text="已对照自查", by=by,
                                today=ON_TIME, **kw)


def test_round_copies_the_researched_default_items(red_round):
    assert [i["name"] for i in red_round.items] == ["队伍坚强有力", "党员先进纯洁", "党务健全规范", "作风勤政务实",
                                                    "工作实绩突出", "群众满意"]
    assert red_round.items == RED_FLAG_ITEMS and red_round.items is not RED_FLAG_ITEMS


def test_items_are_configurable(tree, users):
    rnd = services.round_create(organization=tree.root, programme="red_flag", year=2026, name="x", by=users.staff,
                                apply_closes_on=date(2026, 3, 1), recommend_closes_on=date(2026, 3, 1),
                                decide_closes_on=date(2026, 3, 2), items=[{"code": "p", "name": "政治方向"}])
    cand = services.candidacy_apply(round=rnd, organization=tree.b1, by=users.staff, today=date(2026, 2, 1), **MAT)
    with pytest.raises(ValidationError, match="不是本次活动的标准条目"):
        services.item_entry_add(candidacy=cand, item="team", kind=EntryKind.SELF_CHECK, text="x", by=users.staff)


def test_round_deadlines_must_be_in_order(tree, users):
    with pytest.raises(ValidationError, match="依次"):
        services.round_create(organization=tree.root, programme="red_flag", year=2026, name="x", by=users.staff,
                              apply_closes_on=date(2026, 5, 1), recommend_closes_on=date(2026, 3, 1),
                              decide_closes_on=date(2026, 6, 1))
    with pytest.raises(ValidationError, match="没有权限"):
        services.round_create(organization=tree.root, programme="red_flag", year=2026, name="x", by=users.staff_a,
                              apply_closes_on=date(2026, 3, 1), recommend_closes_on=date(2026, 3, 1),
                              decide_closes_on=date(2026, 6, 1))


def test_supervision_and_self_check_while_in_progress_and_who_may_write_them(red_round, tree, users):
    cand = services.candidacy_apply(round=red_round, organization=tree.a1, by=users.secretary, today=ON_TIME, **MAT)
    services.item_entry_add(candidacy=cand, item="team", kind=EntryKind.SELF_CHECK, text="支委会按周自查",
                            by=users.secretary, today=ON_TIME)
    with pytest.raises(ValidationError, match="没有权限"):  # the branch does not supervise itself
        services.item_entry_add(candidacy=cand, item="team", kind=EntryKind.SUPERVISION, text="督办",
                                by=users.secretary, today=ON_TIME)
    services.item_entry_add(candidacy=cand, item="team", kind=EntryKind.SUPERVISION, text="党总支按月督办",
                            by=users.staff_a, today=ON_TIME)
    with pytest.raises(ValidationError, match="晚于今天"):
        services.item_entry_add(candidacy=cand, item="team", kind=EntryKind.SELF_CHECK, text="x", by=users.secretary,
                                on=date(2026, 3, 21), today=ON_TIME)
    assert cand.entries.count() == 2


def test_red_flag_decision_needs_a_self_check_on_every_item_then_designated_list(red_round, tree, users):
    cand = services.candidacy_apply(round=red_round, organization=tree.a1, by=users.secretary, today=ON_TIME, **MAT)
    services.candidacy_recommend(candidacy=cand, by=users.staff_a, recommend=True, today=ON_TIME)
    services.item_entry_add(candidacy=cand, item="team", kind=EntryKind.SELF_CHECK, text="x", by=users.secretary,
                            today=ON_TIME)
    with pytest.raises(ValidationError, match="党员先进纯洁"):
        services.candidacy_decide(candidacy=cand, by=users.staff, approve=True, today=ON_TIME)
    _check_all(cand, users.secretary)
    services.candidacy_decide(candidacy=cand, by=users.staff, approve=True, today=ON_TIME)
    services.candidacy_designate(candidacy=cand, by=users.staff, today=date(2026, 4, 1))
    assert cand.title.kind == HonourKind.RED_FLAG
    with pytest.raises(ValidationError, match="创建中"):
        services.item_entry_add(candidacy=cand, item="team", kind=EntryKind.SELF_CHECK, text="x", by=users.secretary)
    assert list(selectors.designated_list(user=users.staff, programme="red_flag", year=2026)) == [cand]
    assert list(selectors.designated_list(user=users.staff, programme="red_flag", year=2025)) == []
    # a 乙 staff member sees none of 甲's list
    from tests.branches.factories import UserFactory, grant

    staff_b = grant(UserFactory(username="staff_b"), tree.gb, "staff")
    assert list(selectors.designated_list(user=staff_b, programme="red_flag", year=2026)) == []


def test_rejection_needs_a_reason(red_round, tree, users):
    cand = services.candidacy_apply(round=red_round, organization=tree.b1, by=users.staff, today=ON_TIME, **MAT)
    services.candidacy_recommend(candidacy=cand, by=users.staff, recommend=True, today=ON_TIME)
    with pytest.raises(ValidationError, match="原因"):
        services.candidacy_decide(candidacy=cand, by=users.staff, approve=False, today=ON_TIME)
    services.candidacy_decide(candidacy=cand, by=users.staff, approve=False, note="群众满意度不足", today=ON_TIME)
    assert cand.stage == Stage.REJECTED and cand.title is None


# --- 五星党员 -----------------------------------------------------------------------------------------------------


def test_evidence_is_drawn_from_the_portal(star_round, tree, users, members):
    m = members.a1
    StudyRecord.objects.create(member=m, organization=tree.a1, studied_on=date(2025, 5, 1), topic="党章",
                               hours=Decimal("3.5"), source="book")
    StudyRecord.objects.create(member=m, organization=tree.a1, studied_on=date(2024, 5, 1), topic="旧", hours=9,
                               source="book")
    post = VanguardPost.objects.create(organization=tree.a1, name="窗口先锋岗", starts_on=date(2025, 1, 1))
    post.holders.add(m)
    for month, status in ((3, "present"), (6, "present"), (9, "absent"), (11, "late")):
        attend(log(tree.a1, "general_meeting", date(2025, month, 5)), m, status=status)
    rnd = AppraisalRound.objects.create(branch=tree.a1, year=2025, opened_on=date(2025, 12, 1), is_closed=True)
    AppraisalEntry.objects.create(round=rnd, member=m, grade=Grade.EXCELLENT)
    cand = services.five_star_recommend(round=star_round, member=m, kind="study", by=users.secretary, today=ON_TIME)
    ev = cand.evidence
    assert (ev["study_hours"], ev["vanguard_posts"], ev["attendance_rate"], ev["activities"], ev["appraisal_grade"]) \
        == ("3.5", 1, 0.75, 4, "excellent")
    assert cand.kind_name == "学习型"


def test_unqualified_appraisal_grade_makes_a_member_ineligible(star_round, tree, users, members):
    rnd = AppraisalRound.objects.create(branch=tree.a1, year=2025, opened_on=date(2025, 12, 1), is_closed=True)
    AppraisalEntry.objects.create(round=rnd, member=members.a1, grade=Grade.UNQUALIFIED)
    with pytest.raises(ValidationError, match="不合格"):
        services.five_star_recommend(round=star_round, member=members.a1, kind="study", by=users.secretary,
                                     today=ON_TIME)
    assert not star_round.candidacies.exists()


def test_five_kinds_are_configurable_and_unknown_kind_refused(star_round, users, members):
    assert [k["name"] for k in star_round.items] == [k["name"] for k in FIVE_STAR_KINDS] and len(FIVE_STAR_KINDS) == 5
    with pytest.raises(ValidationError, match="不是本次评选的类型"):
        services.five_star_recommend(round=star_round, member=members.a1, kind="hero", by=users.secretary,
                                     today=ON_TIME)


def test_only_the_members_branch_recommends_and_by_the_deadline(star_round, users, members):
    with pytest.raises(ValidationError, match="没有权限"):
        services.five_star_recommend(round=star_round, member=members.b1, kind="study", by=users.secretary,
                                     today=ON_TIME)
    with pytest.raises(ValidationError, match="推荐已于"):
        services.five_star_recommend(round=star_round, member=members.a1, kind="study", by=users.secretary,
                                     today=date(2026, 5, 6))


def test_committee_approval_publicity_designation_and_model_list(star_round, tree, users, members):
    a = services.five_star_recommend(round=star_round, member=members.a1, kind="study", by=users.secretary,
                                     today=ON_TIME)
    b = services.five_star_recommend(round=star_round, member=members.b1, kind="service", by=users.staff,
                                     today=ON_TIME)
    with pytest.raises(ValidationError, match="没有权限"):
        services.candidacy_decide(candidacy=a, by=users.staff_a, approve=True, today=ON_TIME)
    services.candidacy_decide(candidacy=a, by=users.staff, approve=True, is_model=True, today=ON_TIME)
    services.candidacy_decide(candidacy=b, by=users.staff, approve=True, today=ON_TIME)
    for c in (a, b):
        services.candidacy_designate(candidacy=c, by=users.staff, today=date(2026, 3, 26))
    assert a.title.kind == HonourKind.FIVE_STAR and a.title.member == members.a1
    assert a.title.display_title == "五星党员（学习型）·标兵"
    assert list(selectors.designated_list(user=users.staff, programme="five_star", year=2025)) == [a, b]
    assert selectors.member_titles(member=members.a1)["honours"] == [a.title]
