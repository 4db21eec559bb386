"""Member status changes as services: 转正, 延长预备期, 取消预备资格, 留党察看, 出党/退党, death.

Each writes a StatusChange row (history) and keeps Member consistent; voting rights follow from the fields
(Member.has_vote_on). When the member came through the development pipeline, the pipeline record follows too.
"""
from __future__ import annotations

from datetime import date

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from ..models import Member, MemberStatus, Milestone, MilestoneKind, Stage, StatusChange, StatusKind
from .registry import member_deactivate
from .rules import enforce, evaluate, resolve_meeting

NOT_PROBATIONARY = _("该党员不是预备党员。")
NOT_ACTIVE = _("该党员已不在册。")
ALREADY_EXTENDED = _("该预备党员已延长过一次预备期，不能再次延长；预备期满仍不具备条件的，应取消预备党员资格。")
DISCIPLINE_ONLY_FULL = _("留党察看适用于正式党员；预备党员违反纪律的，应取消预备党员资格。")
DISCIPLINE_MONTHS = _("留党察看期限为一年或两年（最长不超过两年）。")
ALREADY_DISCIPLINED = _("该党员正在留党察看期内。")
REASON_REQUIRED = _("请填写原因。")
LEAVE_KINDS = (StatusKind.EXPEL, StatusKind.REMOVE, StatusKind.WITHDRAW, StatusKind.DEATH)


def _check_active(member: Member) -> None:
    if not member.is_active:
        raise ValidationError(NOT_ACTIVE)


def _pipeline(member: Member, *, kind: str, on: date, stage: str | None, by, months=None, meeting=None,
              meeting_on=None, meeting_ref="", note="") -> Milestone | None:
    """Mirror a status decision on the development record, when the member has one."""
    from ..models import Candidate

    candidate = Candidate.objects.filter(member=member).first()
    if candidate is None:
        return None
    milestone = Milestone.objects.create(candidate=candidate, kind=kind, occurred_on=on, months=months,
                                         meeting=meeting, meeting_on=meeting_on, meeting_ref=meeting_ref, note=note[:300],
                                         recorded_by=by)
    if stage:
        candidate.stage = stage
        if stage == Stage.CLOSED:
            candidate.closed_reason = note[:200]
        candidate._history_user = by
        candidate.save(update_fields=["stage", "closed_reason", "updated_at"])
    return milestone


@transaction.atomic
def member_confirm(*, member: Member, on: date, meeting=None, meeting_on: date | None = None, meeting_ref: str = "",
                   by=None, exception_reason: str = "", note: str = "") -> StatusChange:
    """预备 → 正式 by a 支部党员大会 vote once the 预备期 is over. 党龄 counts from the end of the 预备期."""
    _check_active(member)
    if member.status != MemberStatus.PROBATIONARY:
        raise ValidationError(NOT_PROBATIONARY)
    meeting_on, meeting_ref = resolve_meeting(meeting=meeting, branch=member.branch, meeting_on=meeting_on or on,
                                              meeting_ref=meeting_ref, on=on, vote_kind="confirmation", person=member)
    end = member.probation_ends_on or member.joined_on + relativedelta(years=1)
    exceptions = enforce(evaluate(kind=MilestoneKind.CONFIRMATION_VOTE, on=on, anchors={"probation_end": end}),
                         by=by, path=member.branch.path, exception_reason=exception_reason, member=member)
    member.status = MemberStatus.FULL
    # 党龄 counts from the day the 预备期 is full; the checks above refuse a vote before that day (no exception).
    member.confirmed_on = end
    member.full_clean(exclude=["user"])
    member._history_user = by
    member.save(update_fields=["status", "confirmed_on", "updated_at"])
    change = StatusChange.objects.create(member=member, kind=StatusKind.CONFIRM, occurred_on=on, meeting=meeting,
                                         meeting_on=meeting_on, meeting_ref=meeting_ref, reason=note, recorded_by=by)
    for e in exceptions:
        e.status_change = change
        e.save(update_fields=["status_change"])
    _pipeline(member, kind=MilestoneKind.CONFIRMATION_VOTE, on=on, stage=Stage.FULL, by=by, meeting=meeting, meeting_on=meeting_on,
              meeting_ref=meeting_ref, note=note)
    return change


@transaction.atomic
def member_extend_probation(*, member: Member, on: date, months: int, reason: str, meeting=None,
                            meeting_on: date | None = None, meeting_ref: str = "", by=None) -> StatusChange:
    """延长预备期 (6–12 months per the rule table), once only."""
    _check_active(member)
    if member.status != MemberStatus.PROBATIONARY:
        raise ValidationError(NOT_PROBATIONARY)
    if not reason.strip():
        raise ValidationError({"reason": REASON_REQUIRED})
    meeting_on, meeting_ref = resolve_meeting(meeting=meeting, branch=member.branch, meeting_on=meeting_on or on,
                                              meeting_ref=meeting_ref, on=on)
    if member.status_changes.filter(kind=StatusKind.EXTEND).exists():
        raise ValidationError(ALREADY_EXTENDED)
    enforce(evaluate(kind=MilestoneKind.EXTENSION, on=on, anchors={}, months=months), by=by, path=member.branch.path)
    end = member.probation_ends_on or member.joined_on + relativedelta(years=1)
    member.probation_ends_on = end + relativedelta(months=months)
    member._history_user = by
    member.save(update_fields=["probation_ends_on", "updated_at"])
    change = StatusChange.objects.create(member=member, kind=StatusKind.EXTEND, occurred_on=on, months=months,
                                         effective_until=member.probation_ends_on, reason=reason, meeting=meeting,
                                         meeting_on=meeting_on, meeting_ref=meeting_ref, recorded_by=by)
    _pipeline(member, kind=MilestoneKind.EXTENSION, on=on, stage=None, by=by, months=months, meeting=meeting,
              meeting_on=meeting_on,
              meeting_ref=meeting_ref, note=reason)
    return change


