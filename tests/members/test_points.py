"""党员积分 from fixture records: base, automatic dues provider, manual items after audit, caps, deductions,
ranking, and the selectors other apps bind to."""
from datetime import date
from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError

from members.models import DuesRecord, MilestoneKind, PointsItem, PointsScheme
from members.selectors.registry import development_count, points_average
from members.services import points
from members.services.development import milestone_record
from tests.members.factories import MemberFactory
from tests.members.lifecycle_helpers import voted

D = Decimal


def _dues(member, months_paid_on_time, months_late=0):
    for m in range(1, months_paid_on_time + months_late + 1):
        month = date(2025, m, 1)
        paid_on = date(2025, m, 20) if m <= months_paid_on_time else month + relativedelta(months=1, days=4)
        DuesRecord.objects.create(member=member, branch=member.branch, month=month, amount_due=D("10"),
                                  amount_paid=D("10"), paid_on=paid_on)


def _item(name):
    return PointsItem.objects.get(name=name)


def test_scores_from_records(tree, users):
    a = MemberFactory(branch=tree.a1, name="甲")
    b = MemberFactory(branch=tree.a1, name="乙")
    _dues(a, 10)                 # 10 on time × 0.5 = 5
    _dues(b, 11, months_late=1)  # 11 on time × 0.5 = 5.5
    volunteer, award, absent = _item("志愿服务、承诺践诺"), _item("受到表彰奖励"), _item("无故缺席组织生活")
    e1 = points.points_entry_add(member=a, item=volunteer, occurred_on=date(2025, 3, 1), note="社区服务", quantity=7,
                                 by=users.secretary)   # 7 × 2 = 14, capped at 10
    e2 = points.points_entry_add(member=a, item=award, occurred_on=date(2025, 5, 1), note="优秀党员", by=users.secretary)
    points.points_entry_add(member=b, item=absent, occurred_on=date(2025, 4, 1), note="缺席", by=users.secretary)
    # nothing manual counts before audit
    scores = {s.member.name: s for s in points.member_scores(members=[a, b], start=date(2025, 1, 1),
                                                             end=date(2025, 12, 31))}
    assert scores["甲"].total == D("65.0") and scores["乙"].total == D("65.5")
    points.points_entry_audit(entry=e1, approve=True, by=users.staff)
    points.points_entry_audit(entry=e2, approve=False, note="无文件", by=users.staff)
    for e in b.points_entries.all():
        points.points_entry_audit(entry=e, approve=True, by=users.staff)
    with pytest.raises(ValidationError):
        points.points_entry_audit(entry=e1, approve=True, by=users.staff)
    scores = {s.member.name: s for s in points.member_scores(members=[a, b], start=date(2025, 1, 1),
                                                             end=date(2025, 12, 31))}
    assert scores["甲"].total == D("75.0")   # 60 + 5 + 10 (cap)
    assert scores["乙"].total == D("63.5")   # 60 + 5.5 − 2
    assert all(i.available for i in scores["甲"].items)  # every source in the default scheme has a provider
    ranking = points.branch_ranking(branches=[tree.a1, tree.a2], start=date(2025, 1, 1), end=date(2025, 12, 31))
    assert ranking[0][0] == tree.a1 and ranking[0][1] == pytest.approx(69.25)
    assert points_average(branch_ids=[tree.a1.pk, tree.a2.pk], start=date(2025, 1, 1),
                          end=date(2025, 12, 31)) == {tree.a1.pk: pytest.approx(69.25)}


def test_monthly_totals_use_the_month_only(tree):
    a = MemberFactory(branch=tree.a1)
    _dues(a, 3)
    [march] = points.member_scores(members=[a], start=date(2025, 3, 1), end=date(2025, 3, 31), include_base=False)
    assert march.total == D("0.5")


def test_manual_entry_rules(tree, users):
    a = MemberFactory(branch=tree.a1)
    with pytest.raises(ValidationError):
        points.points_entry_add(member=a, item=PointsItem.objects.get(source="dues_on_time"),
                                occurred_on=date(2025, 1, 1), note="x")
    with pytest.raises(ValidationError):
        points.points_entry_add(member=a, item=_item("受到表彰奖励"), occurred_on=date(2025, 1, 1), note=" ")
    # a branch-specific scheme overrides the default for its subtree
    own = PointsScheme.objects.create(organization=tree.ga, name="甲总支方案", base_points=D("70"))
    PointsItem.objects.create(scheme=own, category="其他", name="带头作用", points=D("3"), source="manual")
    with pytest.raises(ValidationError):
        points.points_entry_add(member=a, item=_item("受到表彰奖励"), occurred_on=date(2025, 1, 1), note="x")
    [s] = points.member_scores(members=[a], start=date(2025, 1, 1), end=date(2025, 12, 31))
    assert s.base == D("70") and [i.item.name for i in s.items] == ["带头作用"]


