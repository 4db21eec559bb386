"""Two people saving the same record at the same instant: exactly one save wins, the other is told.

Real concurrency on PostgreSQL: each save runs in its own thread with its own database connection (a test
client each), released together by a threading.Barrier placed where the race hurts — after the form was
validated (both saw the same version) and before the service's transaction writes. Read-compare-save in
Python lets both through every time; the conditional write under a row lock lets exactly one through.
"""
from __future__ import annotations

from datetime import date
from functools import partial

import pytest
from django.test import Client
from django.urls import reverse

from branches import services
from branches.models import Organization
from orglife import services as activity_services
from orglife.models import Activity, ActivityStatus, ActivityType
from portal import concurrency
from tests.concurrency import all_at_once, held_at
from tests.databases import postgresql_only
from tests.orglife.activity_factories import log

from .helpers import form_values

TRIALS = 8

pytestmark = [pytest.mark.django_db(transaction=True), postgresql_only("row locks")]



def race(monkeypatch, module, name: str, posts: list[tuple[Client, str, dict]]):
    """POST each (client, url, data) from its own thread; all reach `module.name` before any enters it. Returns
    each response, or the exception raised."""
    with held_at(monkeypatch, module, name, parties=len(posts)):
        return all_at_once(*(partial(client.post, url, data) for client, url, data in posts))


def one_wins(results) -> int:
    """Index of the single winner (302); the other answered 200 with the conflict message."""
    assert not [r for r in results if isinstance(r, BaseException)], results
    codes = [r.status_code for r in results]
    assert sorted(codes) == [200, 302], f"both saves accepted (lost update): {codes}"
    loser = results[codes.index(200)].content.decode()
    assert "保存未成功" in loser
    return codes.index(302)


def test_two_simultaneous_organization_saves_one_wins(monkeypatch, tree, users):
    clients = []
    for user in (users.staff, users.staff_a):
        c = Client()
        c.force_login(user)
        clients.append(c)
    url = reverse("branches:edit", args=[tree.a1.pk])
    for trial in range(TRIALS):
        posts = []
        for i, c in enumerate(clients):
            data = form_values(c.get(url))
            assert data[concurrency.VERSION_FIELD]
            data.update(name=f"第{trial}轮-{i}", units=tree.a1.units)
            posts.append((c, url, data))
        winner = one_wins(race(monkeypatch, services, "organization_update", posts))
        assert Organization.objects.get(pk=tree.a1.pk).name == f"第{trial}轮-{winner}"


def test_two_simultaneous_activity_saves_one_wins(monkeypatch, tree, users):
    from branches.models import Role
    from tests.branches.factories import UserFactory, grant

    ActivityType.objects.get_or_create(code="theme_day", defaults={"name": "主题党日", "takes_attendance": False})
    activity = log(tree.a1, "theme_day", date(2025, 9, 10), status=ActivityStatus.DRAFT)
    second = grant(UserFactory(username="secretary2"), tree.a1, Role.SECRETARY)
    clients = []
    for user in (users.secretary, second):
        c = Client()
        c.force_login(user)
        clients.append(c)
    url = reverse("orglife:activity_edit", args=[activity.pk])
    for trial in range(TRIALS):
        posts = []
        for i, c in enumerate(clients):
            data = form_values(c.get(url))
            assert data[concurrency.VERSION_FIELD]
            data.update(title=f"第{trial}轮-{i}", place="活动室", save="1")
            data.pop("submit", None)
            posts.append((c, url, data))
        winner = one_wins(race(monkeypatch, activity_services, "activity_update", posts))
        assert Activity.objects.get(pk=activity.pk).title == f"第{trial}轮-{winner}"


def test_the_loser_can_overwrite_deliberately(monkeypatch, tree, users):
    """After the conflict the re-rendered form carries the winner's version: saving again goes through."""
    clients = []
    for user in (users.staff, users.staff_a):
        c = Client()
        c.force_login(user)
        clients.append(c)
    url = reverse("branches:edit", args=[tree.a1.pk])
    posts = []
    for i, c in enumerate(clients):
        data = form_values(c.get(url))
        data.update(name=f"名字{i}", units=tree.a1.units)
        posts.append((c, url, data))
    results = race(monkeypatch, services, "organization_update", posts)
    winner = one_wins(results)
    loser = 1 - winner
    again = form_values(results[loser])
    again.update(name=f"名字{loser}", units=tree.a1.units)
    assert clients[loser].post(url, again).status_code == 302
    assert Organization.objects.get(pk=tree.a1.pk).name == f"名字{loser}"
