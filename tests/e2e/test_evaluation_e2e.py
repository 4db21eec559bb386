"""Browser: the demo reviewer scores a branch end to end; staff approves and publishes; the secretary sees the
result and an open 整改 item. Screenshots go to test-artifacts/evaluation/.
The `browser` fixture (Debian Chromium via Playwright) is shared: tests/e2e/conftest.py."""
from datetime import timedelta
from pathlib import Path

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "evaluation"
PASSWORD = "portal-demo-2026"


@pytest.fixture
def demo(transactional_db):
    from branches import demo as branches_demo
    from evaluations import demo as evaluations_demo
    from members import demo as members_demo

    branches_demo.seed()
    members_demo.seed()
    evaluations_demo.seed()


def _login(browser, live_server, username):
    context = browser.new_context(viewport={"width": 1360, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.on("dialog", lambda d: d.accept())
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return page


def _shot(page, name):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_reviewer_scores_staff_publishes_secretary_sees_result(demo, live_server, browser):
    from evaluations.models import BranchEvaluation, Step

    ev = BranchEvaluation.objects.get(cycle__year=2026, organization__code="JB01-Z1-01")
    assert ev.step == Step.REVIEW

    # 1. The reviewer scores from the worklist, by keyboard, with running totals.
    page = _login(browser, live_server, "reviewer")
    page.goto(f"{live_server.url}/evaluations/worklist/")
    _shot(page, "01-worklist")
    page.locator("#worklist tr", has_text="区委办公室党支部").filter(has_text="2026 年度").get_by_role("link", name="评分").click()
    page.wait_for_selector("#score-form")
    inputs = page.locator("input.score-input")
    count = inputs.count()
    assert count >= 8
    inputs.first.focus()
    for i in range(count):
        maximum = float(inputs.nth(i).get_attribute("max"))
        page.keyboard.type(str(int(maximum * 0.9) if i < count - 1 else 0))
        page.keyboard.press("Enter")   # Enter jumps to the next score
    assert float(page.locator('[data-total="total"]').inner_text()) > 50  # 90% of every manual maximum
    # A value over the maximum is flagged in the browser and refused by the server.
    first = inputs.first
    first.fill("999")
    assert page.locator("tr.is-over").count() == 1
    page.click("#save-draft")
    assert "超过上限" in page.locator(".alert-error").inner_text()
    # what was typed is still there after the refusal; only the bad value needs fixing
    assert page.locator("input.score-input").nth(1).input_value() != ""
    first = page.locator("input.score-input").first
    first.fill(str(int(float(first.get_attribute("max")) * 0.9)))
    page.keyboard.press("Control+s")   # draft save by keyboard
    page.wait_for_selector(".alert-success")
    running_total = float(page.locator('[data-total="total"]').inner_text())
    assert running_total > 50
    _shot(page, "02-scoring-form")
    page.click("#submit-sheet")
    page.wait_for_url("**/worklist/")
    assert "已提交" in page.locator("#worklist tr", has_text="区委办公室党支部").filter(has_text="2026 年度").inner_text()
    page.context.close()

    # 2. Staff close the review, approve in committee, and publish when 公示 is over.
    page = _login(browser, live_server, "staff")
    page.goto(f"{live_server.url}{ev.get_absolute_url()}")
    page.click("#close-review")
    page.wait_for_selector("#approve")
    page.fill("input[name=meeting]", "机关工委 2026 年第 12 次委员会议")
    page.click("#approve")
    page.wait_for_selector("#publish")
    assert "公示" in page.locator("#current-step").inner_text()
    ev.refresh_from_db()
    BranchEvaluation.objects.filter(pk=ev.pk).update(  # the 5-day window has passed
        publicity_starts_on=ev.publicity_starts_on - timedelta(days=6),
        publicity_ends_on=ev.publicity_ends_on - timedelta(days=6))
    page.reload()
    page.click("#publish")
    page.wait_for_selector(".alert-success")
    assert "结果" in page.locator("#current-step").inner_text()
    _shot(page, "03-evaluation-published")
    page.goto(f"{live_server.url}{ev.cycle.get_absolute_url()}")
    page.wait_for_selector("#radar-grid canvas")
    _shot(page, "04-cycle-dashboard")
    page.context.close()

    # 3. The secretary sees the published result and the open 整改 item.
    page = _login(browser, live_server, "secretary")
    page.goto(f"{live_server.url}/evaluations/branches/{ev.organization_id}/scorecard/")
    row = page.locator("#scorecard tr", has_text="2026 年度")
    assert "结果" in row.inner_text() and row.locator(".star-rating").count() == 1
    assert "谈心谈话" in page.locator("#open-rectifications").inner_text()
    _shot(page, "05-secretary-scorecard")
    page.context.close()
    ev.refresh_from_db()
    assert ev.step == Step.RESULT and ev.stars is not None
    assert abs(float(ev.total) - running_total) < 0.01  # the browser's running total matches the server's
