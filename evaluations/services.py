"""Writes for 四强 evaluation: each a plain function with keyword-only arguments, one transaction each.

Workflow per branch: 自评 → 上级评审 → 党委审定 → 公示 → 结果. Every step change goes through `_transition`, which
refuses anything not in LEGAL_TRANSITIONS and records who, when and why.
"""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from branches.models import Organization
from members.models import Member
from portal.concurrency import check_unchanged, stale_message
from portal.scoping import MANAGE, REVIEW, can
from portal.stored_files import atomic_with_files
from portal.uploads import CheckedUpload, check_uploads, stored_upload

from . import scoring
from .metrics import MetricUnavailable, get_metric
from .models import (
    SCORED_KINDS,
    AdjustmentKind,
    Attachment,
    AutomaticValue,
    BranchEvaluation,
    Cycle,
    CycleKind,
    DeadlineExtension,
    DeadlineStep,
    Indicator,
    IndicatorKind,
    Objection,
    ObjectionStatus,
    Rectification,
    RectificationSource,
    RectificationStatus,
    RectificationUpdate,
    ResultAdjustment,
    ScoreLine,
    ScoreSheet,
    SheetKind,
    SheetStatus,
    Standard,
    StandardStatus,
    Step,
    TransitionLog,
    UpdateKind,
)

LEGAL_TRANSITIONS = {
    Step.SELF: {Step.REVIEW, Step.EXCLUDED},
    Step.REVIEW: {Step.COMMITTEE},
    Step.COMMITTEE: {Step.PUBLICITY, Step.REVIEW},
    Step.PUBLICITY: {Step.RESULT, Step.REVIEW},
    Step.RESULT: set(),
    Step.EXCLUDED: set(),
}

ILLEGAL_TRANSITION = _("当前环节为“{current}”，不能执行“{action}”。")
STANDARD_FROZEN = _("该标准已发布并冻结，不能修改；请复制为新版本后再编辑。")
STANDARD_NOT_PUBLISHED = _("只能使用已发布的评价标准开展评价。")
STANDARD_EMPTY = _("标准至少需要一项人工评分或自动计算指标。")
UNKNOWN_METRIC = _("自动指标“{key}”不存在。")
METRIC_REQUIRED = _("自动计算指标须选择自动指标。")
CRITERION_REQUIRED = _("人工评分和自动计算指标须选择考核维度。")
BAD_BANDS = _("星级分数线须为从高到低的 星级=分数 列表，且最低一档为 0 分。")
REVIEWER_IS_MEMBER = _("{name} 是该支部党员，按回避要求不能担任本支部的评审人。")
REVIEWER_NO_SCOPE = _("{name} 没有该支部的评审权限。")
REVIEWER_TWICE = _("{name} 已是该支部的评审人。")
NOT_YOUR_SHEET = _("这不是您的评分表。")
SHEET_SUBMITTED = _("评分表已提交，不能再修改。")
NO_REVIEWERS = _("尚未分配评审人。")
REVIEWS_PENDING = _("还有 {n} 位评审人未提交评分。")
REASON_REQUIRED = _("请填写原因。")
MEETING_REQUIRED = _("请填写审定会议（名称、日期或纪要编号）。")
PUBLICITY_RUNNING = _("公示期至 {end:%Y年%m月%d日} 结束，公示期满后才能发布结果。")
OPEN_OBJECTIONS = _("还有 {n} 条异议未答复，答复后才能发布结果。")
OBJECTION_CLOSED = _("不在公示期内，不能提出异议。")
OBJECTION_ANSWERED = _("该异议已答复。")
NOT_A_MEMBER = _("只有本党委范围内的党员可以提出异议。")
NOT_FOUR_STRONG = _("该支部当前不是四强党支部。")
STARS_NOT_LOWER = _("调整后的星级必须低于当前星级（当前 {stars} 星）。")
NOT_PUBLISHED = _("只能调整已发布的结果。")
DUE_IN_PAST = _("整改期限不能早于今天。")
RECT_CLOSED = _("该整改事项已销号。")
RECT_NOT_REPORTED = _("支部尚未报告整改进展，不能核验销号。")
TEXT_REQUIRED = _("请填写内容。")
NO_AUTO_OVERRIDE = _("{name} 为自动计算指标，分值由系统根据记录计算。")
DEADLINE_PASSED = _("{step}已于 {deadline:%Y年%m月%d日} 截止；逾期提交须由党务工作人员登记延期。")
EXTENSION_IN_PAST = _("延期日期不能早于今天。")
EXTENSION_NOT_NEEDED = _("截止日期为 {deadline:%Y年%m月%d日}，不需要延期到更早的日期。")
NO_MANAGE_RIGHT = _("您没有该评价周期的管理权限。")
STARS_OUT_OF_RANGE = _("星级须在 1 到 5 之间。")
STARS_UNCHANGED = _("调整后的星级与拟定星级相同。")
RAISE_NEEDS_RECHECK = _("升级须有本周期之后已发布的复查复核结果支持（复查评定 {stars} 星）。")
RAISE_NOT_HIGHER = _("升级后的星级必须高于当前星级（当前 {stars} 星）。")

