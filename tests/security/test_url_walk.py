"""Nobody where they don't belong: every URL pattern of the site and API, for anonymous users and every role.

Generic: URLs come from the resolver, path parameters from the models the views serve (see walker.py), the
data from every app's demo seed. A new app's pages are covered when they are included in portal/urls.py.
Exceptions are explicit allow-lists below, each with its reason.
"""
from __future__ import annotations

from contextlib import contextmanager

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from . import crawler, walker
from .conftest import CANARIES
from .helpers import form_values

# Public without logging in, and why.
ANONYMOUS_ALLOWED = {
    "login": "the login page itself",
    "logout": "logging out needs no login (POST only)",
    "healthz": "load-balancer health check, answers only ok/unavailable",
    "favicon.ico": "redirect to a static icon",
    "admin:login": "the admin's own login page",
    "admin:logout": "logging out of the admin",
    "admin:javascript-catalog": "Django's admin translation strings (no data)",
    "api-schema": "the OpenAPI schema is public (describes the API, holds no data)",
    "api-docs": "Swagger UI for the public schema",
    "api/v1/^.*/$": "catch-all that answers unknown API paths with a JSON 404",
}
# (role, url name) pairs allowed to write in their own scope although the role is read-only otherwise.
READ_ONLY_WRITE_ALLOWED: dict[tuple[str, str], str] = {
    **{(role, name): "every party member logs their own study (学习记录), whatever their role"
       for role in ("reviewer", "member") for name in ("practice:study_create", "practice:study_mine")},
    **{(role, name): "one's own messages (mark read) and one's own channel settings"
       for role in ("reviewer", "member") for name in ("inbox:open", "inbox:read_all", "inbox:preferences")},
    ("member", "mine:study"): "a member writes her own 民主评议 自评 on 我的 (her entry only, found by her login)",
    **{(role, "orglife:reminders"): "marking one's own reminders read" for role in ("reviewer", "member")},
    ("reviewer", "evaluations:rectification_create"): "reviewers' findings become rectification items (整改)",
}
READ_ONLY_ROLES = ("reviewer", "member", "agency", "plain_user")
# Pages whose path parameter is typed by people (not an object id): a wrong value answers a Chinese message.
FREE_TEXT_PARAM_ALLOWED = {
    "orglife:checkin_code": "check-in by meeting code: an unknown code shows 签到码无效 (200), nothing is revealed",
}
# Pages public by design to everyone under an organization, outside the viewer's own role scope.
PUBLIC_UNDER_ORGANIZATION = {
    "evaluations:publicity": "公示 is public by design to every member under the cycle's organization: it lists the "
                             "proposed star levels, totals and 四强 designations so members can object",
    "practice:notice_detail": "通知公告 published to an organization reach every recipient under it (by role/subtree "
                              "targeting, tested in tests/practice), beyond the reader's own role scope",
}
DENIED = {403, 404, 405}
SKIP_POST = {"logout"}   # would end the walking user's session


@pytest.fixture(scope="module")
def eps(walk_world, django_db_blocker):
    with django_db_blocker.unblock():
        return walker.endpoints()


@pytest.fixture
def world(walk_world, db):
    for u in [*walk_world.roles.values(), walk_world.superuser]:
        u.__dict__.pop("_scope_cache", None)
    return walk_world


def as_user(user, **kwargs) -> Client:
    client = Client(**kwargs)
    if user is not None:
        client.force_login(user)
    return client


def login_redirect(response, admin=False) -> bool:
    target = "/admin/login/" if admin else reverse(settings.LOGIN_URL)
    return response.status_code == 302 and response["Location"].startswith(target)


def describe(ep, url, response):
    return f"{ep.name} {url} -> {response.status_code} {response.get('Location', '')}"


def test_the_walk_covers_the_site(eps):
    """Guard against a walk that silently covers nothing: known pages are there, with their models."""
    by_name = {ep.name: ep for ep in eps}
    for name in ("home", "branches:detail", "members:edit", "members:list"):
        assert name in by_name
    assert by_name["members:edit"].models["pk"]._meta.label == "members.Member"
    assert by_name["branches:dissolve"].models["pk"]._meta.label == "branches.Organization"
    assert any(ep.is_api for ep in eps) and any(ep.is_admin for ep in eps)


def test_anonymous_users_are_sent_to_log_in(world, eps):
    client = Client()
    failures = []
    for ep in eps:
        values = walker.fill(ep, None, in_scope=False)
        if values is None or ep.name in ANONYMOUS_ALLOWED:
            continue
        url = ep.url(values)
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            if ep.is_api:
                ok = response.status_code in (401, 403, 429)
            else:
                ok = login_redirect(response, admin=ep.is_admin)
            if not ok:
                failures.append(f"{method.upper()} {describe(ep, url, response)}")
    assert not failures, "\n".join(failures)


ROLES = ("staff_other_subtree", "secretary_other_branch", "reviewer", "agency", "member", "plain_user")


@pytest.mark.parametrize("role", ROLES)
def test_objects_outside_scope_answer_404(world, eps, role):
    """Every URL naming an object outside the role's scope: 404 (or 403 / 405), for GET and POST."""
    user = world.roles[role]
    client = as_user(user)
    failures, walked = [], 0
    for ep in eps:
        if not ep.object_params or ep.name in FREE_TEXT_PARAM_ALLOWED or ep.name in PUBLIC_UNDER_ORGANIZATION:
            continue
        values = walker.fill(ep, user, in_scope=False)
        if values is None:
            continue
        url = ep.url(values)
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            walked += 1
            ok = login_redirect(response, admin=True) if ep.is_admin else response.status_code in DENIED
            if not ok:
                failures.append(f"{method.upper()} {describe(ep, url, response)}")
    assert walked > 10
    assert not failures, "\n".join(failures)


