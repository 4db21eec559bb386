"""Staff find a branch, register a member and see her in the list; a secretary cannot open another branch."""
import pytest

from members.models import Member
from tests.e2e.conftest import login
from tests.members.factories import valid_id_number

pytestmark = pytest.mark.django_db(transaction=True)


def test_staff_adds_member_and_finds_her(make_page, live_server, tree, users):
    page = make_page()
    login(page, live_server, "staff")
    page.shot("home")
    page.click("nav >> text=组织架构")
    page.fill("input[name=q]", "甲一")
    page.click("button:has-text('筛选')")
    page.shot("tree-search")
    page.click(f"a:has-text('{tree.a1.name}')")
    assert page.locator("h1").inner_text().startswith(tree.a1.name)
    page.shot("branch")
    page.click("a:has-text('登记党员')")
    page.fill("input[name=name]", "陈晓燕")
    page.select_option("select[name=gender]", "female")
    page.fill("input[name=birth_date]", "1988-04-02")
    page.fill("input[name=id_number]", valid_id_number(322, __import__("datetime").date(1988, 4, 2)))
    page.fill("input[name=phone]", "13900001111")
    page.select_option("select[name=status]", "full")
    page.fill("input[name=joined_on]", "2012-07-01")
    page.fill("input[name=confirmed_on]", "2013-07-01")
    page.shot("form")
    page.click("button:has-text('保存')")
    page.wait_for_load_state("networkidle")
    page.shot("member-detail")
    assert "已登记党员 陈晓燕" in page.content()
    member = Member.objects.get(name="陈晓燕")
    assert member.branch == tree.a1
    page.click("nav >> text=党员名册")
    page.fill("input[name=q]", "陈晓燕")
    page.click("button:has-text('筛选')")
    page.shot("member-list")
    assert page.locator("table.table tbody tr").count() == 1
    assert "陈晓燕" in page.locator("table.table tbody").inner_text()
    assert not page.errors


def test_form_shows_what_to_fix(make_page, live_server, tree, users):
    page = make_page()
    login(page, live_server, "staff")
    page.goto(f"{live_server.url}/members/new/?branch={tree.a1.pk}")
    page.fill("input[name=name]", "错误示例")
    page.fill("input[name=id_number]", "110101198804020000")
    page.click("button:has-text('保存')")
    page.shot("errors")
    assert "校验位" in page.content()
    assert page.input_value("input[name=name]") == "错误示例"  # nothing typed is lost
    assert not Member.objects.filter(name="错误示例").exists()


def test_secretary_cannot_open_another_branch(make_page, live_server, tree, users):
    page = make_page(phone=True)
    login(page, live_server, "secretary")
    page.shot("home")
    own = page.goto(f"{live_server.url}/org/{tree.a1.pk}/")
    assert own.status == 200
    other = page.goto(f"{live_server.url}/org/{tree.b1.pk}/")
    page.shot("other-branch")
    assert other.status == 404
    assert "页面不存在或您无权访问" in page.content()
