"""The member registry and its history of moves between branches."""
from __future__ import annotations

import calendar
from datetime import date

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F
from django.db.models.functions import ExtractMonth
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from portal import crypto
from portal.scoping import RestrictedQuerySet
from portal.tracking import TimestampedModel

from ..validators import mask_id_number, mask_phone, normalize_id_number, validate_phone


class Gender(models.TextChoices):
    MALE = "male", _("男")
    FEMALE = "female", _("女")


class MemberStatus(models.TextChoices):
    PROBATIONARY = "probationary", _("预备党员")
    FULL = "full", _("正式党员")


class MemberCategory(models.TextChoices):
    IN_SERVICE = "in_service", _("在职")
    RETIRED = "retired", _("离退休")
    MOBILE = "mobile", _("流动党员")
    STUDENT = "student", _("学生")
    FARMER = "farmer", _("农民")
    UNEMPLOYED = "unemployed", _("下岗失业")
    OTHER = "other", _("其他")


class Education(models.TextChoices):
    POSTGRADUATE = "postgraduate", _("研究生")
    BACHELOR = "bachelor", _("大学本科")
    COLLEGE = "college", _("大学专科")
    VOCATIONAL = "vocational", _("中专")
    HIGH_SCHOOL = "high_school", _("高中")
    JUNIOR = "junior", _("初中及以下")


def whole_years(since: date, on: date) -> int:
    """Completed years from `since` to `on`, as relativedelta counts them (a 29 February anniversary falls on 28
    February in other years), without its cost on every row of a 100-row API page."""
    anniversary = (since.month, since.day)
    if anniversary == (2, 29) and not calendar.isleap(on.year):
        anniversary = (2, 28)
    return on.year - since.year - ((on.month, on.day) < anniversary)


class MemberQuerySet(RestrictedQuerySet):
    scope_path_field = "branch__path"

    def active(self):
        return self.filter(is_active=True)

    def with_vote_on(self, on: date):
        """Members who had 表决权 on `on` (the SQL twin of Member.has_vote_on): 正式党员 by then, still on the
        registry that day, not under 留党察看. Quorum counting uses this in one query."""
        return (
            self.filter(status=MemberStatus.FULL, confirmed_on__lte=on)
            .filter(models.Q(is_active=True) | models.Q(left_on__gt=on))
            .exclude(left_on__lte=on)
            .exclude(discipline_from__lte=on, discipline_until__gt=on)
        )

    def full_members(self):
        return self.filter(status=MemberStatus.FULL)

    def with_party_age_between(self, min_years=None, max_years=None, *, today=None):
        """党龄 counts from 转正 (full membership)."""
        today = today or date.today()
        qs = self
        if min_years is not None:
            qs = qs.filter(confirmed_on__lte=today - relativedelta(years=min_years))
        if max_years is not None:
            qs = qs.filter(confirmed_on__gt=today - relativedelta(years=max_years + 1))
        return qs


PROBATION_MONTHS = 12  # 预备期 (党章第七条); members.services.rules imports it, the lifecycle may only extend it


