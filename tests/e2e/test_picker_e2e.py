"""Pickers in a real browser (headless Chromium): the 先锋岗 holders are chosen by typing, several of them, as chips."""
import pytest

from practice.models import VanguardPost
from tests.members.factories import MemberFactory

from .conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def pick(page, root, text, option):
    box = page.locator(f"{root} .picker-input")
    box.fill(text)
    page.locator(f"{root} .picker-option", has_text=option).first.click()


def test_staff_picks_several_post_holders_by_search(live_server, make_page, tree, users, members):
    second = MemberFactory(branch=tree.a1, name="甲一第二党员")
    MemberFactory(branch=tree.a1, name="甲一第三党员")
    page = make_page()
    login(page, live_server, "staff")
    page.goto(f"{live_server.url}/practice/post/new/?organization={tree.a1.pk}")
    page.fill("input[name=name]", "党员先锋岗")
    page.fill("input[name=starts_on]", "2026-03-01")
    holders = ".picker-multi"
    assert page.locator(f"{holders} .picker-chip").count() == 0

    pick(page, holders, "甲一党员", "甲一党员（甲一支部）")
    pick(page, holders, "第二", "甲一第二党员")
    chips = page.locator(f"{holders} .picker-chip")
    assert chips.count() == 2 and page.input_value(f"{holders} .picker-input") == ""
    # a chosen member is not offered again
    page.locator(f"{holders} .picker-input").fill("甲一")
    page.locator(f"{holders} .picker-option", has_text="甲一第三党员").wait_for()
    assert page.locator(f"{holders} .picker-option", has_text="甲一第二党员").count() == 0
    page.keyboard.press("Escape")
    page.locator(f"{holders} .picker-input").fill("")
    page.shot("two-holders")

    # × removes one; Backspace in the empty box removes the last one
    chips.first.locator(".picker-remove").click()
    assert [c.get_attribute("data-id") for c in chips.all()] == [str(second.pk)]
    page.locator(f"{holders} .picker-input").press("Backspace")
    assert chips.count() == 0
    pick(page, holders, "第二", "甲一第二党员")
    pick(page, holders, "甲一党员", "甲一党员（甲一支部）")

    page.click("form.form button.btn-primary")
    page.wait_for_selector("text=已保存")
    page.shot("saved")
    post = VanguardPost.objects.get(name="党员先锋岗")
    assert set(post.holders.all()) == {members.a1, second}
    page.goto(f"{live_server.url}/practice/post/{post.pk}/edit/")
    assert {c.get_attribute("data-id") for c in page.locator(f"{holders} .picker-chip").all()} == \
        {str(members.a1.pk), str(second.pk)}
    assert not page.errors, page.errors


def test_staff_moves_a_member_to_a_branch_found_by_search(live_server, make_page, tree, users, members):
    """组织关系调整: the branch is typed, not picked from every organization; a 党小组 is not offered, and says so."""
    page = make_page()
    login(page, live_server, "staff")
    page.goto(f"{live_server.url}/members/{members.a1.pk}/move/")
    assert page.locator("select[name=to_branch]").count() == 0
    root = ".picker:has(input[name=to_branch])"
    page.locator(f"{root} .picker-input").fill("第一党小组")                      # a 党小组 is not a 党支部
    page.locator(f"{root} .picker-none").wait_for()
    assert page.locator(f"{root} .picker-option").count() == 0
    pick(page, root, "乙一", "乙党总支 / 乙一支部")
    page.fill("input[name=on]", "2026-03-01")
    page.click("form.form button.btn-primary")
    page.wait_for_load_state()
    members.a1.refresh_from_db()
    assert members.a1.branch_id == tree.b1.pk
    assert not page.errors, page.errors
