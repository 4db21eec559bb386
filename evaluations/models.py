"""四强 evaluation: versioned standards, cycles, per-branch workflow and scores, results, 整改.

A standard is data (per organization and year, versioned). Once published it is frozen: a cycle points at one
published version, and editing next year's standard means copying it into a new draft version.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from portal.scoping import ALL, RestrictedQuerySet, scope_for, subtree_q
from portal.tracking import TimestampedModel, TrackedModel, UpdatedAtModel
from portal.uploads import generated_name

STEPLEN = 4  # branches.models.Organization.steplen (treebeard), repeated to keep this file free of tree logic


class Criterion(models.TextChoices):
    POLITICAL = "political", _("政治功能强")
    LEADERSHIP = "leadership", _("支部班子强")
    MEMBERS = "members", _("党员队伍强")
    ROLE = "role", _("作用发挥强")


CRITERIA = [c.value for c in Criterion]


class IndicatorKind(models.TextChoices):
    GROUP = "group", _("分组")
    MANUAL = "manual", _("人工评分")
    AUTOMATIC = "automatic", _("自动计算")
    BONUS = "bonus", _("加分项")
    DEDUCTION = "deduction", _("减分项")
    VETO = "veto", _("一票否决")


SCORED_KINDS = (IndicatorKind.MANUAL, IndicatorKind.AUTOMATIC)


def default_bands():
    """Star bands on a total normalized to 100: highest first, a band starts at `min` (inclusive)."""
    return [{"stars": 5, "min": 90}, {"stars": 4, "min": 80}, {"stars": 3, "min": 70}, {"stars": 2, "min": 60},
            {"stars": 1, "min": 0}]


class ScopeUpQuerySet(RestrictedQuerySet):
    """Rows placed on an organization that a user sees from below too (a cycle of the 党委 is visible to a branch).

    Only VIEW reaches upward: seeing an ancestor's standard or cycle never means changing it. Every other action
    (MANAGE, CHANGE, REVIEW) covers the rows placed on the user's own subtrees only.
    """

    scope_path_field = "organization__path"

    def restrict(self, user, action: str = "view"):
        if action != "view":
            return super().restrict(user, action)
        paths = scope_for(user).paths(action)
        if paths is ALL:
            return self
        if not paths:
            return self.none()
        ancestors = {p[:i] for p in paths for i in range(STEPLEN, len(p) + 1, STEPLEN)}
        return self.filter(subtree_q(paths, self.scope_path_field) | Q(organization__path__in=ancestors))


class StandardStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布（冻结）")


class Standard(TimestampedModel):
    organization = models.ForeignKey("branches.Organization", on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("制定单位"))
    year = models.PositiveSmallIntegerField(_("年度"))
    version = models.PositiveSmallIntegerField(_("版本"), default=1)
    name = models.CharField(_("名称"), max_length=120)
    status = models.CharField(_("状态"), max_length=12, choices=StandardStatus.choices, default=StandardStatus.DRAFT)
    bands = models.JSONField(_("星级分数线"), default=default_bands)
    quotas = models.JSONField(_("名额比例（%）"), default=dict, blank=True,
                              help_text=_('例如 {"5": 30} 表示五星不超过 30%；只报告，不自动调整。'))
    veto_max_stars = models.PositiveSmallIntegerField(_("否决后最高星级"), default=2,
                                                      validators=[MinValueValidator(0), MaxValueValidator(5)])
    four_strong_min_stars = models.PositiveSmallIntegerField(_("四强最低星级"), default=5,
                                                             validators=[MinValueValidator(1), MaxValueValidator(5)])
    four_strong_ratio = models.DecimalField(_("四强单项得分率"), max_digits=4, decimal_places=3, default=Decimal("0.850"),
                                            validators=[MinValueValidator(0), MaxValueValidator(1)])
    bonus_cap = models.DecimalField(_("加分上限"), max_digits=6, decimal_places=2, default=Decimal("5"))
    deduction_cap = models.DecimalField(_("减分上限"), max_digits=6, decimal_places=2, default=Decimal("20"))
    based_on = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                 verbose_name=_("复制自"))
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")

    objects = ScopeUpQuerySet.as_manager()

    class Meta:
        verbose_name = _("评价标准")
        verbose_name_plural = _("评价标准")
        ordering = ["-year", "-version"]
        constraints = [models.UniqueConstraint(fields=["organization", "year", "version"], name="standard_version")]

    def __str__(self):
        return _("{name}（{year} 第 {version} 版）").format(name=self.name, year=self.year, version=self.version)

    def get_absolute_url(self):
        return reverse("evaluations:standard_detail", args=[self.pk])

    @property
    def is_frozen(self) -> bool:
        return self.status == StandardStatus.PUBLISHED


class Indicator(TrackedModel):
    standard = models.ForeignKey(Standard, on_delete=models.CASCADE, related_name="indicators")
    parent = models.ForeignKey("self", on_delete=models.CASCADE, null=True, blank=True, related_name="children",
                               verbose_name=_("上级指标"))
    code = models.CharField(_("编号"), max_length=20)
    criterion = models.CharField(_("考核维度"), max_length=12, choices=Criterion.choices, blank=True,
                                 help_text=_("人工/自动指标必填；加分、减分、否决项可不填（计入总分）。"))
    name = models.CharField(_("指标"), max_length=200)
    kind = models.CharField(_("类型"), max_length=12, choices=IndicatorKind.choices)
    max_points = models.DecimalField(_("分值/上限"), max_digits=6, decimal_places=2, default=Decimal("0"))
    description = models.TextField(_("说明"), blank=True)
    guidance = models.TextField(_("评分细则"), blank=True)
    metric_key = models.CharField(_("自动指标"), max_length=60, blank=True)
    mapping = models.JSONField(_("换算规则"), default=dict, blank=True)
    order = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("评价指标")
        verbose_name_plural = _("评价指标")
        ordering = ["standard", "order", "code"]
        constraints = [models.UniqueConstraint(fields=["standard", "code"], name="indicator_code_unique")]

    def __str__(self):
        return f"{self.code} {self.name}"

    @property
    def is_scored(self) -> bool:
        return self.kind != IndicatorKind.GROUP

    @property
    def is_automatic(self) -> bool:
        return bool(self.metric_key) and self.kind in (IndicatorKind.AUTOMATIC, IndicatorKind.DEDUCTION,
                                                       IndicatorKind.BONUS)


class CycleKind(models.TextChoices):
    REGULAR = "regular", _("年度评星定级")
    RECHECK = "recheck", _("复查复核")


class Cycle(TimestampedModel):
    organization = models.ForeignKey("branches.Organization", on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("组织评价的党组织"))
    name = models.CharField(_("名称"), max_length=120)
    year = models.PositiveSmallIntegerField(_("考核年度"))
    kind = models.CharField(_("类型"), max_length=10, choices=CycleKind.choices, default=CycleKind.REGULAR)
    standard = models.ForeignKey(Standard, on_delete=models.PROTECT, related_name="cycles", verbose_name=_("评价标准"))
    period_start = models.DateField(_("考核期开始"))
    period_end = models.DateField(_("考核期结束"))
    self_opens_on = models.DateField(_("自评开始"))
    self_closes_on = models.DateField(_("自评截止"))
    review_opens_on = models.DateField(_("评审开始"))
    review_closes_on = models.DateField(_("评审截止"))
    publicity_days = models.PositiveSmallIntegerField(_("公示天数"), default=5, validators=[MaxValueValidator(30)])
    min_age_months = models.PositiveSmallIntegerField(_("成立不满（月）不参评"), default=12)
    spread_threshold = models.DecimalField(_("评审分差提示阈值"), max_digits=5, decimal_places=2, default=Decimal("10"))
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")

    objects = ScopeUpQuerySet.as_manager()

    class Meta:
        verbose_name = _("评价周期")
        verbose_name_plural = _("评价周期")
        ordering = ["-year", "-created_at"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("evaluations:cycle_dashboard", args=[self.pk])


class Step(models.TextChoices):
    SELF = "self", _("自评")
    REVIEW = "review", _("上级评审")
    COMMITTEE = "committee", _("党委审定")
    PUBLICITY = "publicity", _("公示")
    RESULT = "result", _("结果")
    EXCLUDED = "excluded", _("不参评")


STEP_ORDER = [Step.SELF, Step.REVIEW, Step.COMMITTEE, Step.PUBLICITY, Step.RESULT]


class EvaluationQuerySet(RestrictedQuerySet):
    scope_path_field = "organization__path"

    def published(self):
        return self.filter(step=Step.RESULT)


class BranchEvaluation(UpdatedAtModel):
    """One branch in one cycle: its step in the workflow and, once reviewed, its result."""

    cycle = models.ForeignKey(Cycle, on_delete=models.PROTECT, related_name="evaluations", verbose_name=_("评价周期"))
    organization = models.ForeignKey("branches.Organization", on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("党支部"))
    step = models.CharField(_("环节"), max_length=12, choices=Step.choices, default=Step.SELF, db_index=True)
    excluded_reason = models.CharField(_("不参评原因"), max_length=200, blank=True)
    narrative = models.TextField(_("自评总结"), blank=True)
    self_submitted_at = models.DateTimeField(_("自评提交时间"), null=True, blank=True)
    # Result (mean over reviewers), filled when review closes.
    total = models.DecimalField(_("总分"), max_digits=6, decimal_places=2, null=True, blank=True)
    criterion_scores = models.JSONField(_("各维度得分"), default=dict, blank=True)
    reviewer_totals = models.JSONField(_("各评审人总分"), default=list, blank=True)
    spread = models.DecimalField(_("评审分差"), max_digits=6, decimal_places=2, null=True, blank=True)
    spread_flagged = models.BooleanField(_("分差超过阈值"), default=False)
    vetoed = models.BooleanField(_("一票否决"), default=False)
    proposed_stars = models.PositiveSmallIntegerField(_("拟定星级"), null=True, blank=True)
    proposed_four_strong = models.BooleanField(_("拟推荐四强"), default=False)
    committee_meeting = models.CharField(_("审定会议"), max_length=200, blank=True)
    committee_decided_on = models.DateField(_("审定日期"), null=True, blank=True)
    publicity_starts_on = models.DateField(_("公示开始"), null=True, blank=True)
    publicity_ends_on = models.DateField(_("公示结束"), null=True, blank=True)
    published_at = models.DateTimeField(_("结果发布时间"), null=True, blank=True)
    # Current standing after publication (dynamic management may lower it).
    stars = models.PositiveSmallIntegerField(_("星级"), null=True, blank=True)
    four_strong = models.BooleanField(_("四强党支部"), default=False)

    objects = EvaluationQuerySet.as_manager()

    class Meta:
        verbose_name = _("支部评价")
        verbose_name_plural = _("支部评价")
        ordering = ["cycle", "organization__path"]
        constraints = [models.UniqueConstraint(fields=["cycle", "organization"], name="evaluation_once_per_cycle")]
        # The cycle list's counts (参评 / 已发布) per cycle from an index-only scan of its entries.
        indexes = [models.Index(fields=["cycle", "step"], name="evaluation_cycle_step")]

    def __str__(self):
        return f"{self.cycle} · {self.organization}"

    def get_absolute_url(self):
        return reverse("evaluations:evaluation_detail", args=[self.pk])


class TransitionLog(models.Model):
    evaluation = models.ForeignKey(BranchEvaluation, on_delete=models.CASCADE, related_name="transitions")
    from_step = models.CharField(_("原环节"), max_length=12, choices=Step.choices)
    to_step = models.CharField(_("新环节"), max_length=12, choices=Step.choices)
    action = models.CharField(_("操作"), max_length=40)
    comment = models.TextField(_("说明"), blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("操作人"))
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("流转记录")
        verbose_name_plural = _("流转记录")
        ordering = ["evaluation", "at", "pk"]

    def __str__(self):
        return f"{self.action}（{self.get_from_step_display()} → {self.get_to_step_display()}）"


class SheetKind(models.TextChoices):
    SELF = "self", _("自评")
    REVIEW = "review", _("评审")


class SheetStatus(models.TextChoices):
    DRAFT = "draft", _("未提交")
    SUBMITTED = "submitted", _("已提交")


class ScoreSheet(TrackedModel):
    """One person's scoring of one branch: the secretary's self-assessment or a reviewer's (an assignment)."""

    evaluation = models.ForeignKey(BranchEvaluation, on_delete=models.CASCADE, related_name="sheets")
    kind = models.CharField(_("类型"), max_length=8, choices=SheetKind.choices)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="score_sheets",
                                 verbose_name=_("评分人"))
    status = models.CharField(_("状态"), max_length=10, choices=SheetStatus.choices, default=SheetStatus.DRAFT)
    total = models.DecimalField(_("总分"), max_digits=6, decimal_places=2, null=True, blank=True)
    criterion_scores = models.JSONField(default=dict, blank=True)
    vetoed = models.BooleanField(default=False)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    withdrawn = models.BooleanField(_("已撤回分配"), default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("评分表")
        verbose_name_plural = _("评分表")
        constraints = [models.UniqueConstraint(fields=["evaluation", "kind", "reviewer"], name="sheet_unique")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.reviewer} · {self.evaluation}"


class ScoreLine(TrackedModel):
    sheet = models.ForeignKey(ScoreSheet, on_delete=models.CASCADE, related_name="lines")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="+")
    points = models.DecimalField(_("得分"), max_digits=6, decimal_places=2, null=True, blank=True)
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["sheet", "indicator"], name="line_unique")]

    def __str__(self):
        return f"{self.indicator_id}: {self.points}"