MAX_UPLOAD_BYTES = 10 * 1024 * 1024   # evidence: every type portal.uploads allows, up to 10 MB


# --- standards -------------------------------------------------------------------------------------------------


def _check_editable(standard: Standard) -> None:
    if standard.is_frozen:
        raise ValidationError(STANDARD_FROZEN)


def validate_bands(bands) -> list[dict]:
    try:
        rows = [{"stars": int(b["stars"]), "min": float(b["min"])} for b in bands]
    except (KeyError, TypeError, ValueError) as exc:
        raise ValidationError({"bands": BAD_BANDS}) from exc
    mins = [r["min"] for r in rows]
    stars = [r["stars"] for r in rows]
    if not rows or mins != sorted(mins, reverse=True) or stars != sorted(stars, reverse=True) or mins[-1] != 0 \
            or len(set(mins)) != len(mins):
        raise ValidationError({"bands": BAD_BANDS})
    return rows


@transaction.atomic
def standard_create(*, organization, year: int, name: str, by, **rules) -> Standard:
    version = (Standard.objects.filter(organization=organization, year=year).aggregate(v=Max("version"))["v"] or 0) + 1
    standard = Standard(organization=organization, year=year, version=version, name=name, created_by=by, **rules)
    standard.bands = validate_bands(standard.bands)
    standard.full_clean()
    standard._history_user = by
    standard.save()
    return standard


@transaction.atomic
def standard_update(*, standard: Standard, by, **fields) -> Standard:
    _check_editable(standard)
    for k, v in fields.items():
        setattr(standard, k, v)
    standard.bands = validate_bands(standard.bands)
    standard.full_clean()
    standard._history_user = by
    standard.save()
    return standard


def _validate_indicator(ind: Indicator) -> None:
    errors = {}
    if ind.kind in SCORED_KINDS and not ind.criterion:
        errors["criterion"] = CRITERION_REQUIRED
    if ind.kind == IndicatorKind.AUTOMATIC and not ind.metric_key:
        errors["metric_key"] = METRIC_REQUIRED
    if ind.metric_key and get_metric(ind.metric_key) is None:
        errors["metric_key"] = UNKNOWN_METRIC.format(key=ind.metric_key)
    if ind.kind == IndicatorKind.VETO:
        ind.max_points = Decimal(1)
    if ind.kind == IndicatorKind.GROUP:
        ind.max_points = Decimal(0)
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def indicator_save(*, standard: Standard, by, indicator: Indicator | None = None, **fields) -> Indicator:
    _check_editable(standard)
    ind = indicator or Indicator(standard=standard)
    for k, v in fields.items():
        setattr(ind, k, v)
    _validate_indicator(ind)
    ind.full_clean()
    ind._history_user = by
    ind.save()
    return ind


@transaction.atomic
def standard_publish(*, standard: Standard, by) -> Standard:
    _check_editable(standard)
    indicators = list(standard.indicators.all())
    if not any(i.kind in SCORED_KINDS and i.max_points > 0 for i in indicators):
        raise ValidationError(STANDARD_EMPTY)
    for ind in indicators:
        _validate_indicator(ind)
    validate_bands(standard.bands)
    standard.status = StandardStatus.PUBLISHED
    standard.published_at = timezone.now()
    standard._history_user = by
    standard.save(update_fields=["status", "published_at", "updated_at"])
    return standard


@transaction.atomic
def standard_copy(*, standard: Standard, by, year: int | None = None, organization=None) -> Standard:
    """Copy a (frozen) standard into a new draft version: the way to change a standard without touching the past."""
    year = year or standard.year
    organization = organization or standard.organization
    copy = standard_create(
        organization=organization, year=year, name=standard.name, by=by, bands=standard.bands, quotas=standard.quotas,
        veto_max_stars=standard.veto_max_stars, four_strong_min_stars=standard.four_strong_min_stars,
        four_strong_ratio=standard.four_strong_ratio, bonus_cap=standard.bonus_cap,
        deduction_cap=standard.deduction_cap, based_on=standard,
    )
    mapping = {}
    for ind in sorted(standard.indicators.all(), key=lambda i: (i.parent_id is not None, i.order, i.pk)):
        old_pk = ind.pk
        parent = mapping.get(ind.parent_id)
        ind.pk = None
        ind.standard = copy
        ind.parent = parent
        ind.save()
        mapping[old_pk] = ind
    return copy


def rules_of(standard: Standard) -> scoring.Rules:
    return scoring.Rules(
        bands=tuple((int(b["stars"]), Decimal(str(b["min"]))) for b in standard.bands),
        veto_max_stars=standard.veto_max_stars, four_strong_min_stars=standard.four_strong_min_stars,
        four_strong_ratio=standard.four_strong_ratio, bonus_cap=standard.bonus_cap,
        deduction_cap=standard.deduction_cap,
    )


def items_of(indicators) -> list[scoring.Item]:
    return [scoring.Item(id=i.pk, kind=i.kind, max_points=i.max_points, criterion=i.criterion, name=i.name)
            for i in indicators if i.kind != IndicatorKind.GROUP]


# --- cycles ----------------------------------------------------------------------------------------------------


