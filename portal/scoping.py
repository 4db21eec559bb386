"""The one scoping mechanism: every model's QuerySet answers `restrict(user, action)`.

portal/ knows no domain model. A resolver named by settings.PORTAL_GRANT_RESOLVER returns the
materialized paths of the organizations whose subtrees `user` holds `action` on; each QuerySet
names the path field that places its rows in the tree (`scope_path_field`). Rows outside the result
are treated exactly like missing ones (404).
"""
from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache, reduce
from operator import or_

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.module_loading import import_string

VIEW = "view"        # read pages, exports and API lists
CHANGE = "change"    # log records of the organization (activities, members of a branch)
MANAGE = "manage"    # structure, rules, users, closing periods: party affairs staff
REVIEW = "review"    # score branches in an evaluation cycle
ACTIONS = (VIEW, CHANGE, MANAGE, REVIEW)

ALL = object()  # sentinel: unrestricted (superuser)


@lru_cache(maxsize=1)
def _resolver():
    return import_string(settings.PORTAL_GRANT_RESOLVER)


class Scope:
    """What one principal may see and do: the grants behind `restrict()` and `can()`, loaded once.

    One per principal per unit of work — a request (ScopeMiddleware) or a Celery task (the task_prerun hook in
    portal/celery.py) — held in a context variable, never on the user object. Outside both (shell, a test
    calling a selector) each call builds a fresh one, so nothing stale is ever read. Apps that derive something
    per principal from the grants (the inbox's recipients, practice's reviewer sets) keep it with `memo`.
    """

    def __init__(self, user):
        self.user = user
        self._paths: dict[str, tuple | object] = {}
        self._memo: dict = {}

    def paths(self, action: str):
        """Paths of the subtree roots the principal may `action` on; ALL for superusers; () for nobody."""
        if action not in ACTIONS:
            raise ValueError(f"unknown action {action!r}")
        user = self.user
        if user is None or not user.is_authenticated or not user.is_active:
            return ()
        if user.is_superuser:
            return ALL
        if action not in self._paths:
            self._paths[action] = tuple(_resolver()(user, action))
        return self._paths[action]

    def has_any(self, action: str) -> bool:
        """Whether the principal may `action` anywhere (a menu entry, a list page worth showing)."""
        return bool(self.paths(action))

    def can(self, action: str, path: str) -> bool:
        paths = self.paths(action)
        return paths is ALL or any(path.startswith(p) for p in paths)

    def q(self, action: str, field: str = "path") -> Q:
        """The condition for rows whose `field` lies in the principal's subtrees (everything for ALL)."""
        paths = self.paths(action)
        return Q() if paths is ALL else subtree_q(paths, field)

    def memo(self, key, fn):
        if key not in self._memo:
            self._memo[key] = fn()
        return self._memo[key]


_unit_of_work: ContextVar[dict | None] = ContextVar("portal_scopes", default=None)


def scope_for(user) -> Scope:
    """The principal's Scope for the current request or task (a fresh one outside both)."""
    scopes = _unit_of_work.get()
    if scopes is None or user is None or not getattr(user, "pk", None):
        return Scope(user)
    key = user.pk
    scope = scopes.get(key)
    if scope is None:
        scope = scopes[key] = Scope(user)
    return scope


def forget(user) -> None:
    """Drop the principal's loaded grants (after they change within the same request or task)."""
    scopes = _unit_of_work.get()
    if scopes is not None and user is not None:
        scopes.pop(getattr(user, "pk", None), None)


@contextmanager
def unit_of_work():
    """Scopes live as long as this block: one request, one task."""
    token = _unit_of_work.set({})
    try:
        yield
    finally:
        _unit_of_work.reset(token)


_open_units: dict[str, object] = {}


def begin_unit_of_work(key: str) -> None:
    """For units of work that start and end in separate callbacks (Celery's task_prerun/task_postrun, keyed by
    task id); an eager task run inside a request gets its own scopes and gives the request's back."""
    _open_units[key] = _unit_of_work.set({})


def end_unit_of_work(key: str) -> None:
    token = _open_units.pop(key, None)
    if token is not None:
        try:
            _unit_of_work.reset(token)
        except ValueError:   # ended in another context than it began: just close it
            _unit_of_work.set(None)


class ScopeMiddleware:
    """Each request gets its own scopes (loaded on first use, by `restrict`, `can` or a page)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with unit_of_work():
            return self.get_response(request)


def granted_paths(user, action: str):
    """Paths of the subtree roots `user` may `action` on; ALL for superusers (see Scope.paths)."""
    return scope_for(user).paths(action)


def subtree_q(paths, field: str = "path") -> Q:
    """One condition matching rows whose `field` lies under any of `paths` (prefix match on an index)."""
    paths = minimal_paths(paths)
    if not paths:
        return Q(pk__in=[])
    return reduce(or_, (Q(**{f"{field}__startswith": p}) for p in paths))


def minimal_paths(paths):
    """Drop paths already covered by a shorter one, so the OR stays small."""
    kept = []
    for p in sorted(set(paths), key=len):
        if not any(p.startswith(k) for k in kept):
            kept.append(p)
    return kept


class RestrictedQuerySet(models.QuerySet):
    """Base QuerySet for every scoped model; subclasses set `scope_path_field`."""

    scope_path_field = "path"

    def restrict(self, user, action: str = VIEW):
        paths = granted_paths(user, action)
        if paths is ALL:
            return self
        if not paths:
            return self.none()
        return self.filter(subtree_q(paths, self.scope_path_field))

    def within(self, path: str):
        """Rows in the subtree rooted at `path` (used by filters: organization subtree)."""
        return self.filter(**{f"{self.scope_path_field}__startswith": path})


def can(user, action: str, path: str) -> bool:
    """Whether `user` may `action` on the object placed at tree `path`."""
    return scope_for(user).can(action, path)