class AutomaticValue(models.Model):
    """The portal's own figure for an automatic indicator, with the link to the records behind it."""

    evaluation = models.ForeignKey(BranchEvaluation, on_delete=models.CASCADE, related_name="automatic_values")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="+")
    available = models.BooleanField(default=True)
    value = models.FloatField(_("指标值"), null=True, blank=True)
    points = models.DecimalField(_("得分"), max_digits=6, decimal_places=2, null=True, blank=True)
    source_url = models.CharField(_("依据记录"), max_length=300, blank=True)
    note = models.CharField(max_length=200, blank=True)
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["evaluation", "indicator"], name="auto_value_unique")]

    def __str__(self):
        return f"{self.indicator_id}: {self.value}"


def evidence_path(instance, filename):
    # The uploaded name is never a path (services store under portal.uploads.generated_name already).

    return generated_name("evaluations/evidence", filename.rsplit(".", 1)[-1] if "." in filename else "bin")


class Attachment(models.Model):
    """Evidence file: for a self-assessment indicator, a rectification report, or a result adjustment."""

    evaluation = models.ForeignKey(BranchEvaluation, on_delete=models.CASCADE, null=True, blank=True,
                                   related_name="attachments")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    rectification_update = models.ForeignKey("RectificationUpdate", on_delete=models.CASCADE, null=True, blank=True,
                                             related_name="attachments")
    adjustment = models.ForeignKey("ResultAdjustment", on_delete=models.CASCADE, null=True, blank=True,
                                   related_name="attachments")
    file = models.FileField(upload_to=evidence_path)
    original_name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("佐证材料")
        verbose_name_plural = _("佐证材料")

    def __str__(self):
        return self.original_name


