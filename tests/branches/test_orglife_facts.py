"""第一议题, 书记/领导干部讲党课 and 双重组织生活: recorded per activity, counted per branch and year with one definition
read by the branch page, the API and the report selector."""
from datetime import date

import pytest
from django.core.exceptions import ValidationError

from orglife import services as svc
from orglife.selectors import branch_orglife_facts, dual_life_count, orglife_facts
from tests.members.factories import MemberFactory
from tests.orglife.activity_factories import activity_type

pytestmark = pytest.mark.django_db
D = date(2026, 3, 10)
YEAR = (date(2026, 1, 1), date(2026, 12, 31))


def record(org, code, *, on=D, submit=True, **fields):
    a = svc.activity_create(organization=org, activity_type=activity_type(code), held_on=on, title="记录", **fields)
    if submit:
        svc.activity_submit(activity=a, today=date(2026, 12, 31))
    return a


@pytest.fixture
def facts_world(tree):
    cadres = MemberFactory.create_batch(2, branch=tree.a1, post="副局长")
    host, rec = MemberFactory.create_batch(2, branch=tree.a1)
    meeting = {"host": host, "recorder": rec, "minutes": "纪要"}
    record(tree.a1, "general_meeting", first_topic="学习最新重要讲话精神", leading_cadres=cadres, **meeting)
    record(tree.a1, "theme_day", first_topic="学习重要指示批示", leading_cadres=cadres[:1])
    record(tree.a1g, "group_meeting", leading_cadres=cadres[:1])               # a 党小组 meeting of the same branch
    record(tree.a1, "lecture", lecturer="张书记", lecture_title="党课", lecturer_role="branch_secretary")
    record(tree.a1, "lecture", lecturer="李局长", lecture_title="党课", lecturer_role="leading_cadre")
    record(tree.a1, "lecture", lecturer="王老师", lecture_title="党课", lecturer_role="other")       # not counted
    record(tree.a1, "theme_day", first_topic="草稿不计", submit=False)                                 # draft
    record(tree.a1, "theme_day", first_topic="去年", on=date(2025, 12, 31))                           # last year
    voided = record(tree.a1, "theme_day", first_topic="作废")
    svc.activity_void(activity=voided, reason="重复登记")
    return cadres


def test_yearly_counts(tree, facts_world):
    facts = orglife_facts(branch_ids=[tree.a1.pk, tree.a2.pk], start=YEAR[0], end=YEAR[1])
    assert facts[tree.a1.pk] == {"first_topic": 2, "leader_lectures": 2, "dual_life": 4, "dual_life_cadres": 2}
    assert facts[tree.a2.pk] == {"first_topic": 0, "leader_lectures": 0, "dual_life": 0, "dual_life_cadres": 0}
    assert branch_orglife_facts(branch=tree.a1, start=YEAR[0], end=YEAR[1]) == facts[tree.a1.pk]
    assert dual_life_count(branch_ids=[tree.a1.pk], start=YEAR[0], end=YEAR[1]) == {tree.a1.pk: 4}


def test_a_cadre_of_another_branch_is_refused(tree):
    outsider = MemberFactory(branch=tree.a2)
    with pytest.raises(ValidationError) as exc:
        record(tree.a1, "theme_day", leading_cadres=[outsider], submit=False)
    assert "leading_cadres" in exc.value.message_dict


def test_branch_page_and_api_show_the_same_figures(client, tree, users, facts_world):
    from rest_framework.test import APIClient

    client.force_login(users.staff)
    # the page shows the current year; the API is asked for 2026 explicitly
    api = APIClient()
    api.force_authenticate(users.staff)
    rows = {r["organization"]: r for r in api.get("/api/v1/orglife-facts/", {"period": "2026"}).json()["results"]}
    assert {k: rows[tree.a1.pk][k] for k in ("first_topic", "leader_lectures", "dual_life", "dual_life_cadres")} == \
        orglife_facts(branch_ids=[tree.a1.pk], start=YEAR[0], end=YEAR[1])[tree.a1.pk]
    assert api.get("/api/v1/orglife-facts/", {"period": "2026-13"}).status_code == 400
    api.force_authenticate(users.agency)   # 乙党总支 only
    assert tree.a1.pk not in {r["organization"] for r in api.get("/api/v1/orglife-facts/").json()["results"]}
    body = client.get(tree.a1.get_absolute_url()).content.decode()
    assert "第一议题" in body and "双重组织生活" in body
