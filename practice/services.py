"""Writes on practice records: plain functions, keyword-only arguments, one transaction each.

Callers (views, API, demo) have already checked rights with practice.permissions; services check the data.
"""
from __future__ import annotations

import logging
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Avg
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.stored_files import atomic_with_files
from portal.uploads import check_upload, stored_thumbnail, stored_upload

from . import hooks
from .models import (
    Attachment,
    Brand,
    BrandEntry,
    BrandRecognition,
    BrandScore,
    BrandSelectionRound,
    ContactFinding,
    ContactPoint,
    ContactVisit,
    ContactVisitRule,
    ContestResult,
    Honour,
    KnowledgeContest,
    Level,
    Notice,
    NoticeReceipt,
    PostResult,
    StudyPlan,
    StudyPlanItem,
    StudyRecord,
    TrainingAttendance,
    TrainingCourse,
    VanguardPost,
)

logger = logging.getLogger(__name__)

NOT_A_BRANCH = _("请选择党支部（党支部、联合党支部或临时党支部）。")
FUTURE_DATE = _("日期不能晚于今天。")
MEMBER_INACTIVE = _("该党员已不在册，不能新增记录。")
HOLDER_OUTSIDE = _("{name} 不是本支部的在册党员。")
ROUND_NOT_OPEN = _("评选已截止报名。")
ROUND_NOT_SCORING = _("评选不在评分阶段。")
ROUND_ALREADY_CLOSED = _("评选结果已公布。")
ROUND_NO_ENTRIES = _("还没有参评品牌。")
ROUND_UNSCORED = _("还有参评品牌没有评分：{names}。")
BRAND_OUTSIDE_ROUND = _("该品牌不在本次评选的组织范围内。")
BRAND_ALREADY_ENTERED = _("该品牌已报名本次评选。")
CONTACT_PERSON_REQUIRED = _("请选择联系人（账号或党员至少填一项）。")
VISIT_OUTSIDE_YEAR = _("走访日期须在联系点所属年度（{year} 年）内。")
ATTACHMENT_LIMIT = _("附件最多 {n} 个。")
REASON_REQUIRED = _("请填写停用原因。")
PLAN_ITEM_YEAR = _("计划日期须在排档表年度（{year} 年）内。")
COURSE_MEMBER_OUTSIDE = _("学员须是主办组织范围内的在册党员。")

MAX_ATTACHMENTS = 30


def _save(obj, by, **clean_kwargs):
    obj.full_clean(**clean_kwargs)
    obj._history_user = by
    obj.save()
    return obj


def _apply(obj, fields: dict):
    for name, value in fields.items():
        setattr(obj, name, value)


def _require_branch(org):
    if not org.is_branch:
        raise ValidationError({"organization": NOT_A_BRANCH})


def _not_future(field: str, value: date):
    if value and value > timezone.localdate():
        raise ValidationError({field: FUTURE_DATE})


@transaction.atomic
def record_deactivate(*, obj, reason: str, by) -> None:
    """作废 (shown as 停用) for every voidable practice record: the row and its history stay."""
    if not (reason or "").strip():
        raise ValidationError({"reason": REASON_REQUIRED})
    obj.void(reason=reason, by=by)


@transaction.atomic
def record_restore(*, obj, by) -> None:
    obj.unvoid(by=by)


# --- 附件 --------------------------------------------------------------------------------------------
@atomic_with_files
def attachment_add(*, owner, upload, caption: str = "", by, images_only: bool = False) -> Attachment:
    """Validate (portal.uploads.check_upload) and store a file for a Brand or a Notice."""
    field = "brand" if isinstance(owner, Brand) else "notice"
    if Attachment.objects.filter(**{field: owner}, is_voided=False).count() >= MAX_ATTACHMENTS:
        raise ValidationError(ATTACHMENT_LIMIT.format(n=MAX_ATTACHMENTS))
    checked = check_upload(upload, images_only=images_only, thumbnail=True)
    with stored_upload(checked, prefix="practice/files") as name, \
            stored_thumbnail(checked, prefix="practice/thumbs") as thumb:
        att = Attachment(**{field: owner}, kind=checked.kind, content_type=checked.content_type, size=checked.size,
                         original_name=checked.original_name, caption=caption[:200], uploaded_by=by)
        att.file.name = name
        att.thumbnail.name = thumb
        att._history_user = by
        att.save()
    return att


