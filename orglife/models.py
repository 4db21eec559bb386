"""Organizational life (组织生活): activity types, frequency rules, records, attendance, votes, attachments,
谈心谈话, closed periods and reminders. Moved from branches/ (issue #15); tables renamed branches_* → orglife_*."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from branches.models import Organization
from portal.scoping import RestrictedQuerySet
from portal.tracking import CreatedAtModel, TimestampedModel, TrackedModel, VoidableModel, VoidableQuerySet

# =============================================================================================
# Organizational life (组织生活): activity types, frequency rules, records, attendance, votes,
# attachments, 谈心谈话, closed periods and reminders.
# =============================================================================================


class ActivityCategory(models.TextChoices):
    """What a type is for; drives which form parts show and how compliance counts it."""

    GENERAL_MEETING = "general_meeting", _("党员大会")
    COMMITTEE_MEETING = "committee_meeting", _("支委会")
    GROUP_MEETING = "group_meeting", _("党小组会")
    LECTURE = "lecture", _("党课")
    THEME_DAY = "theme_day", _("主题党日")
    LIFE_MEETING = "life_meeting", _("组织生活会")
    APPRAISAL = "appraisal", _("民主评议")
    TALK = "talk", _("谈心谈话")
    OTHER = "other", _("其他活动")


BUILTIN_ACTIVITY_NAMES = (
    gettext_noop("支部党员大会"), gettext_noop("支部委员会会议"), gettext_noop("党小组会"), gettext_noop("党课"),
    gettext_noop("主题党日"), gettext_noop("组织生活会"), gettext_noop("民主评议党员"), gettext_noop("谈心谈话"),
)


class ActivityType(TrackedModel):
    """A kind of activity; the eight from the 支部工作条例 are seeded, staff may add their own."""

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=40, unique=True)
    category = models.CharField(_("类别"), max_length=20, choices=ActivityCategory.choices, default=ActivityCategory.OTHER)
    # 三会一课 + 主题党日: what `completion_rates` measures.
    counts_for_completion = models.BooleanField(_("计入“三会一课”完成率"), default=False)
    takes_attendance = models.BooleanField(_("登记出席"), default=True)
    is_builtin = models.BooleanField(_("内置类型"), default=False, editable=False)
    is_active = models.BooleanField(_("启用"), default=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=100)

    class Meta:
        verbose_name = _("活动类型")
        verbose_name_plural = _("活动类型")
        ordering = ["order", "id"]

    def __str__(self):
        # The eight built-in names are UI texts (translated, see BUILTIN_ACTIVITY_NAMES); staff-added ones are data.
        return gettext(self.name) if self.is_builtin else self.name

    @property
    def is_general_meeting(self) -> bool:
        return self.category == ActivityCategory.GENERAL_MEETING

    @property
    def is_lecture(self) -> bool:
        return self.category == ActivityCategory.LECTURE

    @property
    def is_talk(self) -> bool:
        return self.category == ActivityCategory.TALK


class RuleHolder(models.TextChoices):
    BRANCH = "branch", _("每个党支部")
    GROUP = "group", _("每个党小组")
    COMMITTEE = "committee", _("设支委会的党支部")
    MEMBER = "member", _("每名党员")


class RulePer(models.TextChoices):
    MONTH = "month", _("每月")
    QUARTER = "quarter", _("每季度")
    YEAR = "year", _("每年")


WINDOWS_PER_YEAR = {RulePer.MONTH: 12, RulePer.QUARTER: 4, RulePer.YEAR: 1}


class FrequencyRule(TrackedModel):
    """"At least N per month/quarter/year" for a type. organization=None is the portal-wide default;
    a rule on an organization overrides the default for its whole subtree (nearest one up the tree wins)."""

    activity_type = models.ForeignKey(ActivityType, on_delete=models.CASCADE, related_name="rules", verbose_name=_("活动类型"))
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, null=True, blank=True, related_name="frequency_rules",
        verbose_name=_("适用范围"), help_text=_("留空为全局默认；选定组织则对其下全部组织生效。"),
    )
    holder = models.CharField(_("由谁召开"), max_length=12, choices=RuleHolder.choices)
    per = models.CharField(_("周期"), max_length=8, choices=RulePer.choices)
    min_count = models.PositiveSmallIntegerField(_("至少次数"), help_text=_("0 表示该范围内不作要求。"))
    reason = models.CharField(_("调整理由"), max_length=200, blank=True)
    source = models.CharField(_("依据"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("频次要求")
        verbose_name_plural = _("频次要求")
        ordering = ["activity_type__order", "organization_id"]
        constraints = [
            models.UniqueConstraint(fields=["activity_type", "organization"], name="rule_one_per_scope"),
            models.UniqueConstraint(
                fields=["activity_type"], condition=models.Q(organization__isnull=True), name="rule_one_default"
            ),
        ]

    def __str__(self):
        return _("{type}：{holder}{per}至少 {n} 次").format(type=self.activity_type, holder=self.get_holder_display(),
                                                         per=self.get_per_display(), n=self.min_count)

    @property
    def per_year(self) -> int:
        return self.min_count * WINDOWS_PER_YEAR[self.per]


class LecturerRole(models.TextChoices):
    """Who gave a 党课: 书记 and 领导干部 lectures are counted (条例: 党委（党组）书记每年至少讲1次党课)."""

    BRANCH_SECRETARY = "branch_secretary", _("支部书记")
    PARTY_SECRETARY = "party_secretary", _("党委（党组）书记")
    LEADING_CADRE = "leading_cadre", _("党员领导干部")
    OTHER = "other", _("其他")


LEADER_LECTURER_ROLES = (LecturerRole.BRANCH_SECRETARY, LecturerRole.PARTY_SECRETARY, LecturerRole.LEADING_CADRE)


class ActivityStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已提交")


class ActivityQuerySet(VoidableQuerySet, RestrictedQuerySet):
    scope_path_field = "organization__path"

    def submitted(self):
        return self.filter(is_voided=False, status=ActivityStatus.SUBMITTED)

    def general_meetings(self, branch):
        """The branch's recorded 支部党员大会 (drafts too), newest first: what a 入党/转正 vote milestone may cite."""
        return (self.filter(organization=branch, is_voided=False, activity_type__category=ActivityCategory.GENERAL_MEETING)
                .order_by("-held_on", "-id"))


