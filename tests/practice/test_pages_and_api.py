"""List pages, XLSX export and API: scoped, filtered by the shared FilterSet, queries independent of rows."""
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from practice import services
from practice.views import KINDS

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_list_page_renders_and_exports(client, users, kind):
    client.force_login(users.staff)
    assert client.get(reverse("practice:list", args=[kind])).status_code == 200
    resp = client.get(reverse("practice:list", args=[kind]) + "?format=xlsx")
    assert resp.status_code == 200 and resp["Content-Type"].startswith("application/vnd.openxmlformats")


def test_other_pages_render(client, users, tree, members):
    brand = services.brand_create(organization=tree.a1, name="品牌", launched_on=date(2024, 1, 1), by=users.staff)
    client.force_login(users.staff)
    for url in [reverse("practice:home"), reverse("practice:brand_gallery"), brand.get_absolute_url(),
                reverse("practice:notices_mine"), reverse("branches:detail", args=[tree.a1.pk]),
                reverse("members:detail", args=[members.a1.pk])]:
        assert client.get(url).status_code == 200, url


def test_brand_list_queries_do_not_grow(client, users, tree):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(users.staff)
    counts = []
    for batch in (1, 20):
        for i in range(batch):
            services.brand_create(organization=tree.a1, name=f"品牌{batch}-{i}", launched_on=date(2024, 1, 1),
                                  by=users.staff)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("practice:list", args=["brand"])).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


def test_api_is_scoped(client, users, tree):
    services.brand_create(organization=tree.a1, name="甲品牌", launched_on=date(2024, 1, 1), by=users.staff)
    services.brand_create(organization=tree.b1, name="乙品牌", launched_on=date(2024, 1, 1), by=users.staff)
    client.force_login(users.agency)  # view on 乙党总支 only
    data = client.get("/api/v1/practice/brands/").json()
    assert [b["name"] for b in data["results"]] == ["乙品牌"]
    client.force_login(users.staff)
    data = client.get(f"/api/v1/practice/brands/?organization={tree.ga.pk}").json()
    assert [b["name"] for b in data["results"]] == ["甲品牌"]
    client.force_login(users.nobody)
    assert client.get("/api/v1/practice/brands/").json()["results"] == []


def test_api_endpoints_answer(client, users):
    client.force_login(users.staff)
    for name in ["brands", "brand-rounds", "vanguard-posts", "study-records", "contests", "study-plans",
                 "training-courses", "contact-points", "contact-visits", "honours", "notices"]:
        assert client.get(f"/api/v1/practice/{name}/").status_code == 200, name
    assert client.get("/api/v1/practice/brands/?year=abc").status_code == 400


def test_branch_page_shows_this_years_study_training_and_contact_figures(client, users, tree, members, study):
    """The branch page's practice panel carries this year's figures, equal to the summary the reports print;
    last year's records do not count. A viewer outside the branch gets no branch page at all."""
    from django.utils import timezone

    from members.models import Member
    from practice.selectors import branch_practice_summary

    today = timezone.localdate()
    study(members.a1, studied_on=today, hours=Decimal("7"))
    study(members.a1, studied_on=date(today.year - 1, 12, 31), hours=Decimal("20"))   # last year: not counted
    point = services.contact_point_assign(organization=tree.a1, year=today.year, contact_user=users.staff,
                                          by=users.staff)
    services.contact_visit_record(contact_point=point, visited_on=today, checked="三会一课记录", by=users.staff)
    client.force_login(users.staff)
    html = client.get(reverse("branches:detail", args=[tree.a1.pk])).content.decode()
    heads = Member.objects.filter(branch=tree.a1, is_active=True).count()
    per_member = round(7 / heads, 1)
    summary = branch_practice_summary(branch=tree.a1, start=date(today.year, 1, 1), end=today)
    figures = {f["key"]: f["value"] for f in summary["political"]["figures"] + summary["leadership"]["figures"]}
    assert figures["study_hours_per_member"] == per_member and figures["contact_visits"] == 1
    assert f"{today.year} 年学习、培训与联系点" in html
    assert f"{per_member}<small> 学时</small></div><div class=\"stat-label\">人均自学学时" in html
    assert "1<small> 次</small></div><div class=\"stat-label\">联系点走访" in html
    client.force_login(users.agency)   # view on 乙党总支 only
    assert client.get(reverse("branches:detail", args=[tree.a1.pk])).status_code in (403, 404)
