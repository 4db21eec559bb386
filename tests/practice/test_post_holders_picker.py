"""The 先锋岗 holders are searched for, not listed: the form draws only the chosen members, posts several of them,
and still accepts only members of its own queryset."""
from datetime import date

import pytest
from django.urls import reverse

from practice import services
from practice.models import VanguardPost
from tests.members.factories import MemberFactory

pytestmark = pytest.mark.django_db


def holders_picker(html: str) -> str:
    start = html.index('<span class="picker picker-multi"')
    return html[start:html.index('<span class="picker-results"', start)]


def test_create_page_draws_no_member_list(client, users, tree, members):
    others = MemberFactory.create_batch(5, branch=tree.a2)
    client.force_login(users.staff)
    html = client.get(reverse("practice:create", args=["post"])).content.decode()
    picker = holders_picker(html)
    assert 'data-picker-name="holders"' in picker and "/pick/member/?action=change" in picker
    assert '<select name="holders"' not in html and "<option" not in picker
    assert not any(m.name in html for m in [members.a1, *others])
    assert 'for="id_holders"' in html and 'id="id_holders"' in picker       # the label focuses the search box


def test_create_with_several_holders_then_edit_shows_only_them(client, users, tree, members):
    second = MemberFactory(branch=tree.a1, name="甲一第二党员")
    unchosen = MemberFactory(branch=tree.a1, name="甲一未选党员")
    client.force_login(users.staff)
    response = client.post(reverse("practice:create", args=["post"]), {
        "organization": tree.a1.pk, "kind": "post", "name": "党员先锋岗", "scope": "", "commitment": "",
        "holders": [members.a1.pk, second.pk], "starts_on": "2026-03-01", "ends_on": ""})
    assert response.status_code == 302, response.content.decode()[:3000]
    post = VanguardPost.objects.get(name="党员先锋岗")
    assert set(post.holders.all()) == {members.a1, second}

    html = client.get(reverse("practice:edit", args=["post", post.pk])).content.decode()
    picker = holders_picker(html)
    for m in (members.a1, second):
        assert f'<input type="hidden" name="holders" value="{m.pk}">' in picker
        assert f"{m.name}（{tree.a1.name}）" in picker
    assert unchosen.name not in html

    # Removing every chip sends no holders: the post has none (not "unchanged").
    data = {"name": "党员先锋岗", "kind": "post", "scope": "", "commitment": "", "starts_on": "2026-03-01",
            "ends_on": ""}
    response = client.post(reverse("practice:edit", args=["post", post.pk]), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert list(post.holders.all()) == []


def test_a_holder_outside_the_fields_queryset_is_refused(client, users, tree, members):
    post = services.post_create(organization=tree.a1, kind="post", name="岗", starts_on=date(2026, 3, 1),
                                holders=[members.a1], by=users.staff)
    client.force_login(users.staff)
    response = client.post(reverse("practice:edit", args=["post", post.pk]), {
        "name": "岗", "kind": "post", "scope": "", "commitment": "", "starts_on": "2026-03-01", "ends_on": "",
        "holders": [members.a1.pk, members.b1.pk]})                 # b1 is not in 甲一支部
    assert response.status_code == 200
    assert response.context["form"].errors.get("holders")
    picker = holders_picker(response.content.decode())
    assert f'value="{members.a1.pk}"' in picker and f'value="{members.b1.pk}"' not in picker  # outside: not drawn
    assert list(post.holders.all()) == [members.a1]