class Activity(TimestampedModel, VoidableModel):
    """One meeting or activity held by a branch or a 党小组."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="activities", verbose_name=_("党组织"))
    activity_type = models.ForeignKey(ActivityType, on_delete=models.PROTECT, related_name="activities", verbose_name=_("活动类型"))
    title = models.CharField(_("主题"), max_length=120)
    held_on = models.DateField(_("日期"))
    starts_at = models.TimeField(_("开始时间"), null=True, blank=True)
    ends_at = models.TimeField(_("结束时间"), null=True, blank=True)
    place = models.CharField(_("地点"), max_length=120, blank=True)
    host = models.ForeignKey("members.Member", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("主持人"))
    recorder = models.ForeignKey("members.Member", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("记录人"))
    lecturer = models.CharField(_("授课人"), max_length=60, blank=True)
    lecturer_role = models.CharField(_("授课人身份"), max_length=20, choices=LecturerRole.choices, blank=True,
                                     default="", db_default="",  # bulk loaders (scale.py) insert rows without it
                                     help_text=_("书记、领导干部讲党课单独统计。"))
    lecture_title = models.CharField(_("党课题目"), max_length=120, blank=True)
    topics = models.TextField(_("议题"), blank=True)
    minutes = models.TextField(_("会议纪要"), blank=True)
    # 第一议题: the first agenda item studies the latest central instructions (what was studied; empty = not held).
    first_topic = models.CharField(_("第一议题"), max_length=200, blank=True, default="", db_default="",
                                   help_text=_("会议第一项议题学习的习近平总书记最新重要讲话、重要指示批示精神等；未安排则留空。"))
    # 双重组织生活: leading cadres (members of this branch) taking part in their own branch's meeting.
    leading_cadres = models.ManyToManyField("members.Member", blank=True, related_name="dual_life_activities",
                                            verbose_name=_("参加双重组织生活的领导干部"))
    resolutions = models.TextField(_("决议"), blank=True)
    is_election = models.BooleanField(_("选举会议"), default=False, help_text=_("换届选举：到会须超过应到会有表决权党员的五分之四。"))
    status = models.CharField(_("状态"), max_length=12, choices=ActivityStatus.choices, default=ActivityStatus.DRAFT)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    checkin_code = models.CharField(_("签到码"), max_length=8, unique=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    objects = ActivityQuerySet.as_manager()

    class Meta:
        verbose_name = _("组织生活记录")
        verbose_name_plural = _("组织生活记录")
        ordering = ["-held_on", "-starts_at", "-id"]
        indexes = [
            # The compliance aggregation: submitted records of a set of organizations in a date range.
            models.Index(fields=["organization", "held_on", "activity_type"], name="activity_org_date",
                         condition=models.Q(is_voided=False, status="submitted")),
            models.Index(fields=["held_on"], name="activity_held_on"),
        ]

    def __str__(self):
        return f"{self.held_on:%Y-%m-%d} {self.activity_type} {self.title}"

    def get_absolute_url(self):
        return reverse("orglife:activity_detail", args=[self.pk])

    @property
    def is_submitted(self) -> bool:
        return self.status == ActivityStatus.SUBMITTED


MONTH_FIELDS = tuple(f"m{i}" for i in range(1, 13))


class ActivityCount(models.Model):
    """Submitted, not voided records per organization × type × month: what the compliance engine reads.

    One row per organization × type × year with a column per month, so the whole tree for any period is one row
    per cell to read, with no grouping (a province's year is ~45,000 rows here against ~680,000 records).
    Kept in step by `orglife.counts.follow` inside every service that writes a record (same
    transaction); `manage.py activity_counts --check/--rebuild` and a nightly task compare it with the records.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    activity_type = models.ForeignKey(ActivityType, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    m1 = models.PositiveIntegerField(default=0)
    m2 = models.PositiveIntegerField(default=0)
    m3 = models.PositiveIntegerField(default=0)
    m4 = models.PositiveIntegerField(default=0)
    m5 = models.PositiveIntegerField(default=0)
    m6 = models.PositiveIntegerField(default=0)
    m7 = models.PositiveIntegerField(default=0)
    m8 = models.PositiveIntegerField(default=0)
    m9 = models.PositiveIntegerField(default=0)
    m10 = models.PositiveIntegerField(default=0)
    m11 = models.PositiveIntegerField(default=0)
    m12 = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "activity_type", "year"], name="activity_count_key"),
        ]
        indexes = [models.Index(fields=["year", "organization"], name="activity_count_year")]

    def __str__(self):
        return f"{self.organization_id}/{self.activity_type_id}/{self.year}"


