"""Keyset paging (portal.keyset) and the member list's big-list pager: every row exactly once in order, forwards
and backwards, from any position; the last page and a jump cost one query for the rows; bad tokens give page 1."""
from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

import pytest
from django.http import QueryDict
from django.urls import reverse

from members.models import Member
from members.views import registry as registry_views
from portal import keyset
from tests.members.factories import MemberFactory

pytestmark = pytest.mark.django_db


def q(**params) -> QueryDict:
    d = QueryDict(mutable=True)
    d.update(params)
    return d


@pytest.fixture
def many(tree):
    names = ["张三", "李四", "王五", "赵六", "张三", "钱七", "孙八", "李四", "周九", "吴十", "郑一"]
    return [MemberFactory(branch=(tree.a1, tree.a2, tree.b1)[i % 3], name=n, joined_on=date(2000 + i % 4, 1, 1))
            for i, n in enumerate(names)]


@pytest.mark.parametrize("order", [(), ("name",), ("-joined_on",), ("branch__path", "-name"), ("-updated_at",)])
def test_walking_forwards_and_backwards_meets_every_row_once_in_order(many, order, django_assert_num_queries):
    qs = Member.objects.select_related("branch").order_by(*order) if order else Member.objects.select_related("branch")
    # the order shown: the sort fields, then the primary key (in the first field's direction) as the tie-breaker
    want = [m.pk for m in qs.order_by(*keyset._order_by(keyset._ordering(qs)))]
    assert keyset._ordering(qs)[-1][0] == "pk"
    seen, params = [], q()
    while True:
        with django_assert_num_queries(1):
            page = keyset.keyset_page(qs, params, per_page=3)
        seen += [m.pk for m in page]
        if not page.has_next:
            break
        params = q(after=page.next_token)
    assert seen == want
    back, params = [], q(last="1")
    while True:
        page = keyset.keyset_page(qs, params, per_page=3)
        back = [m.pk for m in page] + back
        if not page.has_previous:
            break
        params = q(before=page.previous_token)
    assert back == want
    assert [m.pk for m in keyset.keyset_page(qs, q(last="1"), per_page=3)] == want[-3:]


def test_a_jump_starts_at_the_typed_value_and_bad_input_gives_the_first_page(many):
    qs = Member.objects.order_by("name")
    names = sorted(m.name for m in many)
    page = keyset.keyset_page(qs, q(**{"from": "王"}), per_page=4, jump_field="name")
    assert [m.name for m in page] == [n for n in names if n >= "王"][:4]
    first = [m.pk for m in keyset.keyset_page(qs, q(), per_page=4)]
    for bad in (q(after="forged"), q(before="x:y:z"), q(after=keyset._encode([1]))):
        assert [m.pk for m in keyset.keyset_page(qs, bad, per_page=4)] == first
    dated = Member.objects.order_by("joined_on")
    assert [m.pk for m in keyset.keyset_page(dated, q(**{"from": "not a date"}), per_page=4,
                                             jump_field="joined_on")] == [m.pk for m in dated.order_by("joined_on",
                                                                                                     "pk")[:4]]


def test_the_member_list_pages_by_key_beyond_the_threshold(many, users, client, monkeypatch):
    monkeypatch.setattr(registry_views, "KEYSET_FROM", 5)
    monkeypatch.setattr(registry_views, "PAGE_SIZE", 4)
    client.force_login(users.staff)
    url = reverse("members:list")
    seen, next_url = [], url
    while next_url:
        response = client.get(next_url)
        assert response.status_code == 200 and response.context["keyset"]
        seen += [m.pk for m in response.context["page_obj"]]
        page = response.context["page_obj"]
        next_url = f"{url}?{urlencode({'after': page.next_token})}" if page.has_next else None
    assert sorted(seen) == sorted(m.pk for m in many) and len(seen) == len(set(seen))
    html = client.get(url).content.decode()
    assert 'rel="last"' in html and 'rel="next"' in html
    last = client.get(f"{url}?last=1")
    assert [m.pk for m in last.context["page_obj"]] == seen[-len(last.context["page_obj"]):]
    by_name = client.get(f"{url}?ordering=name&from=王")
    assert 'name="from"' in by_name.content.decode() and by_name.context["jump_label"]
    assert all(m.name >= "王" for m in by_name.context["page_obj"])
    # a small list keeps its numbered pages
    monkeypatch.setattr(registry_views, "KEYSET_FROM", 10_000)
    small = client.get(url)
    assert not small.context["keyset"] and small.context["page_obj"].number == 1