# --- 党建品牌 ---------------------------------------------------------------------------------------
@transaction.atomic
def brand_create(*, organization, name: str, launched_on: date, by, parent=None, slogan: str = "",
                 meaning: str = "", tied_work: str = "") -> Brand:
    brand = Brand(organization=organization, name=name, launched_on=launched_on, parent=parent, slogan=slogan,
                  meaning=meaning, tied_work=tied_work)
    _not_future("launched_on", launched_on)
    return _save(brand, by)


@transaction.atomic
def brand_update(*, brand: Brand, by, **fields) -> Brand:
    fields.pop("organization", None)  # a brand stays with its organization
    _apply(brand, fields)
    return _save(brand, by)


@transaction.atomic
def recognition_add(*, brand: Brand, title: str, level: str, awarded_on: date, by, issuer: str = "") -> BrandRecognition:
    _not_future("awarded_on", awarded_on)
    return _save(BrandRecognition(brand=brand, title=title, level=level, awarded_on=awarded_on, issuer=issuer), by)


@transaction.atomic
def round_create(*, organization, name: str, year: int, by, award_title: str = "优秀党建品牌",
                 award_count: int = 3) -> BrandSelectionRound:
    return _save(BrandSelectionRound(organization=organization, name=name, year=year, award_title=award_title,
                                     award_count=award_count), by)


@transaction.atomic
def round_enter(*, round: BrandSelectionRound, brand: Brand, by, statement: str = "") -> BrandEntry:
    if round.status != BrandSelectionRound.Status.OPEN:
        raise ValidationError(ROUND_NOT_OPEN)
    if not brand.organization.path.startswith(round.organization.path) or brand.is_voided:
        raise ValidationError({"brand": BRAND_OUTSIDE_ROUND})
    if BrandEntry.objects.filter(round=round, brand=brand).exists():
        raise ValidationError({"brand": BRAND_ALREADY_ENTERED})
    entry = BrandEntry(round=round, brand=brand, statement=statement)
    entry._history_user = by
    entry.save()
    return entry


@transaction.atomic
def round_start_scoring(*, round: BrandSelectionRound, by) -> BrandSelectionRound:
    if round.status != BrandSelectionRound.Status.OPEN:
        raise ValidationError(ROUND_NOT_OPEN)
    if not round.entries.exists():
        raise ValidationError(ROUND_NO_ENTRIES)
    round.status = BrandSelectionRound.Status.SCORING
    return _save(round, by)


@transaction.atomic
def entry_score(*, entry: BrandEntry, judge, score: Decimal, comment: str = "") -> BrandScore:
    """A judge's score for an entry; scoring again replaces her earlier score (history keeps it)."""
    rnd = BrandSelectionRound.objects.select_for_update().get(pk=entry.round_id)
    if rnd.status != BrandSelectionRound.Status.SCORING:
        raise ValidationError(ROUND_NOT_SCORING)
    obj = BrandScore.objects.filter(entry=entry, judge=judge).first() or BrandScore(entry=entry, judge=judge)
    obj.score = score
    obj.comment = comment
    return _save(obj, judge)