class ComplianceWindow(models.Model):
    """One compliance-table row's result in one rule window, over all its activity types: what the compliance
    summaries (the page's totals, 完成率 and bars, the home page's overdue branches) add up in SQL.

    `organization` is the row: a 党支部 (its 党小组' cells folded in, as the table shows it) or a 党小组 (its own).
    The figures are the compliance engine's own window results judged without a `today` (every window of the year
    counted, none open); a reader applies its `today` (windows not started are not required, an open window's
    shortfall is due, not overdue). Rows whose figures are all 0 are not stored. Kept by `orglife.results`:
    refreshed for the organizations a write touches, inside the writing transaction; `manage.py
    compliance_results` checks against a recount, repairs or rebuilds. Stored years are listed in ComplianceYear.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    per = models.CharField(max_length=10, choices=RulePer.choices)
    starts_on = models.DateField()
    ends_on = models.DateField()
    required = models.PositiveIntegerField(default=0)            # every type
    credited = models.PositiveIntegerField(default=0)            # every type, capped per window
    completion_required = models.PositiveIntegerField(default=0)  # 三会一课 + 主题党日 (counts_for_completion)
    completion_credited = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "per", "ends_on"], name="compliance_window_key")]
        indexes = [models.Index(fields=["ends_on", "organization"], name="compliance_window_end")]

    def __str__(self):
        return f"{self.organization_id} {self.per} {self.starts_on}–{self.ends_on}"


class ComplianceStanding(models.Model):
    """A compliance row's year as of each month of a stored year: what the compliance page's summary and bars for a
    year and the home page's 逾期的支部 read.

    Derived from the row's ComplianceWindow rows of the year, written with them (orglife.results): windows are
    calendar months, quarters, halves and years, so on any day of month `month` a window has started iff it starts
    in a month ≤ `month`, and has ended (its shortfall overdue) iff it ends in a month < `month`; month 13 stands for
    any day after the year. Rows are 党支部 rows (their 党小组 folded in, as the table shows them) and 党小组 rows,
    stored for the months with a figure that is not 0. Reading one month's rows of a scope replaces grouping every
    window of the year (850,204 windows of 50,012 branches at N=50,000: 485 ms for home, 640 ms for the summary).
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    month = models.PositiveSmallIntegerField()      # as of any day of this month (13: after the year)
    overdue = models.PositiveIntegerField()         # Σ required − credited of the windows ended before the month
    required = models.PositiveIntegerField()        # Σ required of the windows started by the month
    credited = models.PositiveIntegerField()
    # the same over the types that count for 完成率 (三会一课 + 主题党日): the summary's figures
    completion_required = models.PositiveIntegerField(default=0)
    completion_credited = models.PositiveIntegerField(default=0)
    # a 党支部 row (else a 党小组 row): home's 逾期的支部 reads only these, through the partial index below (the
    # 党小组 rows are three in four of a month's rows)
    branch_row = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["year", "month", "organization"],
                                               name="compliance_standing_key")]
        indexes = [models.Index(fields=["year", "month", "organization"],
                                condition=models.Q(branch_row=True, overdue__gt=0),
                                name="compliance_standing_behind"),
                   # home's 逾期的支部, most overdue first: its first rows are the first entries of this index, not a
                   # sort of every branch behind (50,010 at N=50,000)
                   models.Index(fields=["year", "month", "-overdue", "organization"],
                                condition=models.Q(branch_row=True, overdue__gt=0),
                                name="compliance_standing_most")]

    def __str__(self):
        return f"{self.organization_id} {self.year}-{self.month:02d}: {self.overdue}"


