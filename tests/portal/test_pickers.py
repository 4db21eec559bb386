"""Organization and member pickers: a page draws only the chosen value; the search answers within the viewer's scope."""
import pytest
from django.urls import reverse


def picker_html(html: str, name: str) -> str:
    start = html.index(f'<input type="hidden" name="{name}"')
    return html[html.rindex('<span class="picker"', 0, start):html.index("</span></span>", start)]


def test_member_list_draws_the_chosen_organization_not_every_option(client, tree, users):
    client.force_login(users.staff_a)
    html = client.get("/members/", {"organization": tree.a1.pk}).content.decode()
    picker = picker_html(html, "organization")
    assert f'value="{tree.a1.pk}"' in picker
    assert "甲党总支 / 甲一支部" in picker               # the chosen one, with its path
    assert "<option" not in picker and tree.a2.name not in picker


def search(client, name, q="", action="view"):
    response = client.get(reverse("pick", args=[name]), {"q": q, "action": action})
    assert response.status_code == 200
    return response.json()["results"]


def test_organization_search_stays_in_scope_and_shows_paths(client, tree, users):
    client.force_login(users.staff_a)
    found = {r["id"]: r["label"] for r in search(client, "organization", "支部")}
    assert tree.a1.pk in found and tree.a2.pk in found
    assert tree.b1.pk not in found and tree.gb.pk not in found           # 乙党总支 is outside her grant
    assert found[tree.a1.pk] == "甲党总支 / 甲一支部"
    assert {r["id"] for r in search(client, "organization", "乙")} == set()


def test_member_search_stays_in_scope(client, tree, users, members):
    client.force_login(users.secretary)                                  # 甲一支部 only
    found = {r["id"]: r["label"] for r in search(client, "member", "党员")}
    assert set(found) == {members.a1.pk}
    assert found[members.a1.pk] == "甲一党员（甲一支部）"


def test_search_is_bounded(client, tree, users):
    from portal.pickers import LIMIT
    from tests.branches.factories import make_org

    for i in range(LIMIT + 5):
        make_org(tree.a1, name=f"第{i}党小组")
    client.force_login(users.staff)
    assert len(search(client, "organization", "党小组")) == LIMIT


@pytest.mark.parametrize("path", ["/pick/nothing/", "/pick/organization/?action=delete"])
def test_unknown_picker_or_action_is_404(client, users, path):
    client.force_login(users.staff)
    assert client.get(path).status_code == 404


def test_anonymous_is_sent_to_log_in(client, db):
    response = client.get("/pick/organization/?q=a")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_posted_id_outside_the_fields_scope_is_refused(client, tree, users, members):
    """The picker only offers: the form still validates the id against its own queryset."""
    client.force_login(users.secretary)
    response = client.post("/members/points/entries/", {"member": members.b1.pk, "occurred_on": "2026-03-01",
                                                        "quantity": 1, "note": "x"})
    assert response.status_code == 200
    assert response.context["form"].errors.get("member")


def test_a_subset_offers_only_what_the_form_accepts(client, tree, users):
    """The 整改 form takes a 党支部 the reviewer may score; its picker asks for exactly that (action and subset)."""
    client.force_login(users.reviewer)
    html = client.get(reverse("evaluations:rectification_create")).content.decode()
    assert 'data-picker-url="/pick/organization/?action=review&amp;only=branches"' in html
    assert "<option" not in picker_html(html, "organization")
    found = {r["id"] for r in client.get(reverse("pick", args=["organization"]),
                                         {"action": "review", "only": "branches", "q": "支"}).json()["results"]}
    assert found == {tree.a1.pk, tree.a2.pk, tree.b1.pk}            # no 党总支, no 党小组
    units = {r["id"] for r in client.get(reverse("pick", args=["organization"]),
                                         {"only": "units", "q": "甲"}).json()["results"]}
    assert units == {tree.ga.pk, tree.a1.pk, tree.a2.pk}            # 党小组 甲一第一党小组 left out


def test_an_unknown_subset_is_404(client, users):
    client.force_login(users.staff)
    assert client.get(reverse("pick", args=["organization"]), {"only": "everything"}).status_code == 404


def test_the_cycle_form_offers_the_standards_of_the_chosen_organization_and_above(client, tree, users):
    """A 党委's and each 党总支's own standards: the cycle form searches them, narrowed by its organization field."""
    from tests.evaluations.factories import small_standard

    of_root = small_standard(tree.root, users.staff)[0]
    of_ga = small_standard(tree.ga, users.staff, year=2026)[0]
    of_gb = small_standard(tree.gb, users.staff, year=2026)[0]
    client.force_login(users.staff)
    html = client.get(reverse("evaluations:cycle_create")).content.decode()
    standard = picker_html(html, "standard")
    assert 'data-narrow-by="organization"' in standard and "<option" not in standard

    def offered(within=None):
        query = {"q": "", "action": "view", **({"within": within} if within else {})}
        return {r["id"] for r in client.get(reverse("pick", args=["standard"]), query).json()["results"]}

    assert offered(tree.a1.pk) == {of_root.pk, of_ga.pk}        # 甲一支部: the 党委's and 甲党总支's
    assert offered(tree.gb.pk) == {of_root.pk, of_gb.pk}
    assert offered() == {of_root.pk, of_ga.pk, of_gb.pk}        # nothing chosen yet: every published one in scope
    label = client.get(reverse("pick", args=["standard"]), {"q": "测试", "within": tree.ga.pk}).json()["results"]
    assert {r["label"] for r in label} == {"2025 年 测试标准（测试党委，第 1 版）", "2026 年 测试标准（甲党总支，第 1 版）"}
