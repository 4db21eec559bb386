"""The security matrix: narrow principals × every URL pattern × objects inside and outside their scope.

Principals hold one role each on different subtrees of the demo world (every app's seed, so objects of every
model): staff of one 党总支, a reviewer of another 党总支, the secretary of a branch in that other 党总支, a
member with a login, a user without any grant, and API tokens on one branch and on one 党总支.

For every URL pattern (Django's resolver, recursively) and every principal:

- **outside**: a URL naming an object outside the principal's view scope answers 403/404/405 (pages; tokens,
  which have no page session, are sent to log in) for GET, POST and, on the API, PATCH and DELETE — and
  nothing is written;
- **inside**: GET the page, export or API answer for an object in scope (list pages also with filters pointing
  outside): no 5xx, and the **content** — HTML, JSON, XLSX/DOCX (every XML part), PDF (pdftotext) — holds no
  sentinel of a member outside the view scope, no full phone number outside the principal's CHANGE scope
  (what the pages show in full) and no full 身份证号 at all;
- **no write beyond the action granted**: POST (and PATCH/DELETE) what an entitled user would submit, to
  objects the principal may only *view* (an ancestor's standard, another branch's record in a reviewer's
  scope, everything for read-only roles): no history row, no new row appears.

And **a redundant nested grant changes no answer**: two staff with the same scope, one holding an extra grant
inside her own, read the same text on every page, export and API answer (below).

And **an API list row is its object's detail answer**: for every resource of the API routers with a list and a
detail route, each principal's list rows equal, field by field, the detail answers for the same objects (the
list reads value rows, the detail the instance); a resource nobody could read a row of fails.

A new URL pattern fails `test_every_url_pattern_is_covered` until it has its one line in COVERAGE. Exceptions
to the rules are the allow-lists below, one line each, with the reason.
"""
from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client

from portal import scoping
from portal.scoping import CHANGE, MANAGE, REVIEW, VIEW, can

from . import walker
from .helpers import body_text, form_values

pytestmark = [pytest.mark.django_db, pytest.mark.security_matrix]