@transaction.atomic
def cycle_create(*, organization, standard: Standard, year: int, name: str, by, kind: str = CycleKind.REGULAR,
                 self_opens_on: date | None = None, self_closes_on: date | None = None,
                 review_opens_on: date | None = None, review_closes_on: date | None = None,
                 publicity_days: int = 5, min_age_months: int = 12, spread_threshold: Decimal = Decimal("10"),
                 period_start: date | None = None, period_end: date | None = None) -> Cycle:
    """Open a cycle on a frozen standard; every active branch in scope gets its evaluation (or is excluded)."""
    if not standard.is_frozen:
        raise ValidationError({"standard": STANDARD_NOT_PUBLISHED})

    period_start = period_start or date(year, 1, 1)
    period_end = period_end or date(year, 12, 31)
    cycle = Cycle(
        organization=organization, standard=standard, year=year, name=name, kind=kind, created_by=by,
        period_start=period_start, period_end=period_end,
        self_opens_on=self_opens_on or period_end + timedelta(days=1),
        self_closes_on=self_closes_on or period_end + timedelta(days=31),
        review_opens_on=review_opens_on or period_end + timedelta(days=32),
        review_closes_on=review_closes_on or period_end + timedelta(days=60),
        publicity_days=publicity_days, min_age_months=min_age_months, spread_threshold=spread_threshold,
    )
    cycle.full_clean()
    cycle._history_user = by
    cycle.save()
    branches = Organization.objects.filter(path__startswith=organization.path).active().branches().order_by("path")
    if kind == CycleKind.RECHECK:
        designated = BranchEvaluation.objects.filter(four_strong=True, step=Step.RESULT,
                                                     organization__path__startswith=organization.path)
        branches = branches.filter(pk__in=designated.values("organization_id"))
    youngest = period_end - relativedelta(months=min_age_months)
    for branch in branches:
        ev = BranchEvaluation(cycle=cycle, organization=branch)
        if branch.established_on > youngest:
            ev.step = Step.EXCLUDED
            ev.excluded_reason = f"成立不满 {min_age_months} 个月（{branch.established_on:%Y年%m月%d日}成立）"
        ev._history_user = by
        ev.save()
    cycle_refresh_automatic(cycle=cycle)
    return cycle


def cycle_refresh_automatic(*, cycle: Cycle) -> int:
    """(Re)compute automatic indicators for branches not yet past review: one provider call per metric."""
    evaluations = list(cycle.evaluations.filter(step__in=[Step.SELF, Step.REVIEW]))
    if not evaluations:
        return 0
    branch_ids = [e.organization_id for e in evaluations]
    by_branch = {e.organization_id: e for e in evaluations}
    count = 0
    for ind in cycle.standard.indicators.exclude(metric_key=""):
        metric = get_metric(ind.metric_key)
        try:
            values = metric.compute(branch_ids=branch_ids, start=cycle.period_start, end=cycle.period_end) \
                if metric else None
            note = ""
        except MetricUnavailable as exc:
            values, note = None, str(exc)
        for bid, ev in by_branch.items():
            value = None if values is None else values.get(bid)
            points = scoring.map_metric(value, ind.mapping or {}, ind.max_points) if value is not None else None
            AutomaticValue.objects.update_or_create(
                evaluation=ev, indicator=ind,
                defaults={"available": values is not None, "value": value, "points": points,
                          "source_url": metric.records_url(bid) if metric else "",
                          "note": note or ("" if metric else UNKNOWN_METRIC.format(key=ind.metric_key))},
            )
            count += 1
    return count


def _transition(evaluation: BranchEvaluation, to: str, *, action: str, by, comment: str = "") -> TransitionLog:
    current = evaluation.step
    if to not in LEGAL_TRANSITIONS[Step(current)]:
        raise ValidationError(ILLEGAL_TRANSITION.format(current=Step(current).label, action=gettext(action)))
    evaluation.step = to
    evaluation._history_user = by
    evaluation.save()
    return TransitionLog.objects.create(evaluation=evaluation, from_step=current, to_step=to, action=action,
                                        comment=comment, by=by)


def _require_step(evaluation: BranchEvaluation, step: str, action: str) -> None:
    if evaluation.step != step:
        raise ValidationError(ILLEGAL_TRANSITION.format(current=Step(evaluation.step).label, action=gettext(action)))


@transaction.atomic
def evaluation_exclude(*, evaluation: BranchEvaluation, reason: str, by) -> BranchEvaluation:
    if not reason.strip():
        raise ValidationError({"reason": REASON_REQUIRED})
    evaluation.excluded_reason = reason
    _transition(evaluation, Step.EXCLUDED, action=gettext_noop("不参评"), by=by, comment=reason)
    return evaluation


def _parse_points(raw) -> Decimal | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    try:
        return Decimal(str(raw).strip())
    except InvalidOperation as exc:
        raise ValidationError(gettext("“{raw}”不是有效的分数。").format(raw=raw)) from exc


