"""民主评议党员: once a year per branch — 个人自评, 党员互评, 支部评定 of 优秀/合格/基本合格/不合格.

优秀 is capped at one third of the members graded; 预备党员 take part but get no grade (domain-rules §5).
"""
from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _
from simple_history.utils import bulk_create_with_history

from portal.concurrency import stale_message

from ..models import AppraisalEntry, AppraisalRound, Grade, Member, MemberStatus
from .rules import resolve_meeting

ROUND_EXISTS = _("{branch} {year} 年度的民主评议已经开始。")
ROUND_CLOSED = _("该年度民主评议已评定，不能再修改。")
EXCELLENT_CAP = _("评为“优秀”的有 {n} 人，超过参加评定人数（{graded} 人）的三分之一（最多 {cap} 人）。")
PROBATIONARY_NO_GRADE = _("{name} 是预备党员，参加评议但不评定等次。")
GRADE_MISSING = _("以下正式党员尚未评定等次：{names}。")
PEER_NEGATIVE = _("互评票数不能为负数。")
DISPOSAL_MISSING = _("评为“不合格”的党员须确定组织处置：{names}。")
DISPOSAL_UNKNOWN = _("组织处置“{value}”不在可选范围内。")

# 不合格 党员的组织处置 (党章第九条: 限期改正; 经教育仍无转变的劝其退党; 坚持不改的除名). Local rules may add
# or rename options: settings.APPRAISAL_DISPOSALS, a list of (code, label).
DEFAULT_DISPOSALS = [
    ("correct", gettext_noop("限期改正")),
    ("persuade", gettext_noop("劝其退党")),
    ("remove", gettext_noop("除名")),
]


def disposal_choices() -> list[tuple[str, str]]:
    return [(code, gettext(label)) for code, label in getattr(settings, "APPRAISAL_DISPOSALS", DEFAULT_DISPOSALS)]


def excellent_cap(graded: int) -> int:
    """优秀 ≤ 1/3 of those graded (rounded down)."""
    return graded // 3


@transaction.atomic
def appraisal_open(*, branch, year: int, on: date | None = None, by=None) -> AppraisalRound:
    """Open the year's round: one entry per member on the registry (预备党员 flagged: no grade)."""
    if AppraisalRound.objects.filter(branch=branch, year=year).exists():
        raise ValidationError(ROUND_EXISTS.format(branch=branch.name, year=year))
    rnd = AppraisalRound.objects.create(branch=branch, year=year, opened_on=on or date.today())
    members = Member.objects.filter(branch=branch, is_active=True).only("pk", "status")
    bulk_create_with_history([
        AppraisalEntry(round=rnd, member=m, is_probationary=m.status == MemberStatus.PROBATIONARY) for m in members
    ], AppraisalEntry, default_user=by)
    return rnd


def _open(rnd: AppraisalRound) -> None:
    if rnd.is_closed:
        raise ValidationError(ROUND_CLOSED)


@transaction.atomic
def appraisal_self(*, entry: AppraisalEntry, text: str, grade: str = "", by=None) -> AppraisalEntry:
    _open(entry.round)
    entry.self_assessment = text
    entry.self_grade = "" if entry.is_probationary else grade
    entry._history_user = by
    entry.save(update_fields=["self_assessment", "self_grade"])
    return entry


@transaction.atomic
def appraisal_peer(*, entry: AppraisalEntry, excellent: int, qualified: int, basic: int, unqualified: int,
                   by=None) -> AppraisalEntry:
    """Record the tallies of the 党员互评 (民主测评) ballots for one member."""
    _open(entry.round)
    if min(excellent, qualified, basic, unqualified) < 0:
        raise ValidationError(PEER_NEGATIVE)
    entry.peer_excellent, entry.peer_qualified, entry.peer_basic, entry.peer_unqualified = (
        excellent, qualified, basic, unqualified)
    entry._history_user = by
    entry.save(update_fields=["peer_excellent", "peer_qualified", "peer_basic", "peer_unqualified"])
    return entry


