"""Who may do what on the organization tree: the one place the roles' rights are defined.

Pages, exports, the API and reports reach this through portal.scoping (`restrict`, `can`).
"""
from __future__ import annotations

from django.db.models import CharField, Value

from portal.scoping import ALL, CHANGE, MANAGE, REVIEW, VIEW, can, minimal_paths, scope_for

from .models import ApiClient, Organization, Role, RoleGrant, member_model

ROLE_ACTIONS = {
    Role.STAFF: {VIEW, CHANGE, MANAGE, REVIEW},
    Role.SECRETARY: {VIEW, CHANGE},
    Role.REVIEWER: {VIEW, REVIEW},
    Role.AGENCY: {VIEW},
}
PAGE_ROLES = {Role.STAFF, Role.SECRETARY, Role.REVIEWER}


API_CLIENT = "api_client"  # tag of an ApiClient's row in `_grants`: the agency's rights, not a role grant


def _grants(user) -> list[tuple[str, str, bool]]:
    """(role, organization path, organization active) of every grant `user` holds, and (API_CLIENT, path, active)
    of each usable API client whose service account `user` is: one query per request or task (the principal's
    portal.scoping.Scope; services.role_grant makes it forget)."""
    def load():
        grants = RoleGrant.objects.filter(user=user).order_by().values_list(
            "pk", "role", "organization__path", "organization__dissolved_on")
        clients = (
            ApiClient.objects.usable().filter(user=user).order_by()
            .annotate(tag=Value(API_CLIENT, output_field=CharField()))
            .values_list("pk", "tag", "organization__path", "organization__dissolved_on")
        )
        rows = sorted(grants.union(clients, all=True), key=lambda r: (r[1] == API_CLIENT, r[0]))  # grants by pk
        return [(role, path, dissolved is None) for _pk, role, path, dissolved in rows]

    return scope_for(user).memo("grants", load)


def granted_paths(user, action: str) -> list[str]:
    """Resolver named by settings.PORTAL_GRANT_RESOLVER: no query of its own (see `_grants`).

    An API client (its service account) holds the agency role's rights on its organization while it
    is neither revoked nor expired: the same table of rights as people, no second rule.
    """
    roles = {role for role, actions in ROLE_ACTIONS.items() if action in actions}
    if Role.AGENCY in roles:
        roles.add(API_CLIENT)
    return [path for role, path, active in _grants(user) if active and role in roles]


def scope_roots(user, action: str = VIEW, *, within: Organization | None = None) -> list[str]:
    """The paths of the subtrees that make up `user`'s scope for `action` (`restrict` is every row under them),
    none inside another; of `within`'s subtree when it is given (an organization chosen from the scope, so its
    subtree lies in it). What a figure stored per subtree (OrganizationFigures, the compliance roll-ups) is summed
    over."""
    if within is not None:
        return [within.path]
    paths = scope_for(user).paths(action)
    if paths is ALL:
        return list(Organization.objects.filter(depth=1).order_by("path").values_list("path", flat=True))
    return minimal_paths(paths)


def role_grants(user) -> list[tuple[str, str]]:
    """(organization path, role) of each role grant of `user` in the order they were made, dissolved organizations
    included."""
    if not user.is_authenticated:
        return []
    return [(path, role) for role, path, _active in _grants(user) if role != API_CLIENT]


def user_roles(user) -> set[str]:
    if not user.is_authenticated:
        return set()
    return {role for _path, role in role_grants(user)}


def has_page_access(user) -> bool:
    """Agency accounts are API-only; people with a page role, members with a login, and superusers use pages."""
    if not user.is_authenticated:
        return False
    if user.is_superuser or user_roles(user) & PAGE_ROLES:
        return True
    Member = member_model()

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
