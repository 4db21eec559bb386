"""Writes on the organization tree: each a plain function with keyword-only arguments."""
from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from portal import scoping

from .models import (
    ALLOWED_PARENT_KINDS,
    TERM_APPROVAL_FIELDS,
    CommitteeSeat,
    CommitteeTerm,
    Organization,
    OrganizationKind,
    RoleGrant,
    member_model,
)

PARENT_KIND_ERROR = _("{kind}不能设在{parent}之下。")
DISSOLVE_MEMBERS_ERROR = _("该组织仍有 {count} 名在册党员，请先办理组织关系转移后再撤销。")
EARLY_ELECTION = _("上一届于 {ends:%Y年%m月%d日} 届满，本次属提前换届。")
TERM_OVERLAP_ERROR = _("新一届的开始日期不能早于上一届的开始日期。")
SEAT_MEMBER_ERROR = _("{name} 不是本组织的在册党员，不能担任委员会职务。")


def _check_parent(kind: str, parent: Organization | None) -> None:
    parent_kind = parent.kind if parent else None
    if parent_kind not in ALLOWED_PARENT_KINDS[kind]:
        raise ValidationError(
            {
                "parent": PARENT_KIND_ERROR.format(
                    kind=OrganizationKind(kind).label,
                    parent=OrganizationKind(parent_kind).label if parent_kind else _("顶层"),
                )
            }
        )
    if parent and not parent.is_active:
        raise ValidationError({"parent": _("上级组织已撤销，不能在其下新建组织。")})


@transaction.atomic
def organization_create(*, parent: Organization | None, by=None, **fields) -> Organization:
    """Create an organization under `parent` (None: a new root 基层党委)."""
    _check_parent(fields["kind"], parent)
    org = Organization(**fields)
    org.full_clean(exclude=["path", "depth", "numchild"])
    if fields.get("established_on") and parent and fields["established_on"] < parent.established_on:
        raise ValidationError({"established_on": _("成立日期不能早于上级组织的成立日期。")})
    org._history_user = by
    if parent is None:
        return Organization.objects.add_root(instance=org)
    return Organization.objects.add_child(Organization.objects.get(pk=parent.pk), instance=org)


@transaction.atomic
def organization_update(*, organization: Organization, by=None, **fields) -> Organization:
    for name, value in fields.items():
        setattr(organization, name, value)
    organization.full_clean(exclude=["path", "depth", "numchild"])
    organization._history_user = by
    organization.save()
    return organization


@transaction.atomic
def organization_dissolve(*, organization: Organization, on: date, reason: str, by=None) -> Organization:
    """Dissolve an organization and its 党小组; history and records are kept."""
    Member = member_model()

    if not reason.strip():
        raise ValidationError({"reason": _("撤销组织须填写原因。")})
    remaining = Member.objects.filter(branch__path__startswith=organization.path, is_active=True).count()
    if remaining and not organization.is_group:
        raise ValidationError({"organization": DISSOLVE_MEMBERS_ERROR.format(count=remaining)})
    if on < organization.established_on:
        raise ValidationError({"on": _("撤销日期不能早于成立日期。")})
    for org in Organization.objects.filter(path__startswith=organization.path, dissolved_on__isnull=True):
        org.dissolved_on = on
        org.dissolution_reason = reason
        org._history_user = by
        org.save(update_fields=["dissolved_on", "dissolution_reason", "updated_at"])
    if organization.is_group:
        Member.objects.filter(party_group=organization).update(party_group=None)
    organization.refresh_from_db()
    return organization


def term_election_window_days() -> int:
    """How long before 届满 a 换届 election counts as on time (local default 90 days, the 换届 reminder's window);
    earlier than that it is 提前换届 and needs the upper organization's approval."""
    return getattr(settings, "BRANCH_TERM_ELECTION_WINDOW_DAYS", 90)


def _apply_approval(term: CommitteeTerm, approval: dict | None) -> None:
    for name in TERM_APPROVAL_FIELDS:
        if approval and approval.get(name):
            setattr(term, name, approval[name])


@transaction.atomic
def term_start(
    *, organization: Organization, started_on: date, seats: list[tuple], ends_on: date | None = None, by=None,
    approval: dict | None = None, early_approval: dict | None = None,
) -> CommitteeTerm:
    """Record a new committee term (换届): the current term is closed, seats are `(member, role)` pairs.

    `approval` ({approved_by, approval_doc_no, approved_on}) is the upper organization's approval of a term whose
    planned end differs from the standard length; `early_approval` approves closing the current term more than
    the election window before its end (提前换届). Both move a term by at most one year (CommitteeTerm.check_length).
    """
    current = organization.terms.filter(closed_on__isnull=True).first()
    if current and started_on < current.started_on:
        raise ValidationError({"started_on": TERM_OVERLAP_ERROR})
    if current:
        current.closed_on = started_on
        if started_on < current.ends_on - timedelta(days=term_election_window_days()):
            _apply_approval(current, early_approval)
            try:
                current.check_length(started_on, field="started_on")
            except ValidationError as exc:
                raise ValidationError({"started_on": [EARLY_ELECTION.format(ends=current.ends_on), *exc.messages]}) from exc
        current._history_user = by  # (not full_clean: a term recorded before these checks must still be closable)
        current.save(update_fields=["closed_on", *TERM_APPROVAL_FIELDS, "updated_at"])
        current.seats.filter(ended_on__isnull=True).update(ended_on=started_on)
    term = CommitteeTerm(
        organization=organization,
        started_on=started_on,
        ends_on=ends_on or CommitteeTerm.default_end(started_on, organization.default_term_years),
    )
    if term.ends_on != term.standard_end():
        _apply_approval(term, approval)
    term.full_clean()
    term._history_user = by
    term.save()
    for member, role in seats:
        if member.branch_id != organization.pk or not member.is_active:
            raise ValidationError({"seats": SEAT_MEMBER_ERROR.format(name=member.name)})
        CommitteeSeat.objects.create(term=term, member=member, role=role, started_on=started_on)
    return term


@transaction.atomic
def account_grant(*, username: str, full_name: str, password: str, organization: Organization, role: str,
                  by) -> RoleGrant:
    """Grant `role` on `organization` to the account `username`, creating the account (with `password`) when it
    does not exist yet; an existing account keeps its password and name."""
    User = get_user_model()
    user, created = User.objects.get_or_create(username=username, defaults={"first_name": full_name})
    if created:
        user.set_password(password)
        user.save(update_fields=["password"])
    return role_grant(user=user, organization=organization, role=role, by=by)


def role_revoke(*, grant: RoleGrant, by) -> None:
    """Withdraw a role grant (the caller checked that `by` manages its organization)."""
    user = grant.user
    grant.delete()
    scoping.forget(user)


def role_grant(*, user, organization: Organization, role: str, by=None) -> RoleGrant:
    grant, _ = RoleGrant.objects.get_or_create(
        user=user, organization=organization, role=role, defaults={"granted_by": by}
    )
    scoping.forget(user)   # the new grant counts from the next read on
    return grant
