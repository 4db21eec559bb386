"""发展党员: services that move a Candidate through its stages, and the "due now" lists.

Order of stages and prerequisites are fixed by the 细则; timing rules are data (members.services.rules / IntervalRule).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils.translation import gettext, gettext_lazy
from django.utils.translation import gettext_lazy as _

from portal.scoping import VIEW

from ..models import VOTE_KINDS, Candidate, IntervalRule, Member, MemberStatus, Milestone, MilestoneKind, Stage
from .registry import member_create
from .rules import due_months, enforce, evaluate, resolve_meeting, setting_months
from .status import member_cancel_probation, member_confirm, member_extend_probation

# The org-life vote kind (branches.models.VoteKind) a linked 支部党员大会 must have passed, per milestone.
VOTE_KIND = {MilestoneKind.BRANCH_VOTE: "admission"}

K = MilestoneKind

# Which stage a step is allowed in, and the stage it moves the candidate to.
STEP_STAGES: dict[str, tuple[tuple[str, ...], str | None]] = {
    K.FIRST_TALK: ((Stage.APPLICANT, Stage.ACTIVIST), None),
    K.RECOMMENDATION: ((Stage.APPLICANT,), None),
    K.ACTIVIST_DECISION: ((Stage.APPLICANT,), Stage.ACTIVIST),
    K.CONTACTS_ASSIGNED: ((Stage.ACTIVIST, Stage.CANDIDATE), None),
    K.ACTIVIST_REVIEW: ((Stage.ACTIVIST, Stage.CANDIDATE), None),
    K.CANDIDATE_DECISION: ((Stage.ACTIVIST,), Stage.CANDIDATE),
    K.TRAINING: ((Stage.CANDIDATE,), None),
    K.POLITICAL_REVIEW: ((Stage.CANDIDATE,), None),
    K.INTRODUCERS: ((Stage.CANDIDATE,), None),
    K.BRANCH_VOTE: ((Stage.CANDIDATE,), None),
    K.UPPER_APPROVAL: ((Stage.CANDIDATE,), Stage.PROBATIONARY),
    K.OATH: ((Stage.PROBATIONARY,), None),
    K.PROBATION_REVIEW: ((Stage.PROBATIONARY,), None),
    K.WITHDRAWN: ((Stage.APPLICANT, Stage.ACTIVIST, Stage.CANDIDATE), Stage.CLOSED),
}
# Steps handled by the member status services (the candidate is a 预备党员 by then).
STATUS_STEPS = (K.EXTENSION, K.CONFIRMATION_VOTE, K.CANCELLED)
BEFORE_VOTE = (K.TRAINING, K.POLITICAL_REVIEW, K.INTRODUCERS)
TRAINING_MIN_HOURS = 24  # 短期集中培训 不少于三天或二十四学时 (细则第十五条)

WRONG_STAGE = _("“{step}”只能在{stages}阶段办理，该同志目前是{stage}。")
ALREADY_DONE = _("“{step}”已于 {on:%Y-%m-%d} 办理，不能重复。")
MISSING_BEFORE_VOTE = _("提交支部党员大会讨论前须完成：{missing}。")
NO_VOTE_YET = _("尚未召开支部党员大会讨论接收其为预备党员。")
BEFORE_PREVIOUS = _("日期不能早于上一环节（{step}，{on:%Y-%m-%d}）。")
NEED_TWO_INTRODUCERS = _("入党介绍人须为两名正式党员。")
NEED_CONTACTS = _("须指定一至两名培养联系人（党员）。")
TRAINING_HOURS = _("短期集中培训不少于三天或{hours}学时，请填写学时。")
FUTURE_DATE = _("日期不能晚于今天。")
REASON_REQUIRED = _("请填写原因。")


def _anchors(candidate: Candidate) -> dict[str, date | None]:
    """The dates rules count from: birth, and the latest date of every step recorded so far."""
    anchors: dict[str, date | None] = {"birth": candidate.birth_date}
    for kind, on in candidate.milestones.values_list("kind", "occurred_on").order_by("occurred_on", "id"):
        anchors[kind] = on
    if candidate.member_id:
        anchors["probation_end"] = candidate.member.probation_ends_on
    return anchors


@transaction.atomic
def candidate_create(*, branch, name: str, gender: str, birth_date: date, applied_on: date, by=None,
                     exception_reason: str = "", **fields) -> Candidate:
    """Register an 入党申请人 with the application milestone; age ≥18 at application is checked (rule data)."""
    if not branch.is_branch:
        raise ValidationError({"branch": gettext("须选择党支部。")})
    if applied_on > date.today():
        raise ValidationError({"applied_on": FUTURE_DATE})
    enforce(evaluate(kind=K.APPLICATION, on=applied_on, anchors={"birth": birth_date}), by=by, path=branch.path,
            exception_reason=exception_reason)
    candidate = Candidate(branch=branch, name=name, gender=gender, birth_date=birth_date, applied_on=applied_on,
                          **fields)
    candidate.full_clean()
    candidate._history_user = by
    candidate.save()
    Milestone.objects.create(candidate=candidate, kind=K.APPLICATION, occurred_on=applied_on, recorded_by=by)
    return candidate


def _check_stage(candidate: Candidate, kind: str) -> str | None:
    stages, target = STEP_STAGES[kind]
    if candidate.stage not in stages:
        raise ValidationError(WRONG_STAGE.format(step=K(kind).label, stages="、".join(str(Stage(s).label) for s in stages),
                                                 stage=candidate.get_stage_display()))
    return target


@transaction.atomic
def milestone_record(*, candidate: Candidate, kind: str, on: date, by=None, note: str = "",
                     exception_reason: str = "", meeting=None, meeting_on: date | None = None, meeting_ref: str = "",
                     votes_for: int | None = None, hours: int | None = None, months: int | None = None,
                     people=None) -> Milestone:
    """Record one step. Refused (with the rule quoted) when a timing rule is broken and no exception is given."""
    candidate = Candidate.objects.select_for_update(of=("self",)).select_related("branch", "member").get(pk=candidate.pk)
    if kind == K.APPLICATION:
        raise ValidationError(gettext("入党申请在登记申请人时记录。"))
    if on > date.today():
        raise ValidationError({"on": FUTURE_DATE})
    if kind in STATUS_STEPS:
        return _status_step(candidate, kind=kind, on=on, by=by, note=note, exception_reason=exception_reason,
                            meeting=meeting, meeting_on=meeting_on, meeting_ref=meeting_ref, months=months)
    target = _check_stage(candidate, kind)
    done = dict(candidate.milestones.values_list("kind", "occurred_on"))
    from ..models import REPEATABLE_KINDS

    if kind not in REPEATABLE_KINDS and kind in done and kind != K.CONTACTS_ASSIGNED:
        raise ValidationError(ALREADY_DONE.format(step=K(kind).label, on=done[kind]))
    last = candidate.milestones.order_by("-occurred_on", "-id").first()
    if last and on < last.occurred_on:
        raise ValidationError({"on": BEFORE_PREVIOUS.format(step=last.get_kind_display(), on=last.occurred_on)})
    people = list(people or [])
    if kind == K.CONTACTS_ASSIGNED and not 1 <= len(people) <= 2:
        raise ValidationError({"people": NEED_CONTACTS})
    if kind == K.INTRODUCERS and (len(people) != 2 or not all(p.has_vote_on(on) for p in people)):
        raise ValidationError({"people": NEED_TWO_INTRODUCERS})
    if kind == K.TRAINING and (hours is None or hours < TRAINING_MIN_HOURS):
        raise ValidationError({"hours": TRAINING_HOURS.format(hours=TRAINING_MIN_HOURS)})
    if kind == K.BRANCH_VOTE:
        missing = [str(K(k).label) for k in BEFORE_VOTE if k not in done]
        if missing:
            raise ValidationError(MISSING_BEFORE_VOTE.format(missing="、".join(missing)))
    if kind in VOTE_KINDS:
        meeting_on, meeting_ref = resolve_meeting(meeting=meeting, branch=candidate.branch,
                                                  meeting_on=meeting_on or on, meeting_ref=meeting_ref, on=on,
                                                  vote_kind=VOTE_KIND.get(kind), person=candidate.member,
                                                  person_name=candidate.name)
    if kind == K.UPPER_APPROVAL and K.BRANCH_VOTE not in done:
        raise ValidationError(NO_VOTE_YET)
    if kind == K.WITHDRAWN and not note.strip():
        raise ValidationError({"note": REASON_REQUIRED})
    exceptions = enforce(evaluate(kind=kind, on=on, anchors=_anchors(candidate)), by=by, path=candidate.branch.path,
                         exception_reason=exception_reason, candidate=candidate)
    milestone = Milestone.objects.create(candidate=candidate, kind=kind, occurred_on=on, note=note, hours=hours,
                                         meeting=meeting if kind in VOTE_KINDS else None,
                                         meeting_on=meeting_on if kind in VOTE_KINDS else None,
                                         meeting_ref=meeting_ref if kind in VOTE_KINDS else "",
                                         votes_for=votes_for, recorded_by=by)
    for e in exceptions:
        e.milestone = milestone
        e.save(update_fields=["milestone"])
    if kind == K.CONTACTS_ASSIGNED:
        candidate.contacts.set(people)
    if kind == K.INTRODUCERS:
        candidate.introducers.set(people)
    if kind == K.UPPER_APPROVAL:
        candidate.member = _admit(candidate, vote_on=done[K.BRANCH_VOTE], by=by)
    if target:
        candidate.stage = target
        if target == Stage.CLOSED:
            candidate.closed_reason = note[:200]
    candidate._history_user = by
    candidate.save()
    return milestone


def _admit(candidate: Candidate, *, vote_on: date, by) -> Member:
    """上级党委批准: the candidate becomes a 预备党员 on the registry; 预备期 counts from the 支部大会 date."""
    return member_create(
        by=by, name=candidate.name, gender=candidate.gender, birth_date=candidate.birth_date,
        ethnicity=candidate.ethnicity, phone=candidate.phone, education=candidate.education,
        work_unit=candidate.work_unit, post=candidate.post, branch=candidate.branch,
        status=MemberStatus.PROBATIONARY, joined_on=vote_on, registered_on=vote_on,
        probation_ends_on=vote_on + relativedelta(months=setting_months("probation_1_year", 12)),
    )


def _status_step(candidate, *, kind, on, by, note, exception_reason, meeting, meeting_on, meeting_ref, months):
    if candidate.stage != Stage.PROBATIONARY or not candidate.member_id:
        raise ValidationError(WRONG_STAGE.format(step=K(kind).label, stages=Stage.PROBATIONARY.label,
                                                 stage=candidate.get_stage_display()))
    member = candidate.member
    if kind == K.CONFIRMATION_VOTE:
        member_confirm(member=member, on=on, meeting=meeting, meeting_on=meeting_on, meeting_ref=meeting_ref, by=by,
                       exception_reason=exception_reason, note=note)
    elif kind == K.EXTENSION:
        member_extend_probation(member=member, on=on, months=months or 0, reason=note, meeting=meeting,
                                meeting_on=meeting_on,
                                meeting_ref=meeting_ref, by=by)
    else:
        member_cancel_probation(member=member, on=on, reason=note, meeting=meeting, meeting_on=meeting_on,
                                meeting_ref=meeting_ref, by=by)
    return candidate.milestones.filter(kind=kind).latest("id")


# ============================================================================================
# "Due now" lists
# ============================================================================================
@dataclass
class DueRow:
    kind: str           # talk / review / probation / approval
    name: str
    branch: object
    stage: str
    since: date | None  # the date the deadline counts from
    due_on: date
    url: str
    note: str = ""

    @property
    def overdue(self) -> bool:
        return self.due_on < date.today()

    @property
    def days_left(self) -> int:
        return (self.due_on - date.today()).days


DUE_LISTS = {
    "talks": gettext_lazy("待谈话的入党申请人"),
    "reviews": gettext_lazy("到期的半年考察"),
    "probation": gettext_lazy("30日内预备期满的预备党员"),
    "approvals": gettext_lazy("逾期未审批的接收预备党员决议"),
}


def _rule_months(code: str, field: str, default: int) -> int:
    r = IntervalRule.objects.filter(code=code).only(field).first()
    value = getattr(r, field, None) if r else None
    return value if value is not None else default


def _latest_start(limit: date, months: int) -> date:
    """The latest day d with d + `months` months (relativedelta: the 31st clamps to the month's end) ≤ `limit`: the
    deadline rule "due within the horizon" as a bound on the starting date, so SQL filters and counts it."""
    day = limit - relativedelta(months=months)
    while day + timedelta(days=1) + relativedelta(months=months) <= limit:
        day += timedelta(days=1)
    return day


def _due_queryset(*, user, kind: str, limit: date, branch_ids=None):
    """(queryset of the rows due by `limit`, months of the deadline) for one "due now" list: the one definition its
    page (due_list) and the home page's count (due_count) read, filtered in SQL."""
    candidates = Candidate.objects.restrict(user, VIEW).select_related("branch")
    if branch_ids is not None:
        candidates = candidates.filter(branch_id__in=branch_ids)
    if kind == "talks":
        months = _rule_months("talk_within_1_month", "max_months", 1)
        return (candidates.filter(stage=Stage.APPLICANT, applied_on__lte=_latest_start(limit, months))
                .exclude(milestones__kind=K.FIRST_TALK)), months
    if kind == "reviews":
        months = due_months(6)
        review_kinds = [K.ACTIVIST_DECISION, K.ACTIVIST_REVIEW, K.BRANCH_VOTE, K.PROBATION_REVIEW]
        return candidates.filter(stage__in=[Stage.ACTIVIST, Stage.CANDIDATE, Stage.PROBATIONARY]).annotate(
            last=Max("milestones__occurred_on", filter=Q(milestones__kind__in=review_kinds))).filter(
            last__lte=_latest_start(limit, months)), months
    if kind == "probation":
        members = Member.objects.restrict(user, VIEW).active().filter(
            status=MemberStatus.PROBATIONARY, probation_ends_on__lte=limit).select_related("branch")
        if branch_ids is not None:
            members = members.filter(branch_id__in=branch_ids)
        return members, 0
    if kind == "approvals":
        months = _rule_months("approval_3_months", "max_months", 3)
        return candidates.filter(stage=Stage.CANDIDATE, milestones__kind=K.BRANCH_VOTE).exclude(
            milestones__kind=K.UPPER_APPROVAL).annotate(
            vote=Max("milestones__occurred_on", filter=Q(milestones__kind=K.BRANCH_VOTE))).filter(
            vote__lte=_latest_start(limit, months)), months
    raise ValueError(kind)


def due_count(*, user, kind: str, today: date | None = None, horizon_days: int = 30) -> int:
    """How many rows due_list(kind) has, counted by the database (the home page's figure)."""
    today = today or date.today()
    qs, _months = _due_queryset(user=user, kind=kind, limit=today + timedelta(days=horizon_days))
    return qs.count()


def due_list(*, user, kind: str, today: date | None = None, horizon_days: int = 30,
             branch_ids=None) -> list[DueRow]:
    """One "due now" list for what `user` may view: rows whose deadline is within `horizon_days` or past."""
    today = today or date.today()
    limit = today + timedelta(days=horizon_days)
    qs, months = _due_queryset(user=user, kind=kind, limit=limit, branch_ids=branch_ids)
    rows: list[DueRow] = []
    if kind == "talks":
        for c in qs:
            rows.append(DueRow("talks", c.name, c.branch, c.get_stage_display(), c.applied_on,
                               c.applied_on + relativedelta(months=months), c.get_absolute_url()))
    elif kind == "reviews":
        for c in qs:
            rows.append(DueRow("reviews", c.name, c.branch, c.get_stage_display(), c.last,
                               c.last + relativedelta(months=months), c.get_absolute_url()))
    elif kind == "probation":
        for m in qs:
            rows.append(DueRow("probation", m.name, m.branch, m.get_status_display(), m.joined_on, m.probation_ends_on,
                               m.get_absolute_url(), gettext("已到期，待支部党员大会讨论转正") if m.probation_ends_on < today
                               else ""))
    else:
        hard = _rule_months("approval_6_months", "max_months", 6)
        for c in qs:
            due = c.vote + relativedelta(months=months)
            note = gettext("已超过六个月，应重新履行入党手续") if today > c.vote + relativedelta(months=hard) else ""
            rows.append(DueRow("approvals", c.name, c.branch, c.get_stage_display(), c.vote, due,
                               c.get_absolute_url(), note))
    return sorted((r for r in rows if r.due_on <= limit), key=lambda r: (r.due_on, r.name))


def pipeline_counts(*, user) -> dict[str, int]:
    from django.db.models import Count

    qs = Candidate.objects.restrict(user, VIEW).values("stage").annotate(n=Count("id"))
    return {row["stage"]: row["n"] for row in qs}