RATE_SCALE = 10 ** 9  # ComplianceRollup.rate_sum's unit: a row's 完成率 in billionths, rounded half up


class ComplianceRollup(models.Model):
    """The sums of a subtree's ComplianceStanding rows, per month of a stored year and per kind of row: what the
    compliance page's year summary and bars read for a scope of whole subtrees (a province's whole tree: two rows
    instead of joining 50,000 branch rows to their standings).

    Kept for organizations that hold no compliance row themselves (基层党委, 党总支), over every row below them, by
    the same writes that write the standings (orglife.results moves each write's difference up the tree, inside the
    writer's transaction); rebuilt with a year; compared with a recount by `manage.py compliance_results`. Integers
    only, so that a sum moved by many writes equals a recount exactly: the 完成率 of each rated row is summed in
    units of 1 / RATE_SCALE (rounded per row, the mean is within 10⁻⁹ of the mean of the exact rates)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    month = models.PositiveSmallIntegerField()       # as ComplianceStanding.month
    branch_rows = models.BooleanField()              # the sums of the 党支部 rows; else of the 党小组 rows
    behind = models.IntegerField(default=0)          # rows with an overdue shortfall
    completion_required = models.IntegerField(default=0)
    completion_credited = models.IntegerField(default=0)
    rated = models.IntegerField(default=0)           # rows with something required of the 完成率 types
    rate_sum = models.BigIntegerField(default=0)     # Σ round(credited / required × RATE_SCALE) of the rated rows

    class Meta:
        constraints = [models.UniqueConstraint(fields=["year", "month", "branch_rows", "organization"],
                                               name="compliance_rollup_key")]

    def __str__(self):
        return f"{self.organization_id} {self.year}-{self.month:02d} {'branches' if self.branch_rows else 'groups'}"


class ComplianceYear(models.Model):
    """A year whose ComplianceWindow rows are stored (built whole, then kept by the writes); other years' summaries
    are computed by the engine on the spot."""

    year = models.PositiveSmallIntegerField(unique=True)
    built_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return str(self.year)


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", _("出席")
    LATE = "late", _("迟到")
    LEAVE = "leave", _("请假")
    ABSENT = "absent", _("缺席")


PRESENT_STATUSES = (AttendanceStatus.PRESENT, AttendanceStatus.LATE)


class LeaveReason(models.TextChoices):
    SICK = "sick", _("病假")
    PERSONAL = "personal", _("事假")
    OFFICIAL = "official", _("公假")


class AttendanceCount(models.Model):
    """The 出席率's counts (compliance.counted_attendance) per organization × month, over its whole subtree: members
    expected and present (出席 + 迟到) and records with attendance, at submitted, not voided records of types that take
    attendance held by a 党支部 or 党小组 in the subtree (the organization itself included).

    Why the subtree and not the organization alone: the attendance page's totals and trend cover a 党委's whole tree
    (4.9 M attendance rows at N=5,000); stored per subtree they are the scope's roots' rows, a few rows whatever the
    size of the tree, and a branch's row is the branch with its 党小组 (attendance_totals). A write moves one record's
    figures along its organization's ancestors (≤ 5 rows). Kept by orglife.attendance_counts (see there).
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    month = models.PositiveSmallIntegerField()
    expected = models.PositiveIntegerField(default=0)
    present = models.PositiveIntegerField(default=0)
    records = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "year", "month"], name="attendance_count_key"),
        ]

    def __str__(self):
        return f"{self.organization_id} {self.year}-{self.month:02d}: {self.present}/{self.expected}"