HOSTILE_QUERIES = ("organization", "branch", "member", "party_group", "parent", "org", "cycle")


@pytest.mark.parametrize("role", (*ROLES, "superuser_control"))
def test_no_page_shows_objects_outside_scope(world, eps, role):
    """GET every list and in-scope page (also with filters pointing outside): no canary, no 5xx."""
    control = role == "superuser_control"
    user = world.superuser if control else world.roles[role]
    client = as_user(user)
    canary_pk = world.canary.pk
    failures, seen_canary = [], False
    for ep in eps:
        if ep.is_admin or ep.name in SKIP_POST:
            continue
        values = walker.fill(ep, user, in_scope=True) if ep.object_params else walker.fill(ep, user, in_scope=False)
        if values is None:
            continue
        url = ep.url(values)
        queries = [{}] if ep.object_params else [{}, {q: canary_pk for q in HOSTILE_QUERIES}]
        for query in queries:
            response = client.get(url, query)
            body = b"".join(response.streaming_content) if response.streaming else response.content
            text = body.decode("utf-8", "replace")
            if response.status_code >= 500:
                failures.append(f"5xx: {describe(ep, url, response)} {query}")
            leaked = [c for c in CANARIES if c in text]
            if leaked and ep.name in PUBLIC_UNDER_ORGANIZATION:
                seen_canary = seen_canary or control
                continue
            if leaked:
                seen_canary = True
                if not control:
                    failures.append(f"leak {leaked}: {describe(ep, url, response)} {query}")
    if control:
        # The canaries are real and visible to someone entitled: otherwise this test could not fail.
        assert seen_canary
    assert not failures, "\n".join(failures)


def history_total() -> int:
    total = 0
    for model in apps.get_models():
        if model.__name__.startswith("Historical"):
            total += model._default_manager.count()
    return total


@contextmanager
def unchanged():
    before = history_total()
    yield
    after = history_total()
    assert after == before, f"{after - before} record(s) changed"


@pytest.mark.parametrize("role", READ_ONLY_ROLES)
def test_read_only_roles_cannot_write_inside_their_scope(world, eps, role):
    """POST what an entitled user would submit, as a role without write rights: denied, nothing changes."""
    user = world.roles[role]
    admin_client = as_user(world.superuser)
    client = as_user(user)
    failures = []
    for ep in eps:
        if ep.is_admin or ep.name in SKIP_POST or ep.name in ANONYMOUS_ALLOWED:
            continue
        if (role, ep.name) in READ_ONLY_WRITE_ALLOWED:
            continue
        values = walker.fill(ep, user, in_scope=True) if ep.object_params else walker.fill(ep, user, in_scope=False)
        if values is None and ep.object_params:
            # Roles with no scope at all (plain user): use the superuser's objects, still "theirs" to try.
            values = walker.fill(ep, world.superuser, in_scope=True)
        if values is None:
            continue
        url = ep.url(values)
        data = {}
        if not ep.is_api:
            page = admin_client.get(url)
            if page.status_code == 200 and "text/html" in page.get("Content-Type", ""):
                data = form_values(page)
        before = history_total()
        response = client.post(url, data)
        changed = history_total() - before
        if changed or response.status_code not in DENIED and not (ep.is_api and response.status_code == 401):
            failures.append(f"{describe(ep, url, response)} changed={changed}")
    assert not failures, "\n".join(failures)


# CSRF: posts without a token are refused everywhere, even for a superuser with every right.
CSRF_EXEMPT_ALLOWED: dict[str, str] = {}


def test_every_post_without_csrf_token_is_refused(world, eps):
    client = as_user(world.superuser, enforce_csrf_checks=True)
    failures = []
    for ep in eps:
        if ep.name in CSRF_EXEMPT_ALLOWED or ep.name in SKIP_POST:
            continue
        values = walker.fill(ep, world.superuser, in_scope=True) if ep.object_params else walker.fill(ep, world.superuser, in_scope=False)
        if values is None:
            values = walker.fill(ep, world.superuser, in_scope=False)
        if values is None:
            continue
        url = ep.url(values)
        response = client.post(url, {"name": "csrf"})
        if response.status_code != 403:
            failures.append(describe(ep, url, response))
    assert not failures, "\n".join(failures)


# Dead links: as each demo role (the accounts seed_demo creates), follow every link the pages show, from home.
# `agency` is API-only (its pages answer 403 by design), so it has no links to follow.
CRAWL_ROLES = ("staff", "secretary", "reviewer", "member")


@pytest.mark.parametrize("role", CRAWL_ROLES)
def test_every_link_a_role_is_shown_can_be_followed(world, role):
    """A link its viewer cannot open (403/404) is a bug: the page must show plain text or hide the action."""
    client = as_user(get_user_model().objects.get(username=role))
    result = crawler.crawl(client)
    assert not result.dead, f"{len(result.dead)} dead link(s) for {role}:\n" + "\n".join(result.dead)
    assert result.fetched > 10, "the crawl reached almost nothing"
    assert not result.bounded, f"the crawl stopped at {crawler.MAX_PAGES} pages: cap more routes"