def _save_lines(sheet: ScoreSheet, entries: dict, *, by) -> None:
    """entries: {indicator_id: {"points": .., "note": ..}}; maximums are enforced here, whatever the browser did."""
    indicators = {i.pk: i for i in sheet.evaluation.cycle.standard.indicators.all()}
    errors = []
    for ind_id, entry in entries.items():
        ind = indicators.get(int(ind_id))
        if ind is None or ind.kind == IndicatorKind.GROUP:
            continue
        if ind.is_automatic:
            if entry.get("points") not in (None, ""):
                errors.append(NO_AUTO_OVERRIDE.format(name=ind.name))
            continue
        try:
            points = _parse_points(entry.get("points"))
        except ValidationError as exc:
            errors.append(f"{ind.name}：{exc.messages[0]}")
            continue
        item = scoring.Item(id=ind.pk, kind=ind.kind, max_points=ind.max_points, criterion=ind.criterion,
                            name=ind.name)
        msg = scoring.validate_points(item, points)
        if msg:
            errors.append(msg)
            continue
        line, _ = ScoreLine.objects.get_or_create(sheet=sheet, indicator=ind)
        line.points = points
        line.note = (entry.get("note") or "").strip()
        line._history_user = by
        line.save()
    if errors:
        raise ValidationError(errors)


def automatic_points(evaluation: BranchEvaluation) -> dict:
    """indicator id -> points, or UNAVAILABLE when the metric could not be computed."""
    return {a.indicator_id: (a.points if a.available else UNAVAILABLE) for a in evaluation.automatic_values.all()}


UNAVAILABLE = object()


def sheet_result(sheet: ScoreSheet, *, indicators=None, automatic=None) -> scoring.SheetResult:
    """A sheet's total. An automatic indicator whose metric is not available is left out of the normalization
    (the total is scored over what the portal could measure) rather than counted as zero."""
    standard = sheet.evaluation.cycle.standard
    indicators = indicators if indicators is not None else list(standard.indicators.all())
    automatic = automatic if automatic is not None else automatic_points(sheet.evaluation)
    indicators = [i for i in indicators if automatic.get(i.pk) is not UNAVAILABLE]
    points = {line.indicator_id: line.points for line in sheet.lines.all()}
    points.update({k: v for k, v in automatic.items() if v is not None and v is not UNAVAILABLE})
    return scoring.score_sheet(items_of(indicators), points, rules_of(standard))


def _store_sheet_result(sheet: ScoreSheet) -> None:
    result = sheet_result(sheet)
    sheet.total = result.total
    sheet.criterion_scores = {k: str(v) for k, v in result.criterion.items()}
    sheet.vetoed = result.vetoed


# --- deadlines ---------------------------------------------------------------------------------------------------


def deadline_of(cycle: Cycle, step: str) -> date:
    return cycle.self_closes_on if step == DeadlineStep.SELF else cycle.review_closes_on


def check_deadline(*, evaluation: BranchEvaluation, step: str, today: date | None = None) -> DeadlineExtension | None:
    """Refuse an action after its deadline unless staff recorded an extension for this branch that still runs.
    Returns the extension used (None when on time)."""
    today = today or timezone.localdate()
    deadline = deadline_of(evaluation.cycle, step)
    if today <= deadline:
        return None
    extension = (DeadlineExtension.objects.filter(cycle_id=evaluation.cycle_id, organization_id=evaluation.organization_id,
                                                  step=step, until__gte=today).order_by("-until").first())
    if extension is None:
        raise ValidationError(DEADLINE_PASSED.format(step=DeadlineStep(step).label, deadline=deadline))
    return extension


@transaction.atomic
def deadline_extend(*, cycle: Cycle, organization, step: str, until: date, reason: str, by,
                    today: date | None = None) -> DeadlineExtension:
    """Staff (MANAGE on the cycle's organization) let one branch act late, with a reason that stays on record."""
    today = today or timezone.localdate()
    if not can(by, MANAGE, cycle.organization.path):
        raise ValidationError(NO_MANAGE_RIGHT)
    if not (reason or "").strip():
        raise ValidationError({"reason": REASON_REQUIRED})
    if until < today:
        raise ValidationError({"until": EXTENSION_IN_PAST})
    deadline = deadline_of(cycle, step)
    if until <= deadline:
        raise ValidationError({"until": EXTENSION_NOT_NEEDED.format(deadline=deadline)})
    ext = DeadlineExtension(cycle=cycle, organization=organization, step=step, until=until, reason=reason.strip(),
                            granted_by=by)
    ext.full_clean()
    ext.save()
    return ext


@transaction.atomic
def self_assessment_save(*, evaluation: BranchEvaluation, by, entries: dict, narrative: str | None = None,
                         submit: bool = False, today: date | None = None) -> ScoreSheet:
    _require_step(evaluation, Step.SELF, gettext_noop("保存自评"))
    # One self-assessment per branch, whoever of its secretaries saves it (`reviewer` = who started it);
    # the evaluation row is locked so two first saves cannot create two sheets.
    BranchEvaluation.objects.select_for_update().filter(pk=evaluation.pk).first()
    sheet = ScoreSheet.objects.filter(evaluation=evaluation, kind=SheetKind.SELF).order_by("pk").first() \
        or ScoreSheet.objects.create(evaluation=evaluation, kind=SheetKind.SELF, reviewer=by)
    _save_lines(sheet, entries, by=by)
    _store_sheet_result(sheet)
    sheet.save()
    if narrative is not None:
        evaluation.narrative = narrative
        evaluation.save(update_fields=["narrative", "updated_at"])
    if submit:
        self_assessment_submit(evaluation=evaluation, by=by, today=today)
    return sheet


