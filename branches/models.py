"""The organization tree, committees and their terms, and roles granted on organizations."""
from __future__ import annotations

from datetime import date

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models.functions import Length, Substr
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node, MP_NodeManager, MP_NodeQuerySet

from portal.scoping import ALL, VIEW, RestrictedQuerySet, minimal_paths, scope_for
from portal.tracking import CreatedAtModel, TimestampedModel, TrackedModel


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

    def scope_roots(self, user, action: str = VIEW):
        """The organizations heading the subtrees `user` may `action` on, none inside another (the tree's roots for
        a superuser): what a figure stored per subtree is summed over. A grant under another grant adds nothing to
        the scope, so it must add nothing to a sum either."""
        paths = scope_for(user).paths(action)
        return self.filter(depth=1) if paths is ALL else self.filter(path__in=minimal_paths(paths))


class OrganizationManager(MP_NodeManager.from_queryset(OrganizationQuerySet)):
    def get_queryset(self):
        return OrganizationQuerySet(self.model, using=self._db).order_by("path")


class Organization(MP_Node, TimestampedModel):
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

    objects = OrganizationManager()
    history_excluded_fields = ["path", "depth", "numchild"]

    class Meta:
        verbose_name = _("党组织")
        verbose_name_plural = _("党组织")
        indexes = [
            # LIKE 'prefix%' on PostgreSQL needs pattern ops unless the collation is C.
            models.Index(fields=["path"], name="org_path_prefix", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["kind", "dissolved_on"], name="org_kind_active"),
            # The children of an organization by their parent path: the tree page a level at a time, paged (the
            # children only, not every organization below them: a top 党委's 500 children over 200,000
            # descendants), and a branch's 党小组 (orglife.compliance._group_ids_under), which otherwise read every
            # group of the tree even for one branch (a report's collect did three: 37 ms of its SQL at N=5,000).
            # Not (depth, path): SQLite then walked that index to answer other queries' ORDER BY depth (the nearest
            # 联系点 rule up the tree), once per branch. 4 is steplen; the expression must read exactly as the
            # queries' (PARENT_PATH in selectors) for the planner to use it.
            models.Index(Substr("path", 1, Length("path") - 4), name="org_parent_path"),
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
        return self.chain_of(self.path)

    @classmethod
    def chain_of(cls, path: str) -> list[str]:
        """The path and every ancestor's path, nearest first (for a path without its organization at hand)."""
        return [path[:i] for i in range(len(path), 0, -cls.steplen)]

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


class CommitteeTerm(TimestampedModel):
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


class CommitteeSeat(TrackedModel):
    """A member holding a seat in a term; seats are kept when a term ends (history)."""

    term = models.ForeignKey(CommitteeTerm, on_delete=models.CASCADE, related_name="seats", verbose_name=_("任期"))
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="seats", verbose_name=_("党员"))
    role = models.CharField(_("职务"), max_length=20, choices=SeatRole.choices)
    started_on = models.DateField(_("任职日期"), null=True, blank=True)
    ended_on = models.DateField(_("离任日期"), null=True, blank=True)

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


