"""党员积分: schemes, their items and the entries (manual or from providers)."""
from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.scoping import RestrictedQuerySet
from portal.tracking import TrackedModel

__all__ = ["PointsDirection", "PointsScheme", "PointsItem", "EntryStatus", "PointsEntryQuerySet", "PointsEntry", "PointsTotal",
           "PointsBranchTotal"]


# ============================================================================================
# 党员积分
# ============================================================================================
class PointsDirection(models.TextChoices):
    BONUS = "bonus", _("加分")
    DEDUCTION = "deduction", _("减分")


class PointsScheme(TrackedModel):
    """A points scheme for an organization's subtree (the nearest ancestor's scheme applies)."""

    organization = models.ForeignKey("branches.Organization", on_delete=models.PROTECT, related_name="+",
                                     null=True, blank=True, verbose_name=_("适用组织（含下级）"),
                                     help_text=_("留空表示全系统默认方案"))
    name = models.CharField(_("方案名称"), max_length=80)
    base_points = models.DecimalField(_("基础分"), max_digits=6, decimal_places=1, default=Decimal("60"))
    is_active = models.BooleanField(_("启用"), default=True)


    class Meta:
        verbose_name = _("党员积分方案")
        verbose_name_plural = _("党员积分方案")

    def __str__(self):
        return self.name


class PointsItem(TrackedModel):
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


class PointsEntry(TrackedModel):
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

    class Meta:
        verbose_name = _("积分记录")
        verbose_name_plural = _("积分记录")
        ordering = ["-occurred_on", "-id"]
        indexes = [models.Index(fields=["member", "occurred_on"], name="points_member_date")]

    def __str__(self):
        return f"{self.item} ×{self.quantity}"


class PointsTotal(models.Model):
    """A member's 党员积分 total of a year (基础分 + every item), kept by the points services (services/points.py)
    in the transaction that changes what it counts, so the points page ranks and pages by a column instead of
    scoring every member of the scope on each view. `manage.py points_totals` compares it with a recount."""

    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="points_totals",
                               verbose_name=_("党员"))
    year = models.PositiveSmallIntegerField(_("年度"))
    total = models.DecimalField(_("年度总分"), max_digits=8, decimal_places=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("党员年度积分")
        verbose_name_plural = _("党员年度积分")
        constraints = [models.UniqueConstraint(fields=["member", "year"], name="members_points_total_once")]
        indexes = [models.Index(fields=["year", "-total"], name="members_points_total_rank")]

    def __str__(self):
        return f"{self.member_id} {self.year}: {self.total}"


class PointsBranchTotal(models.Model):
    """A 党支部's 党员积分 of a year: how many of its active members have a stored total (PointsTotal) and their sum.
    Kept in the transaction of every write that changes a total, a member's branch or whether a member is active
    (services/points.py `points_branch_totals_follow`), so the branch ranking reads one row per branch instead of
    every member of the scope. `manage.py points_totals` compares it with a recount of the stored totals."""

    organization = models.ForeignKey("branches.Organization", on_delete=models.CASCADE,
                                     related_name="points_branch_totals", verbose_name=_("党支部"))
    year = models.PositiveSmallIntegerField(_("年度"))
    members = models.PositiveIntegerField(_("计分党员数"), default=0)
    total = models.DecimalField(_("总分合计"), max_digits=12, decimal_places=1, default=Decimal("0"))
    # total / members, stored so the ranking orders by a column; None when no member counts (ranked last)
    average = models.DecimalField(_("平均分"), max_digits=10, decimal_places=4, null=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("党支部年度积分")
        verbose_name_plural = _("党支部年度积分")
        constraints = [models.UniqueConstraint(fields=["organization", "year"], name="members_points_branch_once")]
        # the branch ranking, best average first: a page of it is a walk of this index (selectors.points)
        indexes = [models.Index(fields=["year", "-average", "organization"], condition=models.Q(average__isnull=False),
                                name="points_branch_rank")]

    def __str__(self):
        return f"{self.organization_id} {self.year}: {self.average}"
