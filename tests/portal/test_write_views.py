"""Writes go through services, and a write page is a ServiceFormView (issue #15).

Generated from the whole URL surface (every pattern of the root URLconf, as tests/security/walker.py walks it):
each project view class that handles POST is parsed with `ast` (its own source and its project bases') and
must be thin:

* a ServiceFormView / ServiceActionView / PostActionsView subclass that keeps the base's `post` (the one
  form → service → error-on-the-form-or-message → redirect sequence), or
* a hand-written `post` that validates no form and writes no model itself (it calls one service and maps its
  ValidationError to a message).

Nowhere may a POST view define `form_valid` or write a model itself (`.save(`, `.delete(`, `.create(`, a
queryset `.update(` …): those belong in the app's services. A view outside these rules is named in EXEMPT with
its reason. PostActionsView's actions are checked as well.
"""
from __future__ import annotations

import ast
import inspect
import sys
import textwrap
from functools import cache

import pytest
from django.views import View

from portal.views import PostActionsView, ServiceActionView, ServiceFormView
from tests.security.walker import collect

PROJECT_APPS = ("portal", "branches", "members", "notifications", "orglife", "practice", "evaluations",
                "programmes", "inbox", "selfservice", "reports")
SERVICE_BASES = (ServiceFormView, ServiceActionView, PostActionsView)
MODEL_WRITES = {"save", "delete", "bulk_create", "bulk_update", "get_or_create", "update_or_create", "select_for_update"}
TRANSACTIONS = {"atomic", "atomic_with_files"}   # a view holding a transaction orchestrates writes: a service's job
QUERYSET_HINTS = {"objects", "filter", "exclude", "all", "restrict", "select_related"}

# "module.Class": why its POST is not (yet) on the service bases.
EXEMPT: dict[str, str] = {
    "branches.api_client_views.ApiClientListView": (
        "issuing a client answers with the page that shows its token once (never cached), not a redirect: "
        "a redirect would have to carry the secret through the session or a message; the write is one "
        "service (api_clients.api_client_create) and its ValidationError goes onto the form"),
}


# Shared bases of portal that are infrastructure, not pages: the service bases themselves, the API's idempotency
# records (portal.api.IdempotentCreateMixin keeps and drops its own bookkeeping rows).
INFRASTRUCTURE = ("portal.views", "portal.api", "portal.concurrency")


def _is_project(cls) -> bool:
    return cls.__module__.split(".")[0] in PROJECT_APPS and not cls.__module__.startswith(INFRASTRUCTURE)


def _name(cls) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def page_view_classes() -> list[type]:
    """Every project class behind a URL that answers POST (Django views and DRF views/viewsets)."""
    found = {}
    for ep in collect():
        cls = getattr(ep.callback, "view_class", None) or getattr(ep.callback, "cls", None)
        if cls is None or not _is_project(cls):
            continue
        actions = getattr(ep.callback, "actions", None)   # a DRF viewset route: method -> action
        handles_post = "post" in actions if actions else hasattr(cls, "post")
        if handles_post:
            found[_name(cls)] = cls
    return sorted(found.values(), key=_name)


def with_actions(classes):
    out = list(classes)
    for cls in classes:
        if issubclass(cls, PostActionsView):
            out.extend(a for a in cls.actions.values() if a not in out)
    return out


@cache
def _module_functions(module_name: str) -> dict:
    tree = ast.parse(inspect.getsource(sys.modules[module_name]))
    return {fn.name: fn for fn in tree.body if isinstance(fn, ast.FunctionDef)}


def _methods(classes) -> dict:
    """name -> (owner, FunctionDef), the first definition along the MRO."""
    out = {}
    for c in classes:
        tree = ast.parse(textwrap.dedent(inspect.getsource(c))).body[0]
        for fn in tree.body:
            if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)) and fn.name not in out:
                out[fn.name] = (c, fn)
    return out


