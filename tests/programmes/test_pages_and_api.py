"""Pages, panels and API of the programmes: scope at the object level, steps via POST, titles with validity."""
from datetime import date, timedelta

import pytest
from django.urls import reverse

from programmes import services
from programmes.models import Candidacy, ChangeKind, Stage
from tests.branches.factories import UserFactory, grant
from tests.programmes.conftest import ON_TIME, publish

MAT = dict(materials="材料", self_assessment="自评")


@pytest.fixture
def designated(four_round, cycle, tree, users):
    out = {}
    for org, by in ((tree.a1, users.staff_a), (tree.b1, users.staff)):
        publish(cycle, org)
        cand = services.candidacy_apply(round=four_round, organization=org, by=users.staff, today=ON_TIME, **MAT)
        services.candidacy_recommend(candidacy=cand, by=by, recommend=True, today=ON_TIME)
        services.candidacy_decide(candidacy=cand, by=users.staff, approve=True, today=ON_TIME)
        services.candidacy_designate(candidacy=cand, by=users.staff, today=date(2026, 4, 1))
        out[org.pk] = cand
    return out


def test_secretary_sees_the_committee_round_but_not_another_branch(client, users, tree, designated, four_round):
    client.force_login(users.secretary)
    page = client.get(four_round.get_absolute_url())
    assert page.status_code == 200
    body = page.content.decode()
    assert "甲一支部" in body and "乙一支部" not in body
    assert client.get(designated[tree.b1.pk].get_absolute_url()).status_code == 404
    assert client.get(designated[tree.a1.pk].get_absolute_url()).status_code == 200


@pytest.fixture
def open_round(tree, users):
    soon = date.today() + timedelta(days=30)
    return services.round_create(organization=tree.root, programme="red_flag", year=soon.year, name="红旗创建",
                                 by=users.staff, apply_closes_on=soon, recommend_closes_on=soon, decide_closes_on=soon)


def test_secretary_applies_through_the_page_and_cannot_decide(client, users, tree, open_round):
    red_round = open_round
    client.force_login(users.secretary)
    r = client.post(red_round.get_absolute_url(), {"op": "apply", "organization": tree.a1.pk, **MAT})
    cand = Candidacy.objects.get(round=red_round, organization=tree.a1)
    assert r.status_code == 302 and r["Location"] == cand.get_absolute_url()
    # not her branch: the form refuses the choice, nothing is created
    client.post(red_round.get_absolute_url(), {"op": "apply", "organization": tree.b1.pk, **MAT})
    assert not Candidacy.objects.filter(round=red_round, organization=tree.b1).exists()
    r = client.post(reverse("programmes:candidacy_action", args=[cand.pk, "decide"]), {"approve": "1"}, follow=True)
    assert "没有权限" in r.content.decode() or "不能执行" in r.content.decode()
    cand.refresh_from_db()
    assert cand.stage == Stage.APPLIED


def test_staff_records_an_extension_through_the_page(client, users, tree, red_round):
    client.force_login(users.staff_a)   # staff of a 党总支 do not manage the 党委's round
    client.post(red_round.get_absolute_url(), {"op": "extend", "organization": tree.a2.pk, "action": "apply",
                                               "until": "2099-01-01", "reason": "补报"})
    assert not red_round.extensions.exists()
    client.force_login(users.staff)
    client.post(red_round.get_absolute_url(), {"op": "extend", "organization": tree.a2.pk, "action": "apply",
                                               "until": "2099-01-01", "reason": "补报"})
    ext = red_round.extensions.get()
    assert (ext.organization, ext.action, ext.until, ext.granted_by) == (tree.a2, "apply", date(2099, 1, 1),
                                                                         users.staff)


def test_branch_page_shows_current_title_with_validity(client, users, tree, designated):
    client.force_login(users.secretary)
    body = client.get(reverse("branches:detail", args=[tree.a1.pk])).content.decode()
    assert "programmes-panel" in body and "2029-03-31" in body


def test_api_titles_are_scoped_and_filter_current(client, users, tree, designated):
    client.force_login(users.staff_a)
    rows = client.get("/api/v1/titles/").json()["results"]
    assert {r["organization"] for r in rows} == {tree.a1.pk}
    assert rows[0]["valid_until"] == "2029-03-31" and rows[0]["designated_by"] == tree.root.pk
    client.force_login(users.staff)
    services.title_change(honour=designated[tree.b1.pk].title, kind=ChangeKind.REVOKE, reason="违纪",
                          by=users.staff, decided_on=date(2026, 5, 1))
    all_rows = client.get("/api/v1/titles/").json()["results"]
    current = client.get("/api/v1/titles/?current=true").json()["results"]
    assert len(all_rows) == 2 and [r["organization"] for r in current] == [tree.a1.pk]
    revoked = next(r for r in all_rows if r["organization"] == tree.b1.pk)
    assert revoked["revoked_on"] == "2026-05-01" and revoked["is_current"] is False


def test_api_candidacies_show_steps_and_are_scoped(client, users, tree, designated):
    other = grant(UserFactory(username="sec_b"), tree.b1, "secretary")
    client.force_login(other)
    rows = client.get("/api/v1/programme-candidacies/").json()["results"]
    assert [r["organization"] for r in rows] == [tree.b1.pk]
    assert [s["action"] for s in rows[0]["steps"]] == ["申报", "推荐", "评定通过", "命名"]
    assert rows[0]["title"]["kind"] == "four_strong"
    assert client.get(f"/api/v1/programme-candidacies/{designated[tree.a1.pk].pk}/").status_code == 404


def test_api_bad_filter_is_a_400(client, users):
    client.force_login(users.staff)
    assert client.get("/api/v1/titles/?year=abc").status_code == 400
