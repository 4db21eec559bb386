"""组织关系转接: a two-sided workflow inside the tree (out-branch initiates, in-branch accepts or returns),
and one-step moves to/from outside the system with the 介绍信 number. Every move lands in MembershipMove."""
from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from portal.scoping import CHANGE, can

from ..models import Member, MoveKind, Transfer, TransferKind, TransferStatus
from .registry import member_create, member_deactivate, member_move

PENDING_EXISTS = _("该党员已有一笔待接收的组织关系转接。")
SAME_BRANCH = _("转入党支部与当前党支部相同。")
NOT_A_BRANCH = _("只能转入在册的党支部。")
NOT_PENDING = _("该转接已办理，不能重复操作。")
NOT_YOURS_TO_ACCEPT = _("只有转入党支部（或其上级党务工作人员）可以接收或退回。")
NOT_YOURS_TO_SEND = _("只有转出党支部（或其上级党务工作人员）可以发起或撤回。")
RETURN_REASON = _("退回须说明原因。")
LETTER_REQUIRED = _("请填写介绍信编号。")
COUNTERPART_REQUIRED = _("请填写对方党组织名称。")
NOT_ACTIVE = _("该党员已不在册。")


@transaction.atomic
def transfer_initiate(*, member: Member, to_branch, on: date, reason: str = "", letter_no: str = "",
                      by) -> Transfer:
    """The out-branch sends the member's relationship to another branch of the system; the member stays in the
    out-branch until the in-branch accepts."""
    if not member.is_active:
        raise ValidationError(NOT_ACTIVE)
    if not can(by, CHANGE, member.branch.path):
        raise PermissionDenied(NOT_YOURS_TO_SEND)
    if to_branch.pk == member.branch_id:
        raise ValidationError({"to_branch": SAME_BRANCH})
    if not to_branch.is_branch or not to_branch.is_active:
        raise ValidationError({"to_branch": NOT_A_BRANCH})
    if Transfer.objects.filter(member=member, status=TransferStatus.PENDING).exists():
        raise ValidationError(PENDING_EXISTS)
    try:
        with transaction.atomic():
            transfer = Transfer.objects.create(member=member, kind=TransferKind.INTERNAL, from_branch=member.branch,
                                               to_branch=to_branch, initiated_on=on, initiated_by=by, reason=reason,
                                               letter_no=letter_no)
    except IntegrityError as exc:  # a concurrent initiate won the race
        raise ValidationError(PENDING_EXISTS) from exc
    return transfer


def _pending(transfer: Transfer) -> Transfer:
    transfer = Transfer.objects.select_for_update(of=("self",)).select_related("member", "from_branch", "to_branch").get(
        pk=transfer.pk)
    if transfer.status != TransferStatus.PENDING:
        raise ValidationError(NOT_PENDING)
    return transfer


@transaction.atomic
def transfer_accept(*, transfer: Transfer, on: date, by) -> Transfer:
    """The in-branch accepts: the member moves (MembershipMove kind 转接) and the transfer closes."""
    transfer = _pending(transfer)
    if not can(by, CHANGE, transfer.to_branch.path):
        raise PermissionDenied(NOT_YOURS_TO_ACCEPT)
    if on < transfer.initiated_on:
        raise ValidationError({"on": _("接收日期不能早于发起日期。")})
    member_move(member=transfer.member, to_branch=transfer.to_branch, on=on, by=by, kind=MoveKind.TRANSFER,
                note=f"组织关系转接（{transfer.reason or '转入'}）"[:200])
    transfer.status = TransferStatus.ACCEPTED
    transfer.decided_on, transfer.decided_by = on, by
    transfer._history_user = by
    transfer.save(update_fields=["status", "decided_on", "decided_by"])
    return transfer


