"""The timing rules of member development, read from IntervalRule (data), and how a breach is handled.

A step that breaks a rule is refused with the rule quoted, unless the rule allows exceptions and a user with
MANAGE rights (party-affairs staff) records an approved exception with a reason at the same time.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from portal.scoping import MANAGE, can

from ..models import PROBATION_MONTHS, IntervalRule, RuleException

EXCEPTION_HINT = _("如确属特殊情况，须由党务工作人员填写例外原因并批准后办理。")
EXCEPTION_NOT_ALLOWED = _("该规定不允许例外。")
EXCEPTION_NEEDS_STAFF = _("只有党务工作人员可以批准例外。")
EXCEPTION_CANNOT_SHORTEN = _("例外只能推迟办理，不能缩短规定的期限。")
# 预备期 (党章第七条, models.PROBATION_MONTHS): one year from the 支部大会 vote, for everyone; it may be extended
# (6–12 months), never shortened. The `probation_1_year` rule row documents it; another value there is not honoured.


@dataclass(frozen=True)
class Breach:
    rule: IntervalRule
    detail: str
    # True when the step comes before a minimum interval has passed (培养期, 预备期 …). An exception may only ever
    # extend a period — a step done late — so a breach that would shorten one is never excepted.
    shortens: bool = False

    @property
    def allows_exception(self) -> bool:
        return self.rule.allows_exception and not self.shortens

    @property
    def message(self) -> str:
        tail = "" if self.allows_exception else (EXCEPTION_NOT_ALLOWED if not self.rule.allows_exception
                                                 else EXCEPTION_CANNOT_SHORTEN)
        return _("不符合“{title}”（{source}：{text}）。{detail}{tail}").format(
            title=self.rule.title, source=self.rule.source, text=self.rule.rule_text, detail=self.detail, tail=tail)


def rule(code: str) -> IntervalRule:
    return IntervalRule.objects.get(code=code)


def setting_months(code: str, default: int) -> int:
    """A length kept as data. The 预备期 is not one: it is PROBATION_MONTHS, whatever the row says."""
    if code == "probation_1_year":
        return PROBATION_MONTHS
    r = IntervalRule.objects.filter(code=code, is_active=True).only("min_months").first()
    return r.min_months if r and r.min_months is not None else default


def due_months(default: int = 6) -> int:
    r = IntervalRule.objects.filter(measure=IntervalRule.Measure.DUE, is_active=True).only("max_months").first()
    return r.max_months if r and r.max_months else default


def evaluate(*, kind: str, on: date, anchors: dict[str, date | None], months: int | None = None) -> list[Breach]:
    """Every active rule for step `kind` that `on` (or `months`) breaks, given the dates the rules count from."""
    breaches = []
    for r in IntervalRule.objects.filter(milestone=kind, is_active=True).order_by("id"):
        if r.measure == IntervalRule.Measure.VALUE:
            if months is None:
                continue
            if r.min_months is not None and months < r.min_months:
                breaches.append(Breach(r, _("所填 {months} 个月少于 {min} 个月。").format(months=months, min=r.min_months)))
            elif r.max_months is not None and months > r.max_months:
                breaches.append(Breach(r, _("所填 {months} 个月超过 {max} 个月。").format(months=months, max=r.max_months)))
            continue
        if r.measure != IntervalRule.Measure.INTERVAL:
            continue
        start = anchors.get(r.anchor)
        if start is None:
            continue
        if r.min_months is not None and on < start + relativedelta(months=r.min_months):
            earliest = start + relativedelta(months=r.min_months)
            breaches.append(Breach(r, _("最早可于 {on:%Y-%m-%d} 办理。").format(on=earliest), shortens=True))
        if r.max_months is not None and on > start + relativedelta(months=r.max_months):
            latest = start + relativedelta(months=r.max_months)
            breaches.append(Breach(r, _("应于 {on:%Y-%m-%d} 前办理。").format(on=latest)))
    return breaches


def enforce(breaches: list[Breach], *, by, path: str, exception_reason: str = "", candidate=None,
            member=None) -> list[RuleException]:
    """Refuse the step, or record approved exceptions (unsaved link targets are set by the caller)."""
    if not breaches:
        return []
    messages = [b.message for b in breaches]
    reason = (exception_reason or "").strip()
    if not reason:
        raise ValidationError(messages + [EXCEPTION_HINT] if all(b.allows_exception for b in breaches)
                              else messages)
    if any(not b.allows_exception for b in breaches):
        raise ValidationError([b.message for b in breaches if not b.allows_exception])
    if by is None or not can(by, MANAGE, path):
        raise ValidationError(messages + [EXCEPTION_NEEDS_STAFF])
    return [RuleException.objects.create(candidate=candidate, member=member, rule=b.rule, reason=reason,
                                         approved_by=by) for b in breaches]


MEETING_REQUIRED = _("须选择作出决定的支部党员大会记录，或填写会议日期及会议记录编号。")
MEETING_WRONG = _("所选会议须为本支部已登记的支部党员大会。")
MEETING_NOT_SUBMITTED = _("所选支部党员大会记录尚未提交：提交时核对到会有表决权党员是否过半数，请先提交会议记录。")
MEETING_OTHER_DAY = _("办理日期（{on}）须与所选支部党员大会的召开日期（{held_on}）一致。")
MEETING_VOTE_FAILED = _("所选支部党员大会对“{subject}”的表决未通过（赞成 {yes} 票，须超过应到会有表决权党员 {should} 人的半数），"
                         "不能据此办理。")


def resolve_meeting(*, meeting, branch, meeting_on: date | None, meeting_ref: str, on: date | None = None,
                    vote_kind: str | None = None, person=None, person_name: str = "") -> tuple[date, str]:
    """The 支部党员大会 behind a vote: an org-life Activity of this branch (preferred), or a date + reference for
    a meeting not recorded in the portal. Returns (meeting date, reference).

    A linked record must be submitted (quorum is checked on submission), held on the decision date `on`, and,
    when it recorded a vote of `vote_kind` on this person (`person`, a Member, or `person_name` for an applicant
    not yet on the registry), one of those votes must have passed: the meeting's quorum and vote rules decide."""
    if meeting is None:
        if not meeting_on or not (meeting_ref or "").strip():
            raise ValidationError({"meeting_ref": MEETING_REQUIRED})
        return meeting_on, meeting_ref.strip()
    if (meeting.organization_id != branch.pk or meeting.is_voided
            or not meeting.activity_type.is_general_meeting):
        raise ValidationError({"meeting": MEETING_WRONG})
    if meeting.status != "submitted":
        raise ValidationError({"meeting": MEETING_NOT_SUBMITTED})
    if on is not None and meeting.held_on != on:
        raise ValidationError({"meeting": MEETING_OTHER_DAY.format(on=on, held_on=meeting.held_on)})
    if vote_kind:
        from django.db.models import Q

        about = Q(subject_member=person) if person is not None else Q(pk__in=[])
        if person_name:
            about |= Q(subject_member__isnull=True, subject__contains=person_name)
        votes = list(meeting.votes.filter(about, kind=vote_kind))
        if votes and not any(v.passed for v in votes):
            v = votes[-1]
            raise ValidationError({"meeting": MEETING_VOTE_FAILED.format(
                subject=v.subject, yes=v.yes + v.written_yes, should=v.should_attend)})
    return meeting.held_on, (meeting_ref or "").strip() or meeting.title[:60]
