"""Writes for organizational life: records, attendance, votes, attachments, 谈心谈话, closed periods, rules, check-in.

Plain functions with keyword-only arguments; each runs in one transaction and raises ValidationError with a
Chinese message that forms can show. Permission to call them is checked by the caller through `restrict`.
"""
from __future__ import annotations

import secrets
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from branches.models import BRANCH_KINDS, CommitteeSeat, Organization, OrganizationKind
from members.models import Member, MembershipMove
from members.services import quorum as q
from members.services.points import points_totals_refresh
from portal.stored_files import atomic_with_files
from portal.uploads import check_uploads, stored_thumbnail, stored_upload

from .compliance import Period
from .counts import follow
from .models import (
    PRESENT_STATUSES,
    WINDOWS_PER_YEAR,
    Activity,
    ActivityCategory,
    ActivityStatus,
    ActivityType,
    Attachment,
    AttachmentKind,
    Attendance,
    AttendanceStatus,
    FrequencyRule,
    PeriodClose,
    Reminder,
    Talk,
    Vote,
    VoteKind,
)

PERIOD_LOCKED = _("{period} 已由 {org} 关账，该期间的记录不能再修改；如需更正请联系党务工作者重新开放。")
WRONG_HOLDER_GROUP = _("党小组会须以党小组的名义登记。")
WRONG_HOLDER_BRANCH = _("“{type}”须以党支部的名义登记。")
TALK_NOT_AN_ACTIVITY = _("谈心谈话请在“谈心谈话”中登记。")
LECTURE_NEEDS = _("党课须填写授课人和党课题目。")
FUTURE_SUBMIT = _("活动日期在今天之后，不能提交；可先保存草稿。")
NOT_GENERAL_MEETING = _("只有支部党员大会可以登记表决。")
ONE_APPLICANT = _("接收预备党员和预备党员转正须逐个表决，请选择涉及的党员。")
TALK_NEEDS_TWO = _("谈心谈话须选择谈话双方（至少 2 名党员）。")
TALK_OTHER_BRANCH = _("谈话双方须至少有一名本支部党员。")
RULE_REASON_REQUIRED = _("低于上级要求或改变召开主体时，须填写调整理由。")
CHECKIN_UNKNOWN = _("签到码无效，请核对后重试。")
CHECKIN_CLOSED = _("不在签到时间内（{start:%m月%d日 %H:%M} 至 {end:%H:%M}）。")
CHECKIN_NOT_MEMBER = _("您不在本次活动的应到名单中，请联系书记登记。")
CHECKIN_NO_MEMBER = _("当前账号未关联党员信息，不能签到。")
ALREADY_CLOSED = _("{period} 已关账。")
CADRE_NOT_IN_BRANCH = _("{name} 不是本支部党员：双重组织生活指领导干部参加所在党支部（党小组）的组织生活。")
MEETING_NEEDS_HOST = _("提交支部党员大会记录须填写主持人。")
MEETING_NEEDS_RECORDER = _("提交支部党员大会记录须填写记录人。")
MEETING_NEEDS_MINUTES = _("提交支部党员大会记录须填写会议纪要。")

CHECKIN_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read aloud and typed on phones
CHECKIN_EARLY = timedelta(minutes=30)
CHECKIN_LATE = timedelta(minutes=30)
DEFAULT_DURATION = timedelta(hours=2)


# --- roster, locks ---------------------------------------------------------------------------------------