@transaction.atomic
def member_cancel_probation(*, member: Member, on: date, reason: str, meeting=None, meeting_on: date | None = None,
                            meeting_ref: str = "", by=None) -> StatusChange:
    """取消预备党员资格: the member leaves the registry (the record stays)."""
    _check_active(member)
    if member.status != MemberStatus.PROBATIONARY:
        raise ValidationError(NOT_PROBATIONARY)
    if not reason.strip():
        raise ValidationError({"reason": REASON_REQUIRED})
    meeting_on, meeting_ref = resolve_meeting(meeting=meeting, branch=member.branch, meeting_on=meeting_on or on,
                                              meeting_ref=meeting_ref, on=on)
    change = StatusChange.objects.create(member=member, kind=StatusKind.CANCEL_PROBATION, occurred_on=on,
                                         reason=reason, meeting=meeting, meeting_on=meeting_on, meeting_ref=meeting_ref,
                                         recorded_by=by)
    member_deactivate(member=member, on=on, reason=f"取消预备党员资格：{reason}", by=by)
    _pipeline(member, kind=MilestoneKind.CANCELLED, on=on, stage=Stage.CLOSED, by=by, meeting=meeting, meeting_on=meeting_on,
              meeting_ref=meeting_ref, note=reason)
    return change


@transaction.atomic
def member_discipline(*, member: Member, on: date, months: int, reason: str, by=None) -> StatusChange:
    """留党察看 for one or two years: no 表决权、选举权、被选举权 from `on` until the period ends."""
    _check_active(member)
    if member.status != MemberStatus.FULL:
        raise ValidationError(DISCIPLINE_ONLY_FULL)
    if months not in (12, 24):
        raise ValidationError({"months": DISCIPLINE_MONTHS})
    if not reason.strip():
        raise ValidationError({"reason": REASON_REQUIRED})
    if member.discipline_until and member.discipline_until > on:
        raise ValidationError(ALREADY_DISCIPLINED)
    member.discipline_from = on
    member.discipline_until = on + relativedelta(months=months)
    member._history_user = by
    member.save(update_fields=["discipline_from", "discipline_until", "updated_at"])
    return StatusChange.objects.create(member=member, kind=StatusKind.PROBATION_DISCIPLINE, occurred_on=on,
                                       months=months, effective_until=member.discipline_until, reason=reason,
                                       recorded_by=by)


@transaction.atomic
def member_leave(*, member: Member, kind: str, on: date, reason: str, by=None) -> StatusChange:
    """出党 (开除党籍 / 除名), 退党 or death: the member leaves the registry, the record stays."""
    if kind not in LEAVE_KINDS:
        raise ValidationError({"kind": _("不支持的变化类型。")})
    _check_active(member)
    if not reason.strip() and kind != StatusKind.DEATH:
        raise ValidationError({"reason": REASON_REQUIRED})
    label = StatusKind(kind).label
    change = StatusChange.objects.create(member=member, kind=kind, occurred_on=on, reason=reason, recorded_by=by)
    member_deactivate(member=member, on=on, reason=f"{label}{'：' + reason if reason.strip() else ''}", by=by)
    return change


def status_record(*, member: Member, kind: str, on: date, reason: str = "", by=None, months: int | None = None,
                  meeting=None, meeting_on: date | None = None, meeting_ref: str = "",
                  exception_reason: str = "") -> StatusChange:
    """The status change page's one write: the change of `kind` with what that kind reads (转正, 延长预备期,
    取消预备党员资格, 留党察看, else leaving the registry)."""
    meeting_fields = {"meeting": meeting, "meeting_on": meeting_on, "meeting_ref": meeting_ref}
    if kind == StatusKind.CONFIRM:
        return member_confirm(member=member, on=on, by=by, exception_reason=exception_reason, note=reason,
                              **meeting_fields)
    if kind == StatusKind.EXTEND:
        return member_extend_probation(member=member, on=on, months=months or 0, reason=reason, by=by,
                                       **meeting_fields)
    if kind == StatusKind.CANCEL_PROBATION:
        return member_cancel_probation(member=member, on=on, reason=reason, by=by, **meeting_fields)
    if kind == StatusKind.PROBATION_DISCIPLINE:
        return member_discipline(member=member, on=on, months=months or 0, reason=reason, by=by)
    return member_leave(member=member, kind=kind, on=on, reason=reason, by=by)