# --- coverage: one line per URL pattern (name, or route when unnamed) -----------------------------------------
WALK = "walked: outside/inside × GET/POST, content checked"
LIST = "list/export: walked with hostile filters, content checked"
AUTH = "authentication pages: public by design, walked for 5xx and content"
COVERAGE: dict[str, str] = {
    "home": LIST, "healthz": AUTH, "favicon.ico": AUTH, "login": AUTH, "logout": "not POSTed: ends the session",
    "password_change": WALK, "password_change_done": WALK, "password_reset": AUTH, "password_reset_done": AUTH,
    "password_reset_confirm": AUTH, "password_reset_complete": AUTH,
    "branches:tree": LIST, "branches:create": WALK, "branches:warnings": LIST, "branches:grants": LIST,
    "branches:detail": WALK, "branches:edit": WALK, "branches:dissolve": WALK, "branches:term_create": WALK,
    "orglife:due": LIST, "orglife:activity_create": WALK, "orglife:activity_detail": WALK,
    "orglife:activity_edit": WALK, "orglife:activity_action": WALK, "orglife:attachment": WALK,
    "orglife:attachment_thumb": WALK, "orglife:checkin": WALK, "orglife:checkin_code": WALK,
    "orglife:compliance": LIST, "orglife:attendance": LIST, "orglife:periods": LIST, "orglife:rules": LIST,
    "orglife:reminders": LIST, "orglife:orglife": WALK, "orglife:calendar": LIST, "orglife:talk_create": WALK,
    "branches:api_clients": LIST, "branches:api_client_detail": WALK, "branches:api_client_revoke": WALK,
    "members:list": LIST, "members:create": WALK, "members:import": WALK, "members:export_pii": LIST,
    "members:pii_log": LIST, "members:detail": WALK, "members:edit": WALK, "members:move": WALK,
    "members:deactivate": WALK, "members:restore": WALK, "members:development": LIST,
    "members:candidate_create": WALK, "members:due": LIST, "members:candidate": WALK, "members:dues": LIST,
    "members:dues_generate": WALK, "members:dues_pay": WALK, "members:dues_unmark": WALK,
    "members:dues_arrears": LIST, "members:dues_ledger": WALK, "members:dues_base": WALK,
    "members:transfers": LIST, "members:transfer_in": WALK, "members:transfer_decide": WALK,
    "members:transfer_initiate": WALK, "members:mobile": LIST, "members:status_change": WALK,
    "members:birthdays": LIST, "members:appraisals": LIST, "members:appraisal": WALK, "members:points": LIST,
    "members:points_entries": WALK, "members:points_audit": WALK,
    "evaluations:cycle_list": LIST, "evaluations:cycle_create": WALK, "evaluations:cycle_dashboard": WALK,
    "evaluations:cycle_refresh": WALK, "evaluations:cycle_export": WALK, "evaluations:publicity": WALK,
    "evaluations:evaluation_detail": WALK, "evaluations:self_assessment": WALK,
    "evaluations:evaluation_action": WALK, "evaluations:score_sheet": WALK, "evaluations:worklist": LIST,
    "evaluations:scorecard": WALK, "evaluations:branch_rectifications": WALK, "evaluations:rectification_list": LIST,
    "evaluations:rectification_create": WALK, "evaluations:rectification_detail": WALK,
    "evaluations:standard_list": LIST, "evaluations:standard_import": WALK, "evaluations:standard_detail": WALK,
    "evaluations:standard_export": WALK, "evaluations:attachment": WALK,
    "reports:index": LIST, "reports:organization": WALK, "reports:jobs": LIST, "reports:plan": WALK,
    "reports:job": WALK, "reports:download": WALK, "reports:regenerate": WALK,
    "practice:home": LIST, "practice:study_mine": LIST, "practice:study_create": WALK, "practice:study_edit": WALK,
    "practice:brand_gallery": LIST, "practice:brand_detail": WALK, "practice:round_detail": WALK,
    "practice:post_detail": WALK, "practice:contest_detail": WALK, "practice:plan_detail": WALK,
    "practice:course_detail": WALK, "practice:contact_detail": WALK, "practice:notices_mine": LIST,
    "practice:notice_detail": WALK, "practice:attachment": WALK, "practice:list": LIST, "practice:create": WALK,
    "practice:edit": WALK, "practice:deactivate": WALK,
    "api-root": LIST, "api-organization-list": LIST, "api-organization-detail": WALK, "api-activity-list": LIST,
    "api-activity-detail": WALK, "api-compliance-list": LIST, "api-member-list": LIST, "api-member-detail": WALK,
    "evaluation-cycle-list": LIST, "evaluation-cycle-detail": WALK, "branch-result-list": LIST,
    "branch-result-detail": WALK, "rectification-list": LIST, "rectification-detail": WALK,
    "api-report-job-list": LIST, "api-report-job-detail": WALK, "api-report-job-file": WALK,
    "practice-brand-list": LIST, "practice-brand-detail": WALK, "practice-round-list": LIST,
    "practice-round-detail": WALK, "practice-post-list": LIST, "practice-post-detail": WALK,
    "practice-study-list": LIST, "practice-study-detail": WALK, "practice-contest-list": LIST,
    "practice-contest-detail": WALK, "practice-plan-list": LIST, "practice-plan-detail": WALK,
    "practice-course-list": LIST, "practice-course-detail": WALK, "practice-contact-list": LIST,
    "practice-contact-detail": WALK, "practice-visit-list": LIST, "practice-visit-detail": WALK,
    "practice-honour-list": LIST, "practice-honour-detail": WALK, "practice-notice-list": LIST,
    "practice-notice-detail": WALK,
    "api/v1/^.*/$": "JSON 404 catch-all: walked",
    "api-schema": AUTH, "api-docs": AUTH,
    "pick": LIST,
    "mine:home": LIST, "mine:profile": WALK, "mine:orglife": LIST, "mine:dues": LIST, "mine:study": WALK,
    "programmes:round_list": LIST, "programmes:round_detail": WALK, "programmes:candidacy_detail": WALK,
    "programmes:candidacy_action": WALK, "programme-title-list": LIST, "programme-title-detail": WALK,
    "programme-candidacy-list": LIST, "programme-candidacy-detail": WALK,
    "members:elections": LIST, "members:election": WALK, "members:election_report": WALK,
    "api-election-list": LIST, "api-election-detail": WALK, "api-orglife-facts-list": LIST,
    "reports:definitions": LIST,
    "inbox:list": LIST, "inbox:open": WALK, "inbox:read_all": WALK, "inbox:badge": LIST, "inbox:preferences": WALK,
}
# Whole groups covered by one rule (route prefix -> how).
COVERAGE_PREFIXES = {
    "admin/": "Django admin: no narrow principal is is_staff, every pattern sends them to the admin log-in",
}