class Member(TimestampedModel):
    name = models.CharField(_("姓名"), max_length=40)
    gender = models.CharField(_("性别"), max_length=8, choices=Gender.choices)
    ethnicity = models.CharField(_("民族"), max_length=20, default="汉族")
    birth_date = models.DateField(_("出生日期"))
    phone = models.CharField(_("手机号"), max_length=20, blank=True, validators=[validate_phone])
    # 身份证号: encrypted at rest; the digest finds duplicates, the mask is what lists show.
    id_number_encrypted = models.TextField(_("身份证号（密文）"), blank=True, editable=False)
    id_number_digest = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    id_number_masked = models.CharField(_("身份证号"), max_length=20, blank=True, editable=False)
    education = models.CharField(_("学历"), max_length=16, choices=Education.choices, blank=True)
    work_unit = models.CharField(_("工作单位"), max_length=120, blank=True)
    post = models.CharField(_("职务/岗位"), max_length=80, blank=True)
    category = models.CharField(_("党员类别"), max_length=16, choices=MemberCategory.choices, default=MemberCategory.IN_SERVICE)
    status = models.CharField(_("党员身份"), max_length=16, choices=MemberStatus.choices, default=MemberStatus.FULL)
    joined_on = models.DateField(_("入党日期"))
    confirmed_on = models.DateField(_("转正日期"), null=True, blank=True)
    branch = models.ForeignKey(
        "branches.Organization", on_delete=models.PROTECT, related_name="members", verbose_name=_("所在党支部")
    )
    party_group = models.ForeignKey(
        "branches.Organization",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="group_members",
        verbose_name=_("所在党小组"),
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="member"
    )
    is_active = models.BooleanField(_("在册"), default=True)
    left_on = models.DateField(_("离开日期"), null=True, blank=True)
    left_reason = models.CharField(_("离开原因"), max_length=200, blank=True)
    joined_branch_on = models.DateField(_("转入本支部日期"), null=True, blank=True)
    # --- lifecycle (members/services/status.py, members/services/transfers.py keep these consistent) -----------------
    probation_ends_on = models.DateField(_("预备期满日期"), null=True, blank=True)
    discipline_from = models.DateField(_("留党察看起始日"), null=True, blank=True)
    discipline_until = models.DateField(_("留党察看期满日"), null=True, blank=True,
                                        help_text=_("留党察看期间没有表决权、选举权和被选举权；期满当日恢复。"))
    mobile_location = models.CharField(_("流动党员所在地"), max_length=120, blank=True)
    mobile_since = models.DateField(_("外出流动起始日"), null=True, blank=True)

    objects = MemberQuerySet.as_manager()
    history_excluded_fields = ["id_number_encrypted", "id_number_digest"]
    history_masks = {"phone": mask_phone}   # 修改记录 masks what the page masks (portal.history)

    class Meta:
        verbose_name = _("党员")
        verbose_name_plural = _("党员")
        ordering = ["branch_id", "name", "id"]
        indexes = [
            models.Index(fields=["branch", "is_active", "status"], name="member_branch_status"),
            models.Index(fields=["party_group", "is_active"], name="member_group"),
            models.Index(fields=["joined_on"], name="member_joined_on"),
            # The compliance engine's active members per branch × group for a whole tree: an index-only scan
            # (~4 MB) instead of reading every member row.
            models.Index(fields=["branch", "party_group"], condition=models.Q(is_active=True), name="member_active_orgs"),
            # The member list's keyset pages (portal.keyset) seek in its two usual orders instead of sorting the scope:
            # the default (branch, name, id) and by name.
            models.Index(fields=["branch", "name", "id"], name="member_list_order"),
            models.Index(fields=["name", "id"], name="member_name_order"),
            # 政治生日: a page of the month's active members read branch by branch in the list's order, and a chosen
            # branch's count (the page read every member row: 100 ms at N=5,000, 456 ms at N=50,000).
            models.Index(ExtractMonth("joined_on"), F("branch"), F("joined_on"), condition=models.Q(is_active=True),
                         name="member_birthday_month"),
            # …and the month's members who joined in the viewed year or later (no anniversary yet), which the page's
            # count takes off the stored figures: a range of this index, where the one above reads the whole month
            # (125,000 entries at N=50,000) to check each entry's date. With the branch, for an index-only scan.
            models.Index(ExtractMonth("joined_on"), F("joined_on"), F("branch"), condition=models.Q(is_active=True),
                         name="member_joined_month_on"),
            # 流动党员 on the transfers page: the few active members away, in list order, without reading the others.
            models.Index(fields=["branch", "name", "id"], name="member_mobile",
                         condition=models.Q(is_active=True) & ~models.Q(mobile_location="")),
            # 预备期届满 (home panel, due list): the active probationary members whose probation ends by a date, without
            # reading every member (a parallel scan of all members: 42 ms at N=5,000 for 2 rows).
            models.Index(fields=["probation_ends_on", "branch"], name="member_probation_due",
                         condition=models.Q(is_active=True, status="probationary")),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("members:detail", args=[self.pk])

    # --- 身份证号 -------------------------------------------------------------------------------
    def set_id_number(self, value: str) -> None:
        value = normalize_id_number(value)
        self.id_number_encrypted = crypto.encrypt(value)
        self.id_number_digest = crypto.digest(value)
        self.id_number_masked = mask_id_number(value) if value else ""

    def get_id_number(self) -> str:
        """Full number; callers must have checked the PII permission and logged the access."""
        return crypto.decrypt(self.id_number_encrypted)

    # --- derived facts ------------------------------------------------------------------------
    @property
    def party_age(self) -> int | None:
        """党龄 in whole years from 转正."""
        if not self.confirmed_on:
            return None
        return whole_years(self.confirmed_on, date.today())

    @property
    def age(self) -> int:
        return whole_years(self.birth_date, date.today())

    @property
    def has_vote(self) -> bool:
        """预备党员 have no vote (党章第七条)."""
        return self.has_vote_on(date.today())

    def has_vote_on(self, on: date) -> bool:
        """表决权 on a given day: 正式党员 (转正 by then), on the registry, not under 留党察看 that day."""
        if self.status != MemberStatus.FULL or not self.confirmed_on or self.confirmed_on > on:
            return False
        if self.left_on and self.left_on <= on:
            return False
        if not self.is_active and not self.left_on:
            return False
        if self.discipline_from and self.discipline_until and self.discipline_from <= on < self.discipline_until:
            return False
        return True

    @property
    def is_mobile(self) -> bool:
        return bool(self.mobile_location)

    def clean(self):
        errors = {}
        if self.confirmed_on and self.joined_on and self.confirmed_on < self.joined_on:
            errors["confirmed_on"] = _("转正日期不能早于入党日期。")
        if self.status == MemberStatus.FULL and not self.confirmed_on:
            errors["confirmed_on"] = _("正式党员须填写转正日期。")
        if self.status == MemberStatus.PROBATIONARY and self.confirmed_on:
            errors["confirmed_on"] = _("预备党员不应有转正日期。")
        if self.probation_ends_on and self.joined_on and \
                self.probation_ends_on < self.joined_on + relativedelta(months=PROBATION_MONTHS):
            errors["probation_ends_on"] = _("预备期为一年（党章第七条），只能延长，不能缩短。")
        if self.birth_date and self.joined_on and relativedelta(self.joined_on, self.birth_date).years < 18:
            errors["joined_on"] = _("入党时须年满十八岁。")
        if self.birth_date and self.birth_date > date.today():
            errors["birth_date"] = _("出生日期不能晚于今天。")
        if self.branch_id and not self.branch.is_branch:
            errors["branch"] = _("党员须编入党支部（党支部、联合党支部或临时党支部）。")
        if self.party_group_id and self.branch_id and self.party_group.parent_path != self.branch.path:
            errors["party_group"] = _("所选党小组不属于该党员所在党支部。")
        if self.discipline_from and self.discipline_until and self.discipline_until <= self.discipline_from:
            errors["discipline_until"] = _("留党察看期满日须晚于起始日。")
        if not self.is_active and not self.left_reason:
            errors["left_reason"] = _("出党、转出或去世等离开须填写原因。")
        if errors:
            raise ValidationError(errors)


class MoveKind(models.TextChoices):
    REGISTERED = "registered", _("建档")
    TRANSFER_IN = "transfer_in", _("转入")
    TRANSFER_OUT = "transfer_out", _("转出")
    TRANSFER = "transfer", _("组织关系转接（系统内）")
    INTERNAL = "internal", _("系统内调整")
    GROUP = "group", _("调整党小组")
    LEFT = "left", _("离开")
    RESTORED = "restored", _("恢复在册")


class MembershipMove(models.Model):
    """One move in a member's organizational history; rows are only ever added."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="moves", verbose_name=_("党员"))
    kind = models.CharField(_("类型"), max_length=16, choices=MoveKind.choices)
    from_organization = models.ForeignKey(
        "branches.Organization", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("原组织")
    )
    to_organization = models.ForeignKey(
        "branches.Organization", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("新组织")
    )
    counterpart = models.CharField(_("系统外对方组织"), max_length=120, blank=True)
    letter_no = models.CharField(_("介绍信编号"), max_length=60, blank=True)
    occurred_on = models.DateField(_("日期"))
    note = models.CharField(_("说明"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("组织关系记录")
        verbose_name_plural = _("组织关系记录")
        ordering = ["member", "occurred_on", "id"]

    def __str__(self):
        return f"{self.member} {self.get_kind_display()} {self.occurred_on}"


class PiiAccess(models.Model):
    """Every view of a full 身份证号 and every export carrying personal data: who, when, what."""

    class Action(models.TextChoices):
        VIEW_ID = "view_id", _("查看完整身份证号")
        EXPORT = "export", _("导出含个人信息的名册")
        API = "api", _("接口读取个人信息")
        DUPLICATE = "duplicate", _("身份证号重复提示中显示持有人")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    # One member (viewing a full 身份证号, reading one member by API) ...
    member = models.ForeignKey(Member, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    # ... or, for an API list page, every member of one branch whose data the answer carried: one row per
    # (request, branch) instead of one per member. `organization` is that branch at the time of reading and
    # scopes the row on the log page, as `member`'s branch scopes single-member rows.
    organization = models.ForeignKey("branches.Organization", on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+")
    member_ids = models.JSONField(default=list, blank=True)
    action = models.CharField(max_length=12, choices=Action.choices)
    detail = models.CharField(max_length=200, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("个人信息访问记录")
        verbose_name_plural = _("个人信息访问记录")
        ordering = ["-at"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.user} {self.get_action_display()}"
