"""The timing rules of member development (data) and the exceptions granted to them."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.tracking import TrackedModel

from .development import Candidate, Milestone, MilestoneKind

__all__ = ["IntervalRule", "RuleException"]


class IntervalRule(TrackedModel):
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


    class Meta:
        verbose_name = _("发展党员时限规则")
        verbose_name_plural = _("发展党员时限规则")
        ordering = ["id"]

    def __str__(self):
        return self.title


class RuleException(TrackedModel):
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


    class Meta:
        verbose_name = _("时限规则例外")
        verbose_name_plural = _("时限规则例外")

    def __str__(self):
        return f"{self.rule.title}：{self.reason}"
