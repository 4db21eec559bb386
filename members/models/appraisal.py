"""民主评议党员: the yearly round of a branch and each member's entry."""
from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from portal.scoping import RestrictedQuerySet
from portal.tracking import TrackedModel

__all__ = ["Grade", "AppraisalRoundQuerySet", "AppraisalRound", "AppraisalEntry"]


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


class AppraisalRound(TrackedModel):
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

    class Meta:
        verbose_name = _("民主评议")
        verbose_name_plural = _("民主评议")
        ordering = ["-year", "branch_id"]
        constraints = [models.UniqueConstraint(fields=["branch", "year"], name="one_appraisal_per_branch_year")]

    def __str__(self):
        return _("{branch} {year} 年度民主评议").format(branch=self.branch.name, year=self.year)

    def get_absolute_url(self):
        return reverse("members:appraisal", args=[self.pk])


class AppraisalEntry(TrackedModel):
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