def expected_members(*, organization: Organization, on: date, activity_type: ActivityType | None = None):
    """Members expected at a meeting of `organization` on `on`: those on its roster that day.

    Members who joined later are not expected; members who left or moved away later still are.
    A 支委会 expects the committee members seated that day.
    """

    if activity_type is not None and activity_type.category == ActivityCategory.COMMITTEE_MEETING:

        seats = CommitteeSeat.objects.filter(
            term__organization=organization, term__started_on__lte=on,
        ).filter(Q(term__closed_on__isnull=True) | Q(term__closed_on__gt=on)).filter(
            Q(ended_on__isnull=True) | Q(ended_on__gt=on))
        return Member.objects.filter(pk__in=seats.values("member_id")).select_related("party_group").order_by("name", "pk")

    not_left = Q(is_active=True) | Q(left_on__gt=on)
    joined = Q(joined_branch_on__isnull=True) | Q(joined_branch_on__lte=on)
    if organization.kind == OrganizationKind.PARTY_GROUP:
        return Member.objects.filter(Q(party_group=organization) & not_left & joined).order_by("name", "pk")
    # Members who were here on `on` and moved away later: read from the moves out of this branch first (an indexed
    # read of a few rows), so that the roster is two index reads. An EXISTS over moves beside `branch=` in one OR
    # made PostgreSQL filter every member of the database (1.5 M at N=50,000) for one branch's roster (#23).
    was_in_then = MembershipMove.objects.filter(member=OuterRef("member_id"), to_organization=organization,
                                                occurred_on__lte=on)
    moved_away_later = list(MembershipMove.objects.filter(from_organization=organization, occurred_on__gt=on)
                            .filter(Exists(was_in_then)).order_by().values_list("member_id", flat=True).distinct())
    return (
        Member.objects.filter((Q(branch=organization) & not_left & joined) | Q(pk__in=moved_away_later))
        .select_related("party_group")
        .order_by("party_group__path", "name", "pk")
    )


def locking_close(*, organization: Organization, on: date) -> PeriodClose | None:
    return (
        PeriodClose.objects.filter(
            reopened_at__isnull=True, start__lte=on, end__gte=on, organization__path__in=organization.ancestor_paths()
        )
        .select_related("organization")
        .first()
    )


def check_not_locked(*, organization: Organization, on: date) -> None:
    close = locking_close(organization=organization, on=on)
    if close:
        raise ValidationError(PERIOD_LOCKED.format(period=Period.parse(close.period).label, org=close.organization))


def _check_holder(organization: Organization, activity_type: ActivityType) -> None:
    if activity_type.category == ActivityCategory.TALK:
        raise ValidationError({"activity_type": TALK_NOT_AN_ACTIVITY})
    if activity_type.category == ActivityCategory.GROUP_MEETING and organization.kind != OrganizationKind.PARTY_GROUP:
        raise ValidationError({"activity_type": WRONG_HOLDER_GROUP})
    if activity_type.is_builtin and activity_type.category != ActivityCategory.GROUP_MEETING \
            and organization.kind not in BRANCH_KINDS:
        raise ValidationError({"activity_type": WRONG_HOLDER_BRANCH.format(type=activity_type.name)})


def _new_code() -> str:
    return "".join(secrets.choice(CHECKIN_ALPHABET) for _ in range(6))


# --- activities ------------------------------------------------------------------------------------------


def _branch_of(organization: Organization) -> int | None:
    if organization.kind == OrganizationKind.PARTY_GROUP:
        return Organization.objects.filter(path=organization.parent_path).values_list("pk", flat=True).first()
    return organization.pk


def _set_cadres(activity: Activity, cadres) -> None:
    """双重组织生活: the leading cadres at this meeting must be members of the branch holding it (or of its 党小组's)."""
    if cadres is None:
        return
    cadres = list(cadres)
    branch_id = _branch_of(activity.organization)
    for m in cadres:
        if m.branch_id != branch_id:
            raise ValidationError({"leading_cadres": CADRE_NOT_IN_BRANCH.format(name=m.name)})
    activity.leading_cadres.set(cadres)


@transaction.atomic
def activity_create(*, organization: Organization, activity_type: ActivityType, held_on: date, by=None,
                    fill_roster: bool = True, leading_cadres=None, **fields) -> Activity:
    """A draft record; the roster at the meeting date is filled in as all present (the secretary taps exceptions)."""
    _check_holder(organization, activity_type)
    check_not_locked(organization=organization, on=held_on)
    activity = Activity(organization=organization, activity_type=activity_type, held_on=held_on, created_by=by,
                        checkin_code=_new_code(), **fields)
    activity.full_clean(exclude=["checkin_code"])
    activity._history_user = by
    with follow(activity):  # the roster too: a record created submitted counts its attendance
        for _attempt in range(5):
            try:
                with transaction.atomic():
                    activity.save()
                break
            except IntegrityError:  # code collision: draw again
                activity.checkin_code = _new_code()
        if fill_roster and activity_type.takes_attendance:
            Attendance.objects.bulk_create(
                Attendance(activity=activity, member=m, status=AttendanceStatus.PRESENT)
                for m in expected_members(organization=organization, on=held_on, activity_type=activity_type)
            )
    _set_cadres(activity, leading_cadres)
    return activity


