"""Member status changes (转正, 延长预备期, 留党察看, 出党 …) as history rows."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.scoping import RestrictedQuerySet
from portal.tracking import CreatedAtModel

__all__ = ["StatusKind", "StatusChangeQuerySet", "StatusChange"]


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


class StatusChange(CreatedAtModel):
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

    objects = StatusChangeQuerySet.as_manager()

    class Meta:
        verbose_name = _("党员身份变化")
        verbose_name_plural = _("党员身份变化")
        ordering = ["member", "occurred_on", "id"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.occurred_on}"