# --- allow-lists: where a rule legitimately does not hold, and why ------------------------------------------
# (principal, url name) pairs that may write inside their view scope although they hold no write action there.
OWN_WRITES_ALLOWED: dict[tuple[str, str], str] = {
    **{(p, name): "every party member logs their own study (学习记录), whatever their role"
       for p in ("reviewer", "member", "nobody", "staff", "secretary")
       for name in ("practice:study_create", "practice:study_mine", "practice:study_edit")},
    **{(p, "orglife:reminders"): "marking one's own reminders read" for p in ("reviewer", "member", "nobody")},
    ("reviewer", "evaluations:rectification_create"): "reviewers' findings become rectification items (整改)",
    ("reviewer", "evaluations:rectification_detail"): "reviewers verify rectification items (REVIEW, not CHANGE)",
    **{(p, "password_change"): "everyone changes their own password" for p in
       ("reviewer", "member", "nobody", "staff", "secretary")},
    **{(p, name): "one's own messages (mark read) and one's own channel settings"
       for p in ("reviewer", "member", "nobody", "staff", "secretary")
       for name in ("inbox:open", "inbox:read_all", "inbox:preferences")},
    ("member", "mine:study"): "a member writes her own 民主评议 自评 on 我的 (her entry only, found by her login)",
    ("member", "mine:profile"): "showing her own full 身份证号 writes her own PII-access row",
}
# Pages whose path parameter is typed by people (not an object id): a wrong value answers a Chinese message.
FREE_TEXT_PARAM = {"orglife:checkin_code", "password_reset_confirm"}
# Admin pages anyone may open (the admin's own log-in, log-out and translation catalog).
ADMIN_PUBLIC = {"admin:login", "admin:logout", "admin:javascript-catalog"}
# Pages public by design to everyone under an organization, beyond the viewer's own role scope.
PUBLIC_UNDER_ORGANIZATION = {"evaluations:publicity", "practice:notice_detail"}
NOT_POSTED = {"logout"}   # would end the walking principal's session
DENIED = {403, 404, 405}
HOSTILE_QUERIES = ("organization", "branch", "member", "party_group", "parent", "org", "cycle")


# --- the world ----------------------------------------------------------------------------------------------

@dataclass
class Principal:
    name: str
    user: object
    token: str = ""
    read_only: bool = True
    forbidden_names: set = field(default_factory=set)
    forbidden_phones: set = field(default_factory=set)
    phone_probe: tuple = ()      # (digits of a visible member's phone, their name): searching must not find them

    def client(self) -> Client:
        if self.token:
            return Client(HTTP_AUTHORIZATION=f"Bearer {self.token}")
        client = Client()
        client.force_login(self.user)
        return client


@dataclass
class World:
    principals: dict
    superuser: object
    sentinel_ids: set
    canary_pk: int
    stats: Counter = field(default_factory=Counter)


SENTINEL = "哨兵{n:03d}号"