@transaction.atomic
def self_assessment_submit(*, evaluation: BranchEvaluation, by, comment: str = "",
                           today: date | None = None) -> BranchEvaluation:
    _require_step(evaluation, Step.SELF, gettext_noop("提交自评"))
    extension = check_deadline(evaluation=evaluation, step=DeadlineStep.SELF, today=today)
    if extension is not None:
        comment = (comment + " " + gettext("（逾期提交，延期至 {until:%Y-%m-%d}：{reason}）").format(
            until=extension.until, reason=extension.reason)).strip()
    evaluation.self_submitted_at = timezone.now()
    evaluation.sheets.filter(kind=SheetKind.SELF).update(status=SheetStatus.SUBMITTED, submitted_at=timezone.now())
    _transition(evaluation, Step.REVIEW, action=gettext_noop("提交自评"), by=by, comment=comment)
    return evaluation


def _check(uploads) -> list[CheckedUpload]:
    return check_uploads(list(uploads), max_image_bytes=MAX_UPLOAD_BYTES, max_document_bytes=MAX_UPLOAD_BYTES)


def _attach(checked: CheckedUpload, *, by, **owner) -> Attachment:
    """Store a checked file (portal.uploads) and its record: both or neither (callers use atomic_with_files)."""
    with stored_upload(checked, prefix="evaluations/evidence") as name:
        att = Attachment(original_name=checked.original_name, content_type=checked.content_type, size=checked.size,
                         uploaded_by=by, **owner)
        att.file.name = name
        att.save()
    return att


@atomic_with_files
def evidence_add(*, evaluation: BranchEvaluation, by, upload, indicator: Indicator | None = None) -> Attachment:
    _require_step(evaluation, Step.SELF, gettext_noop("上传佐证材料"))
    (checked,) = _check([upload])
    return _attach(checked, by=by, evaluation=evaluation, indicator=indicator)


@transaction.atomic
def reviewer_assign(*, evaluation: BranchEvaluation, reviewer, by) -> ScoreSheet:
    """Assign a reviewer; members of the branch itself are refused (回避)."""

    if evaluation.step not in (Step.SELF, Step.REVIEW):
        raise ValidationError(ILLEGAL_TRANSITION.format(current=Step(evaluation.step).label, action=gettext("分配评审人")))
    name = reviewer.get_full_name() or reviewer.get_username()
    if Member.objects.filter(user=reviewer, branch=evaluation.organization, is_active=True).exists():
        raise ValidationError({"reviewer": REVIEWER_IS_MEMBER.format(name=name)})
    if not can(reviewer, REVIEW, evaluation.organization.path):
        raise ValidationError({"reviewer": REVIEWER_NO_SCOPE.format(name=name)})
    sheet, created = ScoreSheet.objects.get_or_create(evaluation=evaluation, kind=SheetKind.REVIEW, reviewer=reviewer,
                                                      defaults={"assigned_by": by})
    if not created:
        raise ValidationError({"reviewer": REVIEWER_TWICE.format(name=name)})
    return sheet


@transaction.atomic
def review_save(*, sheet: ScoreSheet, by, entries: dict, submit: bool = False, today: date | None = None) -> ScoreSheet:
    sheet = ScoreSheet.objects.select_for_update().get(pk=sheet.pk)
    if sheet.kind != SheetKind.REVIEW or sheet.reviewer_id != by.pk:
        raise ValidationError(NOT_YOUR_SHEET)
    _require_step(sheet.evaluation, Step.REVIEW, gettext_noop("评审打分"))
    if sheet.status == SheetStatus.SUBMITTED:
        raise ValidationError(SHEET_SUBMITTED)
    if submit:
        check_deadline(evaluation=sheet.evaluation, step=DeadlineStep.REVIEW, today=today)
    _save_lines(sheet, entries, by=by)
    _store_sheet_result(sheet)
    if submit:
        sheet.status = SheetStatus.SUBMITTED
        sheet.submitted_at = timezone.now()
    sheet._history_user = by
    sheet.save()
    return sheet


def evaluation_compute(evaluation: BranchEvaluation) -> scoring.Combined:
    """Mean over submitted reviewer sheets, with spread, veto, stars and the 四强 rule applied."""
    standard = evaluation.cycle.standard
    indicators = list(standard.indicators.all())
    automatic = automatic_points(evaluation)
    sheets = list(evaluation.sheets.filter(kind=SheetKind.REVIEW, status=SheetStatus.SUBMITTED)
                  .prefetch_related("lines"))
    results = [sheet_result(s, indicators=indicators, automatic=automatic) for s in sheets]
    combined = scoring.combine_reviewers(results, spread_threshold=evaluation.cycle.spread_threshold)
    rules = rules_of(standard)
    stars = scoring.stars_for(combined.total, rules, vetoed=combined.vetoed)
    evaluation.total = combined.total
    evaluation.criterion_scores = {k: str(v) for k, v in combined.criterion.items()}
    evaluation.reviewer_totals = [str(t) for t in combined.totals]
    evaluation.spread = combined.spread
    evaluation.spread_flagged = combined.spread_flagged
    evaluation.vetoed = combined.vetoed
    evaluation.proposed_stars = stars
    evaluation.proposed_four_strong = scoring.is_four_strong(
        stars=stars, vetoed=combined.vetoed, criterion=combined.criterion,
        criterion_max=results[0].criterion_max, rules=rules)
    return combined


