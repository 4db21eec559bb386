"""Member lifecycle models: development pipeline, interval rules, dues, transfers, status changes,
民主评议 and member points. Registered through members/models.py; no model here is deleted from the UI."""
from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from portal.scoping import ALL, RestrictedQuerySet, granted_paths, subtree_q

from .validators import mask_phone

__all__ = [
    "Stage", "MilestoneKind", "Candidate", "Milestone", "IntervalRule", "RuleException",
    "DuesClass", "DuesRate", "DuesBase", "DuesRecord", "PayMethod",
    "Transfer", "TransferKind", "TransferStatus", "StatusChange", "StatusKind",
    "AppraisalRound", "AppraisalEntry", "Grade",
    "PointsScheme", "PointsItem", "PointsEntry", "PointsDirection", "EntryStatus",
]


# ============================================================================================
# Development pipeline (发展党员)
# ============================================================================================
class Stage(models.TextChoices):
    APPLICANT = "applicant", _("入党申请人")
    ACTIVIST = "activist", _("入党积极分子")
    CANDIDATE = "candidate", _("发展对象")
    PROBATIONARY = "probationary", _("预备党员")
    FULL = "full", _("正式党员")
    CLOSED = "closed", _("已终止")


class MilestoneKind(models.TextChoices):
    APPLICATION = "application", _("递交入党申请书")
    FIRST_TALK = "first_talk", _("党组织派人谈话")
    RECOMMENDATION = "recommendation", _("党员推荐、群团组织推优")
    ACTIVIST_DECISION = "activist_decision", _("支委会确定为入党积极分子")
    CONTACTS_ASSIGNED = "contacts_assigned", _("指定培养联系人")
    ACTIVIST_REVIEW = "activist_review", _("培养教育考察（半年）")
    CANDIDATE_DECISION = "candidate_decision", _("支委会确定为发展对象")
    TRAINING = "training", _("短期集中培训")
    POLITICAL_REVIEW = "political_review", _("政治审查")
    INTRODUCERS = "introducers", _("确定入党介绍人")
    BRANCH_VOTE = "branch_vote", _("支部党员大会讨论接收预备党员")
    UPPER_APPROVAL = "upper_approval", _("上级党委审批")
    OATH = "oath", _("入党宣誓")
    PROBATION_REVIEW = "probation_review", _("预备期教育考察（半年）")
    EXTENSION = "extension", _("支部党员大会决定延长预备期")
    CONFIRMATION_VOTE = "confirmation_vote", _("支部党员大会讨论转正")
    CANCELLED = "cancelled", _("取消预备党员资格")
    WITHDRAWN = "withdrawn", _("终止培养")


# Milestones that are decisions of a 支部党员大会: they carry the meeting's date and reference.
VOTE_KINDS = (MilestoneKind.BRANCH_VOTE, MilestoneKind.EXTENSION, MilestoneKind.CONFIRMATION_VOTE)
# Milestones that may be recorded more than once.
REPEATABLE_KINDS = (MilestoneKind.ACTIVIST_REVIEW, MilestoneKind.PROBATION_REVIEW, MilestoneKind.RECOMMENDATION,
                    MilestoneKind.FIRST_TALK)


class CandidateQuerySet(RestrictedQuerySet):
    scope_path_field = "branch__path"

    def open(self):
        return self.exclude(stage__in=[Stage.FULL, Stage.CLOSED])