def test_custom_provider_registry(tree):
    a = MemberFactory(branch=tree.a1)
    original = points.providers()["attendance"]
    points.register_provider("attendance", "测试出席", lambda *, member_ids, start, end: {a.pk: 20})
    try:
        [s] = points.member_scores(members=[a], start=date(2025, 1, 1), end=date(2025, 12, 31))
        att = next(i for i in s.items if i.item.source == "attendance")
        assert att.available and att.count == 20 and att.points == D("24.0")  # 40 capped at 24
    finally:
        points.register_provider(original.key, original.label, original.func)


def test_points_from_org_life_records(tree):
    from orglife.models import ActivityStatus, AttendanceStatus, Talk
    from tests.orglife.activity_factories import attend, log

    a, b = MemberFactory(branch=tree.a1, name="甲"), MemberFactory(branch=tree.a1, name="乙")
    for month in (1, 2, 3):
        meeting = log(tree.a1, "theme_day", date(2025, month, 10))
        attend(meeting, a)
        attend(meeting, b, status=AttendanceStatus.ABSENT if month > 1 else AttendanceStatus.LATE)
    lecture = log(tree.a1, "lecture", date(2025, 4, 1))
    attend(lecture, a)
    attend(log(tree.a1, "lecture", date(2025, 5, 1), status=ActivityStatus.DRAFT), a)       # not submitted
    attend(log(tree.a1, "lecture", date(2025, 6, 1), is_voided=True), a)                  # voided
    talk = Talk.objects.create(organization=tree.a1, held_on=date(2025, 7, 1), topic="谈心")
    talk.participants.set([a, b])
    scores = {s.member.name: {i.item.source: i for i in s.items}
              for s in points.member_scores(members=[a, b], start=date(2025, 1, 1), end=date(2025, 12, 31))}
    assert scores["甲"]["attendance"].count == 4      # 3 主题党日 + 1 党课 (both count for 三会一课)
    assert scores["甲"]["party_lecture"].count == 1 and scores["甲"]["party_lecture"].points == D("2")
    assert scores["乙"]["attendance"].count == 1      # late counts as present; absent does not
    assert scores["甲"]["talk"].count == 1 and scores["乙"]["talk"].count == 1


def test_development_count_selector(tree):
    c = voted(tree.a1, vote_on=date(2024, 6, 1))
    milestone_record(candidate=c, kind=MilestoneKind.UPPER_APPROVAL, on=date(2024, 7, 1))
    assert development_count(branch_ids=[tree.a1.pk, tree.a2.pk], start=date(2024, 1, 1),
                             end=date(2024, 12, 31)) == {tree.a1.pk: 1.0}
    assert development_count(branch_ids=[tree.a1.pk], start=date(2025, 1, 1), end=date(2025, 12, 31)) == {}


def test_org_life_providers_respect_period_edges_and_caps(tree):
    """Records on the first and last day of the period count, the days outside do not; each item stops at its
    cap (参加组织生活 2 × 13 = 26 → 24; 谈心谈话 1 × 5 = 5 → 4)."""
    from orglife.models import Talk
    from tests.orglife.activity_factories import attend, log

    a = MemberFactory(branch=tree.a1)
    start, end = date(2025, 3, 1), date(2025, 3, 31)
    for day in (date(2025, 2, 28), date(2025, 4, 1)):               # just outside
        attend(log(tree.a1, "theme_day", day), a)
    edge_days = [start, end] + [date(2025, 3, d) for d in range(2, 13)]   # 13 meetings inside
    for day in edge_days:
        attend(log(tree.a1, "theme_day", day), a)
    for d in (1, 5, 10, 20, 31):
        Talk.objects.create(organization=tree.a1, held_on=date(2025, 3, d), topic="谈心").participants.set([a])
    Talk.objects.create(organization=tree.a1, held_on=date(2025, 4, 1), topic="谈心").participants.set([a])
    [s] = points.member_scores(members=[a], start=start, end=end, include_base=False)
    items = {i.item.source: i for i in s.items}
    assert items["attendance"].count == 13 and items["attendance"].points == D("24")
    assert items["talk"].count == 5 and items["talk"].points == D("4")
    assert items["party_lecture"].count == 0 and items["party_lecture"].points == D("0")
    assert s.total == D("28")
    [one_day] = points.member_scores(members=[a], start=end, end=end, include_base=False)
    assert {i.item.source: i.count for i in one_day.items}["attendance"] == 1