@transaction.atomic
def review_close(*, evaluation: BranchEvaluation, by, comment: str = "") -> BranchEvaluation:
    _require_step(evaluation, Step.REVIEW, gettext_noop("提交党委审定"))
    sheets = evaluation.sheets.filter(kind=SheetKind.REVIEW)
    if not sheets.exists():
        raise ValidationError(NO_REVIEWERS)
    pending = sheets.exclude(status=SheetStatus.SUBMITTED).count()
    if pending:
        raise ValidationError(REVIEWS_PENDING.format(n=pending))
    evaluation_compute(evaluation)
    _transition(evaluation, Step.COMMITTEE, action=gettext_noop("提交党委审定"), by=by, comment=comment)
    return evaluation


def _reopen_review(evaluation: BranchEvaluation) -> None:
    evaluation.sheets.filter(kind=SheetKind.REVIEW).update(status=SheetStatus.DRAFT, submitted_at=None)
    evaluation.publicity_starts_on = evaluation.publicity_ends_on = None


@transaction.atomic
def committee_approve(*, evaluation: BranchEvaluation, by, meeting: str, decided_on: date | None = None,
                      comment: str = "", today: date | None = None) -> BranchEvaluation:
    if not meeting.strip():
        raise ValidationError({"meeting": MEETING_REQUIRED})
    today = today or timezone.localdate()
    evaluation.committee_meeting = meeting.strip()
    evaluation.committee_decided_on = decided_on or today
    evaluation.publicity_starts_on = today
    evaluation.publicity_ends_on = today + timedelta(days=evaluation.cycle.publicity_days)
    _transition(evaluation, Step.PUBLICITY, action=gettext_noop("党委审定通过"), by=by, comment=f"{meeting}。{comment}".strip("。"))
    return evaluation


@transaction.atomic
def committee_change_stars(*, evaluation: BranchEvaluation, by, to_stars: int, reason: str) -> TransitionLog:
    """The 党委 sets another star level than the reviewers' proposal; the reason and both levels stay on record.
    Lowering below the standard's 四强 minimum withdraws the 四强 proposal; raising never creates one (the 四强 rule
    also needs every criterion's share, which the 党委 does not re-score)."""
    _require_step(evaluation, Step.COMMITTEE, gettext_noop("调整拟定星级"))
    if not (reason or "").strip():
        raise ValidationError({"reason": REASON_REQUIRED})
    try:
        to_stars = int(to_stars)
    except (TypeError, ValueError) as exc:
        raise ValidationError({"to_stars": STARS_OUT_OF_RANGE}) from exc
    if not 1 <= to_stars <= 5:
        raise ValidationError({"to_stars": STARS_OUT_OF_RANGE})
    before = evaluation.proposed_stars
    if before == to_stars:
        raise ValidationError({"to_stars": STARS_UNCHANGED})
    evaluation.proposed_stars = to_stars
    if to_stars < evaluation.cycle.standard.four_strong_min_stars:
        evaluation.proposed_four_strong = False
    evaluation._history_user = by
    evaluation.save()
    return TransitionLog.objects.create(
        evaluation=evaluation, from_step=Step.COMMITTEE, to_step=Step.COMMITTEE, action=gettext_noop("党委调整拟定星级"),
        comment=gettext("{before} 星 → {after} 星：{reason}").format(before=before, after=to_stars, reason=reason.strip()),
        by=by)


def recheck_stars(evaluation: BranchEvaluation) -> int | None:
    """Stars of the latest published 复查复核 of this branch after the evaluation's cycle, if any."""
    later = (BranchEvaluation.objects.filter(organization_id=evaluation.organization_id, step=Step.RESULT,
                                             cycle__kind=CycleKind.RECHECK, cycle__year__gte=evaluation.cycle.year)
             .exclude(pk=evaluation.pk).order_by("-cycle__year", "-published_at").first())
    return later.stars if later else None


@transaction.atomic
def committee_return(*, evaluation: BranchEvaluation, by, reason: str, meeting: str = "") -> BranchEvaluation:
    if not reason.strip():
        raise ValidationError({"reason": REASON_REQUIRED})
    _require_step(evaluation, Step.COMMITTEE, gettext_noop("退回评审"))
    evaluation.committee_meeting = meeting.strip()
    _reopen_review(evaluation)
    _transition(evaluation, Step.REVIEW, action=gettext_noop("党委退回评审"), by=by,
                comment=f"{reason}（{meeting}）" if meeting else reason)
    return evaluation


def may_object(user, evaluation: BranchEvaluation) -> bool:
    """Members (a login linked to an active member) of any branch under the cycle's organization may object."""

    return Member.objects.filter(user=user, is_active=True,
                                 branch__path__startswith=evaluation.cycle.organization.path).exists()


