"""创建 programmes: a committee's round, each branch's (or member's) candidacy through its steps, the deadlines and
their extensions, 督办/自查 entries, and the changes to a title after it was given.

The title itself is practice.Honour (kind four_strong / red_flag / five_star, with validity and revocation):
one record, no second list. A candidacy points at the Honour its 命名 created, and at the higher body's if any.
"""
from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from evaluations.models import ScopeUpQuerySet
from portal.scoping import RestrictedQuerySet
from portal.tracking import TimestampedModel, TrackedModel

from . import defaults

ORG = "branches.Organization"
USER = settings.AUTH_USER_MODEL


class Programme(models.TextChoices):
    FOUR_STRONG = "four_strong", _("“四强”党支部创建")
    RED_FLAG = "red_flag", _("红旗党支部创建")
    FIVE_STAR = "five_star", _("五星党员评选")


BRANCH_PROGRAMMES = (Programme.FOUR_STRONG, Programme.RED_FLAG)


class Round(TimestampedModel):
    """One year's 创建/评选 run by a committee, with its deadlines and its configuration."""

    organization = models.ForeignKey(ORG, on_delete=models.PROTECT, related_name="+", verbose_name=_("组织单位"))
    programme = models.CharField(_("活动"), max_length=12, choices=Programme.choices)
    year = models.PositiveSmallIntegerField(_("年度"))
    name = models.CharField(_("名称"), max_length=120)
    cycle = models.ForeignKey("evaluations.Cycle", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                              verbose_name=_("评星定级周期"), help_text=_("四强：评定以该周期发布的结果为依据。"))
    apply_closes_on = models.DateField(_("申报截止"))
    recommend_closes_on = models.DateField(_("推荐截止"))
    decide_closes_on = models.DateField(_("评定截止"))
    publicity_days = models.PositiveSmallIntegerField(_("公示天数"), default=defaults.PUBLICITY_DAYS,
                                                      validators=[MaxValueValidator(30)])
    validity_years = models.PositiveSmallIntegerField(_("称号有效期（年）"), default=defaults.VALIDITY_YEARS,
                                                      validators=[MinValueValidator(1), MaxValueValidator(10)])
    remind_days = models.PositiveSmallIntegerField(_("到期前提醒（天）"), default=defaults.REMIND_DAYS_AHEAD)
    general_branch_recommends = models.BooleanField(
        _("党总支推荐"), default=True, help_text=_("党总支下的支部须先经党总支推荐；直属党委的支部由党委直接评定。"))
    higher_body = models.CharField(_("再次命名的上级机关"), max_length=80, blank=True,
                                   help_text=_("例如“市直机关工委”；留空表示不再报上级命名。"))
    items = models.JSONField(_("标准条目/类型"), default=list, blank=True)
    created_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    objects = ScopeUpQuerySet.as_manager()

    class Meta:
        verbose_name = _("创建活动")
        verbose_name_plural = _("创建活动")
        ordering = ["-year", "programme", "-pk"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("programmes:round_detail", args=[self.pk])

    @property
    def is_member_programme(self) -> bool:
        return self.programme == Programme.FIVE_STAR

    def item_name(self, code: str) -> str:
        return next((i["name"] for i in self.items if i.get("code") == code), code)


class Origin(models.TextChoices):
    APPLIED = "applied", _("自行申报")
    NOMINATED = "nominated", _("党委指定参评")
    RECOMMENDED = "recommended", _("支部推荐")


class Stage(models.TextChoices):
    APPLIED = "applied", _("已申报")
    RECOMMENDED = "recommended", _("已推荐")
    PUBLICITY = "publicity", _("评定通过，公示中")
    DESIGNATED = "designated", _("已命名")
    NOT_RECOMMENDED = "not_recommended", _("未获推荐")
    REJECTED = "rejected", _("未通过评定")


OPEN_STAGES = (Stage.APPLIED, Stage.RECOMMENDED, Stage.PUBLICITY)


class CandidacyQuerySet(RestrictedQuerySet):
    scope_path_field = "organization__path"

    def in_progress(self):
        return self.filter(stage__in=OPEN_STAGES)


class Candidacy(TimestampedModel):
    """A branch (四强, 红旗) or a member (五星) in a round, from 申报 to 命名."""

    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="candidacies", verbose_name=_("创建活动"))
    organization = models.ForeignKey(ORG, on_delete=models.PROTECT, related_name="+", verbose_name=_("党支部"))
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                               verbose_name=_("党员"))
    kind = models.CharField(_("类型"), max_length=20, blank=True)
    origin = models.CharField(_("来源"), max_length=12, choices=Origin.choices, default=Origin.APPLIED)
    stage = models.CharField(_("环节"), max_length=16, choices=Stage.choices, default=Stage.APPLIED, db_index=True)
    materials = models.TextField(_("申报材料"), blank=True)
    self_assessment = models.TextField(_("自评情况"), blank=True)
    evidence = models.JSONField(_("门户记录依据"), default=dict, blank=True)
    proposed_stars = models.PositiveSmallIntegerField(_("评星定级星级"), null=True, blank=True)
    publicity_starts_on = models.DateField(_("公示开始"), null=True, blank=True)
    publicity_ends_on = models.DateField(_("公示结束"), null=True, blank=True)
    is_model = models.BooleanField(_("标兵"), default=False)
    title = models.OneToOneField("practice.Honour", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="candidacy", verbose_name=_("命名（本党委）"))
    higher_title = models.OneToOneField("practice.Honour", on_delete=models.PROTECT, null=True, blank=True,
                                        related_name="higher_candidacy", verbose_name=_("命名（上级机关）"))

    objects = CandidacyQuerySet.as_manager()

    class Meta:
        verbose_name = _("参评对象")
        verbose_name_plural = _("参评对象")
        ordering = ["round", "organization__path", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["round", "organization"], condition=Q(member__isnull=True),
                                    name="candidacy_branch_once"),
            models.UniqueConstraint(fields=["round", "member"], condition=Q(member__isnull=False),
                                    name="candidacy_member_once"),
        ]

    def __str__(self):
        who = self.member.name if self.member_id else self.organization.name
        return f"{self.round} · {who}"

    def get_absolute_url(self):
        return reverse("programmes:candidacy_detail", args=[self.pk])

    @property
    def kind_name(self) -> str:
        return self.round.item_name(self.kind) if self.kind else ""