@transaction.atomic
def round_close(*, round: BrandSelectionRound, by, on: date | None = None) -> list[BrandEntry]:
    """Rank entries by average score; the top `award_count` get the round's title as a BrandRecognition."""
    rnd = BrandSelectionRound.objects.select_for_update().get(pk=round.pk)
    if rnd.status == BrandSelectionRound.Status.CLOSED:
        raise ValidationError(ROUND_ALREADY_CLOSED)
    if rnd.status != BrandSelectionRound.Status.SCORING:
        raise ValidationError(ROUND_NOT_SCORING)
    entries = list(rnd.entries.select_related("brand").annotate(avg=Avg("scores__score")))
    unscored = [e.brand.name for e in entries if e.avg is None]
    if unscored:
        raise ValidationError(ROUND_UNSCORED.format(names="、".join(unscored)))
    on = on or timezone.localdate()
    entries.sort(key=lambda e: (-e.avg, e.pk))
    level = Level.UNIT if rnd.organization.is_branch else Level.SYSTEM
    for rank, entry in enumerate(entries, start=1):
        entry.average_score = Decimal(entry.avg).quantize(Decimal("0.01"))
        entry.rank = rank
        entry.awarded = rank <= rnd.award_count
        entry._history_user = by
        entry.save(update_fields=["average_score", "rank", "awarded", "updated_at"])
        if entry.awarded:
            recognition_add(brand=entry.brand, title=rnd.award_title, level=level, awarded_on=on, by=by,
                            issuer=rnd.organization.name)
    rnd.status = BrandSelectionRound.Status.CLOSED
    rnd.closed_on = on
    _save(rnd, by)
    return entries


# --- 党员先锋岗 / 责任区 ----------------------------------------------------------------------------
def _check_holders(organization, holders):
    for m in holders:
        if not m.is_active or not m.branch.path.startswith(organization.path):
            raise ValidationError({"holders": HOLDER_OUTSIDE.format(name=m.name)})


@transaction.atomic
def post_create(*, organization, kind: str, name: str, starts_on: date, by, holders=(), commitment: str = "",
                scope: str = "", ends_on: date | None = None) -> VanguardPost:
    _require_branch(organization)
    holders = list(holders)
    _check_holders(organization, holders)
    post = _save(VanguardPost(organization=organization, kind=kind, name=name, starts_on=starts_on, ends_on=ends_on,
                              commitment=commitment, scope=scope), by)
    post.holders.set(holders)
    return post


@transaction.atomic
def post_update(*, post: VanguardPost, by, holders=None, **fields) -> VanguardPost:
    fields.pop("organization", None)
    _apply(post, fields)
    _save(post, by)
    if holders is not None:
        holders = list(holders)
        _check_holders(post.organization, holders)
        post.holders.set(holders)
    return post


@transaction.atomic
def post_result_add(*, post: VanguardPost, reported_on: date, summary: str, by) -> PostResult:
    _not_future("reported_on", reported_on)
    return _save(PostResult(post=post, reported_on=reported_on, summary=summary, reported_by=by), by,
                 exclude=["reported_by"])


# --- 学习 --------------------------------------------------------------------------------------------
@transaction.atomic
def study_record_create(*, member, studied_on: date, topic: str, hours: Decimal, source: str, by,
                        notes: str = "") -> StudyRecord:
    if not member.is_active:
        raise ValidationError({"member": MEMBER_INACTIVE})
    _not_future("studied_on", studied_on)
    record = StudyRecord(member=member, organization_id=member.branch_id, studied_on=studied_on, topic=topic,
                         hours=hours, source=source, notes=notes, recorded_by=by)
    return _save(record, by, exclude=["recorded_by"])


@transaction.atomic
def study_record_update(*, record: StudyRecord, by, **fields) -> StudyRecord:
    for locked in ("member", "organization", "recorded_by"):
        fields.pop(locked, None)
    _apply(record, fields)
    _not_future("studied_on", record.studied_on)
    return _save(record, by, exclude=["recorded_by"])


@transaction.atomic
def contest_create(*, organization, name: str, held_on: date, by, level: str = Level.UNIT,
                   description: str = "") -> KnowledgeContest:
    return _save(KnowledgeContest(organization=organization, name=name, held_on=held_on, level=level,
                                  description=description), by)


@transaction.atomic
def contest_result_set(*, contest: KnowledgeContest, member, by, score: Decimal | None = None,
                       award: str = "") -> ContestResult:
    if not member.branch.path.startswith(contest.organization.path):
        raise ValidationError({"member": COURSE_MEMBER_OUTSIDE})
    obj = ContestResult.objects.filter(contest=contest, member=member).first() or ContestResult(contest=contest,
                                                                                                member=member)
    obj.score = score
    obj.award = award
    return _save(obj, by)


