"""Who may do what with member records; pages, exports and the API all ask here."""
from __future__ import annotations

from portal.scoping import CHANGE, MANAGE, VIEW, can, scope_for

from .models import Member


def can_view(user, member: Member) -> bool:
    return can(user, VIEW, member.branch.path)


def can_edit(user, member: Member) -> bool:
    """Secretaries keep their branch's registry; staff their subtree."""
    return can(user, CHANGE, member.branch.path)


def can_manage(user, member: Member) -> bool:
    """Moves between branches, deactivation, restoring: staff only."""
    return can(user, MANAGE, member.branch.path)


def can_see_full_id(user, member: Member) -> bool:
    """The full 身份证号 is shown only on the detail page to staff with scope; each view is logged."""
    return can_manage(user, member)


def can_export_pii(user) -> bool:
    return bool(user.is_superuser)


# --- lifecycle pages (development, dues, transfers, status, 民主评议, points) -----------------------------
# Secretaries record for their own branch (CHANGE), staff for their subtree (CHANGE + MANAGE), reviewers
# read (VIEW). Objects outside the user's scope are 404 (restricted querysets); a missing right is 403.
def has_lifecycle_access(user) -> bool:
    """Lifecycle pages need a role on some organization (a plain member account sees its own record only)."""

    return scope_for(user).has_any(VIEW)


def can_record(user, organization) -> bool:
    """Record steps, dues payments, transfers, appraisal input, manual points: secretary of it or staff above."""
    return can(user, CHANGE, organization.path)


def can_record_somewhere(user) -> bool:
    """Some branch to record for: pages that only write (and the POST side of list pages) need one."""

    return scope_for(user).has_any(CHANGE)


def can_approve(user, organization) -> bool:
    """Approve rule exceptions, audit manual points, status decisions: party-affairs staff over it."""
    return can(user, MANAGE, organization.path)
