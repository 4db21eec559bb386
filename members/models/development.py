"""发展党员: the development pipeline of a Candidate and its Milestones."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from portal.scoping import RestrictedQuerySet
from portal.tracking import CreatedAtModel

from ..validators import mask_phone

__all__ = ["Stage", "MilestoneKind", "VOTE_KINDS", "REPEATABLE_KINDS", "CandidateQuerySet", "Candidate", "Milestone"]


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


class Candidate(CreatedAtModel):
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
    updated_at = models.DateTimeField(auto_now=True)

    objects = CandidateQuerySet.as_manager()
    history_m2m_fields = ["contacts", "introducers"]
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


class Milestone(CreatedAtModel):
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


    class Meta:
        verbose_name = _("发展环节")
        verbose_name_plural = _("发展环节")
        ordering = ["candidate", "occurred_on", "id"]
        indexes = [models.Index(fields=["kind", "occurred_on"], name="milestone_kind_date")]

    def __str__(self):
        return f"{self.candidate.name} {self.get_kind_display()} {self.occurred_on}"