class Candidate(models.Model):
    """A person on the way into the party: 入党申请人 until 转正. Becomes a Member at 上级党委审批."""

    name = models.CharField(_("姓名"), max_length=40)
    gender = models.CharField(_("性别"), max_length=8, choices=[("male", _("男")), ("female", _("女"))])
    birth_date = models.DateField(_("出生日期"))
    ethnicity = models.CharField(_("民族"), max_length=20, default="汉族")
    phone = models.CharField(_("手机号"), max_length=20, blank=True)
    education = models.CharField(_("学历"), max_length=16, blank=True)
    work_unit = models.CharField(_("工作单位"), max_length=120, blank=True)
    post = models.CharField(_("职务/岗位"), max_length=80, blank=True)
    branch = models.ForeignKey("branches.Organization", on_delete=models.PROTECT, related_name="candidates",
                               verbose_name=_("所在党支部"))
    stage = models.CharField(_("阶段"), max_length=16, choices=Stage.choices, default=Stage.APPLICANT, db_index=True)
    applied_on = models.DateField(_("申请日期"))
    contacts = models.ManyToManyField("members.Member", blank=True, related_name="fostered_candidates",
                                      verbose_name=_("培养联系人"))
    introducers = models.ManyToManyField("members.Member", blank=True, related_name="introduced_candidates",
                                         verbose_name=_("入党介绍人"))
    member = models.OneToOneField("members.Member", on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="candidate", verbose_name=_("党员档案"))
    closed_reason = models.CharField(_("终止原因"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CandidateQuerySet.as_manager()
    history = HistoricalRecords(m2m_fields=[contacts, introducers])
    history_masks = {"phone": mask_phone}   # 修改记录 masks what the page masks (portal.history)

    class Meta:
        verbose_name = _("发展党员对象")
        verbose_name_plural = _("发展党员对象")
        ordering = ["branch_id", "applied_on", "id"]
        indexes = [models.Index(fields=["branch", "stage"], name="candidate_branch_stage")]

    def __str__(self):
        return f"{self.name}（{self.get_stage_display()}）"

    def get_absolute_url(self):
        return reverse("members:candidate", args=[self.pk])


class Milestone(models.Model):
    """A dated step of the pipeline. Vote milestones carry the 支部党员大会 that decided them."""

    candidate = models.ForeignKey(Candidate, on_delete=models.PROTECT, related_name="milestones")
    kind = models.CharField(_("环节"), max_length=24, choices=MilestoneKind.choices)
    occurred_on = models.DateField(_("日期"))
    months = models.PositiveSmallIntegerField(_("月数"), null=True, blank=True, help_text=_("延长预备期的月数"))
    hours = models.PositiveSmallIntegerField(_("学时"), null=True, blank=True, help_text=_("短期集中培训学时"))
    # The 支部党员大会 that decided a vote milestone: the Activity record when it is in the portal (quorum and
    # vote rules are enforced there), else its date and reference (会议记录编号) for meetings held before.
    meeting = models.ForeignKey("orglife.Activity", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+", verbose_name=_("支部党员大会记录"))
    meeting_on = models.DateField(_("支部党员大会日期"), null=True, blank=True)
    meeting_ref = models.CharField(_("会议记录编号"), max_length=60, blank=True)
    votes_for = models.PositiveSmallIntegerField(_("赞成票"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("发展环节")
        verbose_name_plural = _("发展环节")
        ordering = ["candidate", "occurred_on", "id"]
        indexes = [models.Index(fields=["kind", "occurred_on"], name="milestone_kind_date")]

    def __str__(self):
        return f"{self.candidate.name} {self.get_kind_display()} {self.occurred_on}"


class IntervalRule(models.Model):
    """A timing rule of the pipeline, as data (seeded from the 细则; staff may edit values and text)."""

    class Measure(models.TextChoices):
        INTERVAL = "interval", _("两个环节之间的间隔")
        VALUE = "value", _("环节自身的月数")
        SETTING = "setting", _("期限设定")
        DUE = "due", _("定期事项")

    class Anchor(models.TextChoices):
        BIRTH = "birth", _("出生日期")
        PROBATION_END = "probation_end", _("预备期满日")
        LAST_REVIEW = "last_review", _("上次考察（或确定日期）")

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    title = models.CharField(_("规则"), max_length=80)
    rule_text = models.CharField(_("规定原文"), max_length=300)
    source = models.CharField(_("依据"), max_length=120, blank=True)
    measure = models.CharField(_("类型"), max_length=12, choices=Measure.choices, default=Measure.INTERVAL)
    milestone = models.CharField(_("适用环节"), max_length=24, choices=MilestoneKind.choices, blank=True)
    anchor = models.CharField(_("起算"), max_length=24, blank=True,
                              help_text=_("环节代码，或 birth / probation_end / last_review"))
    min_months = models.PositiveSmallIntegerField(_("至少（月）"), null=True, blank=True)
    max_months = models.PositiveSmallIntegerField(_("至多（月）"), null=True, blank=True)
    allows_exception = models.BooleanField(_("可经批准例外"), default=True)
    is_active = models.BooleanField(_("启用"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("发展党员时限规则")
        verbose_name_plural = _("发展党员时限规则")
        ordering = ["id"]

    def __str__(self):
        return self.title


class RuleException(models.Model):
    """Staff approval to record one step against a rule, with the reason (a milestone or a member status change)."""

    candidate = models.ForeignKey(Candidate, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="exceptions")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="rule_exceptions")
    milestone = models.ForeignKey(Milestone, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="exceptions")
    status_change = models.ForeignKey("members.StatusChange", on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="exceptions")
    rule = models.ForeignKey(IntervalRule, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("例外原因"), max_length=300)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("时限规则例外")
        verbose_name_plural = _("时限规则例外")

    def __str__(self):
        return f"{self.rule.title}：{self.reason}"


# ============================================================================================
# Dues (党费)
# ============================================================================================
class DuesClass(models.TextChoices):
    IN_SERVICE = "in_service", _("在职（税后工资）")
    RETIRED = "retired", _("离退休（养老金）")
    FARMER = "farmer", _("农民")
    STUDENT = "student", _("学生")
    UNEMPLOYED = "unemployed", _("下岗失业")
    RELIEF = "relief", _("低保、救济")


class DuesRate(models.Model):
    """One band of the dues table: monthly base ≤ upper_bound (inclusive) → percent, or a fixed amount."""

    dues_class = models.CharField(_("类别"), max_length=16, choices=DuesClass.choices)
    upper_bound = models.DecimalField(_("基数上限（含）"), max_digits=10, decimal_places=2, null=True, blank=True,
                                      help_text=_("留空表示无上限"))
    percent = models.DecimalField(_("比例（%）"), max_digits=5, decimal_places=2, null=True, blank=True)
    fixed_amount = models.DecimalField(_("固定金额（元/月）"), max_digits=8, decimal_places=2, null=True, blank=True)
    fixed_min = models.DecimalField(_("可设定最低（元）"), max_digits=8, decimal_places=2, null=True, blank=True)
    fixed_max = models.DecimalField(_("可设定最高（元）"), max_digits=8, decimal_places=2, null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("党费比例")
        verbose_name_plural = _("党费比例")
        ordering = ["dues_class", models.F("upper_bound").asc(nulls_last=True)]

    def __str__(self):
        return f"{self.get_dues_class_display()} ≤{self.upper_bound or '∞'}"


class DuesBase(models.Model):
    """A member's dues base from a date on; a new row on each yearly or on-change update (history kept)."""

    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="dues_bases")
    dues_class = models.CharField(_("缴费类别"), max_length=16, choices=DuesClass.choices)
    base = models.DecimalField(_("月缴费基数（元）"), max_digits=10, decimal_places=2, default=Decimal("0"),
                               validators=[MinValueValidator(Decimal("0"))])
    fixed_amount = models.DecimalField(_("核定金额（元/月）"), max_digits=8, decimal_places=2, null=True, blank=True,
                                       help_text=_("农民党员等按固定金额缴纳时填写"))
    effective_from = models.DateField(_("起始月份"))
    note = models.CharField(_("说明"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("党费基数")
        verbose_name_plural = _("党费基数")
        ordering = ["member", "-effective_from", "-id"]
        constraints = [models.UniqueConstraint(fields=["member", "effective_from"], name="dues_base_once_per_month")]

    def __str__(self):
        return f"{self.member_id} {self.effective_from:%Y-%m} {self.base}"


class PayMethod(models.TextChoices):
    CASH = "cash", _("现金")
    TRANSFER = "transfer", _("转账")
    WECHAT = "wechat", _("微信")
    ALIPAY = "alipay", _("支付宝")
    PAYROLL = "payroll", _("工资代扣")


class DuesRecordQuerySet(RestrictedQuerySet):
    scope_path_field = "branch__path"


class DuesRecord(models.Model):
    """The dues of one member for one month. `branch` is where the member belonged when it was generated."""

    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="dues_records")
    branch = models.ForeignKey("branches.Organization", on_delete=models.PROTECT, related_name="+")
    month = models.DateField(_("月份"))  # first day of the month
    base = models.DecimalField(_("基数"), max_digits=10, decimal_places=2, null=True, blank=True)
    percent = models.DecimalField(_("比例（%）"), max_digits=5, decimal_places=2, null=True, blank=True)
    amount_due = models.DecimalField(_("应缴（元）"), max_digits=10, decimal_places=2, null=True, blank=True)
    amount_paid = models.DecimalField(_("实缴（元）"), max_digits=10, decimal_places=2, null=True, blank=True)
    paid_on = models.DateField(_("缴纳日期"), null=True, blank=True)
    method = models.CharField(_("方式"), max_length=12, choices=PayMethod.choices, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    objects = DuesRecordQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("党费缴纳记录")
        verbose_name_plural = _("党费缴纳记录")
        ordering = ["branch_id", "member_id", "month"]
        constraints = [models.UniqueConstraint(fields=["member", "month"], name="dues_record_once_per_month")]
        indexes = [models.Index(fields=["branch", "month"], name="dues_branch_month")]

    def __str__(self):
        return f"{self.member_id} {self.month:%Y-%m}"

    @property
    def is_paid(self) -> bool:
        return self.paid_on is not None


# ============================================================================================
# Transfers (组织关系转接) and status changes
# ============================================================================================
class TransferKind(models.TextChoices):
    INTERNAL = "internal", _("系统内转接")
    OUT = "out", _("转出到系统外")
    IN = "in", _("从系统外转入")


class TransferStatus(models.TextChoices):
    PENDING = "pending", _("待转入支部接收")
    ACCEPTED = "accepted", _("已接收")
    RETURNED = "returned", _("已退回")
    CANCELLED = "cancelled", _("已撤回")
    COMPLETED = "completed", _("已办结")


class TransferQuerySet(RestrictedQuerySet):
    """Scoped on either side: the out-branch and the in-branch both see the transfer."""

    def restrict(self, user, action="view"):

        paths = granted_paths(user, action)
        if paths is ALL:
            return self
        if not paths:
            return self.none()
        return self.filter(subtree_q(paths, "from_branch__path") | subtree_q(paths, "to_branch__path"))


class Transfer(models.Model):
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="transfers")
    kind = models.CharField(_("类型"), max_length=12, choices=TransferKind.choices)
    status = models.CharField(_("状态"), max_length=12, choices=TransferStatus.choices, default=TransferStatus.PENDING)
    from_branch = models.ForeignKey("branches.Organization", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("转出党支部"))
    to_branch = models.ForeignKey("branches.Organization", on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+", verbose_name=_("转入党支部"))
    counterpart = models.CharField(_("系统外组织"), max_length=120, blank=True)
    letter_no = models.CharField(_("介绍信编号"), max_length=60, blank=True)
    initiated_on = models.DateField(_("发起日期"))
    initiated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                     related_name="+")
    decided_on = models.DateField(_("办理日期"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    reason = models.CharField(_("转接原因"), max_length=200, blank=True)
    return_reason = models.CharField(_("退回原因"), max_length=200, blank=True)

    objects = TransferQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("组织关系转接")
        verbose_name_plural = _("组织关系转接")
        ordering = ["-initiated_on", "-id"]
        constraints = [models.UniqueConstraint(fields=["member"], condition=models.Q(status="pending"),
                                               name="one_pending_transfer_per_member")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.member_id} {self.get_status_display()}"


class StatusKind(models.TextChoices):
    CONFIRM = "confirm", _("按期转正")
    EXTEND = "extend", _("延长预备期")
    CANCEL_PROBATION = "cancel_probation", _("取消预备党员资格")
    PROBATION_DISCIPLINE = "discipline", _("留党察看")
    EXPEL = "expel", _("开除党籍（出党）")
    REMOVE = "remove", _("除名（出党）")
    WITHDRAW = "withdraw", _("退党")
    DEATH = "death", _("去世")


class StatusChangeQuerySet(RestrictedQuerySet):
    scope_path_field = "member__branch__path"


class StatusChange(models.Model):
    """One status decision on a member, with its rule-relevant dates; rows are only ever added."""

    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="status_changes")
    kind = models.CharField(_("类型"), max_length=20, choices=StatusKind.choices)
    occurred_on = models.DateField(_("决定日期"))
    effective_until = models.DateField(_("期满日"), null=True, blank=True)
    months = models.PositiveSmallIntegerField(_("期限（月）"), null=True, blank=True)
    reason = models.CharField(_("原因/说明"), max_length=300, blank=True)
    meeting = models.ForeignKey("orglife.Activity", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+", verbose_name=_("支部党员大会记录"))
    meeting_on = models.DateField(_("支部党员大会日期"), null=True, blank=True)
    meeting_ref = models.CharField(_("会议记录编号"), max_length=60, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = StatusChangeQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("党员身份变化")
        verbose_name_plural = _("党员身份变化")
        ordering = ["member", "occurred_on", "id"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.occurred_on}"


# ============================================================================================
# 民主评议党员
# ============================================================================================
class Grade(models.TextChoices):
    EXCELLENT = "excellent", _("优秀")
    QUALIFIED = "qualified", _("合格")
    BASIC = "basic", _("基本合格")
    UNQUALIFIED = "unqualified", _("不合格")


class AppraisalRoundQuerySet(RestrictedQuerySet):
    scope_path_field = "branch__path"


class AppraisalRound(models.Model):
    branch = models.ForeignKey("branches.Organization", on_delete=models.PROTECT, related_name="appraisal_rounds",
                               verbose_name=_("党支部"))
    year = models.PositiveSmallIntegerField(_("年度"))
    opened_on = models.DateField(_("开始日期"))
    decided_on = models.DateField(_("支部评定日期"), null=True, blank=True)
    is_closed = models.BooleanField(_("已评定"), default=False)
    # The 支委会 proposes the grades, the 支部党员大会 adopts them: the meeting record when it is in the portal,
    # else its date and reference (as for development votes).
    meeting = models.ForeignKey("orglife.Activity", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+", verbose_name=_("通过评定结果的支部党员大会"))
    meeting_on = models.DateField(_("支部党员大会日期"), null=True, blank=True)
    meeting_ref = models.CharField(_("会议记录编号"), max_length=60, blank=True)
    # The grading page's optimistic-concurrency version: bumped by every save of the grid (portal/concurrency.py).
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = AppraisalRoundQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("民主评议")
        verbose_name_plural = _("民主评议")
        ordering = ["-year", "branch_id"]
        constraints = [models.UniqueConstraint(fields=["branch", "year"], name="one_appraisal_per_branch_year")]

    def __str__(self):
        return _("{branch} {year} 年度民主评议").format(branch=self.branch.name, year=self.year)

    def get_absolute_url(self):
        return reverse("members:appraisal", args=[self.pk])


class AppraisalEntry(models.Model):
    round = models.ForeignKey(AppraisalRound, on_delete=models.PROTECT, related_name="entries")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="appraisals")
    is_probationary = models.BooleanField(_("预备党员（参加评议，不评等次）"), default=False)
    self_assessment = models.TextField(_("个人自评"), blank=True)
    self_grade = models.CharField(_("自评等次"), max_length=12, choices=Grade.choices, blank=True)
    peer_excellent = models.PositiveSmallIntegerField(_("互评：优秀票"), default=0)
    peer_qualified = models.PositiveSmallIntegerField(_("互评：合格票"), default=0)
    peer_basic = models.PositiveSmallIntegerField(_("互评：基本合格票"), default=0)
    peer_unqualified = models.PositiveSmallIntegerField(_("互评：不合格票"), default=0)
    grade = models.CharField(_("支部评定等次"), max_length=12, choices=Grade.choices, blank=True)
    # For 不合格 only: how the branch disposes of it (党章第九条; options are settings.APPRAISAL_DISPOSALS).
    disposal = models.CharField(_("组织处置"), max_length=20, blank=True)
    disposal_note = models.CharField(_("处置说明"), max_length=200, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("民主评议结果")
        verbose_name_plural = _("民主评议结果")
        ordering = ["round", "member__name", "id"]
        constraints = [models.UniqueConstraint(fields=["round", "member"], name="one_appraisal_entry_per_member")]

    def __str__(self):
        return f"{self.round_id}/{self.member_id} {self.get_grade_display()}"

    @property
    def peer_total(self) -> int:
        return self.peer_excellent + self.peer_qualified + self.peer_basic + self.peer_unqualified


# ============================================================================================
# 党员积分
# ============================================================================================
class PointsDirection(models.TextChoices):
    BONUS = "bonus", _("加分")
    DEDUCTION = "deduction", _("减分")


class PointsScheme(models.Model):
    """A points scheme for an organization's subtree (the nearest ancestor's scheme applies)."""

    organization = models.ForeignKey("branches.Organization", on_delete=models.PROTECT, related_name="+",
                                     null=True, blank=True, verbose_name=_("适用组织（含下级）"),
                                     help_text=_("留空表示全系统默认方案"))
    name = models.CharField(_("方案名称"), max_length=80)
    base_points = models.DecimalField(_("基础分"), max_digits=6, decimal_places=1, default=Decimal("60"))
    is_active = models.BooleanField(_("启用"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("党员积分方案")
        verbose_name_plural = _("党员积分方案")

    def __str__(self):
        return self.name


class PointsItem(models.Model):
    """A scoring item: points per occurrence, capped per period; `source` names an automatic provider or 'manual'."""

    scheme = models.ForeignKey(PointsScheme, on_delete=models.CASCADE, related_name="items")
    category = models.CharField(_("类别"), max_length=40)
    name = models.CharField(_("项目"), max_length=80)
    direction = models.CharField(_("加减"), max_length=12, choices=PointsDirection.choices, default=PointsDirection.BONUS)
    points = models.DecimalField(_("每次分值"), max_digits=5, decimal_places=1)
    cap = models.DecimalField(_("统计期内上限"), max_digits=6, decimal_places=1, null=True, blank=True)
    source = models.CharField(_("来源"), max_length=40, default="manual",
                              help_text=_("manual = 支部书记录入；其他为自动来源代码，如 dues_on_time"))
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("积分项目")
        verbose_name_plural = _("积分项目")
        ordering = ["scheme", "order", "id"]

    def __str__(self):
        return f"{self.category} · {self.name}"


class EntryStatus(models.TextChoices):
    PENDING = "pending", _("待审核")
    APPROVED = "approved", _("已审核")
    REJECTED = "rejected", _("未通过")


class PointsEntryQuerySet(RestrictedQuerySet):
    scope_path_field = "member__branch__path"


class PointsEntry(models.Model):
    """A manual points item entered by the secretary; counts once staff approve it."""

    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="points_entries")
    item = models.ForeignKey(PointsItem, on_delete=models.PROTECT, related_name="entries")
    occurred_on = models.DateField(_("日期"))
    quantity = models.PositiveSmallIntegerField(_("次数"), default=1)
    note = models.CharField(_("事由"), max_length=200)
    status = models.CharField(_("审核"), max_length=12, choices=EntryStatus.choices, default=EntryStatus.PENDING)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    audited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    audited_at = models.DateTimeField(null=True, blank=True)
    audit_note = models.CharField(_("审核意见"), max_length=200, blank=True)

    objects = PointsEntryQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("积分记录")
        verbose_name_plural = _("积分记录")
        ordering = ["-occurred_on", "-id"]
        indexes = [models.Index(fields=["member", "occurred_on"], name="points_member_date")]

    def __str__(self):
        return f"{self.item} ×{self.quantity}"