@transaction.atomic
def objection_lodge(*, evaluation: BranchEvaluation, by, text: str, today: date | None = None) -> Objection:
    today = today or timezone.localdate()
    if not text.strip():
        raise ValidationError({"text": TEXT_REQUIRED})
    if evaluation.step != Step.PUBLICITY or not (evaluation.publicity_starts_on <= today <= evaluation.publicity_ends_on):
        raise ValidationError(OBJECTION_CLOSED)
    if not may_object(by, evaluation):
        raise ValidationError(NOT_A_MEMBER)
    obj = Objection(evaluation=evaluation, lodged_by=by, text=text.strip())
    obj._history_user = by
    obj.save()
    return obj


@transaction.atomic
def objection_answer(*, objection: Objection, by, upheld: bool, answer: str) -> Objection:
    """Answer an objection: dismissed with a reason, or upheld, which sends the branch back to review."""
    if objection.status != ObjectionStatus.OPEN:
        raise ValidationError(OBJECTION_ANSWERED)
    if not answer.strip():
        raise ValidationError({"answer": REASON_REQUIRED})
    objection.status = ObjectionStatus.UPHELD if upheld else ObjectionStatus.DISMISSED
    objection.answer = answer.strip()
    objection.answered_by = by
    objection.answered_at = timezone.now()
    objection._history_user = by
    objection.save()
    if upheld:
        evaluation = objection.evaluation
        _require_step(evaluation, Step.PUBLICITY, gettext_noop("采纳异议"))
        _reopen_review(evaluation)
        _transition(evaluation, Step.REVIEW, action=gettext_noop("采纳异议，退回评审"), by=by, comment=answer)
    return objection


@transaction.atomic
def result_publish(*, evaluation: BranchEvaluation, by, comment: str = "", today: date | None = None) -> BranchEvaluation:
    today = today or timezone.localdate()
    _require_step(evaluation, Step.PUBLICITY, gettext_noop("发布结果"))
    if today <= evaluation.publicity_ends_on and evaluation.cycle.publicity_days:
        raise ValidationError(PUBLICITY_RUNNING.format(end=evaluation.publicity_ends_on))
    open_count = evaluation.objections.filter(status=ObjectionStatus.OPEN).count()
    if open_count:
        raise ValidationError(OPEN_OBJECTIONS.format(n=open_count))
    evaluation.stars = evaluation.proposed_stars
    evaluation.four_strong = evaluation.proposed_four_strong
    evaluation.published_at = timezone.now()
    _transition(evaluation, Step.RESULT, action=gettext_noop("发布结果"), by=by, comment=comment)
    return evaluation


@atomic_with_files
def result_adjust(*, evaluation: BranchEvaluation, by, kind: str, reason: str, decided_on: date | None = None,
                  to_stars: int | None = None, uploads=()) -> ResultAdjustment:
    """Dynamic management: revoke 四强 or lower the star level, with reason and evidence; the branch is notified."""
    if evaluation.step != Step.RESULT:
        raise ValidationError(NOT_PUBLISHED)
    if not reason.strip():
        raise ValidationError({"reason": REASON_REQUIRED})
    checked_files = _check(uploads)
    from_stars = evaluation.stars
    if kind == AdjustmentKind.REVOKE_FOUR_STRONG:
        if not evaluation.four_strong:
            raise ValidationError(NOT_FOUR_STRONG)
        evaluation.four_strong = False
        to_stars = from_stars
    elif kind == AdjustmentKind.RAISE_STARS:
        if to_stars is None or from_stars is None or int(to_stars) <= from_stars:
            raise ValidationError({"to_stars": RAISE_NOT_HIGHER.format(stars=from_stars)})
        supported = recheck_stars(evaluation)
        if supported is None or supported < int(to_stars):
            raise ValidationError({"to_stars": RAISE_NEEDS_RECHECK.format(stars=supported if supported else "—")})
        evaluation.stars = int(to_stars)
    else:
        if to_stars is None or from_stars is None or int(to_stars) >= from_stars:
            raise ValidationError({"to_stars": STARS_NOT_LOWER.format(stars=from_stars)})
        evaluation.stars = int(to_stars)
        min_stars = evaluation.cycle.standard.four_strong_min_stars
        if evaluation.four_strong and evaluation.stars < min_stars:
            evaluation.four_strong = False
    evaluation._history_user = by
    evaluation.save()
    adj = ResultAdjustment(evaluation=evaluation, kind=kind, from_stars=from_stars, to_stars=to_stars,
                           reason=reason.strip(), decided_on=decided_on or timezone.localdate(), by=by)
    adj._history_user = by
    adj.save()
    for checked in checked_files:
        _attach(checked, by=by, adjustment=adj)
    from .tasks import notify_adjustment

    transaction.on_commit(lambda: notify_adjustment.delay(adj.pk))
    return adj


def can_manage_cycle(user, cycle: Cycle) -> bool:
    return can(user, MANAGE, cycle.organization.path)


# --- rectification (整改) -----------------------------------------------------------------------------------------