@transaction.atomic
def activity_update(*, activity: Activity, by=None, leading_cadres=None, refresh_points: bool = True,
                    **fields) -> Activity:
    check_not_locked(organization=activity.organization, on=activity.held_on)
    old_date = activity.held_on
    for name, value in fields.items():
        setattr(activity, name, value)
    if activity.held_on != old_date:
        check_not_locked(organization=activity.organization, on=activity.held_on)
    activity.full_clean()
    activity._history_user = by
    with follow(activity):  # a new date, type or organization moves the record's count
        activity.save()
    _set_cadres(activity, leading_cadres)
    if refresh_points:
        _points_changed(activity, old_date.year)
    return activity


@transaction.atomic
def attendance_set(*, activity: Activity, marks: dict[int, tuple[str, str]], guests: list[str] | None = None,
                   by=None, refresh_points: bool = True) -> bool:
    """marks: {member id: (status, leave reason)} for members on the roster; guests: names of 列席 people.
    True when anything changed (activity_save recounts 积分 itself, once: refresh_points=False)."""
    check_not_locked(organization=activity.organization, on=activity.held_on)
    with follow(activity):  # a submitted record's attendance is in the stored attendance counts
        changed = _attendance_write(activity, marks, guests, by)
    if changed:
        _touch(activity)
        if refresh_points:
            _points_changed(activity)
    return changed


def _attendance_write(activity: Activity, marks, guests, by) -> bool:
    existing = {a.member_id: a for a in activity.attendances.filter(member__isnull=False)}
    changed = False
    allowed = set(existing) | set(expected_members(organization=activity.organization, on=activity.held_on,
                                                   activity_type=activity.activity_type).values_list("pk", flat=True))
    for member_id, (status, reason) in marks.items():
        if member_id not in allowed:
            continue
        if status not in AttendanceStatus.values:
            raise ValidationError(_("出席情况无效。"))
        reason = reason if status == AttendanceStatus.LEAVE else ""
        row = existing.get(member_id)
        if row is None:
            row = Attendance(activity=activity, member_id=member_id)
        if row.pk and row.status == status and row.leave_reason == reason:
            continue
        row.status, row.leave_reason = status, reason
        row._history_user = by
        row.save()
        changed = True
    if guests is not None:
        current = {a.guest_name: a for a in activity.attendances.filter(member__isnull=True)}
        wanted = [g.strip() for g in guests if g.strip()]
        for name in wanted:
            if name not in current:
                Attendance.objects.create(activity=activity, guest_name=name[:60], status=AttendanceStatus.PRESENT)
                changed = True
        for name, row in current.items():
            if name not in wanted:
                row.delete()
                changed = True
    return changed


def _points_changed(activity: Activity, *years: int) -> None:
    """Attendance at a record counts for 党员积分 (orglife/points.py): the stored yearly totals of those on its
    roll are recounted in the same transaction as the write that changed what they count."""
    member_ids = list(activity.attendances.filter(member__isnull=False).values_list("member_id", flat=True))
    for year in set(years) | {activity.held_on.year}:
        if member_ids:
            points_totals_refresh(member_ids=member_ids, year=year)


def activity_save(*, activity: Activity | None, data: dict, marks_for, guests: list[str], photos, submit: bool,
                  by) -> Activity:
    """The record form's save, all or nothing (photos stored before a failing step are removed): create the record
    (with its expected roll) or update it, mark attendance, add photos, and submit it when asked.

    `marks_for(member_ids)` reads the roll's marks for the members on the record's roll (known only once it exists).
    """
    data = dict(data)
    years = set()   # the roll's 积分 totals are recounted once, at the end, for the years the record was and is in
    refresh = submit
    with atomic_with_files():
        if activity is None:
            activity = activity_create(organization=data.pop("organization"), activity_type=data.pop("activity_type"),
                                       held_on=data.pop("held_on"), by=by, **data)
        else:
            data.pop("organization", None)
            data.pop("activity_type", None)
            years.add(activity.held_on.year)
            activity_update(activity=activity, by=by, refresh_points=False, **data)
            refresh = True
        if activity.activity_type.takes_attendance:
            on_roll = list(activity.attendances.filter(member__isnull=False).values_list("member_id", flat=True))
            marked = attendance_set(activity=activity, marks=marks_for(on_roll), guests=guests, by=by,
                                    refresh_points=False)
            refresh = refresh or marked
        if photos:
            attachments_add(activity=activity, uploads=photos, by=by)
        if submit:
            activity_submit(activity=activity, by=by, refresh_points=False)
        if refresh:
            _points_changed(activity, *years)
    return activity