@pytest.fixture(scope="module")
def matrix(walk_world, django_db_blocker):
    """walk_world (the demo seed, rolled back after the module) plus narrow principals and sentinel members:
    one per branch, with a unique name, phone number and 身份证号 whose every appearance the walk checks."""
    from branches.api_clients import api_client_create
    from branches.models import Organization, Role, RoleGrant
    from members.models import Member
    from tests.branches.factories import UserFactory
    from tests.members.factories import valid_id_number

    with django_db_blocker.unblock():
        branches = [o for o in Organization.objects.active().order_by("path") if o.is_branch]
        sentinels = {}
        for n, branch in enumerate(branches):
            # The lowest id of its branch: the member the walk opens first for a scope (detail, history, edit).
            m = Member.objects.filter(branch=branch, is_active=True, user__isnull=True).order_by("pk").first()
            if m is None:
                continue
            m.set_id_number(valid_id_number(900 + n, m.birth_date))
            m.name, m.phone = SENTINEL.format(n=n), f"1990{n:07d}"
            m.save()     # through history: 修改记录 now holds the sentinel name and phone too
            sentinels[m.pk] = (SENTINEL.format(n=n), f"1990{n:07d}", m.get_id_number())
        z1, z2 = Organization.objects.get(code="JB01-Z1"), Organization.objects.get(code="JB01-Z2")
        z2_branch = next(b for b in branches if b.path.startswith(z2.path))

        def user(name, org=None, role=None):
            u = UserFactory(username=f"matrix_{name}", first_name=f"矩阵{name}")
            if org is not None:
                RoleGrant.objects.create(user=u, organization=org, role=role)
            return u

        member_user = user("member")
        Member.objects.filter(pk=Member.objects.filter(branch=z2_branch, is_active=True, user__isnull=True)
                              .exclude(pk__in=sentinels).order_by("pk").first().pk).update(user=member_user)
        branch_client, branch_token = api_client_create(organization=z2_branch, name="矩阵支部令牌")
        general_client, general_token = api_client_create(organization=z1, name="矩阵党总支令牌")
        principals = {
            "staff": Principal("staff", user("staff", z1, Role.STAFF), read_only=False),
            "reviewer": Principal("reviewer", user("reviewer", z2, Role.REVIEWER)),
            "secretary": Principal("secretary", user("secretary", z2_branch, Role.SECRETARY), read_only=False),
            "member": Principal("member", member_user),
            "nobody": Principal("nobody", user("nobody")),
            "token_branch": Principal("token_branch", branch_client.user, token=branch_token),
            "token_general": Principal("token_general", general_client.user, token=general_token),
        }
        for p in principals.values():
            visible = set(Member.objects.restrict(p.user, VIEW).filter(pk__in=sentinels).values_list("pk", flat=True))
            editable = set(Member.objects.restrict(p.user, CHANGE).filter(pk__in=sentinels)
                           .values_list("pk", flat=True)) if not p.token else set()
            p.forbidden_names = {sentinels[pk][0] for pk in sentinels if pk not in visible}
            p.forbidden_phones = {sentinels[pk][1] for pk in sentinels if pk not in editable}
            if visible:    # nobody here holds the PII right: phone digits must not find a member
                name, phone, _ = sentinels[min(visible)]
                p.phone_probe = (phone[3:9], name)
        superuser = walk_world.superuser
        yield World(principals=principals, superuser=superuser, sentinel_ids={v[2] for v in sentinels.values()},
                    canary_pk=walk_world.canary.pk)


@pytest.fixture(scope="module")
def eps(matrix, django_db_blocker):
    with django_db_blocker.unblock():
        return walker.endpoints()


def _fresh(world):
    for p in world.principals.values():
        scoping.forget(p.user)


# --- reading answers ----------------------------------------------------------------------------------------

def leaks(principal: Principal, world: World, text: str) -> list[str]:
    found = [f"name {s}" for s in principal.forbidden_names if s in text]
    digits = re.sub(r"\D", "", text) if principal.forbidden_phones or world.sentinel_ids else ""
    found += [f"phone {s}" for s in principal.forbidden_phones if s in text or s in digits]
    found += [f"身份证号 {s[:6]}…" for s in world.sentinel_ids if s in text]
    return found


# --- writes -------------------------------------------------------------------------------------------------

_COUNT_SQL = None


def rows_total() -> int:
    """Every history row and every row of every domain table, in one query (a write anywhere moves it)."""
    global _COUNT_SQL
    if _COUNT_SQL is None:
        tables = [m._meta.db_table for m in apps.get_models()
                  if m._meta.app_label in ("branches", "members", "evaluations", "practice", "reports")
                  and not m._meta.proxy and m._meta.managed
                  and m.__name__ not in ("ApiRequestLog", "PiiAccess")]       # logs of reading, not writes
        _COUNT_SQL = "SELECT " + " + ".join(f'(SELECT COUNT(*) FROM "{t}")' for t in tables)
    with connection.cursor() as cursor:
        cursor.execute(_COUNT_SQL)
        return cursor.fetchone()[0]


def write_methods(ep) -> tuple[str, ...]:
    return ("post", "patch", "delete") if ep.is_api else ("post",)


def send(client, method, url, data=None):
    if method == "get":
        return client.get(url, data or {})
    if method == "post":
        return client.post(url, data or {})
    return getattr(client, method)(url, data=json.dumps(data or {}), content_type="application/json")


# --- choosing objects ----------------------------------------------------------------------------------------

def _path_of(obj) -> str | None:
    qs = type(obj)._default_manager.all()
    attr = getattr(qs, "scope_path_field", None)
    if attr is None:
        return None
    value = obj
    for part in attr.split("__"):
        value = getattr(value, part, None)
        if value is None:
            return None
    return value