@transaction.atomic
def rectification_create(*, organization, problem: str, requirement: str, due_on: date, by,
                         responsible_person: str = "", source: str = RectificationSource.EVALUATION,
                         source_note: str = "", evaluation: BranchEvaluation | None = None,
                         today: date | None = None) -> Rectification:
    """A finding to rectify (评审发现, 检查发现, 联系点发现 …); practice's 联系点 findings call this too."""
    if due_on < (today or timezone.localdate()):
        raise ValidationError({"due_on": DUE_IN_PAST})
    rect = Rectification(organization=organization, problem=problem.strip(), requirement=requirement.strip(),
                         due_on=due_on, responsible_person=responsible_person.strip(), source=source,
                         source_note=source_note, evaluation=evaluation, created_by=by)
    rect.full_clean()
    rect._history_user = by
    rect.save()
    return rect


@atomic_with_files
def rectification_report(*, rectification: Rectification, by, text: str, uploads=()) -> RectificationUpdate:
    if rectification.status == RectificationStatus.CLOSED:
        raise ValidationError(RECT_CLOSED)
    if not text.strip():
        raise ValidationError({"text": TEXT_REQUIRED})
    checked_files = _check(uploads)
    update = RectificationUpdate.objects.create(rectification=rectification, kind=UpdateKind.PROGRESS,
                                                text=text.strip(), by=by)
    for checked in checked_files:
        _attach(checked, by=by, rectification_update=update)
    rectification.status = RectificationStatus.REPORTED
    rectification._history_user = by
    rectification.save(update_fields=["status", "updated_at"])
    return update


@transaction.atomic
def rectification_close(*, rectification: Rectification, by, text: str, on: date | None = None) -> Rectification:
    if rectification.status != RectificationStatus.REPORTED:
        raise ValidationError(RECT_CLOSED if rectification.status == RectificationStatus.CLOSED else RECT_NOT_REPORTED)
    if not text.strip():
        raise ValidationError({"text": TEXT_REQUIRED})
    RectificationUpdate.objects.create(rectification=rectification, kind=UpdateKind.CLOSE, text=text.strip(), by=by)
    rectification.status = RectificationStatus.CLOSED
    rectification.closed_on = on or timezone.localdate()
    rectification._history_user = by
    rectification.save(update_fields=["status", "closed_on", "updated_at"])
    return rectification


@transaction.atomic
def rectification_send_back(*, rectification: Rectification, by, text: str) -> Rectification:
    if rectification.status != RectificationStatus.REPORTED:
        raise ValidationError(RECT_CLOSED if rectification.status == RectificationStatus.CLOSED else RECT_NOT_REPORTED)
    if not text.strip():
        raise ValidationError({"text": TEXT_REQUIRED})
    RectificationUpdate.objects.create(rectification=rectification, kind=UpdateKind.SEND_BACK, text=text.strip(),
                                       by=by)
    rectification.status = RectificationStatus.OPEN
    rectification._history_user = by
    rectification.save(update_fields=["status", "updated_at"])
    return rectification


def self_assessment_page_save(*, evaluation: BranchEvaluation, by, entries: dict, narrative: str, submit: bool,
                              uploads: dict | None = None, version: str | None = None) -> BranchEvaluation:
    """The self-assessment page's one write, all or nothing (a refused save keeps no evidence rows and no stored
    files): the evidence files (`uploads`: indicator id → files) and the sheet. `version` is the sheet's version
    the page showed: a sheet saved since is refused (ConflictError), checked again under the evaluation's lock."""
    sheet = evaluation.sheets.filter(kind=SheetKind.SELF).first()
    conflict = stale_message(sheet, version)
    if conflict:   # someone saved the self-assessment since this page was shown: save nothing
        raise ValidationError(conflict)
    with atomic_with_files():
        # Checked again under locks (evaluation, then sheet): a save arriving at the same instant waits here and
        # then sees this one's version instead of overwriting it.
        BranchEvaluation.objects.select_for_update().filter(pk=evaluation.pk).first()
        check_unchanged(evaluation.sheets.filter(kind=SheetKind.SELF).first(), version)
        for indicator_id, files in (uploads or {}).items():
            for f in files:
                evidence_add(evaluation=evaluation, by=by, upload=f,
                             indicator=evaluation.cycle.standard.indicators.get(pk=indicator_id))
        self_assessment_save(evaluation=evaluation, by=by, entries=entries, narrative=narrative, submit=submit)
    return evaluation


def review_page_save(*, sheet: ScoreSheet, by, entries: dict, submit: bool, version: str | None = None) -> ScoreSheet:
    """The reviewer's scoring page's one write; `version` as in self_assessment_page_save (the same sheet saved from
    another tab or device since the page was shown is refused)."""
    conflict = stale_message(sheet, version)
    if conflict:
        raise ValidationError(conflict)
    with atomic_with_files():
        check_unchanged(sheet, version)   # under a row lock, with the write
        return review_save(sheet=sheet, by=by, entries=entries, submit=submit)


def rectification_verify(*, rectification: Rectification, decision: str, text: str, by) -> Rectification:
    """核验: "close" (销号) or send it back to the branch."""
    if decision == "close":
        return rectification_close(rectification=rectification, by=by, text=text)
    return rectification_send_back(rectification=rectification, by=by, text=text)
