"""换届选举 data: one Election per 换届, its roster, candidates, ballot rounds with tallies, and the officer votes."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from portal.scoping import RestrictedQuerySet
from portal.tracking import CreatedAtModel, TimestampedModel, TrackedModel


class ElectionStatus(models.TextChoices):
    PLANNED = "planned", _("方案待批复")
    PLAN_APPROVED = "plan_approved", _("方案已批复")
    CANDIDATES_APPROVED = "candidates_approved", _("候选人已批复")
    VOTING = "voting", _("选举大会")
    COMMITTEE_ELECTED = "committee_elected", _("委员已选出")
    COMPLETED = "completed", _("已完成")


class ElectionQuerySet(RestrictedQuerySet):
    scope_path_field = "organization__path"


class Election(TimestampedModel):
    """One 换届选举 of a branch committee, from the plan to the new term."""

    organization = models.ForeignKey("branches.Organization", on_delete=models.PROTECT, related_name="elections",
                                     verbose_name=_("党组织"))
    previous_term = models.ForeignKey("branches.CommitteeTerm", on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="+", verbose_name=_("上一届委员会"))
    new_term = models.OneToOneField("branches.CommitteeTerm", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="election", verbose_name=_("选出的新一届委员会"))
    title = models.CharField(_("名称"), max_length=120)
    status = models.CharField(_("进度"), max_length=24, choices=ElectionStatus.choices, default=ElectionStatus.PLANNED)
    seats = models.PositiveSmallIntegerField(_("应选委员名额"))
    min_margin_percent = models.PositiveSmallIntegerField(
        _("差额比例（%）"), help_text=_("候选人数多于应选人数的最低比例；默认 20%，可按上级规定调整。"))
    planned_on = models.DateField(_("拟召开选举大会日期"))
    plan_submitted_on = models.DateField(_("方案报送日期"))
    # 上级党组织对换届方案（含委员名额、选举办法）的批复
    plan_approved_by = models.CharField(_("方案批复机关"), max_length=120, blank=True)
    plan_approval_doc_no = models.CharField(_("方案批复文号"), max_length=60, blank=True)
    plan_approved_on = models.DateField(_("方案批复日期"), null=True, blank=True)
    # 上级党组织对候选人预备人选的批复
    candidates_approved_by = models.CharField(_("候选人批复机关"), max_length=120, blank=True)
    candidates_approval_doc_no = models.CharField(_("候选人批复文号"), max_length=60, blank=True)
    candidates_approved_on = models.DateField(_("候选人批复日期"), null=True, blank=True)
    # 选举大会
    held_on = models.DateField(_("选举大会日期"), null=True, blank=True)
    meeting = models.ForeignKey("orglife.Activity", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+", verbose_name=_("选举大会记录"))
    # 书记、副书记报上级党组织批准；委员报上级备案
    officers_reported_on = models.DateField(_("书记、副书记报批日期"), null=True, blank=True)
    officers_approved_by = models.CharField(_("书记、副书记批准机关"), max_length=120, blank=True)
    officers_approval_doc_no = models.CharField(_("书记、副书记批准文号"), max_length=60, blank=True)
    officers_approved_on = models.DateField(_("书记、副书记批准日期"), null=True, blank=True)
    committee_filed_on = models.DateField(_("委员报上级备案日期"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")

    objects = ElectionQuerySet.as_manager()

    class Meta:
        verbose_name = _("换届选举")
        verbose_name_plural = _("换届选举")
        ordering = ["-planned_on", "-id"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("members:election", args=[self.pk])


class ElectionVoter(TrackedModel):
    """The roster: 正式党员 with 选举权 on the day of the 选举大会 (frozen), and whether each attended."""

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="voters")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+", verbose_name=_("党员"))
    present = models.BooleanField(_("到会"), default=True)

    class Meta:
        verbose_name = _("选举人")
        verbose_name_plural = _("选举人")
        ordering = ["election", "member__name", "id"]
        constraints = [models.UniqueConstraint(fields=["election", "member"], name="election_voter_once")]

    def __str__(self):
        return f"{self.member} {'✓' if self.present else '✗'}"


class ElectionCandidate(TrackedModel):
    """A 候选人 on the list the upper organization approved."""

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="candidates")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+", verbose_name=_("候选人"))
    order = models.PositiveSmallIntegerField(_("排序"), default=0, help_text=_("按姓氏笔画为序"))
    elected_in_round = models.PositiveSmallIntegerField(_("当选轮次"), null=True, blank=True)

    class Meta:
        verbose_name = _("候选人")
        verbose_name_plural = _("候选人")
        ordering = ["election", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["election", "member"], name="election_candidate_once")]

    def __str__(self):
        return str(self.member)

    @property
    def is_elected(self) -> bool:
        return self.elected_in_round is not None


class BallotRound(CreatedAtModel):
    """One ballot of the 选举大会 (the first, or a re-vote for seats left open by a tie or too few votes)."""

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="rounds")
    number = models.PositiveSmallIntegerField(_("轮次"))
    seats_to_fill = models.PositiveSmallIntegerField(_("本轮应选名额"))
    should_attend = models.PositiveSmallIntegerField(_("应到会有选举权党员"))
    present = models.PositiveSmallIntegerField(_("实到会有选举权党员"))
    ballots_issued = models.PositiveSmallIntegerField(_("发出选票"))
    ballots_returned = models.PositiveSmallIntegerField(_("收回选票"))
    ballots_valid = models.PositiveSmallIntegerField(_("有效票"))
    ballots_invalid = models.PositiveSmallIntegerField(_("无效票"))
    counted_by = models.CharField(_("计票人"), max_length=120, blank=True)
    scrutineers = models.CharField(_("监票人"), max_length=120, blank=True)
    outcome = models.CharField(_("结果"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")

    class Meta:
        verbose_name = _("投票轮次")
        verbose_name_plural = _("投票轮次")
        ordering = ["election", "number"]
        constraints = [models.UniqueConstraint(fields=["election", "number"], name="ballot_round_once")]

    def __str__(self):
        return _("第 {n} 轮").format(n=self.number)


class Tally(TrackedModel):
    """Votes for one candidate in one round: 赞成 / 反对 / 弃权 / 另选他人 (the four add up to the valid ballots)."""

    round = models.ForeignKey(BallotRound, on_delete=models.CASCADE, related_name="tallies")
    candidate = models.ForeignKey(ElectionCandidate, on_delete=models.CASCADE, related_name="tallies")
    yes = models.PositiveSmallIntegerField(_("赞成"))
    no = models.PositiveSmallIntegerField(_("反对"))
    abstain = models.PositiveSmallIntegerField(_("弃权"))
    other = models.PositiveSmallIntegerField(_("另选他人"), default=0)
    elected = models.BooleanField(_("当选"), default=False)
    tied = models.BooleanField(_("票数相等须再次投票"), default=False)

    class Meta:
        verbose_name = _("计票")
        verbose_name_plural = _("计票")
        ordering = ["round", "-yes", "candidate__order"]
        constraints = [models.UniqueConstraint(fields=["round", "candidate"], name="tally_once")]

    def __str__(self):
        return f"{self.candidate} {self.yes}"


class WriteIn(TrackedModel):
    """另选他人: a name written on the ballots, with its votes (never elected unless on the approved list here)."""

    round = models.ForeignKey(BallotRound, on_delete=models.CASCADE, related_name="write_ins")
    name = models.CharField(_("另选人姓名"), max_length=60)
    votes = models.PositiveSmallIntegerField(_("得票"))

    class Meta:
        verbose_name = _("另选他人")
        verbose_name_plural = _("另选他人")
        ordering = ["round", "-votes"]

    def __str__(self):
        return f"{self.name} {self.votes}"


class OfficerRole(models.TextChoices):
    SECRETARY = "secretary", _("书记")
    DEPUTY_SECRETARY = "deputy_secretary", _("副书记")


class OfficerVote(TrackedModel):
    """书记/副书记 elected 等额 by the new 支委会 among its members (first meeting of the new committee)."""

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="officer_votes")
    role = models.CharField(_("职务"), max_length=20, choices=OfficerRole.choices)
    candidate = models.ForeignKey(ElectionCandidate, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("候选人"))
    held_on = models.DateField(_("支委会日期"))
    should_attend = models.PositiveSmallIntegerField(_("应到委员"))
    present = models.PositiveSmallIntegerField(_("实到委员"))
    yes = models.PositiveSmallIntegerField(_("赞成"))
    no = models.PositiveSmallIntegerField(_("反对"), default=0)
    abstain = models.PositiveSmallIntegerField(_("弃权"), default=0)
    passed = models.BooleanField(_("当选"))

    class Meta:
        verbose_name = _("书记、副书记选举")
        verbose_name_plural = _("书记、副书记选举")
        ordering = ["election", "id"]

    def __str__(self):
        return f"{self.get_role_display()} {self.candidate}"