def view_only(model, user):
    """An object `user` may view but holds no write action on (downward rule: an ancestor's object is one)."""
    for obj in model._default_manager.all().restrict(user, VIEW).order_by("pk")[:50]:
        path = _path_of(obj)
        if path is not None and not any(can(user, action, path) for action in (CHANGE, MANAGE, REVIEW)):
            return obj
    return None


def fill_with(ep, chooser) -> dict | None:
    values = {}
    for param in ep.params:
        model = ep.models.get(param)
        if param == "format":
            values[param] = ".json" if getattr(ep.converters.get(param), "regex", "").startswith("\\.") else "json"
        elif model is None:
            return None
        else:
            obj = chooser(model)
            if obj is None:
                return None
            values[param] = obj.pk
    return values


def is_login_redirect(response, admin=False) -> bool:
    return response.status_code == 302 and ("/admin/login/" if admin else "/accounts/login/") in response["Location"]


# --- the tests ----------------------------------------------------------------------------------------------

def _covered(ep) -> bool:
    return ep.name in COVERAGE or any(ep.route.startswith(p) or ep.fmt.startswith(p) for p in COVERAGE_PREFIXES)


def test_every_url_pattern_is_covered(eps):
    missing = sorted(ep.name for ep in eps if not _covered(ep))
    assert not missing, "add one line per pattern to COVERAGE in tests/security/test_matrix.py: " + ", ".join(missing)
    names = {ep.name for ep in eps}
    stale = sorted(set(COVERAGE) - names)
    assert not stale, f"COVERAGE names patterns that no longer exist: {stale}"


PRINCIPALS = ("staff", "reviewer", "secretary", "member", "nobody", "token_branch", "token_general")


@pytest.mark.parametrize("name", PRINCIPALS)
def test_matrix(matrix, eps, name):
    world = matrix
    _fresh(world)
    p = world.principals[name]
    client = p.client()
    admin_client = Client()
    admin_client.force_login(world.superuser)
    failures = []

    def check_denied(ep, url, response, method):
        if ep.is_admin:
            ok = is_login_redirect(response, admin=True)
        elif p.token and not ep.is_api:
            ok = is_login_redirect(response)          # a token is no page session
        else:
            ok = response.status_code in DENIED or (p.token and response.status_code == 401)
        if not ok:
            failures.append(f"{method.upper()} {ep.name} {url} -> {response.status_code} (expected refusal)")

    def check_content(ep, url, response, query=None):
        world.stats["requests"] += 1
        if response.status_code >= 500:
            failures.append(f"5xx: GET {ep.name} {url} {query or ''}")
            return
        if response.status_code != 200:
            return
        found = leaks(p, world, body_text(response))
        if found and ep.name not in PUBLIC_UNDER_ORGANIZATION:
            world.stats["leaks"] += 1
            failures.append(f"leak {sorted(found)[:3]}: GET {ep.name} {url} {query or ''}")

    def check_phone_search(ep, url):
        digits, person = p.phone_probe
        for extra in ({}, {"format": "xlsx"}):
            found = client.get(url, {"q": digits, **extra})
            world.stats["requests"] += 1
            if found.status_code == 200 and person in body_text(found):
                nothing = client.get(url, {"q": "无此内容ZZ", **extra})
                world.stats["requests"] += 1
                if person not in body_text(nothing):
                    world.stats["leaks"] += 1
                    failures.append(f"phone search: GET {ep.name} {url}?q={digits} {extra} finds {person}")

    def check_no_write(ep, url, method, data):
        before = rows_total()
        response = send(client, method, url, data)
        world.stats["requests"] += 1
        if rows_total() != before:
            world.stats["writes"] += 1
            failures.append(f"write: {method.upper()} {ep.name} {url} -> {response.status_code}")
        return response

    for ep in eps:
        if ep.is_admin:
            if name in ("staff", "token_general") and ep.name not in ADMIN_PUBLIC:    # one page principal and one token are enough for the admin
                url = ep.url(walker.fill(ep, None, in_scope=False) or {}) if ep.params else ep.url({})
                response = client.get(url)
                world.stats["requests"] += 1
                check_denied(ep, url, response, "get")
            continue
        # 1. outside the view scope: refused, nothing written
        if ep.object_params and ep.name not in FREE_TEXT_PARAM and ep.name not in PUBLIC_UNDER_ORGANIZATION:
            values = walker.fill(ep, p.user, in_scope=False)
            if values is not None:
                url = ep.url(values)
                response = client.get(url)
                world.stats["requests"] += 1
                check_denied(ep, url, response, "get")
                if ep.name not in NOT_POSTED:
                    for method in write_methods(ep):
                        check_denied(ep, url, check_no_write(ep, url, method, {}), method)
        # 2. inside: the answer's content
        values = walker.fill(ep, p.user, in_scope=bool(ep.object_params))
        if values is not None and ep.name not in NOT_POSTED:
            url = ep.url(values)
            check_content(ep, url, client.get(url))
            if not ep.object_params:
                hostile = {q: world.canary_pk for q in HOSTILE_QUERIES}
                check_content(ep, url, client.get(url, hostile), hostile)
                check_content(ep, url, client.get(url, {"format": "xlsx"}), {"format": "xlsx"})   # exports
                if p.phone_probe:
                    check_phone_search(ep, url)
        # 3. no write beyond the action granted: objects the principal may only view
        if ep.name in NOT_POSTED or (p.name, ep.name) in OWN_WRITES_ALLOWED:
            continue
        if p.read_only:
            values = (walker.fill(ep, p.user, in_scope=True) or walker.fill(ep, world.superuser, in_scope=True)
                      if ep.object_params else walker.fill(ep, p.user, in_scope=False))
        else:
            values = fill_with(ep, lambda model: view_only(model, p.user)) if ep.object_params else None
        if values is None:
            continue
        url = ep.url(values)
        data = {}
        if not ep.is_api:
            page = admin_client.get(url)
            if page.status_code == 200 and "text/html" in page.get("Content-Type", ""):
                data = form_values(page)
        for method in write_methods(ep):
            check_no_write(ep, url, method, data)
    world.stats["principals"] += 1
    world.stats["patterns"] = len(eps)
    assert not failures, f"{len(failures)} finding(s) for {name}:\n" + "\n".join(failures)