def _reachable(methods: dict, module_name: str, start: str) -> list:
    """(label, FunctionDef) of `start` and of every method (self.x()) and module function it calls, transitively;
    a getattr(self, …) dispatch reaches every method."""
    functions = _module_functions(module_name) if module_name in sys.modules else {}
    todo, seen, out = [("m", start)], set(), []
    while todo:
        kind, name = todo.pop()
        if (kind, name) in seen:
            continue
        seen.add((kind, name))
        if kind == "m" and name in methods:
            owner, fn = methods[name]
            label = f"{_name(owner)}.{name}"
        elif kind == "f" and name in functions:
            fn, label = functions[name], f"{module_name}.{name}"
        else:
            continue
        out.append((label, fn))
        for node in ast.walk(fn):
            if isinstance(node, ast.Call):
                f = node.func
                if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id == "self":
                    todo.append(("m", f.attr))
                elif isinstance(f, ast.Name) and f.id == "getattr" and node.args and \
                        isinstance(node.args[0], ast.Name) and node.args[0].id == "self":
                    todo.extend(("m", m) for m in methods)
                elif isinstance(f, ast.Name):
                    todo.append(("f", f.id))
    return out


def _receiver_names(node) -> set[str]:
    names = set()
    while isinstance(node, (ast.Attribute, ast.Call, ast.Subscript)):
        if isinstance(node, ast.Attribute):
            names.add(node.attr)
            node = node.value
        elif isinstance(node, ast.Call):
            node = node.func
        else:
            node = node.value
    if isinstance(node, ast.Name):
        names.add(node.id)
    return names


def _queryset_names(fn) -> set[str]:
    """Local names bound to a queryset expression (qs = X.objects.filter(...); qs = qs.filter(...))."""
    names: set[str] = set()
    for _round in range(2):
        for node in ast.walk(fn):
            if isinstance(node, ast.Assign) and (_receiver_names(node.value) & (QUERYSET_HINTS | names)):
                names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return names


def problems(cls, classes=None) -> list[str]:
    classes = classes if classes is not None else [c for c in cls.__mro__ if _is_project(c)]
    service_based = issubclass(cls, SERVICE_BASES)
    methods = _methods(classes)
    out = []
    if "form_valid" in methods:
        out.append(f"{_name(methods['form_valid'][0])}.form_valid: defines form_valid (use ServiceFormView.perform)")
    if service_based and "post" in methods:
        out.append(f"{_name(methods['post'][0])}.post: overrides the service base's post")
    for owner, fn in methods.values():
        where = f"{_name(owner)}.{fn.name}"
        querysets = _queryset_names(fn)
        for node in ast.walk(fn):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in TRANSACTIONS:
                out.append(f"{where}: holds a transaction itself (a service's job)")
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            attr, receiver = node.func.attr, _receiver_names(node.func.value)
            if attr in TRANSACTIONS:
                out.append(f"{where}: holds a transaction itself (a service's job)")
            elif attr in MODEL_WRITES or (attr == "create" and "objects" in receiver):
                out.append(f"{where}: writes itself (.{attr}(); a service's job)")
            elif attr == "update" and receiver & (QUERYSET_HINTS | querysets):
                out.append(f"{where}: updates a queryset itself (a service's job)")
    if not service_based:
        # a form validated on the way of a POST (a GET's filter form is a read and is not looked at)
        for label, fn in _reachable(methods, cls.__module__, "post"):
            if any(isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "is_valid"
                   for n in ast.walk(fn)):
                out.append(f"{label}: validates a form for a POST by hand (use ServiceFormView/ServiceActionView)")
    return out


def test_the_walk_finds_the_write_pages():
    names = {_name(c) for c in page_view_classes()}
    assert "branches.views.OrganizationCreateView" in names
    assert "members.views.registry.MemberEditView" in names
    assert len(names) > 40


@pytest.mark.parametrize("cls", with_actions(page_view_classes()), ids=_name)
def test_post_view_is_thin(cls):
    found = problems(cls)
    if _name(cls) in EXEMPT:
        assert found, f"{_name(cls)} is exempt but passes: take it off EXEMPT"
        return
    assert not found, "\n".join(found)


def test_exemptions_are_current():
    names = {_name(c) for c in with_actions(page_view_classes())}
    assert set(EXEMPT) <= names, f"exempt but not served: {set(EXEMPT) - names}"
    assert all(reason.strip() for reason in EXEMPT.values())


class _HandWritten(View):
    def post(self, request):
        form = self._form(request)
        if form.is_valid():
            form.save()
        Reminder = None
        qs = Reminder.objects.filter(user=request.user)
        qs.update(read_at=None)

    def _form(self, request):
        return None


def test_guard_catches_a_hand_written_sequence():
    found = problems(_HandWritten, classes=[_HandWritten])
    assert any("validates a form" in p for p in found), found
    assert any(".save(" in p for p in found) and any("updates a queryset" in p for p in found), found
