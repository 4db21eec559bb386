"""A member records her own study on a phone-sized screen (headless Chromium via Playwright)."""
from pathlib import Path

import pytest

from practice.models import StudyRecord
from tests.branches.factories import UserFactory, make_org
from tests.members.factories import MemberFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "practice"


def test_member_records_study_on_a_phone(live_server, make_page):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    root = make_org(name="测试党委")
    branch = make_org(root, name="测试支部")
    user = UserFactory(username="phone_member", first_name="王小红")
    user.save()
    member = MemberFactory(branch=branch, name="王小红", user=user)

    page = make_page(phone=True)   # 390x844, the shared Chromium from tests/e2e/conftest.py
    page.goto(f"{live_server.url}/accounts/login/?next=/practice/study/mine/")
    page.fill("input[name=username]", "phone_member")
    page.fill("input[name=password]", "test-pass-123")
    page.click("button[type=submit]")
    page.wait_for_url("**/practice/study/mine/")
    page.screenshot(path=str(ARTIFACTS / "01-my-study-empty.png"), full_page=True)

    # Nothing on the form may stick out sideways on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    # The date is prefilled with today (ISO, so the phone's date picker shows it under a Chinese locale).
    assert page.input_value("input[name=studied_on]")
    page.fill("input[name=topic]", "学习强国：党的二十届四中全会精神")
    page.fill("input[name=hours]", "1.5")
    page.select_option("select[name=source]", "xuexi")
    page.fill("textarea[name=notes]", "完成每日答题。")
    page.click("text=保存学习记录")
    page.wait_for_selector("text=学习记录已保存")
    page.screenshot(path=str(ARTIFACTS / "02-my-study-saved.png"), full_page=True)

    record = StudyRecord.objects.get()
    assert record.member == member and record.hours == 1.5 and record.topic.startswith("学习强国")
    assert page.inner_text("[data-testid=study-total]").strip() == "1.5"

    # A wrong entry shows what to fix, in Chinese, and saves nothing.
    page.fill("input[name=topic]", "")
    page.fill("input[name=hours]", "30")
    page.click("text=保存学习记录")
    page.wait_for_selector(".form-error-summary")
    page.screenshot(path=str(ARTIFACTS / "03-my-study-errors.png"), full_page=True)
    assert StudyRecord.objects.count() == 1
    assert page.errors == []