def _touch(activity: Activity) -> None:
    """Attendance is part of the record: a change to it moves the record's updated_at, so that an API
    client pulling `updated_since` receives the new attendance (Attendance has no timestamp of its own)."""
    activity.updated_at = timezone.now()
    Activity.objects.filter(pk=activity.pk).update(updated_at=activity.updated_at)


def general_meeting_quorum(activity: Activity) -> q.Quorum:
    """Voting members expected and present, from the attendance rows (one query)."""
    rows = list(activity.attendances.filter(member__isnull=False).select_related("member"))
    voting = [a for a in rows if q.has_vote(a.member, activity.held_on)]
    present = sum(1 for a in voting if a.status in PRESENT_STATUSES)
    return q.Quorum(should_attend=len(voting), present=present, election=activity.is_election)


def committee_meeting_quorum(activity: Activity) -> q.Quorum:
    """委员 seated on the meeting date (the roster of a 支委会) and those of them present (one query)."""
    statuses = list(activity.attendances.filter(member__isnull=False).values_list("status", flat=True))
    present = sum(1 for s in statuses if s in PRESENT_STATUSES)
    return q.Quorum(should_attend=len(statuses), present=present, committee=True)


def meeting_quorum(activity: Activity) -> q.Quorum | None:
    """The quorum that governs decisions of this record: 党员大会 or 支委会; None for other activities."""
    category = activity.activity_type.category
    if category == ActivityCategory.GENERAL_MEETING:
        return general_meeting_quorum(activity)
    if category == ActivityCategory.COMMITTEE_MEETING:
        return committee_meeting_quorum(activity)
    return None


@transaction.atomic
def activity_submit(*, activity: Activity, by=None, today: date | None = None, refresh_points: bool = True) -> Activity:
    today = today or timezone.localdate()
    check_not_locked(organization=activity.organization, on=activity.held_on)
    errors = {}
    if activity.held_on > today:
        errors["held_on"] = FUTURE_SUBMIT
    if activity.activity_type.is_lecture and not (activity.lecturer and activity.lecture_title):
        errors["lecturer"] = LECTURE_NEEDS
    if activity.activity_type.is_general_meeting:
        # The record of a 党员大会 is evidence of its decisions: who chaired it, who took the minutes, what was said.
        if activity.host_id is None:
            errors["host"] = MEETING_NEEDS_HOST
        if activity.recorder_id is None:
            errors["recorder"] = MEETING_NEEDS_RECORDER
        if not activity.minutes.strip():
            errors["minutes"] = MEETING_NEEDS_MINUTES
    if activity.resolutions.strip():
        quorum = meeting_quorum(activity)
        if quorum is not None and not quorum.met:
            errors["resolutions"] = quorum.reason
    if errors:
        raise ValidationError(errors)
    activity.status = ActivityStatus.SUBMITTED
    activity.submitted_at = timezone.now()
    activity.submitted_by = by
    activity._history_user = by
    with follow(activity):
        activity.save(update_fields=["status", "submitted_at", "submitted_by", "updated_at"])
    if refresh_points:
        _points_changed(activity)
    return activity


@transaction.atomic
def activity_void(*, activity: Activity, reason: str, by=None) -> Activity:
    """Records are never deleted: a mistaken one is voided with a reason and stops counting."""
    if not reason.strip():
        raise ValidationError({"reason": _("请填写作废原因。")})
    check_not_locked(organization=activity.organization, on=activity.held_on)
    with follow(activity):
        activity.void(reason=reason, by=by)
    _points_changed(activity)
    return activity


