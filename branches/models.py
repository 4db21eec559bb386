"""The organization tree, committees and their terms, and roles granted on organizations."""
from __future__ import annotations

from datetime import date

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords
from treebeard.mp_tree import MP_Node, MP_NodeManager, MP_NodeQuerySet

from portal.scoping import RestrictedQuerySet


class OrganizationKind(models.TextChoices):
    COMMITTEE = "committee", _("基层党委")
    GENERAL_BRANCH = "general_branch", _("党总支")
    BRANCH = "branch", _("党支部")
    JOINT_BRANCH = "joint_branch", _("联合党支部")
    TEMPORARY_BRANCH = "temporary_branch", _("临时党支部")
    PARTY_GROUP = "party_group", _("党小组")


BRANCH_KINDS = (OrganizationKind.BRANCH, OrganizationKind.JOINT_BRANCH, OrganizationKind.TEMPORARY_BRANCH)
# Which kinds may sit directly under which: keeps the tree a real party hierarchy.
ALLOWED_PARENT_KINDS = {
    OrganizationKind.COMMITTEE: {None, OrganizationKind.COMMITTEE},
    OrganizationKind.GENERAL_BRANCH: {OrganizationKind.COMMITTEE},
    OrganizationKind.BRANCH: {OrganizationKind.COMMITTEE, OrganizationKind.GENERAL_BRANCH},
    OrganizationKind.JOINT_BRANCH: {OrganizationKind.COMMITTEE, OrganizationKind.GENERAL_BRANCH},
    OrganizationKind.TEMPORARY_BRANCH: {OrganizationKind.COMMITTEE, OrganizationKind.GENERAL_BRANCH},
    OrganizationKind.PARTY_GROUP: set(BRANCH_KINDS),
}


class Locality(models.TextChoices):
    GENERAL = "general", _("机关、企事业单位等")
    VILLAGE = "village", _("村")
    COMMUNITY = "community", _("社区")


class OrganizationQuerySet(RestrictedQuerySet, MP_NodeQuerySet):
    scope_path_field = "path"

    def active(self):
        return self.filter(dissolved_on__isnull=True)

    def branches(self):
        return self.filter(kind__in=BRANCH_KINDS)

    def groups(self):
        return self.filter(kind=OrganizationKind.PARTY_GROUP)


class OrganizationManager(MP_NodeManager.from_queryset(OrganizationQuerySet)):
    def get_queryset(self):
        return OrganizationQuerySet(self.model, using=self._db).order_by("path")


