"""民主评议党员: once a year per branch — 个人自评, 党员互评, 支部评定 of 优秀/合格/基本合格/不合格.

优秀 is capped at one third of the members graded; 预备党员 take part but get no grade (domain-rules §5).
"""
from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from simple_history.utils import bulk_create_with_history

from .lifecycle_models import AppraisalEntry, AppraisalRound, Grade
from .models import Member, MemberStatus

ROUND_EXISTS = _("{branch} {year} 年度的民主评议已经开始。")
ROUND_CLOSED = _("该年度民主评议已评定，不能再修改。")
EXCELLENT_CAP = _("评为“优秀”的有 {n} 人，超过参加评定人数（{graded} 人）的三分之一（最多 {cap} 人）。")
PROBATIONARY_NO_GRADE = _("{name} 是预备党员，参加评议但不评定等次。")
GRADE_MISSING = _("以下正式党员尚未评定等次：{names}。")
PEER_NEGATIVE = _("互评票数不能为负数。")


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
                     by=None) -> AppraisalRound:
    """The branch decision: grades for every 正式党员 (none for 预备党员), 优秀 ≤ 1/3; closing freezes the round."""
    rnd = AppraisalRound.objects.select_for_update().get(pk=round.pk)
    _open(rnd)
    entries = list(rnd.entries.select_related("member"))
    grades = {pk: g for pk, g in grades.items() if g}
    check_grades(entries, grades, final=close)
    for e in entries:
        new = "" if e.is_probationary else grades.get(e.pk, "")
        if e.grade != new:
            e.grade = new
            e._history_user = by
            e.save(update_fields=["grade"])
    fields = ["updated_at"]   # every save of the grid moves the round's version (the page's concurrency check)
    if close:
        rnd.is_closed = True
        rnd.decided_on = on
        fields += ["is_closed", "decided_on"]
    rnd._history_user = by
    rnd.save(update_fields=fields)
    return rnd
