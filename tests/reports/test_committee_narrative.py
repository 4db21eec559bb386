"""The committee 四强建设工作汇报 as prose: 一是/二是 paragraphs under each criterion naming the branches and records
behind them, 存在的问题 and 下一步工作 from the rows; nothing printed that no record supports."""
from __future__ import annotations

from datetime import date

import pytest

from orglife.defaults import seed_defaults
from orglife.models import ActivityType, FrequencyRule
from practice.models import Brand, BrandRecognition, Honour, VanguardPost
from tests.members.factories import MemberFactory
from tests.orglife.activity_factories import log
from tests.reports.test_figure_consistency import build, check_document

pytestmark = pytest.mark.django_db


def text_of(doc, sid):
    section = next(s for s in doc.sections if s.id == sid)
    return "".join(p for x in section.walk() for p in [*x.paragraphs, *x.items])


@pytest.fixture
def records(tree, members):
    seed_defaults(ActivityType, FrequencyRule)
    holder = MemberFactory(branch=tree.a2, name="赵先锋")
    for month in range(1, 13):
        log(tree.a1, "theme_day", date(2025, month, 10), title=f"{month}月主题党日：重温入党誓词")
    lecture = log(tree.b1, "lecture", date(2025, 4, 8), title="党课")
    type(lecture).objects.filter(pk=lecture.pk).update(lecturer="钱书记", lecture_title="学习新党章")
    main = Brand.objects.create(organization=tree.root, name="红色引擎", launched_on=date(2024, 1, 1))
    for name, org in (("先锋甲一", tree.a1), ("先锋甲二", tree.a2)):
        Brand.objects.create(organization=org, parent=main, name=name, launched_on=date(2024, 6, 1))
    own = Brand.objects.create(organization=tree.b1, name="乙一先锋", launched_on=date(2025, 1, 1))
    BrandRecognition.objects.create(brand=own, title="特色品牌", level="city", awarded_on=date(2025, 7, 1))
    post = VanguardPost.objects.create(organization=tree.a2, kind="post", name="窗口服务先锋岗",
                                       starts_on=date(2025, 3, 1))
    post.holders.add(holder)
    Honour.objects.create(organization=tree.b1, kind="advanced_org", level="city", year=2025)
    Honour.objects.create(organization=tree.a2, member=holder, kind="excellent_member", level="county", year=2025)
    return tree


def test_criteria_read_as_ordinal_prose_naming_branches_and_records(records):
    tree = records
    doc = build("committee-four-strong", tree.root, "2025")
    political = text_of(doc, "political")
    assert political.startswith("一是") and "二是" in political
    assert "重温入党誓词" in political and "甲一支部" in political
    assert "乙一支部钱书记讲授“学习新党章”" in political
    role = text_of(doc, "role")
    assert "“红色引擎”形成“1+2”品牌矩阵，下设“先锋甲一”“先锋甲二”子品牌" in role
    assert "乙一支部“乙一先锋”获评" in role and "特色品牌" in role
    assert "乙一支部获" in role and "先进基层党组织" in role
    team = text_of(doc, "team")
    assert "甲二支部“窗口服务先锋岗”（赵先锋）" in team
    assert "赵先锋获" in team and "优秀共产党员" in team
    check_document(doc)


def test_wording_follows_the_facts(tree, members):
    """Without practice or lecture records no clause about them is printed; the shortfalls become problems and
    measures naming the branches concerned."""
    seed_defaults(ActivityType, FrequencyRule)
    log(tree.a1, "theme_day", date(2025, 5, 10), title="5月主题党日：走访群众")
    doc = build("committee-four-strong", tree.root, "2025")
    everything = "".join(p for s in doc.sections for x in s.walk() for p in [*x.paragraphs, *x.items])
    for absent in ("讲授党课", "品牌矩阵", "先锋岗、责任区创建", "获个人荣誉", "第一议题", "获评“四强”"):
        assert absent not in everything
    assert text_of(doc, "role").startswith("本年度没有党建品牌")
    assert "“走访群众”主题" in text_of(doc, "political")
    problems = text_of(doc, "problems")
    assert "低于 80%" in problems and "甲一支部" in problems
    plan = text_of(doc, "plan")
    assert plan.startswith("一是") and "补齐“三会一课”" in plan
    check_document(doc)


def test_problems_and_plan_when_nothing_is_wrong_say_so(tree):
    FrequencyRule.objects.all().delete()  # nothing required, no members to talk to: nothing to report as a problem
    doc = build("committee-four-strong", tree.root, "2025")
    assert "未发现突出问题" in text_of(doc, "problems")
    plan = next(s for s in doc.sections if s.id == "plan")
    assert plan.empty and not plan.paragraphs
