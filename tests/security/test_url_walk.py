"""Every URL pattern of the site and API for anonymous users and without CSRF tokens, and every link each demo
role is shown. The per-principal scope, content and write checks live in test_matrix.py (narrow principals
on different subtrees; this file's former status-only role walk was replaced by it).

Generic: URLs come from the resolver, path parameters from the models the views serve (see walker.py), the
data from every app's demo seed. Exceptions are explicit allow-lists below, each with its reason.
"""
from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from portal import scoping

from . import crawler, walker

# Public without logging in, and why.
ANONYMOUS_ALLOWED = {
    "login": "the login page itself",
    "logout": "logging out needs no login (POST only)",
    "password_reset": "asking for a reset link by e-mail: the person cannot log in",
    "password_reset_done": "the 'link sent' notice (says nothing about whether the address exists)",
    "password_reset_confirm": "the link from the e-mail: the token in the URL is the credential",
    "password_reset_complete": "the 'password reset' notice",
    "healthz": "load-balancer health check, answers only ok/unavailable",
    "favicon.ico": "redirect to a static icon",
    "admin:login": "the admin's own login page",
    "admin:logout": "logging out of the admin",
    "admin:javascript-catalog": "Django's admin translation strings (no data)",
    "api/v1/^.*/$": "catch-all that answers unknown API paths with a JSON 404",
}
# Pages under /api/ (not JSON endpoints): anonymous visitors are sent to the login form instead of a 401.
API_PAGES = {"api-docs": "Swagger UI (API_DOCS_REQUIRE_LOGIN, on by default)"}
SKIP_POST = {"logout"}   # would end the walking user's session


@pytest.fixture(scope="module")
def eps(walk_world, django_db_blocker):
    with django_db_blocker.unblock():
        return walker.endpoints()


@pytest.fixture
def world(walk_world, db):
    for u in [*walk_world.roles.values(), walk_world.superuser]:
        scoping.forget(u)
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
            if ep.is_api and ep.name not in API_PAGES:
                ok = response.status_code in (401, 403, 429)
            else:
                ok = login_redirect(response, admin=ep.is_admin)
            if not ok:
                failures.append(f"{method.upper()} {describe(ep, url, response)}")
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
# `agency` is API-only (its pages answer 403 by design; its home is the API landing page, whose every link is
# followed in tests/portal/test_newuser.py), so it has no pages to crawl here.
CRAWL_ROLES = ("staff", "secretary", "reviewer", "member")


@pytest.mark.parametrize("role", CRAWL_ROLES)
def test_every_link_a_role_is_shown_can_be_followed(world, role):
    """A link its viewer cannot open (403/404) is a bug: the page must show plain text or hide the action."""
    client = as_user(get_user_model().objects.get(username=role))
    result = crawler.crawl(client)
    assert not result.dead, f"{len(result.dead)} dead link(s) for {role}:\n" + "\n".join(result.dead)
    assert result.fetched > 10, "the crawl reached almost nothing"
    assert not result.bounded, f"the crawl stopped at {crawler.MAX_PAGES} pages: cap more routes"