class RoleGrant(CreatedAtModel):
    """A role held on an organization and everything under it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="role_grants")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="role_grants")
    role = models.CharField(_("角色"), max_length=12, choices=Role.choices)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

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


class ApiClient(CreatedAtModel):
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

    objects = ApiClientQuerySet.as_manager()
    history_excluded_fields = ["token_hash", "last_used_at"]

    class Meta:
        verbose_name = _("接口客户端")
        verbose_name_plural = _("接口客户端")
        ordering = ["organization__path", "name", "id"]

    def __str__(self):
        return self.name

    def expiry_warning(self) -> str:
        """The warning an API answer carries while the token expires within API_TOKEN_EXPIRY_WARNING_DAYS."""
        from .api_clients import token_expiry_warning

        return token_expiry_warning(self)

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


# Members sit above branches (members.Member.branch points here): branches reaches the registry through that
# relation, never by importing members (issue #15). The two statuses are members.MemberStatus's values.
MEMBER_FULL = "full"
MEMBER_PROBATIONARY = "probationary"


def member_model():
    """members.Member, found through the reverse relation of Member.branch (related_name "members")."""
    return Organization._meta.get_field("members").related_model


class OrganizationFiguresQuerySet(RestrictedQuerySet):
    scope_path_field = "path"


class OrganizationFigures(models.Model):
    """Counts stored per organization, so that a page reads a few rows instead of counting a subtree.

    Kept in step by the writes (branches/figures.py: every save and delete of a member, an organization, a
    committee term or seat recounts the organizations concerned and moves the difference up the tree, in the
    writer's transaction); rebuilt by bulk loads; `manage.py organization_figures` checks or rebuilds them.
    """

    organization = models.OneToOneField(Organization, on_delete=models.CASCADE, primary_key=True,
                                        related_name="figures")
    # Of this organization itself (members whose 所在党支部 it is; its committee's current term).
    members = models.PositiveIntegerField(default=0)          # active members
    full_members = models.PositiveIntegerField(default=0)     # active 正式党员
    probationary = models.PositiveIntegerField(default=0)     # active 预备党员
    seats = models.PositiveIntegerField(default=0)            # filled seats of the current term
    term_ends_on = models.DateField(null=True, blank=True)    # the current term's 届满日期
    # Of its subtree (itself and everything under it).
    subtree_members = models.PositiveIntegerField(default=0)
    subtree_probationary = models.PositiveIntegerField(default=0)
    subtree_branches = models.PositiveIntegerField(default=0)         # active 党支部 of BRANCH_KINDS
    subtree_groups = models.PositiveIntegerField(default=0)           # active 党小组
    subtree_general_branches = models.PositiveIntegerField(default=0)  # active 党总支
    # The organization's tree path (organizations are never moved), so that a scope's warned branches are counted
    # from this table's own index, and the first day the structural checks warn this branch with its figures as
    # they are (`branches.selectors.warned_since_of`: 0001-01-01 for a standing warning, 届满 − 90 days for a due
    # term; null for none, for dissolved organizations and other kinds). Warned today: warned_since <= today.
    path = models.CharField(max_length=255, default="")
    warned_since = models.DateField(null=True, blank=True)

    objects = OrganizationFiguresQuerySet.as_manager()

    class Meta:
        verbose_name = _("组织统计")
        verbose_name_plural = _("组织统计")
        indexes = [
            # A wide scope: the warned rows up to today; a narrow one: its own paths.
            models.Index(fields=["warned_since", "path"], name="figures_warned_since",
                         condition=models.Q(warned_since__isnull=False)),
            models.Index(fields=["path", "warned_since"], name="figures_warned_path",
                         opclasses=["varchar_pattern_ops", "date_ops"],
                         condition=models.Q(warned_since__isnull=False)),
        ]

    def __str__(self):
        return f"{self.organization_id}: {self.subtree_members}"


# 政治生日: active members by the month of their 入党日期, of the organization itself and of its subtree, so that the
# birthdays page counts a month of a province from its scope roots' rows (it joined 125,000 index entries to every
# organization at N=50,000). Twelve columns each rather than rows per month: they move with the other member figures in
# the same UPDATE, under the same lock.
JOINED_MONTH_FIELDS = tuple(f"joined_month_{m:02}" for m in range(1, 13))
SUBTREE_JOINED_MONTH_FIELDS = tuple(f"subtree_{name}" for name in JOINED_MONTH_FIELDS)
for _name in (*JOINED_MONTH_FIELDS, *SUBTREE_JOINED_MONTH_FIELDS):
    OrganizationFigures.add_to_class(_name, models.PositiveIntegerField(default=0))


def subtree_joined_month_field(month: int) -> str:
    """The OrganizationFigures column counting a subtree's active members whose 入党 month is `month` (1..12)."""
    return SUBTREE_JOINED_MONTH_FIELDS[month - 1]