class ObjectionStatus(models.TextChoices):
    OPEN = "open", _("待答复")
    DISMISSED = "dismissed", _("不予采纳")
    UPHELD = "upheld", _("采纳（退回评审）")


class Objection(TrackedModel):
    evaluation = models.ForeignKey(BranchEvaluation, on_delete=models.PROTECT, related_name="objections")
    lodged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("异议内容"))
    lodged_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(_("状态"), max_length=10, choices=ObjectionStatus.choices, default=ObjectionStatus.OPEN)
    answer = models.TextField(_("答复"), blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("公示异议")
        verbose_name_plural = _("公示异议")
        ordering = ["lodged_at"]

    def __str__(self):
        return self.text[:40]


class AdjustmentKind(models.TextChoices):
    REVOKE_FOUR_STRONG = "revoke", _("撤销四强党支部称号")
    LOWER_STARS = "lower", _("降低星级")
    RAISE_STARS = "raise", _("复查后升级")


class ResultAdjustment(TrackedModel):
    """Dynamic management between cycles: what changed, why, on what evidence, and who decided."""

    evaluation = models.ForeignKey(BranchEvaluation, on_delete=models.PROTECT, related_name="adjustments")
    kind = models.CharField(_("类型"), max_length=10, choices=AdjustmentKind.choices)
    from_stars = models.PositiveSmallIntegerField(null=True, blank=True)
    to_stars = models.PositiveSmallIntegerField(null=True, blank=True)
    reason = models.TextField(_("原因"))
    decided_on = models.DateField(_("决定日期"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("动态管理记录")
        verbose_name_plural = _("动态管理记录")
        ordering = ["-at"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.decided_on}"


class DeadlineStep(models.TextChoices):
    SELF = "self", _("自评")
    REVIEW = "review", _("评审")


class DeadlineExtension(TrackedModel):
    """A staff decision that lets one branch act after a cycle's deadline, until a new date; without one, late
    submissions are refused (a self-assessment three weeks late is no longer silently accepted)."""


    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="extensions", verbose_name=_("评价周期"))
    organization = models.ForeignKey("branches.Organization", on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("党支部"))
    step = models.CharField(_("环节"), max_length=8, choices=DeadlineStep.choices)
    until = models.DateField(_("延期至"))
    reason = models.TextField(_("延期原因"))
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("批准人"))
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("截止日期延期")
        verbose_name_plural = _("截止日期延期")
        ordering = ["-granted_at"]

    def __str__(self):
        return f"{self.organization_id} {self.step} → {self.until}"


class RectificationSource(models.TextChoices):
    EVALUATION = "evaluation", _("评审发现")
    INSPECTION = "inspection", _("检查发现")
    CONTACT_POINT = "contact_point", _("联系点发现")
    OTHER = "other", _("其他")


class RectificationStatus(models.TextChoices):
    OPEN = "open", _("整改中")
    REPORTED = "reported", _("待核验")
    CLOSED = "closed", _("已销号")


class RectificationQuerySet(RestrictedQuerySet):
    scope_path_field = "organization__path"

    def open(self):
        return self.exclude(status=RectificationStatus.CLOSED)

    def overdue(self, today: date | None = None):
        return self.open().filter(due_on__lt=today or date.today())


class Rectification(TimestampedModel):
    organization = models.ForeignKey("branches.Organization", on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("责任组织"))
    evaluation = models.ForeignKey(BranchEvaluation, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="rectifications", verbose_name=_("来源评价"))
    problem = models.TextField(_("问题"))
    requirement = models.TextField(_("整改要求"))
    due_on = models.DateField(_("整改期限"))
    responsible_person = models.CharField(_("责任人"), max_length=60)
    source = models.CharField(_("来源"), max_length=16, choices=RectificationSource.choices,
                              default=RectificationSource.EVALUATION)
    source_note = models.CharField(_("来源说明"), max_length=200, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=RectificationStatus.choices,
                              default=RectificationStatus.OPEN, db_index=True)
    closed_on = models.DateField(_("销号日期"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    objects = RectificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("整改事项")
        verbose_name_plural = _("整改事项")
        ordering = ["due_on", "pk"]
        indexes = [models.Index(fields=["organization", "status", "due_on"], name="rect_org_status_due")]

    def __str__(self):
        return self.problem[:40]

    def get_absolute_url(self):
        return reverse("evaluations:rectification_detail", args=[self.pk])

    def is_overdue(self, today: date | None = None) -> bool:
        return self.status != RectificationStatus.CLOSED and self.due_on < (today or date.today())


class UpdateKind(models.TextChoices):
    PROGRESS = "progress", _("报告进展")
    CLOSE = "close", _("核验销号")
    SEND_BACK = "send_back", _("退回继续整改")


class RectificationUpdate(models.Model):
    rectification = models.ForeignKey(Rectification, on_delete=models.CASCADE, related_name="updates")
    kind = models.CharField(_("类型"), max_length=10, choices=UpdateKind.choices)
    text = models.TextField(_("内容"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d}"
