"""Writes on the member registry. Every move is recorded in MembershipMove, never overwritten."""
from __future__ import annotations

import functools
from datetime import date

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from branches.models import Organization
from portal.scoping import VIEW

from ..models import Member, MembershipMove, MemberStatus, MoveKind, PiiAccess
from ..validators import normalize_id_number, validate_id_number
from .pii import pii_access_entries, pii_access_log
from .points import points_branch_totals_follow, points_totals_refresh
from .rules import setting_months

DUPLICATE_ID_ERROR = _("身份证号与在册党员 {name}（{branch}）重复。")
MOVE_SAME_BRANCH_ERROR = _("新党支部与当前党支部相同。")
MOVE_BEFORE_JOINING_ERROR = _("调整日期不能早于转入本支部日期。")
NOT_ACTIVE_ERROR = _("该党员已不在册，不能办理此操作。")


DUPLICATE_ID_OUTSIDE_ERROR = _("身份证号与您管理范围以外的一名在册党员重复，请联系上级党组织核实。")


class DuplicateIdNumber(ValidationError):
    """A 身份证号 already on the registry. Carries the PII-access rows to write once the transaction is gone."""

    def __init__(self, message, *, accesses=()):
        super().__init__({"id_number": message})
        self.accesses = list(accesses)


def duplicate_id_messages(*, others, by, detail: str) -> tuple[dict[int, str], list[PiiAccess]]:
    """For each registered member holding a number being entered: the message the entering user may see.

    Only a member inside `by`'s view scope is named (name and branch), and that naming is a disclosure of
    personal data, so it comes with an unsaved `PiiAccess` row; a member outside the scope is reported
    without anything identifying them (who holds a given number is itself personal data).
    """
    others = list(others)
    visible = set(Member.objects.restrict(by, VIEW).filter(pk__in=[o.pk for o in others]).values_list("pk", flat=True)
                  ) if by is not None and others else set()
    messages, accesses = {}, []
    for other in others:
        if other.pk in visible:
            messages[other.pk] = str(DUPLICATE_ID_ERROR).format(name=other.name, branch=other.branch.name)
            accesses += pii_access_entries(user=by, action=PiiAccess.Action.DUPLICATE, members=[other], detail=detail)
        else:
            messages[other.pk] = str(DUPLICATE_ID_OUTSIDE_ERROR)
    return messages, accesses


def pii_access_record(accesses) -> None:
    """Write PII-access rows (outside the refused write's transaction, so a refusal is still logged)."""
    pii_access_log(entries=accesses)


def logs_duplicate_disclosure(service):
    """Outermost decorator of a service that may raise DuplicateIdNumber: the access rows are written after the
    service's own transaction has rolled back, then the error goes on to the caller."""
    @functools.wraps(service)
    def wrapper(*args, **kwargs):
        try:
            return service(*args, **kwargs)
        except DuplicateIdNumber as exc:
            pii_access_record(exc.accesses)
            raise
    return wrapper


def _check_id_number(member: Member, id_number: str, *, by=None) -> None:
    digest = member.id_number_digest
    clash = Member.objects.filter(id_number_digest=digest, is_active=True).exclude(pk=member.pk).select_related("branch")
    other = clash.first()
    if digest and other:
        messages, accesses = duplicate_id_messages(others=[other], by=by, detail="登记/编辑时身份证号重复核对")
        raise DuplicateIdNumber(messages[other.pk], accesses=accesses)


@logs_duplicate_disclosure
@transaction.atomic
def member_create(
    *, by=None, id_number: str = "", registered_on: date | None = None, move_kind: str = MoveKind.REGISTERED,
    counterpart: str = "", letter_no: str = "", **fields,
) -> Member:
    """Register a member in a branch; the registry history starts with a 建档 or 转入 move."""
    member = Member(**fields)
    if id_number:
        member.set_id_number(validate_id_number(id_number))
    member.joined_branch_on = member.joined_branch_on or registered_on or date.today()
    if member.status == MemberStatus.PROBATIONARY and not member.probation_ends_on and member.joined_on:
        # 预备期 counts from the 支部大会 vote (= 入党日期); its length is data (IntervalRule probation_1_year).
        member.probation_ends_on = member.joined_on + relativedelta(months=setting_months("probation_1_year", 12))
    member.full_clean(exclude=["user"])
    _check_id_number(member, id_number, by=by)
    member._history_user = by
    member.save()
    MembershipMove.objects.create(
        member=member, kind=move_kind, to_organization=member.branch, occurred_on=member.joined_branch_on,
        counterpart=counterpart, letter_no=letter_no, recorded_by=by,
    )
    return member