class Attendance(TrackedModel):
    """One expected participant (member) or one 列席 guest (member empty, guest_name set)."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="attendances", verbose_name=_("活动"))
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, null=True, blank=True, related_name="attendances", verbose_name=_("党员"))
    guest_name = models.CharField(_("列席人员"), max_length=60, blank=True)
    status = models.CharField(_("出席情况"), max_length=10, choices=AttendanceStatus.choices, default=AttendanceStatus.PRESENT)
    leave_reason = models.CharField(_("请假类别"), max_length=10, choices=LeaveReason.choices, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    checked_in_at = models.DateTimeField(_("扫码签到时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("出席情况")
        verbose_name_plural = _("出席情况")
        ordering = ["activity", "member__name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["activity", "member"], condition=models.Q(member__isnull=False),
                                    name="attendance_one_per_member"),
            models.CheckConstraint(condition=models.Q(member__isnull=False) | ~models.Q(guest_name=""),
                                   name="attendance_member_or_guest"),
        ]
        indexes = [models.Index(fields=["member", "status"], name="attendance_member")]

    def __str__(self):
        return f"{self.member or self.guest_name} {self.get_status_display()}"

    @property
    def is_guest(self) -> bool:
        return self.member_id is None


class VoteKind(models.TextChoices):
    MOTION = "motion", _("一般事项")
    ADMISSION = "admission", _("接收预备党员")
    CONFIRMATION = "confirmation", _("预备党员转正")
    ELECTION = "election", _("选举")


class Vote(CreatedAtModel):
    """A decision voted at a 支部党员大会; counts are frozen when it is recorded."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="votes", verbose_name=_("党员大会"))
    kind = models.CharField(_("表决事项类型"), max_length=16, choices=VoteKind.choices, default=VoteKind.MOTION)
    subject = models.CharField(_("表决事项"), max_length=200)
    subject_member = models.ForeignKey("members.Member", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                       verbose_name=_("涉及党员/申请人"), help_text=_("接收或转正须逐个表决。"))
    yes = models.PositiveSmallIntegerField(_("赞成"))
    no = models.PositiveSmallIntegerField(_("反对"), default=0)
    abstain = models.PositiveSmallIntegerField(_("弃权"), default=0)
    written_yes = models.PositiveSmallIntegerField(_("书面赞成意见"), default=0, help_text=_("因故不能到会、会前提交书面意见的有表决权党员。"))
    should_attend = models.PositiveSmallIntegerField(_("应到会有表决权党员"), editable=False)
    present = models.PositiveSmallIntegerField(_("实到有表决权党员"), editable=False)
    passed = models.BooleanField(_("通过"), editable=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("表决")
        verbose_name_plural = _("表决")
        ordering = ["activity", "id"]

    def __str__(self):
        return (_("{subject}（通过）") if self.passed else _("{subject}（未通过）")).format(subject=self.subject)


class AttachmentKind(models.TextChoices):
    IMAGE = "image", _("照片")
    PDF = "pdf", "PDF"
    WORD = "word", _("Word 文档")


def _attachment_path(instance, filename):
    return f"activities/{instance.activity_id}/{filename}"


class Attachment(TrackedModel, VoidableModel):
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("活动"))
    file = models.FileField(_("文件"), upload_to=_attachment_path)
    thumbnail = models.FileField(_("缩略图"), upload_to=_attachment_path, blank=True)
    original_name = models.CharField(_("文件名"), max_length=200)
    kind = models.CharField(_("类型"), max_length=8, choices=AttachmentKind.choices)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField(_("大小（字节）"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["activity", "id"]

    def __str__(self):
        return self.original_name


class TalkQuerySet(VoidableQuerySet, RestrictedQuerySet):
    scope_path_field = "organization__path"


class Talk(CreatedAtModel, VoidableModel):
    """谈心谈话: who talked with whom (支委之间、支委和党员、党员之间), every member at least once a year."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="talks", verbose_name=_("党支部"))
    held_on = models.DateField(_("日期"))
    participants = models.ManyToManyField("members.Member", related_name="talks", verbose_name=_("谈话双方"))
    topic = models.CharField(_("谈话主题"), max_length=200)
    note = models.TextField(_("主要内容"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    objects = TalkQuerySet.as_manager()
    history_m2m_fields = ["participants"]

    class Meta:
        verbose_name = _("谈心谈话")
        verbose_name_plural = _("谈心谈话")
        ordering = ["-held_on", "-id"]
        indexes = [models.Index(fields=["organization", "held_on"], name="talk_org_date")]

    def __str__(self):
        return f"{self.held_on:%Y-%m-%d} {self.topic}"


class PeriodClose(TrackedModel):
    """Staff close a period for a subtree: records held in [start, end] there are locked until reopened."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="period_closes", verbose_name=_("党组织"))
    period = models.CharField(_("期间"), max_length=10, help_text=_("如 2025、2025-Q3、2025-09"))
    start = models.DateField(_("开始"))
    end = models.DateField(_("结束"))
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    closed_at = models.DateTimeField(auto_now_add=True)
    reopened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    reopened_at = models.DateTimeField(_("重新开放时间"), null=True, blank=True)
    reopen_reason = models.CharField(_("重新开放原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("期间关账")
        verbose_name_plural = _("期间关账")
        ordering = ["-start", "organization"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "period"], condition=models.Q(reopened_at__isnull=True),
                                    name="period_close_one_open"),
        ]

    def __str__(self):
        return f"{self.organization} {self.period}"

    @property
    def is_closed(self) -> bool:
        return self.reopened_at is None


class Reminder(models.Model):
    """An in-portal notice (提醒) to one user; `key` makes each reminder go out once per period."""

    class Kind(models.TextChoices):
        DUE = "due", _("即将到期")
        OVERDUE = "overdue", _("已逾期")
        STAFF_DIGEST = "staff_digest", _("逾期支部周报")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="orglife_reminders")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    key = models.CharField(max_length=120)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"))
    url = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("组织生活提醒")
        verbose_name_plural = _("组织生活提醒")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="reminder_once_per_key")]
        indexes = [models.Index(fields=["user", "read_at"], name="reminder_unread")]

    def __str__(self):
        return self.title
