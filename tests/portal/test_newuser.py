"""What a new user trips over (issue #22): counts, names, labels and landing pages a first hour depends on."""
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from branches.api_clients import api_client_create
from tests.members.factories import MemberFactory

pytestmark = pytest.mark.django_db


def test_secretary_home_counts_the_members_of_each_group(client, tree, users):
    for _ in range(3):
        MemberFactory(branch=tree.a1, party_group=tree.a1g)
    MemberFactory(branch=tree.a1)
    client.force_login(users.secretary)
    html = client.get(reverse("home")).content.decode()
    assert f"{tree.a1g.name}（3人）" in html


def test_people_are_shown_by_name_not_login_name(users):
    users.secretary.first_name = "林晓梅"
    assert str(users.secretary) == "林晓梅"
    users.nobody.first_name = ""
    assert str(users.nobody) == "nobody"  # no name on file: the login name


def test_sort_labels_are_chinese(client, users, members):
    client.force_login(users.staff)
    html = client.get(reverse("members:list")).content.decode()
    assert "姓名（降序）" in html
    assert "descending" not in html


def test_agency_lands_on_its_api_page_with_nothing_it_cannot_open(tree, users):
    """Its tokens (prefix only), scope, expiry and usage, the API docs; every link on the page opens."""
    own, token = api_client_create(organization=tree.gb, name="乙总支数据交换", expires_days=30, grants=["reports"])
    api_client_create(organization=tree.ga, name="甲总支客户端")  # outside the agency's subtree
    Client().get("/api/v1/organizations/", HTTP_AUTHORIZATION=f"Bearer {token}")
    client = Client()
    client.force_login(users.agency)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "乙总支数据交换" in html and own.token_prefix in html and token not in html
    assert "甲总支客户端" not in html
    # The page shows the date in the portal's time zone (Asia/Shanghai): from 16:00 UTC on, that is the next day.
    assert timezone.localtime(own.expires_at).strftime("%Y-%m-%d") in html and "申请报告" in html
    assert re.search(r'<td class="num">1</td>\s*<td class="num">1</td>', html)  # used once: last 30 days, in all
    assert 'class="sidebar"' not in html  # no menu of pages that answer 403
    links = set(re.findall(r'href="(/[^"]*)"', html)) - {"/static/"}
    links = {link for link in links if not link.startswith("/static/")}
    assert reverse("api-docs") in links
    for link in links:
        assert client.get(link).status_code == 200, link


def test_a_user_without_roles_is_told_what_to_do(users):
    client = Client()
    client.force_login(users.nobody)
    response = client.get(reverse("home"))
    assert response.status_code == 200 and "尚未分配门户角色" in response.content.decode()


def test_automatic_scores_read_as_percentages_and_units():
    from evaluations.metrics import value_display

    assert value_display("meeting_completion", 0.946) == "94.6%"
    assert value_display("term_on_time", 1.0) == "是" and value_display("term_on_time", 0.0) == "否"
    assert value_display("rectification_overdue", 2.0) == "2"
    assert value_display("meeting_completion", None) == "—"


def test_server_error_page_is_the_portals_own(rf):
    from portal.errors import server_error

    response = server_error(rf.get("/"))
    assert response.status_code == 500 and "系统暂时出现问题" in response.content.decode()


def test_member_form_group_picker_shows_the_branch_and_is_narrowed_by_it(client, tree, users):
    from tests.branches.factories import make_org

    other = make_org(tree.a2, name="甲一第一党小组")  # the same name under another branch
    client.force_login(users.staff)
    html = client.get(reverse("members:create") + f"?branch={tree.a1.pk}").content.decode()
    # Pickers: the page draws no option of the scope's organizations, only the search boxes.
    assert '<select name="party_group"' not in html and '<select name="branch"' not in html
    group = re.search(r'<span class="picker"[^>]*data-narrow-by="branch"[^>]*>.*?name="party_group".*?</span></span>',
                      html, re.S)
    assert group and reverse("pick", args=["party_group"]) in group.group(0)
    # The group picker offers the chosen branch's groups only, each named with its path.
    found = client.get(reverse("pick", args=["party_group"]), {"action": "change", "q": "第一党小组",
                                                               "within": tree.a1.pk}).json()["results"]
    assert [r["id"] for r in found] == [tree.a1g.pk] and tree.a1.name in found[0]["label"]
    found = client.get(reverse("pick", args=["party_group"]), {"action": "change", "q": "第一党小组",
                                                               "within": tree.a2.pk}).json()["results"]
    assert [r["id"] for r in found] == [other.pk]


def test_demo_topics_respect_the_calendar():
    from datetime import date

    from portal.demo_calendar import in_time

    assert in_time("学习贯彻党的二十届四中全会精神", date(2025, 9, 14)) == "学习贯彻党的二十届三中全会精神"
    assert in_time("学习贯彻党的二十届四中全会精神", date(2025, 11, 5)) == "学习贯彻党的二十届四中全会精神"
    assert in_time("学习二十届三中全会精神", date(2024, 3, 1)) == "学习二十大精神"


def test_the_agency_landing_page_changes_nothing(users):
    client = Client(enforce_csrf_checks=False)
    client.force_login(users.agency)
    assert client.post(reverse("home")).status_code == 405


def test_evaluation_organization_pickers_show_the_tree(tree, users):
    """The cycle form's organization is found by typing and each match is named with its place in the tree."""
    from branches.pickers import organization_labels
    from evaluations.forms import CycleForm
    from portal.pickers import PickerWidget

    widget = CycleForm(user=users.staff).fields["organization"].widget
    assert isinstance(widget, PickerWidget) and (widget.action, widget.only) == ("manage", "units")
    assert organization_labels([tree.root, tree.ga, tree.a1]) == [
        tree.root.name, tree.ga.name, f"{tree.ga.name} / {tree.a1.name}"]