def check_grades(entries: list[AppraisalEntry], grades: dict[int, str], *, final: bool) -> None:
    errors = []
    for e in entries:
        if e.is_probationary and grades.get(e.pk):
            errors.append(PROBATIONARY_NO_GRADE.format(name=e.member.name))
    graded = [e for e in entries if not e.is_probationary]
    n_excellent = sum(1 for e in graded if grades.get(e.pk) == Grade.EXCELLENT)
    cap = excellent_cap(len(graded))
    if n_excellent > cap:
        errors.append(EXCELLENT_CAP.format(n=n_excellent, graded=len(graded), cap=cap))
    missing = [e.member.name for e in graded if not grades.get(e.pk)]
    if final and missing:
        errors.append(GRADE_MISSING.format(names="、".join(missing[:10]) + (str(_("等")) if len(missing) > 10 else "")))
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def appraisal_decide(*, round: AppraisalRound, grades: dict[int, str], on: date, close: bool = True,
                     disposals: dict[int, str] | None = None, meeting=None, meeting_on: date | None = None,
                     meeting_ref: str = "", by=None) -> AppraisalRound:
    """The branch decision: grades for every 正式党员 (none for 预备党员), 优秀 ≤ 1/3; closing freezes the round.

    Closing needs, for each 不合格, the disposal (`disposals`: entry id → code of disposal_choices()), and the 支部
    党员大会 that adopted the grades (`meeting`, a submitted record of this branch, or `meeting_on` + `meeting_ref`);
    the grades are decided on that meeting's date. Saving without closing may leave both open.
    """
    rnd = AppraisalRound.objects.select_for_update().get(pk=round.pk)
    _open(rnd)
    entries = list(rnd.entries.select_related("member"))
    grades = {pk: g for pk, g in grades.items() if g}
    disposals = {pk: d for pk, d in (disposals or {}).items() if d}
    check_grades(entries, grades, final=close)
    allowed = dict(disposal_choices())
    errors = [DISPOSAL_UNKNOWN.format(value=d) for d in disposals.values() if d not in allowed]
    missing = [e.member.name for e in entries
               if grades.get(e.pk) == Grade.UNQUALIFIED and not e.is_probationary and not disposals.get(e.pk)]
    if close and missing:
        errors.append(DISPOSAL_MISSING.format(names="、".join(missing)))
    if errors:
        raise ValidationError(errors)
    if close:
        meeting_on, meeting_ref = resolve_meeting(meeting=meeting, branch=rnd.branch, meeting_on=meeting_on,
                                                  meeting_ref=meeting_ref)
    for e in entries:
        new = "" if e.is_probationary else grades.get(e.pk, "")
        disposal = disposals.get(e.pk, "") if new == Grade.UNQUALIFIED else ""
        if (e.grade, e.disposal) != (new, disposal):
            e.grade, e.disposal = new, disposal
            e._history_user = by
            e.save(update_fields=["grade", "disposal"])
    fields = ["updated_at"]   # every save of the grid moves the round's version (the page's concurrency check)
    if close:
        rnd.is_closed = True
        rnd.decided_on = meeting_on
        rnd.meeting, rnd.meeting_on, rnd.meeting_ref = meeting, meeting_on, meeting_ref
        fields += ["is_closed", "decided_on", "meeting", "meeting_on", "meeting_ref"]
    rnd._history_user = by
    rnd.save(update_fields=fields)
    return rnd


PEER_FIELDS = ("excellent", "qualified", "basic", "unqualified")
VOTES_NOT_A_NUMBER = _("互评票数须为非负整数。")


def appraisal_meetings(rnd: AppraisalRound):
    """Submitted 支部党员大会 records of the round's branch from its year to the end of the next March."""
    Activity = AppraisalRound._meta.get_field("meeting").related_model  # the org-life record, wherever it lives
    return (Activity.objects.submitted().filter(organization=rnd.branch, activity_type__category="general_meeting",
                                                held_on__gte=date(rnd.year, 1, 1), held_on__lte=date(rnd.year + 1, 3, 31))
            .order_by("-held_on"))


def _votes(raw) -> int:
    raw = (raw or "0").strip() or "0"
    if not raw.isdigit():
        raise ValidationError(VOTES_NOT_A_NUMBER)
    return int(raw)


def _date_or_none(raw):
    try:
        return date.fromisoformat((raw or "").strip())
    except ValueError:
        return None


@transaction.atomic
def appraisal_grid_save(*, round: AppraisalRound, posted, version, close: bool, by, on: date | None = None
                        ) -> AppraisalRound:
    """The grading page's one write, all or nothing: each entry's peer votes (`excellent-<entry id>` …), a changed
    self grade (`self-<id>`), then the branch decision (`grade-<id>`, `disposal-<id>`, `meeting` or
    `meeting_on` + `meeting_ref`). `posted` is the page's input; `version` the round's version the page showed:
    a grid saved since then is refused (ConflictError-like ValidationError) and nothing is written."""
    # Lock the round first: a concurrent save of the same grid waits here, then sees the new version.
    rnd = AppraisalRound.objects.select_for_update().select_related("branch").get(pk=round.pk)
    conflict = stale_message(rnd, version)
    if conflict:   # someone saved this grid since the page was shown: save nothing, keep what was typed
        raise ValidationError(conflict)
    grade_values = {""} | set(Grade.values)
    grades, disposals = {}, {}
    for e in rnd.entries.select_related("round"):
        disposals[e.pk] = posted.get(f"disposal-{e.pk}", "")
        peer = {k: _votes(posted.get(f"{k}-{e.pk}")) for k in PEER_FIELDS}
        if any(peer.values()) or e.peer_total:
            appraisal_peer(entry=e, by=by, **peer)
        self_grade = posted.get(f"self-{e.pk}", "")
        if self_grade != e.self_grade and self_grade in grade_values:
            appraisal_self(entry=e, text=e.self_assessment, grade=self_grade, by=by)
        grades[e.pk] = posted.get(f"grade-{e.pk}", "")
    raw_meeting = posted.get("meeting") or ""
    meeting = appraisal_meetings(rnd).filter(pk=raw_meeting or 0).first() if raw_meeting.isdigit() else None
    meeting_on = _date_or_none(posted.get("meeting_on")) if not meeting else None
    return appraisal_decide(round=rnd, grades=grades, on=on or date.today(), close=close, by=by,
                            disposals=disposals, meeting=meeting, meeting_on=meeting_on,
                            meeting_ref=posted.get("meeting_ref", ""))