@transaction.atomic
def transfer_return(*, transfer: Transfer, on: date, reason: str, by) -> Transfer:
    """The in-branch sends it back with a reason; the member stays where they are."""
    transfer = _pending(transfer)
    if not can(by, CHANGE, transfer.to_branch.path):
        raise PermissionDenied(NOT_YOURS_TO_ACCEPT)
    if not reason.strip():
        raise ValidationError({"reason": RETURN_REASON})
    transfer.status = TransferStatus.RETURNED
    transfer.decided_on, transfer.decided_by, transfer.return_reason = on, by, reason
    transfer._history_user = by
    transfer.save(update_fields=["status", "decided_on", "decided_by", "return_reason"])
    return transfer


@transaction.atomic
def transfer_cancel(*, transfer: Transfer, by) -> Transfer:
    """The out-branch withdraws a transfer not yet handled."""
    transfer = _pending(transfer)
    if not can(by, CHANGE, transfer.from_branch.path):
        raise PermissionDenied(NOT_YOURS_TO_SEND)
    transfer.status = TransferStatus.CANCELLED
    transfer._history_user = by
    transfer.save(update_fields=["status"])
    return transfer


@transaction.atomic
def transfer_out_external(*, member: Member, on: date, counterpart: str, letter_no: str, reason: str = "",
                          by) -> Transfer:
    """转出到系统外 with the 介绍信 number: the member leaves the registry (record kept)."""
    if not can(by, CHANGE, member.branch.path):
        raise PermissionDenied(NOT_YOURS_TO_SEND)
    if not counterpart.strip():
        raise ValidationError({"counterpart": COUNTERPART_REQUIRED})
    if not letter_no.strip():
        raise ValidationError({"letter_no": LETTER_REQUIRED})
    if Transfer.objects.filter(member=member, status=TransferStatus.PENDING).exists():
        raise ValidationError(PENDING_EXISTS)
    branch = member.branch
    member_deactivate(member=member, on=on, reason=f"组织关系转出至{counterpart}", by=by, kind=MoveKind.TRANSFER_OUT,
                      counterpart=counterpart, letter_no=letter_no)
    return Transfer.objects.create(member=member, kind=TransferKind.OUT, status=TransferStatus.COMPLETED,
                                   from_branch=branch, counterpart=counterpart, letter_no=letter_no, initiated_on=on,
                                   initiated_by=by, decided_on=on, decided_by=by, reason=reason)


def transfer_send(*, member: Member, kind: str, on: date, by, to_branch=None, counterpart: str = "",
                  letter_no: str = "", reason: str = "") -> Transfer:
    """The transfer page's one write: to a branch of the system ("internal": it accepts later) or out of it."""
    if kind == "internal":
        return transfer_initiate(member=member, to_branch=to_branch, on=on, reason=reason, letter_no=letter_no, by=by)
    return transfer_out_external(member=member, on=on, counterpart=counterpart, letter_no=letter_no, reason=reason,
                                 by=by)


@transaction.atomic
def transfer_in_external(*, to_branch, on: date, counterpart: str, letter_no: str, by, **member_fields) -> Transfer:
    """从系统外转入 with the 介绍信 number: the member is registered with a 转入 move."""
    if not can(by, CHANGE, to_branch.path):
        raise PermissionDenied(NOT_YOURS_TO_ACCEPT)
    if not counterpart.strip():
        raise ValidationError({"counterpart": COUNTERPART_REQUIRED})
    if not letter_no.strip():
        raise ValidationError({"letter_no": LETTER_REQUIRED})
    member = member_create(by=by, branch=to_branch, registered_on=on, move_kind=MoveKind.TRANSFER_IN,
                           counterpart=counterpart, letter_no=letter_no, **member_fields)
    return Transfer.objects.create(member=member, kind=TransferKind.IN, status=TransferStatus.COMPLETED,
                                   to_branch=to_branch, counterpart=counterpart, letter_no=letter_no, initiated_on=on,
                                   initiated_by=by, decided_on=on, decided_by=by)


@transaction.atomic
def member_mark_mobile(*, member: Member, location: str, since: date, by=None) -> Member:
    """流动党员: record where the member is (empty location clears the mark)."""
    member.mobile_location = location.strip()
    member.mobile_since = since if member.mobile_location else None
    member._history_user = by
    member.save(update_fields=["mobile_location", "mobile_since", "updated_at"])
    return member
