"""The one scoping mechanism: every model's QuerySet answers `restrict(user, action)`.

portal/ knows no domain model. A resolver named by settings.PORTAL_GRANT_RESOLVER returns the
materialized paths of the organizations whose subtrees `user` holds `action` on; each QuerySet
names the path field that places its rows in the tree (`scope_path_field`). Rows outside the result
are treated exactly like missing ones (404).
"""
from __future__ import annotations

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


def granted_paths(user, action: str):
    """Paths of the subtree roots `user` may `action` on; ALL for superusers; cached on the user object."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    if user is None or not user.is_authenticated or not user.is_active:
        return ()
    if user.is_superuser:
        return ALL
    cache = user.__dict__.setdefault("_scope_cache", {})
    if action not in cache:
        cache[action] = tuple(_resolver()(user, action))
    return cache[action]


def subtree_q(paths, field: str = "path") -> Q:
    """One condition matching rows whose `field` lies under any of `paths` (prefix match on an index)."""
    paths = _minimal(paths)
    if not paths:
        return Q(pk__in=[])
    return reduce(or_, (Q(**{f"{field}__startswith": p}) for p in paths))


def _minimal(paths):
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
    paths = granted_paths(user, action)
    if paths is ALL:
        return True
    return any(path.startswith(p) for p in paths)