@transaction.atomic
def vote_record(*, activity: Activity, subject: str, yes: int, no: int = 0, abstain: int = 0, written_yes: int = 0,
                kind: str = VoteKind.MOTION, subject_member=None, by=None) -> Vote:
    """Record a decision of a 支部党员大会; refused without quorum, result from the should-attend rule."""
    if not activity.activity_type.is_general_meeting:
        raise ValidationError(NOT_GENERAL_MEETING)
    check_not_locked(organization=activity.organization, on=activity.held_on)
    if kind in (VoteKind.ADMISSION, VoteKind.CONFIRMATION) and subject_member is None:
        raise ValidationError({"subject_member": ONE_APPLICANT})
    base = general_meeting_quorum(activity)
    quorum = q.Quorum(base.should_attend, base.present, election=activity.is_election or kind == VoteKind.ELECTION)
    if not quorum.met:
        raise ValidationError(quorum.reason)
    if yes + no + abstain > quorum.present:
        raise ValidationError(q.TOO_MANY_VOTES.format(total=yes + no + abstain, present=quorum.present))
    absent_voting = quorum.should_attend - quorum.present
    if written_yes > absent_voting:
        raise ValidationError({"written_yes": _("书面意见不能多于未到会的有表决权党员（{n} 人）。").format(n=absent_voting)})
    vote = Vote(activity=activity, kind=kind, subject=subject, subject_member=subject_member, yes=yes, no=no,
                abstain=abstain, written_yes=written_yes, should_attend=quorum.should_attend, present=quorum.present,
                passed=q.motion_passes(yes=yes, written_yes=written_yes, should_attend=quorum.should_attend),
                recorded_by=by)
    vote._history_user = by
    vote.save()
    return vote


# Photos, PDF and Word only: what a meeting record needs. Checked by portal.uploads.check_upload.
ATTACHMENT_TYPES = {
    "image/jpeg": AttachmentKind.IMAGE,
    "image/png": AttachmentKind.IMAGE,
    "image/webp": AttachmentKind.IMAGE,
    "application/pdf": AttachmentKind.PDF,
    "application/msword": AttachmentKind.WORD,
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": AttachmentKind.WORD,
}