class Action(models.TextChoices):
    APPLY = "apply", _("申报")
    RECOMMEND = "recommend", _("推荐")
    DECIDE = "decide", _("评定")


class Extension(models.Model):
    """Staff let one branch act after a round's deadline, until a date, for a recorded reason."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="extensions", verbose_name=_("创建活动"))
    organization = models.ForeignKey(ORG, on_delete=models.PROTECT, related_name="+", verbose_name=_("党支部"))
    action = models.CharField(_("环节"), max_length=10, choices=Action.choices)
    until = models.DateField(_("延期至"))
    reason = models.TextField(_("延期原因"))
    granted_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("批准人"))
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("延期")
        verbose_name_plural = _("延期")
        ordering = ["-granted_at"]

    def __str__(self):
        return f"{self.get_action_display()} → {self.until}"


class StepLog(models.Model):
    candidacy = models.ForeignKey(Candidacy, on_delete=models.CASCADE, related_name="steps")
    action = models.CharField(_("操作"), max_length=40)
    from_stage = models.CharField(_("原环节"), max_length=16, choices=Stage.choices, blank=True)
    to_stage = models.CharField(_("新环节"), max_length=16, choices=Stage.choices)
    comment = models.TextField(_("说明"), blank=True)
    extension = models.ForeignKey(Extension, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                  verbose_name=_("逾期依据"))
    by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("操作人"))
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("流转记录")
        verbose_name_plural = _("流转记录")
        ordering = ["candidacy", "at", "pk"]

    def __str__(self):
        return self.action


class EntryKind(models.TextChoices):
    SUPERVISION = "supervision", _("督办")
    SELF_CHECK = "self_check", _("自查")


class ItemEntry(models.Model):
    """红旗支部 创建中: a 督办 (by the level above) or a 自查 (by the branch) against one standard item."""

    candidacy = models.ForeignKey(Candidacy, on_delete=models.CASCADE, related_name="entries")
    item = models.CharField(_("标准条目"), max_length=20)
    kind = models.CharField(_("类型"), max_length=12, choices=EntryKind.choices)
    on = models.DateField(_("日期"))
    text = models.TextField(_("内容"))
    by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("督办/自查记录")
        verbose_name_plural = _("督办/自查记录")
        ordering = ["candidacy", "item", "-on", "-pk"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.item} {self.on}"


class ChangeKind(models.TextChoices):
    REVOKE = "revoke", _("摘牌")
    DOWNGRADE = "downgrade", _("降级")
    UPGRADE = "upgrade", _("升级")


class TitleChange(TrackedModel):
    """动态管理 of a title between rounds: what changed, why, on what evidence, who decided."""

    honour = models.ForeignKey("practice.Honour", on_delete=models.PROTECT, related_name="changes",
                               verbose_name=_("称号"))
    kind = models.CharField(_("类型"), max_length=10, choices=ChangeKind.choices)
    from_stars = models.PositiveSmallIntegerField(null=True, blank=True)
    to_stars = models.PositiveSmallIntegerField(null=True, blank=True)
    reason = models.TextField(_("原因"))
    evidence = models.TextField(_("依据"), blank=True)
    adjustment = models.ForeignKey("evaluations.ResultAdjustment", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("评星定级调整记录"))
    decided_on = models.DateField(_("决定日期"))
    by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("称号动态管理")
        verbose_name_plural = _("称号动态管理")
        ordering = ["-decided_on", "-pk"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.decided_on}"
