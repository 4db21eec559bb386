"""Who may do what on the organization tree: the one place the roles' rights are defined.

Pages, exports, the API and reports reach this through portal.scoping (`restrict`, `can`).
"""
from __future__ import annotations

from portal.scoping import CHANGE, MANAGE, REVIEW, VIEW, can

from .models import ApiClient, Organization, Role, RoleGrant

ROLE_ACTIONS = {
    Role.STAFF: {VIEW, CHANGE, MANAGE, REVIEW},
    Role.SECRETARY: {VIEW, CHANGE},
    Role.REVIEWER: {VIEW, REVIEW},
    Role.AGENCY: {VIEW},
}
PAGE_ROLES = {Role.STAFF, Role.SECRETARY, Role.REVIEWER}


def granted_paths(user, action: str) -> list[str]:
    """Resolver named by settings.PORTAL_GRANT_RESOLVER: one query per user and action.

    An API client (its service account) holds the agency role's rights on its organization while it
    is neither revoked nor expired: the same table of rights as people, no second rule.
    """
    roles = [role for role, actions in ROLE_ACTIONS.items() if action in actions]
    paths = (
        RoleGrant.objects.filter(user=user, role__in=roles, organization__dissolved_on__isnull=True)
        .order_by()
        .values_list("organization__path", flat=True)
    )
    if Role.AGENCY in roles:
        clients = (
            ApiClient.objects.usable()
            .filter(user=user, organization__dissolved_on__isnull=True)
            .order_by()
            .values_list("organization__path", flat=True)
        )
        paths = paths.union(clients)
    return list(paths)


def user_roles(user) -> set[str]:
    if not user.is_authenticated:
        return set()
    cache = user.__dict__.setdefault("_scope_cache", {})
    if "roles" not in cache:
        cache["roles"] = set(RoleGrant.objects.filter(user=user).values_list("role", flat=True))
    return cache["roles"]


def has_page_access(user) -> bool:
    """Agency accounts are API-only; people with a page role, members with a login, and superusers use pages."""
    if not user.is_authenticated:
        return False
    if user.is_superuser or user_roles(user) & PAGE_ROLES:
        return True
    from members.models import Member  # members depends on branches; a local import keeps files acyclic

    return Member.objects.filter(user=user, is_active=True).exists()


def can_view(user, org: Organization) -> bool:
    return can(user, VIEW, org.path)


def can_change(user, org: Organization) -> bool:
    return can(user, CHANGE, org.path)


def can_manage(user, org: Organization) -> bool:
    return can(user, MANAGE, org.path)


def can_review(user, org: Organization) -> bool:
    return can(user, REVIEW, org.path)


def is_staff(user) -> bool:
    """Holds the party-affairs staff role somewhere (or is a superuser)."""
    return user.is_authenticated and (user.is_superuser or Role.STAFF in user_roles(user))