@transaction.atomic
def plan_create(*, organization, year: int, by, title: str = "") -> StudyPlan:
    _require_branch(organization)
    return _save(StudyPlan(organization=organization, year=year, title=title), by)


@transaction.atomic
def plan_item_add(*, plan: StudyPlan, planned_on: date, topic: str, by, form: str = "") -> StudyPlanItem:
    if planned_on.year != plan.year:
        raise ValidationError({"planned_on": PLAN_ITEM_YEAR.format(year=plan.year)})
    return _save(StudyPlanItem(plan=plan, planned_on=planned_on, topic=topic, form=form), by)


@transaction.atomic
def plan_item_done(*, item: StudyPlanItem, done_on: date | None, by, note: str = "") -> StudyPlanItem:
    """Mark an item done (a date) or not done (None)."""
    if done_on:
        _not_future("done_on", done_on)
    item.done_on = done_on
    item.note = note
    return _save(item, by)


# --- 培训 --------------------------------------------------------------------------------------------
@transaction.atomic
def course_create(*, organization, name: str, kind: str, hours: Decimal, starts_on: date, ends_on: date, by,
                  location: str = "") -> TrainingCourse:
    return _save(TrainingCourse(organization=organization, name=name, kind=kind, hours=hours, starts_on=starts_on,
                                ends_on=ends_on, location=location), by)


@transaction.atomic
def attendance_set(*, course: TrainingCourse, member, by, attended: bool = True, completed: bool = False,
                   note: str = "") -> TrainingAttendance:
    if not member.branch.path.startswith(course.organization.path) or not member.is_active:
        raise ValidationError({"member": COURSE_MEMBER_OUTSIDE})
    obj = TrainingAttendance.objects.filter(course=course, member=member).first() or TrainingAttendance(
        course=course, member=member)
    obj.attended, obj.completed, obj.note = attended, completed, note
    return _save(obj, by)


# --- 党建联系点 --------------------------------------------------------------------------------------
@transaction.atomic
def contact_rule_set(*, organization, min_visits_per_year: int, by) -> ContactVisitRule:
    rule = ContactVisitRule.objects.filter(organization=organization).first() or ContactVisitRule(
        organization=organization)
    rule.min_visits_per_year = min_visits_per_year
    return _save(rule, by)


@transaction.atomic
def contact_point_assign(*, organization, year: int, by, contact_user=None, contact_member=None,
                         contact_title: str = "") -> ContactPoint:
    _require_branch(organization)
    if contact_user is None and contact_member is None:
        raise ValidationError(CONTACT_PERSON_REQUIRED)
    return _save(ContactPoint(organization=organization, year=year, contact_user=contact_user,
                              contact_member=contact_member, contact_title=contact_title), by)


@transaction.atomic
def contact_visit_record(*, contact_point: ContactPoint, visited_on: date, checked: str, by, findings: str = "",
                         problems=()) -> ContactVisit:
    """Record a visit; each problem (dict: problem, requirement, due_on, responsible_person) becomes a finding
    that is handed to evaluations' 整改 after commit (or kept as pending when that is not available)."""
    if visited_on.year != contact_point.year:
        raise ValidationError({"visited_on": VISIT_OUTSIDE_YEAR.format(year=contact_point.year)})
    _not_future("visited_on", visited_on)
    visit = _save(ContactVisit(contact_point=contact_point, visited_on=visited_on, checked=checked,
                               findings=findings, recorded_by=by), by, exclude=["recorded_by"])
    created = []
    for p in problems:
        created.append(_save(ContactFinding(visit=visit, **p), by))
    for finding in created:
        transaction.on_commit(lambda f=finding: finding_to_rectification(finding=f, by=by))
    return visit


