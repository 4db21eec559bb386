"""Phone (390×844): a member logs in, sees what is due, checks in, sees it counted, reads a notice, sees her dues."""
from datetime import time
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.e2e.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def world(tree, users):
    from types import SimpleNamespace

    from members.models import DuesRecord
    from orglife import services as svc
    from orglife.defaults import seed_defaults
    from orglife.models import ActivityType, AttendanceStatus, FrequencyRule
    from practice import services as practice_services
    from practice.models import Audience
    from tests.branches.factories import UserFactory
    from tests.members.factories import MemberFactory
    from tests.orglife.activity_factories import activity_type

    seed_defaults(ActivityType, FrequencyRule)      # idempotent: the rows a data migration seeds, if a flush took them
    user = UserFactory(username="wangfang")
    member = MemberFactory(branch=tree.a1, party_group=tree.a1g, name="王芳", user=user)
    today = timezone.localdate()
    meeting = svc.activity_create(organization=tree.a1, activity_type=activity_type("theme_day"), held_on=today,
                                  title="学习二十届四中全会精神", starts_at=time(0, 0), ends_at=time(23, 59))
    svc.attendance_set(activity=meeting, marks={member.pk: (AttendanceStatus.ABSENT, "")})
    month = today.replace(day=1)
    DuesRecord.objects.create(member=member, branch=tree.a1, month=month, amount_due=Decimal("23.50"))
    notice = practice_services.notice_publish(organization=tree.root, audience=Audience.ALL,
                                              title="关于开展主题党日活动的通知", body="请各支部按时开展。", by=users.staff)
    return SimpleNamespace(user=user, member=member, meeting=meeting, notice=notice)


def test_member_path_on_a_phone(live_server, make_page, world):
    from orglife import services as svc

    page = make_page(phone=True)
    login(page, live_server, "wangfang")
    base = live_server.url
    # home: 我的, with today's meeting to check in, and one unread message (the notice) in the header
    assert page.locator('[data-testid="mine-panel"]').is_visible()
    due = page.locator('[data-testid="mine-due"]')
    assert "学习二十届四中全会精神" in due.inner_text()
    assert page.locator('[data-testid="unread-count"]').inner_text() == "1"
    page.shot("home")
    # check in: the button leads to the code form; the code is what the meeting shows (QR / on the screen)
    due.get_by_role("link", name="签到").first.click()
    page.fill("input[name=code]", world.meeting.checkin_code)
    page.get_by_role("button", name="签到").click()
    assert "签到成功" in page.locator(".checkin-result").inner_text()
    page.shot("checked-in")
    page.locator('[data-testid="checkin-back"]').click()
    page.wait_for_url(base + "/mine/orglife/")
    assert "已签到" in page.locator('[data-testid="mine-upcoming"]').inner_text()
    # the secretary submits the record: her attendance counts in this year's rate
    svc.activity_submit(activity=world.meeting)
    page.reload()
    assert page.locator('[data-testid="mine-rate"]').inner_text().strip() == "100%"
    page.shot("counted")
    # read the notice from the message centre: the unread count goes
    page.locator('[data-testid="inbox-bell"]').click()
    page.wait_for_url(base + "/inbox/")
    page.locator('[data-testid="inbox-list"]').get_by_role("button", name="查看").first.click()
    page.wait_for_url(base + world.notice.get_absolute_url())
    assert "请各支部按时开展" in page.content()
    page.locator('[data-testid="unread-none"]').wait_for(state="attached")      # the bell's count was fetched
    assert page.locator('[data-testid="unread-count"]').count() == 0
    page.shot("notice")
    # dues
    page.goto(base + "/mine/dues/")
    assert "23.50" in page.locator('[data-testid="mine-dues"]').inner_text()
    assert "未缴" in page.locator('[data-testid="mine-dues"]').inner_text()
    page.shot("dues")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390     # no sideways scrolling on a phone
    assert page.errors == []