def attachment_max_bytes() -> int:
    return getattr(settings, "ORGLIFE_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)


@atomic_with_files
def attachments_add(*, activity: Activity, uploads, by=None) -> list[Attachment]:
    """Check every file first (one bad file stores none), then store each with its record."""
    check_not_locked(organization=activity.organization, on=activity.held_on)
    limit = attachment_max_bytes()
    checked_files = check_uploads(list(uploads), allowed_types=set(ATTACHMENT_TYPES), thumbnail=True,
                                  max_image_bytes=limit, max_document_bytes=limit)
    added = []
    for checked in checked_files:
        prefix = f"activities/{activity.pk}"
        with stored_upload(checked, prefix=prefix) as name, stored_thumbnail(checked, prefix=prefix) as thumb:
            att = Attachment(activity=activity, original_name=checked.original_name,
                             kind=ATTACHMENT_TYPES[checked.content_type], content_type=checked.content_type,
                             size=checked.size, uploaded_by=by)
            att.file.name = name
            att.thumbnail.name = thumb
            att._history_user = by
            att.save()
        added.append(att)
    return added


def attachment_add(*, activity: Activity, uploaded, by=None) -> Attachment:
    return attachments_add(activity=activity, uploads=[uploaded], by=by)[0]


# --- 谈心谈话 ---------------------------------------------------------------------------------------------


@transaction.atomic
def talk_create(*, organization: Organization, held_on: date, participants, topic: str, note: str = "", by=None) -> Talk:
    participants = list(participants)
    if len({m.pk for m in participants}) < 2:
        raise ValidationError({"participants": TALK_NEEDS_TWO})
    if not any(m.branch_id == organization.pk for m in participants):
        raise ValidationError({"participants": TALK_OTHER_BRANCH})
    check_not_locked(organization=organization, on=held_on)
    talk = Talk(organization=organization, held_on=held_on, topic=topic, note=note, recorded_by=by)
    talk.full_clean()
    talk._history_user = by
    talk.save()
    talk.participants.set(participants)
    points_totals_refresh(member_ids=[m.pk for m in participants], year=held_on.year)   # talks count for 积分
    return talk


# --- periods and rules (staff) ---------------------------------------------------------------------------


@transaction.atomic
def period_close(*, organization: Organization, period: str, by=None) -> PeriodClose:
    p = Period.parse(period)
    if PeriodClose.objects.filter(organization=organization, period=p.key, reopened_at__isnull=True).exists():
        raise ValidationError(ALREADY_CLOSED.format(period=p.label))
    close = PeriodClose(organization=organization, period=p.key, start=p.start, end=p.end, closed_by=by)
    close._history_user = by
    close.save()
    return close


@transaction.atomic
def period_reopen(*, close: PeriodClose, reason: str, by=None) -> PeriodClose:
    if not reason.strip():
        raise ValidationError({"reason": _("请填写重新开放的原因。")})
    close.reopened_at, close.reopened_by, close.reopen_reason = timezone.now(), by, reason.strip()
    close._history_user = by
    close.save()
    return close


def inherited_rule(*, organization: Organization, activity_type: ActivityType) -> FrequencyRule | None:
    """The rule `organization` would follow without one of its own (nearest strictly above it)."""
    paths = organization.ancestor_paths()[1:]
    rules = list(FrequencyRule.objects.filter(activity_type=activity_type)
                 .filter(Q(organization__path__in=paths) | Q(organization__isnull=True)).select_related("organization"))
    rules.sort(key=lambda r: len(r.organization.path) if r.organization_id else 0, reverse=True)
    return rules[0] if rules else None


@transaction.atomic
def rule_override(*, organization: Organization, activity_type: ActivityType, holder: str, per: str, min_count: int,
                  reason: str = "", by=None) -> FrequencyRule:
    """Staff set the rule for their subtree. Stricter is free; less strict or a different holder needs a reason."""
    base = inherited_rule(organization=organization, activity_type=activity_type)
    looser = base is not None and (min_count * WINDOWS_PER_YEAR[per] < base.per_year or holder != base.holder
                                   or (per != base.per and min_count * WINDOWS_PER_YEAR[per] <= base.per_year))
    if looser and not reason.strip():
        raise ValidationError({"reason": RULE_REASON_REQUIRED})
    rule, _ = FrequencyRule.objects.update_or_create(
        activity_type=activity_type, organization=organization,
        defaults={"holder": holder, "per": per, "min_count": min_count, "reason": reason.strip(), "created_by": by},
    )
    return rule


# --- check-in --------------------------------------------------------------------------------------------


def checkin_window(activity: Activity) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    if activity.starts_at:
        start = datetime.combine(activity.held_on, activity.starts_at, tzinfo=tz)
        end = datetime.combine(activity.held_on, activity.ends_at, tzinfo=tz) if activity.ends_at else start + DEFAULT_DURATION
        return start - CHECKIN_EARLY, end + CHECKIN_LATE
    return (datetime.combine(activity.held_on, time.min, tzinfo=tz),
            datetime.combine(activity.held_on, time.max, tzinfo=tz))


@transaction.atomic
def checkin(*, code: str, user, now: datetime | None = None) -> Attendance:
    """A logged-in member opening the meeting's code is marked 出席 (the secretary can still correct it)."""
    now = now or timezone.now()
    activity = (Activity.objects.live().select_related("organization", "activity_type")
                .filter(checkin_code=(code or "").strip().upper()).first())
    if activity is None:
        raise ValidationError(CHECKIN_UNKNOWN)
    member = getattr(user, "member", None)
    if member is None:
        raise ValidationError(CHECKIN_NO_MEMBER)
    start, end = checkin_window(activity)
    if not (start <= now <= end):
        raise ValidationError(CHECKIN_CLOSED.format(start=timezone.localtime(start), end=timezone.localtime(end)))
    check_not_locked(organization=activity.organization, on=activity.held_on)
    row = activity.attendances.filter(member=member).first()
    if row is None:
        if not expected_members(organization=activity.organization, on=activity.held_on,
                                activity_type=activity.activity_type).filter(pk=member.pk).exists():
            raise ValidationError(CHECKIN_NOT_MEMBER)
        row = Attendance(activity=activity, member=member)
    row.status, row.leave_reason, row.checked_in_at = AttendanceStatus.PRESENT, "", now
    row._history_user = user
    with follow(activity):  # the stored attendance counts follow the mark
        row.save()
    _touch(activity)
    points_totals_refresh(member_ids=[member.pk], year=activity.held_on.year)
    return row


def reminders_mark_read(*, user, pk=None) -> int:
    """The user's unread reminders (or the one `pk`) marked read; another user's reminder is never touched."""
    qs = Reminder.objects.filter(user=user, read_at__isnull=True)
    if pk:
        qs = qs.filter(pk=pk)
    return qs.update(read_at=timezone.now())