class Organization(MP_Node):
    """A party organization. `path` (materialized, indexed) makes a subtree one prefix query."""

    steplen = 4
    node_order_by = None

    name = models.CharField(_("名称"), max_length=120)
    short_name = models.CharField(_("简称"), max_length=40, blank=True)
    kind = models.CharField(_("类型"), max_length=20, choices=OrganizationKind.choices)
    code = models.CharField(_("组织编码"), max_length=32, unique=True)
    established_on = models.DateField(_("成立日期"))
    dissolved_on = models.DateField(_("撤销日期"), null=True, blank=True)
    dissolution_reason = models.CharField(_("撤销原因"), max_length=200, blank=True)
    units = models.TextField(_("所在单位"), blank=True, help_text=_("每行一个单位；联合党支部一般不超过 5 个单位。"))
    locality = models.CharField(_("单位性质"), max_length=12, choices=Locality.choices, default=Locality.GENERAL)
    term_years = models.PositiveSmallIntegerField(
        _("每届任期（年）"),
        null=True,
        blank=True,
        validators=[MinValueValidator(3), MaxValueValidator(5)],
        help_text=_("留空则按默认：村、社区 5 年，其他 3 年。"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    objects = OrganizationManager()
    history = HistoricalRecords(excluded_fields=["path", "depth", "numchild"])

    class Meta:
        verbose_name = _("党组织")
        verbose_name_plural = _("党组织")
        indexes = [
            # LIKE 'prefix%' on PostgreSQL needs pattern ops unless the collation is C.
            models.Index(fields=["path"], name="org_path_prefix", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["kind", "dissolved_on"], name="org_kind_active"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("branches:detail", args=[self.pk])

    @property
    def is_active(self) -> bool:
        return self.dissolved_on is None

    @property
    def is_branch(self) -> bool:
        return self.kind in BRANCH_KINDS

    @property
    def is_group(self) -> bool:
        return self.kind == OrganizationKind.PARTY_GROUP

    @property
    def parent_path(self) -> str:
        return self.path[: -self.steplen]

    def ancestor_paths(self) -> list[str]:
        """Paths of this node and every ancestor, nearest first."""
        return [self.path[:i] for i in range(len(self.path), 0, -self.steplen)]

    @property
    def default_term_years(self) -> int:
        if self.term_years:
            return self.term_years
        return 5 if self.locality in (Locality.VILLAGE, Locality.COMMUNITY) else 3

    def clean(self):
        if self.dissolved_on and self.dissolved_on < self.established_on:
            raise ValidationError({"dissolved_on": _("撤销日期不能早于成立日期。")})


TERM_APPROVAL_FIELDS = ("approved_by", "approval_doc_no", "approved_on")
TERM_NEEDS_APPROVAL = _("本组织每届任期为 {years} 年（应于 {standard:%Y年%m月%d日} 届满）；延长或提前换届须经上级党组织批准，"
                        "请填写批准机关、批准文号和批准日期。")
TERM_ADJUSTED_TOO_FAR = _("延长或提前换届一般不超过 1 年（应在 {earliest:%Y年%m月%d日} 至 {latest:%Y年%m月%d日} 之间）。")
TERM_MAX_ADJUSTMENT = relativedelta(years=1)


class CommitteeTerm(models.Model):
    """One term (届) of an organization's committee; its end date is when 换届 is due.

    A term lasts the organization's term length (党章第三十一条: 3–5 years; 3 by default, 5 for 村/社区). Ending it
    at any other date — extended, or 换届 brought forward — needs the upper organization's approval (who approved,
    document number, date) and moves the end by at most one year (《关于党的基层组织任期的意见》).
    """

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="terms", verbose_name=_("党组织"))
    started_on = models.DateField(_("本届开始"))
    ends_on = models.DateField(_("届满日期"))
    closed_on = models.DateField(_("换届完成日期"), null=True, blank=True, help_text=_("下一届选出后填写；为空表示本届在任。"))
    note = models.CharField(_("备注"), max_length=200, blank=True)
    approved_by = models.CharField(_("批准机关"), max_length=120, blank=True,
                                   help_text=_("延长任期或提前换届时填写：批准的上级党组织。"))
    approval_doc_no = models.CharField(_("批准文号"), max_length=60, blank=True)
    approved_on = models.DateField(_("批准日期"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("委员会任期")
        verbose_name_plural = _("委员会任期")
        ordering = ["organization", "-started_on"]
        indexes = [models.Index(fields=["organization", "closed_on"], name="term_current")]

    def __str__(self):
        return f"{self.organization} {self.started_on:%Y}—{self.ends_on:%Y}"

    @property
    def is_current(self) -> bool:
        return self.closed_on is None

    @property
    def has_approval(self) -> bool:
        return bool(self.approved_by.strip() and self.approval_doc_no.strip() and self.approved_on)

    @staticmethod
    def default_end(started_on: date, years: int) -> date:
        return started_on + relativedelta(years=years)

    def standard_end(self) -> date:
        return self.default_end(self.started_on, self.organization.default_term_years)

    def check_length(self, end: date, field: str = "ends_on") -> None:
        """`end` (planned or actual) against the standard term: equal, or moved ≤ 1 year with an approval."""
        standard = self.standard_end()
        if end == standard:
            return
        if not self.has_approval:
            raise ValidationError({field: TERM_NEEDS_APPROVAL.format(
                years=self.organization.default_term_years, standard=standard)})
        earliest, latest = standard - TERM_MAX_ADJUSTMENT, standard + TERM_MAX_ADJUSTMENT
        if not earliest <= end <= latest:
            raise ValidationError({field: TERM_ADJUSTED_TOO_FAR.format(earliest=earliest, latest=latest)})

    def clean(self):
        if self.ends_on and self.started_on and self.ends_on <= self.started_on:
            raise ValidationError({"ends_on": _("届满日期必须晚于本届开始日期。")})
        if self.started_on and self.ends_on and self.organization_id:
            self.check_length(self.ends_on)
        filled = [bool(getattr(self, f)) for f in TERM_APPROVAL_FIELDS]
        if any(filled) and not all(filled):
            raise ValidationError(_("批准机关、批准文号和批准日期须一并填写。"))
        if self.approved_on and self.started_on and self.approved_on > (self.closed_on or self.ends_on or self.approved_on):
            raise ValidationError({"approved_on": _("批准日期不能晚于本届结束。")})


class SeatRole(models.TextChoices):
    SECRETARY = "secretary", _("书记")
    DEPUTY_SECRETARY = "deputy_secretary", _("副书记")
    ORGANIZATION = "organization", _("组织委员")
    PROPAGANDA = "propaganda", _("宣传委员")
    DISCIPLINE = "discipline", _("纪检委员")
    YOUTH = "youth", _("青年委员")
    MEMBER = "member", _("委员")


SEAT_ORDER = [r.value for r in SeatRole]  # 书记 first, then 副书记, committee members


def seat_order_expression():
    return models.Case(*(models.When(role=r, then=models.Value(i)) for i, r in enumerate(SEAT_ORDER)),
                       output_field=models.IntegerField())


class CommitteeSeat(models.Model):
    """A member holding a seat in a term; seats are kept when a term ends (history)."""

    term = models.ForeignKey(CommitteeTerm, on_delete=models.CASCADE, related_name="seats", verbose_name=_("任期"))
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="seats", verbose_name=_("党员"))
    role = models.CharField(_("职务"), max_length=20, choices=SeatRole.choices)
    started_on = models.DateField(_("任职日期"), null=True, blank=True)
    ended_on = models.DateField(_("离任日期"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("委员会职务")
        verbose_name_plural = _("委员会职务")
        ordering = ["term", "role"]
        constraints = [
            models.UniqueConstraint(fields=["term", "member"], name="seat_one_per_member_per_term"),
            models.UniqueConstraint(
                fields=["term"], condition=models.Q(role="secretary"), name="seat_one_secretary_per_term"
            ),
        ]

    def __str__(self):
        return f"{self.get_role_display()} {self.member}"


class Role(models.TextChoices):
    STAFF = "staff", _("党务工作者")
    SECRETARY = "secretary", _("支部书记/委员")
    REVIEWER = "reviewer", _("评审人员")
    AGENCY = "agency", _("上级机关")


class RoleGrant(models.Model):
    """A role held on an organization and everything under it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="role_grants")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="role_grants")
    role = models.CharField(_("角色"), max_length=12, choices=Role.choices)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("角色授权")
        verbose_name_plural = _("角色授权")
        constraints = [models.UniqueConstraint(fields=["user", "organization", "role"], name="grant_unique")]

    def __str__(self):
        return f"{self.user} · {self.get_role_display()} · {self.organization}"


# --- API clients (上级机关接口) -----------------------------------------------------------------------


class ApiClientQuerySet(RestrictedQuerySet):
    scope_path_field = "organization__path"

    def usable(self, now=None):
        """Not revoked and not expired: what authenticates."""
        from django.utils import timezone

        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True).filter(models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now))


class ApiClientGrant(models.TextChoices):
    REPORTS = "reports", _("申请报告")
    PII = "pii", _("读取个人敏感信息")


class ApiClient(models.Model):
    """An agency's (上级机关) machine client: reads its organization's subtree with a Bearer token.

    The token is shown once; only its sha256 is kept, found by its first characters (`prefix`).
    The client acts as its service account `user`, which holds the agency role's rights on
    `organization` (branches.permissions.granted_paths: the one rule).
    """

    name = models.CharField(_("名称"), max_length=80)
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="api_clients", verbose_name=_("授权范围（含下级）")
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_client", editable=False,
        help_text="service account the client acts as (no password, no pages)",
    )
    token_prefix = models.CharField(_("令牌前缀"), max_length=12, unique=True, editable=False)
    token_hash = models.CharField(max_length=64, editable=False)
    grant_reports = models.BooleanField(_("可申请报告"), default=False)
    grant_pii = models.BooleanField(_("可读取身份证号、手机号"), default=False)
    throttle_rate = models.CharField(
        _("限流"),
        max_length=20,
        blank=True,
        help_text=_("如 600/min；留空使用系统默认。"),
        validators=[RegexValidator(r"^\d+/(s|sec|m|min|h|hour|d|day)$", _("限流格式如 600/min、10/s、5000/hour。"))],
    )
    expires_at = models.DateTimeField(_("有效期至"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ApiClientQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["token_hash", "last_used_at"])

    class Meta:
        verbose_name = _("接口客户端")
        verbose_name_plural = _("接口客户端")
        ordering = ["organization__path", "name", "id"]

    def __str__(self):
        return self.name

    def has_grant(self, grant: str) -> bool:
        return {ApiClientGrant.REPORTS: self.grant_reports, ApiClientGrant.PII: self.grant_pii}.get(grant, False)

    @property
    def grants(self) -> list[str]:
        return [g for g in ApiClientGrant.values if self.has_grant(g)]

    @property
    def state(self) -> str:
        from django.utils import timezone

        if self.revoked_at:
            return "revoked"
        if self.expires_at and self.expires_at <= timezone.now():
            return "expired"
        return "active"

    def record_request(self, request, response) -> None:
        """Called by portal.api for every API answer given to this client: the usage log."""
        ApiRequestLog.objects.create(
            client=self, method=request.method, path=request.get_full_path()[:300], status=response.status_code
        )


class ApiRequestLog(models.Model):
    """Every request a client made: what, when, with which outcome (visible to staff)."""

    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="requests")
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=300)
    status = models.PositiveSmallIntegerField()
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("接口访问记录")
        verbose_name_plural = _("接口访问记录")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["client", "-at"], name="apilog_client_at")]

    def __str__(self):
        return f"{self.client_id} {self.method} {self.path} {self.status}"


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


class ActivityType(models.Model):
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
    history = HistoricalRecords()

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


class FrequencyRule(models.Model):
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
    history = HistoricalRecords()

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


class ActivityQuerySet(RestrictedQuerySet):
    scope_path_field = "organization__path"

    def live(self):
        return self.filter(is_deleted=False)

    def submitted(self):
        return self.filter(is_deleted=False, status=ActivityStatus.SUBMITTED)


class Activity(models.Model):
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
    is_deleted = models.BooleanField(_("已作废"), default=False)
    deleted_reason = models.CharField(_("作废原因"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    objects = ActivityQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("组织生活记录")
        verbose_name_plural = _("组织生活记录")
        ordering = ["-held_on", "-starts_at", "-id"]
        indexes = [
            # The compliance aggregation: submitted records of a set of organizations in a date range.
            models.Index(fields=["organization", "held_on", "activity_type"], name="activity_org_date",
                         condition=models.Q(is_deleted=False, status="submitted")),
            models.Index(fields=["held_on"], name="activity_held_on"),
        ]

    def __str__(self):
        return f"{self.held_on:%Y-%m-%d} {self.activity_type} {self.title}"

    def get_absolute_url(self):
        return reverse("branches:activity_detail", args=[self.pk])

    @property
    def is_submitted(self) -> bool:
        return self.status == ActivityStatus.SUBMITTED


MONTH_FIELDS = tuple(f"m{i}" for i in range(1, 13))


class ActivityCount(models.Model):
    """Submitted, not voided records per organization × type × month: what the compliance engine reads.

    One row per organization × type × year with a column per month, so the whole tree for any period is one row
    per cell to read, with no grouping (a province's year is ~45,000 rows here against ~680,000 records).
    Kept in step by `branches.activity_counts.follow` inside every service that writes a record (same
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


class Attendance(models.Model):
    """One expected participant (member) or one 列席 guest (member empty, guest_name set)."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="attendances", verbose_name=_("活动"))
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, null=True, blank=True, related_name="attendances", verbose_name=_("党员"))
    guest_name = models.CharField(_("列席人员"), max_length=60, blank=True)
    status = models.CharField(_("出席情况"), max_length=10, choices=AttendanceStatus.choices, default=AttendanceStatus.PRESENT)
    leave_reason = models.CharField(_("请假类别"), max_length=10, choices=LeaveReason.choices, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    checked_in_at = models.DateTimeField(_("扫码签到时间"), null=True, blank=True)
    history = HistoricalRecords()

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


class Vote(models.Model):
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
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

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


class Attachment(models.Model):
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("活动"))
    file = models.FileField(_("文件"), upload_to=_attachment_path)
    thumbnail = models.FileField(_("缩略图"), upload_to=_attachment_path, blank=True)
    original_name = models.CharField(_("文件名"), max_length=200)
    kind = models.CharField(_("类型"), max_length=8, choices=AttachmentKind.choices)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField(_("大小（字节）"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    is_deleted = models.BooleanField(_("已删除"), default=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["activity", "id"]

    def __str__(self):
        return self.original_name


class TalkQuerySet(RestrictedQuerySet):
    scope_path_field = "organization__path"


class Talk(models.Model):
    """谈心谈话: who talked with whom (支委之间、支委和党员、党员之间), every member at least once a year."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="talks", verbose_name=_("党支部"))
    held_on = models.DateField(_("日期"))
    participants = models.ManyToManyField("members.Member", related_name="talks", verbose_name=_("谈话双方"))
    topic = models.CharField(_("谈话主题"), max_length=200)
    note = models.TextField(_("主要内容"), blank=True)
    is_deleted = models.BooleanField(_("已作废"), default=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TalkQuerySet.as_manager()
    history = HistoricalRecords(m2m_fields=[participants])

    class Meta:
        verbose_name = _("谈心谈话")
        verbose_name_plural = _("谈心谈话")
        ordering = ["-held_on", "-id"]
        indexes = [models.Index(fields=["organization", "held_on"], name="talk_org_date")]

    def __str__(self):
        return f"{self.held_on:%Y-%m-%d} {self.topic}"


class PeriodClose(models.Model):
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
    history = HistoricalRecords()

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
