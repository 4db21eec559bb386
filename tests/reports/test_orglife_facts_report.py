"""The 述职报告 reads the 组织生活 facts (第一议题, 书记讲党课, 双重组织生活) from the same selector as the branch page."""
from datetime import date

import pytest

from orglife.selectors import orglife_facts
from tests.members.factories import MemberFactory
from tests.orglife.activity_factories import log
from tests.reports.test_report_documents import _text

pytestmark = pytest.mark.django_db


def test_secretary_duty_states_the_facts(run_request, tree, branch_data):
    cadre = MemberFactory(branch=tree.a1, name="赵局长", post="副局长")
    meeting = log(tree.a1, "theme_day", date(2025, 5, 10), first_topic="学习重要讲话精神")
    meeting.leading_cadres.set([cadre])
    log(tree.a1, "lecture", date(2025, 6, 1), lecturer="张书记", lecture_title="党课", lecturer_role="branch_secretary")
    facts = orglife_facts(branch_ids=[tree.a1.pk], start=date(2025, 1, 1), end=date(2025, 12, 31))[tree.a1.pk]
    assert facts == {"first_topic": 1, "leader_lectures": 1, "dual_life": 1, "dual_life_cadres": 1}
    job = run_request(organization=tree.a1, kind="secretary-duty", period="2025").job
    _, text = _text(job)
    text = text.replace("\n", "")   # lines wrap inside the sentence
    assert "全年落实“第一议题”制度1次" in text and "讲党课1次" in text and "双重组织生活1人次（1人）" in text