@logs_duplicate_disclosure
@transaction.atomic
def member_update(*, member: Member, by=None, id_number: str | None = None, **fields) -> Member:
    """Edit registry fields. Branch changes go through member_move so history is kept."""
    if "branch" in fields and fields["branch"] != member.branch:
        raise ValidationError({"branch": _("调整党支部请使用“组织关系调整”，以便保留记录。")})
    old_group = member.party_group_id
    for name, value in fields.items():
        setattr(member, name, value)
    if id_number is not None and normalize_id_number(id_number) != member.get_id_number():
        member.set_id_number(validate_id_number(id_number) if id_number else "")
        _check_id_number(member, id_number, by=by)
    member.full_clean(exclude=["user"])
    member._history_user = by
    member.save()
    if member.party_group_id != old_group:
        MembershipMove.objects.create(
            member=member, kind=MoveKind.GROUP, from_organization_id=old_group, to_organization=member.party_group,
            occurred_on=date.today(), recorded_by=by,
        )
    return member


@transaction.atomic
def member_move(*, member: Member, to_branch: Organization, on: date, by=None, note: str = "",
                kind: str = MoveKind.INTERNAL) -> MembershipMove:
    """Move a member to another branch inside the system; the old membership is closed, never overwritten."""
    if not member.is_active:
        raise ValidationError(NOT_ACTIVE_ERROR)
    if to_branch.pk == member.branch_id:
        raise ValidationError({"to_branch": MOVE_SAME_BRANCH_ERROR})
    if member.joined_branch_on and on < member.joined_branch_on:
        raise ValidationError({"on": MOVE_BEFORE_JOINING_ERROR})
    if not to_branch.is_branch or not to_branch.is_active:
        raise ValidationError({"to_branch": _("只能调整到在册的党支部。")})
    move = MembershipMove.objects.create(
        member=member, kind=kind, from_organization=member.branch, to_organization=to_branch,
        occurred_on=on, note=note, recorded_by=by,
    )
    from_branch_id = member.branch_id
    member.branch = to_branch
    member.party_group = None
    member.joined_branch_on = on
    member._history_user = by
    member.save(update_fields=["branch", "party_group", "joined_branch_on", "updated_at"])
    # the ranking's branch figures: the member's totals of every year leave one branch for the other (first, so both
    # branches' rows are locked in key order: two opposite moves queue instead of deadlocking)
    points_branch_totals_follow(member_ids=[member.pk], branch_ids=[from_branch_id, to_branch.pk])
    points_totals_refresh(member_ids=[member.pk], year=on.year)  # the new branch may score by another scheme
    return move


@transaction.atomic
def member_deactivate(
    *, member: Member, on: date, reason: str, by=None, kind: str = MoveKind.LEFT, counterpart: str = "",
    letter_no: str = "",
) -> Member:
    """Take a member off the active registry (转出 to outside, 出党, death…): the record stays."""
    if not member.is_active:
        raise ValidationError(NOT_ACTIVE_ERROR)
    if not reason.strip():
        raise ValidationError({"reason": _("请填写原因。")})
    member.is_active = False
    member.left_on = on
    member.left_reason = reason
    member._history_user = by
    member.save(update_fields=["is_active", "left_on", "left_reason", "updated_at"])
    points_branch_totals_follow(member_ids=[member.pk], branch_ids=[member.branch_id])  # no longer counted
    MembershipMove.objects.create(
        member=member, kind=kind, from_organization=member.branch, occurred_on=on, note=reason,
        counterpart=counterpart, letter_no=letter_no, recorded_by=by,
    )
    return member


@logs_duplicate_disclosure
@transaction.atomic
def member_restore(*, member: Member, on: date, reason: str, by=None) -> Member:
    """Staff undo a deactivation entered by mistake; both steps stay in history."""
    if member.is_active:
        raise ValidationError(_("该党员已在册。"))
    _check_id_number(member, "", by=by)
    member.is_active = True
    member.left_on = None
    member.left_reason = ""
    member._history_user = by
    member.save(update_fields=["is_active", "left_on", "left_reason", "updated_at"])
    points_branch_totals_follow(member_ids=[member.pk], branch_ids=[member.branch_id])  # counted again
    MembershipMove.objects.create(
        member=member, kind=MoveKind.RESTORED, to_organization=member.branch, occurred_on=on, note=reason,
        recorded_by=by,
    )
    return member


def pii_access_record_api(*, user, members, detail: str = "", ip_address: str | None = None) -> list[PiiAccess]:
    """Record that `user` received the personal data of `members` in one API answer (one row per branch)."""
    return pii_access_log(user=user, action=PiiAccess.Action.API, members=members, detail=detail,
                          ip_address=ip_address)