def finding_to_rectification(*, finding: ContactFinding, by) -> bool:
    """Hand a finding to evaluations as a 整改 item, through the hook evaluations registers (practice/hooks.py):
    practice sits below evaluations. Returns False (finding stays `pending_rectification`) when none is registered."""
    if finding.rectification_id:
        return True
    rectification_create = hooks.rectification_create()
    if rectification_create is None:
        return False
    try:
        with transaction.atomic():
            rect = rectification_create(
                organization=finding.visit.contact_point.organization, problem=finding.problem,
                requirement=finding.requirement, due_on=finding.due_on,
                responsible_person=finding.responsible_person, source="contact_point", by=by,
                source_note=f"党建联系点走访 {finding.visit.visited_on:%Y-%m-%d}",
            )
    except (ValidationError, TypeError) as exc:
        logger.warning("contact finding %s not handed to rectification: %s", finding.pk, exc)
        return False
    ContactFinding.objects.filter(pk=finding.pk).update(rectification_id=rect.pk, pending_rectification=False,
                                                        updated_at=timezone.now())
    finding.rectification_id, finding.pending_rectification = rect.pk, False
    return True


def pending_findings_retry(*, by=None) -> int:
    """Retry every pending finding (e.g. once the 整改 module is deployed); returns how many went through."""
    done = 0
    for f in ContactFinding.objects.filter(pending_rectification=True).select_related("visit__contact_point__organization"):
        done += finding_to_rectification(finding=f, by=by)
    return done


# --- 荣誉 --------------------------------------------------------------------------------------------
@transaction.atomic
def honour_award(*, kind: str, level: str, year: int, by, member=None, organization=None, title: str = "",
                 citation: str = "", issuer: str = "", awarded_on: date | None = None) -> Honour:
    """A member's honour is placed at her branch (scoping); a collective honour at the honoured organization."""
    if member is not None:
        organization = member.branch
    if organization is None:
        raise ValidationError({"organization": _("请选择获奖组织。")})
    return _save(Honour(kind=kind, level=level, year=year, member=member, organization=organization, title=title,
                        citation=citation, issuer=issuer, awarded_on=awarded_on), by)


# --- 通知公告 ----------------------------------------------------------------------------------------
@transaction.atomic
def notice_publish(*, organization, audience: str, title: str, body: str, by, published_at=None) -> Notice:
    return _save(Notice(organization=organization, audience=audience, title=title, body=body,
                        published_at=published_at or timezone.now(), published_by=by), by,
                 exclude=["published_by"])


def notice_mark_read(*, notice: Notice, user) -> NoticeReceipt:
    """Idempotent: the first read time is kept."""
    receipt, _ = NoticeReceipt.objects.get_or_create(notice=notice, user=user, defaults={"read_at": timezone.now()})
    return receipt


# Generic update used by the edit pages of the simple kinds (fields come from a ModelForm's cleaned_data).
@transaction.atomic
def record_update(*, obj, by, **fields):
    fields.pop("organization", None)
    _apply(obj, fields)
    return _save(obj, by)


# --- the generic record pages (practice/views.py CreateView, EditView): one entry per kind ----------------------

def record_create_of_kind(*, page_kind: str, by, **data):
    """Create a record of a page kind (`page_kind`: the URL's kind; a 先锋岗 form has a field `kind` of its own) with a form's cleaned data (the kind's own create service)."""
    create = {"brand": brand_create, "round": round_create, "post": post_create, "contest": contest_create,
              "plan": plan_create, "course": course_create, "contact": contact_point_assign,
              "honour": honour_award, "notice": notice_publish}.get(page_kind)
    if create is None:
        raise ValueError(f"no create service for page kind {page_kind!r}")
    return create(by=by, **data)


def record_update_of_kind(*, page_kind: str, obj, by, **data):
    """Save an edited record of a page kind: a 先锋岗 with its holders, an honour placed at its member's branch."""
    if page_kind == "post":
        return post_update(post=obj, by=by, **data)
    if page_kind == "honour" and data.get("member"):
        data["organization"] = data["member"].branch
    return record_update(obj=obj, by=by, **data)
