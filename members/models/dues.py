"""党费: the rate table, each member's dues base with history, and monthly records."""
from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.scoping import RestrictedQuerySet
from portal.tracking import CreatedAtModel, TrackedModel

__all__ = ["DuesClass", "DuesRate", "DuesBase", "PayMethod", "DuesRecordQuerySet", "DuesRecord", "DuesArrearQuerySet",
           "DuesArrear", "DuesMonthTotal"]


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


class DuesRate(TrackedModel):
    """One band of the dues table: monthly base ≤ upper_bound (inclusive) → percent, or a fixed amount."""

    dues_class = models.CharField(_("类别"), max_length=16, choices=DuesClass.choices)
    upper_bound = models.DecimalField(_("基数上限（含）"), max_digits=10, decimal_places=2, null=True, blank=True,
                                      help_text=_("留空表示无上限"))
    percent = models.DecimalField(_("比例（%）"), max_digits=5, decimal_places=2, null=True, blank=True)
    fixed_amount = models.DecimalField(_("固定金额（元/月）"), max_digits=8, decimal_places=2, null=True, blank=True)
    fixed_min = models.DecimalField(_("可设定最低（元）"), max_digits=8, decimal_places=2, null=True, blank=True)
    fixed_max = models.DecimalField(_("可设定最高（元）"), max_digits=8, decimal_places=2, null=True, blank=True)


    class Meta:
        verbose_name = _("党费比例")
        verbose_name_plural = _("党费比例")
        ordering = ["dues_class", models.F("upper_bound").asc(nulls_last=True)]

    def __str__(self):
        return f"{self.get_dues_class_display()} ≤{self.upper_bound or '∞'}"


class DuesBase(CreatedAtModel):
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


class DuesRecord(TrackedModel):
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


class DuesArrearQuerySet(RestrictedQuerySet):
    scope_path_field = "branch_path"


class DuesArrear(models.Model):
    """A member in 欠缴 by the rule (members.services.dues: ≥3 consecutive unpaid months back from her latest record
    of the 12 months up to `upto`), stored for the members in arrears only. Home's 欠缴 counts, the dues summary and
    the 欠缴名单 of a province read these few rows instead of applying the rule to a year of every member's records
    (18 M at N=50,000: 7 s).

    Kept by members.services.dues: every save or delete of a dues record recounts its member in the writer's
    transaction (her member row locked first); the monthly generation rebuilds the table; the nightly check compares
    it with the rule and repairs it. Rows of an earlier `upto` (a new month before the rebuild) make the readers apply
    the rule to the records instead. Only active members have a row, under their current branch (a copy: the count
    of a province joins these rows to the organizations only, not to 1.5 M members); a member's move, leaving or
    return recounts her too. Scoped by that branch, as the member herself is."""

    member = models.OneToOneField("members.Member", on_delete=models.CASCADE, primary_key=True,
                                  related_name="dues_arrear")
    branch = models.ForeignKey("branches.Organization", on_delete=models.CASCADE, related_name="+")
    # The branch's tree path too (organizations are never moved): a scope's count is a range of the index below, not
    # these rows joined to every organization (40 ms for 44,646 rows at N=50,000).
    branch_path = models.CharField(max_length=255, default="")
    months = models.PositiveSmallIntegerField(_("连续未交月数"))
    since = models.DateField(_("起始月份"))
    amount = models.DecimalField(_("欠缴金额（元）"), max_digits=12, decimal_places=2)
    upto = models.DateField(_("计算截至月份"))

    objects = DuesArrearQuerySet.as_manager()

    class Meta:
        verbose_name = _("党费欠缴")
        verbose_name_plural = _("党费欠缴")
        indexes = [models.Index(fields=["upto"], name="dues_arrear_upto"),
                   models.Index(fields=["branch_path", "months"], name="dues_arrear_scope",
                                opclasses=["varchar_pattern_ops", "int2_ops"]),
                   models.Index(fields=["-months", "branch_path", "member"], name="dues_arrear_order")]

    def __str__(self):
        return f"{self.member_id}: {self.months}"


class DuesMonthTotal(models.Model):
    """党费收缴 of one organization in one month: records, paid records, amounts due and paid of the records generated
    under the organization itself, and of its whole subtree. The dues summary and the organization page read a row per
    organization shown and month instead of adding up a year of a province's records on each view (18 M at
    N=50,000: 540 ms at N=5,000).

    Kept by members.services.dues_totals: every save or delete of a dues record recounts its branch's month in the
    writer's transaction (the row locked first) and moves the difference up every ancestor's subtree columns; the
    monthly generation rebuilds its month; `members.tasks.check_dues_totals` compares with a recount nightly."""

    organization = models.ForeignKey("branches.Organization", on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    records = models.PositiveIntegerField(default=0)
    paid_records = models.PositiveIntegerField(default=0)
    due = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    paid = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    subtree_records = models.PositiveIntegerField(default=0)
    subtree_paid_records = models.PositiveIntegerField(default=0)
    subtree_due = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    subtree_paid = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))

    class Meta:
        verbose_name = _("党费收缴月度汇总")
        verbose_name_plural = _("党费收缴月度汇总")
        constraints = [models.UniqueConstraint(fields=["organization", "month"], name="dues_month_total_once")]

    def __str__(self):
        return f"{self.organization_id} {self.month:%Y-%m}: {self.subtree_records}"
