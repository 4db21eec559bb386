"""Browser test (phone viewport): the demo secretary moves an 积极分子 to 发展对象 — refused before the one-year
interval, accepted after it — and marks a month's dues paid for her branch."""
from datetime import date

import pytest
from django.urls import reverse

from tests.e2e.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(transactional_db):
    """The demo data set (tree, members, lifecycle) as `manage.py seed_demo` loads it."""
    from branches.demo import seed as seed_tree
    from members.demo import DEMO_PASSWORD, seed, seed_lifecycle

    seed_tree()
    seed()
    seed_lifecycle()
    return DEMO_PASSWORD


def test_secretary_moves_activist_to_development_target_and_marks_dues(demo, make_page, live_server):
    from members.models import Candidate, DuesRecord, Stage

    page = make_page(phone=True)
    login(page, live_server, "secretary", demo)
    assert "/accounts/login" not in page.url

    # --- 积极分子 → 发展对象: refused before one year, accepted after --------------------------------------
    activist = Candidate.objects.get(name="赵思远")
    assert activist.stage == Stage.ACTIVIST
    page.goto(live_server.url + reverse("members:development"))
    page.click("text=赵思远")
    page.select_option('select[name="kind"]', "candidate_decision")
    page.fill('input[name="on"]', "2026-09-14")          # one day short of a year after 2025-09-15
    page.click("text=办理并记录")
    error = page.locator(".alert-error")
    error.wait_for()
    assert "积极分子培养考察一年以上方可列为发展对象" in error.inner_text()
    assert "2026-09-15" in error.inner_text()
    page.shot("refused-before-interval")
    activist.refresh_from_db()
    assert activist.stage == Stage.ACTIVIST

    page.select_option('select[name="kind"]', "candidate_decision")
    page.fill('input[name="on"]', date.today().isoformat())
    page.click("text=办理并记录")
    page.locator(".alert-success, .alert-info, [role=status]").first.wait_for()
    assert "发展对象" in page.locator(".page-title").inner_text()
    page.shot("now-development-target")
    activist.refresh_from_db()
    assert activist.stage == Stage.CANDIDATE

    # --- mark November's dues paid for the whole branch -----------------------------------------------
    page.goto(live_server.url + reverse("members:dues_pay") + "?month=2026-11")
    unpaid = DuesRecord.objects.filter(branch__code="JB01-Z1-01", month=date(2026, 11, 1), paid_on__isnull=True)
    n = unpaid.count()
    assert n > 0
    page.shot("dues-before")
    page.click("[data-check-all]")
    page.click("text=登记所选为已缴")
    page.locator(f"text=已登记 {n} 人 2026年11月 党费").wait_for()
    page.shot("dues-marked")
    assert not unpaid.exists()
    assert DuesRecord.objects.filter(branch__code="JB01-Z1-01", month=date(2026, 11, 1),
                                     recorded_by__username="secretary").count() == n
    assert page.errors == []  # no JavaScript errors (CSP-safe scripts)