def test_matrix_figures(matrix, eps, request):
    """The figures of the run above (README, issue #17): principals, URL patterns, requests, leaks found."""
    stats = matrix.stats
    if stats["principals"] < len(PRINCIPALS):
        pytest.skip("run the whole module for the figures")
    figures = {"principals": stats["principals"], "url_patterns": len(eps), "requests": stats["requests"],
               "leaks": stats["leaks"], "writes": stats["writes"]}
    print(f"\nsecurity matrix: {json.dumps(figures)}")
    assert stats["requests"] > 5 * len(eps)


# --- a grant inside another grant ----------------------------------------------------------------------------
# Two 党务工作者 with the same scope: one holds a grant on a 党总支, the other the same grant plus a redundant one on a
# branch under it (staff who were a branch's secretary first, or two appointments). Every answer the walker can fill
# for them is fetched as both and its text must be equal: a figure summed over the scope's roots that forgets to
# drop the nested root counts that branch twice (found so: the 出席率 trend, and /reports/ listing both roots).

NOT_FETCHED = {"logout": "would end the session"}
_VOLATILE = [
    re.compile(r"\b[A-Za-z0-9]{64}\b"),     # a masked CSRF token (forms, the csrf-token meta)
    re.compile(r'nonce="[^"]+"'),
    re.compile(r'name="form_token" value="[^"]+"'),   # a fresh token per form drawn (double-submit guard)
    re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:?\d{2}|Z)?"),
    re.compile(r"\d{1,2}:\d{2}:\d{2}"),
]


def normalized(text: str, usernames: tuple[str, ...]) -> str:
    for pattern in _VOLATILE:
        text = pattern.sub("·", text)
    for name in usernames:
        text = text.replace(name, "·user·")
    return text


@pytest.fixture(scope="module")
def twins(matrix, walk_world, eps, django_db_blocker):
    from branches.models import Role, RoleGrant
    from tests.branches.factories import UserFactory

    with django_db_blocker.unblock():
        single = UserFactory(username="nest_single", first_name="嵌套甲")
        nested = UserFactory(username="nest_double", first_name="嵌套甲")
        RoleGrant.objects.create(user=single, organization=walk_world.home_general, role=Role.STAFF)
        RoleGrant.objects.create(user=nested, organization=walk_world.home_general, role=Role.STAFF)
        RoleGrant.objects.create(user=nested, organization=walk_world.home_branch, role=Role.STAFF)
    return single, nested, eps


def test_the_nested_grant_adds_nothing_to_the_scope(twins, db):
    """The premise: both users may view and change the same rows."""
    from members.models import Member

    single, nested, _ = twins
    for action in (VIEW, CHANGE):
        assert (set(Member.objects.restrict(single, action).values_list("pk", flat=True))
                == set(Member.objects.restrict(nested, action).values_list("pk", flat=True)))
    assert len(scoping.scope_for(nested).paths(VIEW)) == 2


def test_every_answer_is_the_same_with_a_nested_grant(twins, db):
    single, nested, eps = twins
    for u in (single, nested):
        scoping.forget(u)
    clients = []
    for u in (single, nested):
        c = Client()
        c.force_login(u)
        clients.append(c)
    compared, differing = 0, []
    for ep in eps:
        if ep.is_admin or ep.name in NOT_FETCHED:
            continue
        values = walker.fill(ep, single, in_scope=True) if ep.params else {}
        if values is None:
            continue
        url = ep.url(values)
        answers = [c.get(url, HTTP_ACCEPT="application/json" if ep.is_api else "text/html") for c in clients]
        if answers[0].status_code != answers[1].status_code:
            differing.append(f"{ep.name} {url}: {answers[0].status_code} / {answers[1].status_code}")
            continue
        if answers[0].status_code != 200:
            continue
        texts = [normalized(body_text(a), (single.username, nested.username)) for a in answers]
        compared += 1
        if texts[0] != texts[1]:
            a, b = texts
            at = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
            differing.append(f"{ep.name} {url}: …{a[max(0, at - 80):at + 80]!r}… / …{b[max(0, at - 80):at + 80]!r}…")
    assert not differing, f"{len(differing)} answer(s) change with a redundant nested grant:\n" + "\n".join(differing)
    assert compared > 100, compared   # the walk reached the site, not a handful of pages


# --- an API list row is its object's detail answer -----------------------------------------------------------
# Generated from the API routers: every resource with a list and a detail route, read by every narrow principal
# and by the superuser (the demo keeps some resources, the 党委's rounds, contests, notices and courses, above
# every narrow principal's subtree).
# A list page reads value rows or annotations for speed (ValueRowsListMixin, LeanRepresentationMixin); the detail
# page reads the model instance. A figure computed on one path and not the other (a count, a label, a 党龄, a time
# zone) shows here as a row that differs from its detail answer.

# Fields only the detail answer carries, per router basename (the list would have to read them row by row).
DETAIL_ONLY = {"api-organization": {"terms"}}
ROWS_PER_LIST = 15


def api_resources() -> list[tuple[str, str]]:
    from portal.urls import API_ROUTERS

    return [(prefix, basename) for router in API_ROUTERS for prefix, viewset, basename in router.registry
            if hasattr(viewset, "list") and hasattr(viewset, "retrieve")]


def test_every_api_list_row_is_its_detail_answer(matrix):
    _fresh(matrix)
    compared, differing = Counter(), []
    readers = [*matrix.principals.values(), Principal("superuser", matrix.superuser)]
    for p in readers:
        client = p.client()
        for prefix, basename in api_resources():
            listed = client.get(f"/api/v1/{prefix}/", HTTP_ACCEPT="application/json")
            if listed.status_code in (401, 403):
                continue
            assert listed.status_code == 200, (p.name, prefix, listed.status_code)
            body = listed.json()
            for row in (body["results"] if isinstance(body, dict) else body)[:ROWS_PER_LIST]:
                detail = client.get(f"/api/v1/{prefix}/{row['id']}/", HTTP_ACCEPT="application/json")
                assert detail.status_code == 200, (p.name, prefix, row["id"], detail.status_code)
                answer = detail.json()
                changed = sorted(k for k in row if answer.get(k, "(missing)") != row[k])
                added = sorted(set(answer) - set(row) - DETAIL_ONLY.get(basename, set()))
                if changed or added:
                    differing.append(f"{p.name} {prefix} {row['id']}: differ {changed}, only in detail {added}")
                compared[prefix] += 1
    assert not differing, "\n".join(differing[:30])
    unread = sorted(prefix for prefix, _ in api_resources() if not compared[prefix])
    assert not unread, f"nobody read a row of {unread}: give the walk world data for them"
