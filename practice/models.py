"""Branch practice beyond meetings: 党建品牌, 先锋岗/责任区, study, training, 联系点, honours, notices.

Every model is scoped through an organization's materialized path (`restrict(user, action)`), keeps its
change history (portal.tracking.TrackedModel) and is voided (作废) with a reason instead of deleted.
"""
from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from portal.scoping import RestrictedQuerySet
from portal.tracking import TimestampedModel, UpdatedAtModel, VoidableModel, VoidableQuerySet

ORG = "branches.Organization"
MEMBER = "members.Member"
USER = settings.AUTH_USER_MODEL


class ScopedQuerySet(RestrictedQuerySet):
    scope_path_field = "organization__path"


class RecordQuerySet(VoidableQuerySet, ScopedQuerySet):
    """The voidable practice records' QuerySet: scoped by organization; `.live()` leaves the 作废 ones out."""


class Level(models.TextChoices):
    NATIONAL = "national", _("全国")
    PROVINCIAL = "provincial", _("省部级")
    CITY = "city", _("市级")
    COUNTY = "county", _("区县级")
    SYSTEM = "system", _("系统内")
    UNIT = "unit", _("本单位")


# --- 附件 ------------------------------------------------------------------------------------------
def _attachment_path(instance, filename):
    # The uploaded name is never part of the stored path: a random name; the extension comes from the
    # content type the service detected (services.attachment_add), never from the upload.
    ext = filename.rsplit(".", 1)[-1] if "." in filename else "bin"
    return f"practice/files/{uuid.uuid4().hex[:2]}/{uuid.uuid4().hex}.{ext}"


def _thumb_path(instance, filename):
    return f"practice/thumbs/{uuid.uuid4().hex[:2]}/{uuid.uuid4().hex}.jpg"


class Attachment(TimestampedModel, VoidableModel):
    """A validated file (image or document) belonging to a brand or a notice; served only via a checked view."""

    class Kind(models.TextChoices):
        IMAGE = "image", _("图片")
        DOCUMENT = "document", _("文档")

    brand = models.ForeignKey("Brand", null=True, blank=True, on_delete=models.PROTECT, related_name="attachments")
    notice = models.ForeignKey("Notice", null=True, blank=True, on_delete=models.PROTECT, related_name="attachments")
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    file = models.FileField(_("文件"), upload_to=_attachment_path, max_length=200)
    thumbnail = models.FileField(_("缩略图"), upload_to=_thumb_path, max_length=200, blank=True)
    original_name = models.CharField(_("原文件名"), max_length=200)
    content_type = models.CharField(_("文件类型"), max_length=100)
    size = models.PositiveIntegerField(_("大小（字节）"))
    caption = models.CharField(_("说明"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")


    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(brand__isnull=False, notice__isnull=True) | models.Q(brand__isnull=True, notice__isnull=False)),
                name="attachment_one_owner",
            )
        ]

    def __str__(self):
        return self.original_name

    def get_absolute_url(self):
        return reverse("practice:attachment", args=[self.pk])

    @property
    def is_image(self) -> bool:
        return self.kind == self.Kind.IMAGE


# --- 党建品牌 ---------------------------------------------------------------------------------------
class Brand(TimestampedModel, VoidableModel):
    organization = models.ForeignKey(ORG, on_delete=models.PROTECT, related_name="brands", verbose_name=_("党组织"))
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name=_("上级品牌（1+N）")
    )
    name = models.CharField(_("品牌名称"), max_length=80)
    slogan = models.CharField(_("品牌口号"), max_length=120, blank=True)
    meaning = models.TextField(_("品牌内涵"), blank=True)
    tied_work = models.TextField(_("结合的业务工作"), blank=True)
    launched_on = models.DateField(_("创建日期"))

    objects = RecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("党建品牌")
        verbose_name_plural = _("党建品牌")
        ordering = ["organization__path", "name"]
        indexes = [models.Index(fields=["organization", "is_voided"], name="brand_org_active")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("practice:brand_detail", args=[self.pk])

    def clean(self):
        if self.parent_id:
            if self.parent_id == self.pk:
                raise ValidationError({"parent": _("品牌不能以自己为上级。")})
            if self.parent.parent_id:
                raise ValidationError({"parent": _("“1+N”品牌矩阵只有两层：所选上级品牌本身是子品牌。")})
            if self.organization_id and not self.organization.path.startswith(self.parent.organization.path):
                raise ValidationError({"parent": _("子品牌须属于上级品牌所在组织或其下级组织。")})


class RecognitionQuerySet(RecordQuerySet):
    scope_path_field = "brand__organization__path"


class BrandRecognition(TimestampedModel, VoidableModel):
    """A recognition a brand received (优秀党建品牌, 特色品牌...)."""

    brand = models.ForeignKey(Brand, on_delete=models.PROTECT, related_name="recognitions", verbose_name=_("党建品牌"))
    title = models.CharField(_("称号"), max_length=80, help_text=_("如：优秀党建品牌、特色品牌"))
    level = models.CharField(_("级别"), max_length=12, choices=Level.choices)
    awarded_on = models.DateField(_("认定日期"))
    issuer = models.CharField(_("认定单位"), max_length=80, blank=True)

    objects = RecognitionQuerySet.as_manager()

    class Meta:
        verbose_name = _("品牌荣誉")
        verbose_name_plural = _("品牌荣誉")
        ordering = ["-awarded_on", "id"]
        indexes = [models.Index(fields=["awarded_on"], name="brandrec_awarded")]

    def __str__(self):
        return f"{self.brand} · {self.title}"


class BrandSelectionRound(TimestampedModel, VoidableModel):
    """A brand showcase or selection (评选) run by staff over their subtree: entries, scores, results."""

    class Status(models.TextChoices):
        OPEN = "open", _("报名中")
        SCORING = "scoring", _("评分中")
        CLOSED = "closed", _("已公布结果")

    organization = models.ForeignKey(ORG, on_delete=models.PROTECT, related_name="+", verbose_name=_("组织单位"))
    name = models.CharField(_("评选名称"), max_length=120)
    year = models.PositiveSmallIntegerField(_("年度"))
    award_title = models.CharField(_("授予称号"), max_length=80, default="优秀党建品牌")
    award_count = models.PositiveSmallIntegerField(_("评出数量"), default=3, validators=[MinValueValidator(1)])
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    closed_on = models.DateField(_("结果公布日期"), null=True, blank=True)

    objects = RecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("品牌评选")
        verbose_name_plural = _("品牌评选")
        ordering = ["-year", "-id"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("practice:round_detail", args=[self.pk])


class EntryQuerySet(RestrictedQuerySet):
    scope_path_field = "round__organization__path"


class BrandEntry(TimestampedModel):
    round = models.ForeignKey(BrandSelectionRound, on_delete=models.PROTECT, related_name="entries", verbose_name=_("评选"))
    brand = models.ForeignKey(Brand, on_delete=models.PROTECT, related_name="entries", verbose_name=_("参评品牌"))
    statement = models.TextField(_("申报材料摘要"), blank=True)
    average_score = models.DecimalField(_("平均分"), max_digits=5, decimal_places=2, null=True, blank=True)
    rank = models.PositiveSmallIntegerField(_("名次"), null=True, blank=True)
    awarded = models.BooleanField(_("获评"), default=False)

    objects = EntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("参评品牌")
        verbose_name_plural = _("参评品牌")
        ordering = ["rank", "id"]
        constraints = [models.UniqueConstraint(fields=["round", "brand"], name="entry_once_per_round")]

    def __str__(self):
        return f"{self.round} · {self.brand}"


class BrandScore(UpdatedAtModel):
    entry = models.ForeignKey(BrandEntry, on_delete=models.CASCADE, related_name="scores", verbose_name=_("参评品牌"))
    judge = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("评委"))
    score = models.DecimalField(_("得分"), max_digits=5, decimal_places=2,
                                validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))])
    comment = models.CharField(_("评语"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("评分")
        verbose_name_plural = _("评分")
        constraints = [models.UniqueConstraint(fields=["entry", "judge"], name="score_once_per_judge")]

    def __str__(self):
        return f"{self.judge} → {self.entry}: {self.score}"


# --- 党员先锋岗 / 党员责任区 ---------------------------------------------------------------------------
class PostKind(models.TextChoices):
    POST = "post", _("党员先锋岗")
    AREA = "area", _("党员责任区")


class VanguardPost(TimestampedModel, VoidableModel):
    """A 党员先锋岗 (a post, the 点) or a 党员责任区 (an area, the 面) with its holders and public 承诺."""

    organization = models.ForeignKey(ORG, on_delete=models.PROTECT, related_name="vanguard_posts", verbose_name=_("党支部"))
    kind = models.CharField(_("类型"), max_length=8, choices=PostKind.choices, default=PostKind.POST)
    name = models.CharField(_("名称"), max_length=80)
    scope = models.TextField(_("岗位职责/责任区范围"), blank=True)
    holders = models.ManyToManyField(MEMBER, related_name="vanguard_posts", verbose_name=_("党员"), blank=True)
    commitment = models.TextField(_("公开承诺"), blank=True)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"), null=True, blank=True)

    objects = RecordQuerySet.as_manager()
    history_m2m_fields = ["holders"]

    class Meta:
        verbose_name = _("党员先锋岗/责任区")
        verbose_name_plural = _("党员先锋岗/责任区")
        ordering = ["organization__path", "kind", "name"]
        indexes = [models.Index(fields=["organization", "kind", "starts_on"], name="post_org_kind")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("practice:post_detail", args=[self.pk])

    def clean(self):
        if self.ends_on and self.starts_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("结束日期不能早于开始日期。")})


class _AreaManager(models.Manager):
    def get_queryset(self):
        return RecordQuerySet(self.model, using=self._db).filter(kind=PostKind.AREA)


class ResponsibilityArea(VanguardPost):
    """党员责任区: the same table as 先锋岗, kind=area."""

    objects = _AreaManager()

    class Meta:
        proxy = True
        verbose_name = _("党员责任区")
        verbose_name_plural = _("党员责任区")


class PostResult(TimestampedModel):
    """Results a post or area reported (亮成效)."""

    post = models.ForeignKey(VanguardPost, on_delete=models.PROTECT, related_name="results", verbose_name=_("先锋岗/责任区"))
    reported_on = models.DateField(_("报告日期"))
    summary = models.TextField(_("成效"))
    reported_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("岗区成效")
        verbose_name_plural = _("岗区成效")
        ordering = ["-reported_on", "-id"]

    def __str__(self):
        return f"{self.post} {self.reported_on}"


# --- 学习 --------------------------------------------------------------------------------------------
class StudySource(models.TextChoices):
    XUEXI = "xuexi", _("学习强国")
    BOOK = "book", _("书籍")
    COLLECTIVE = "collective", _("集中学习")
    ONLINE = "online", _("网络培训")
    RED_BASE = "red_base", _("红色教育基地")
    OTHER = "other", _("其他")


class StudyRecordQuerySet(RecordQuerySet):
    def visible_to(self, user):
        """Scoped records plus the user's own (a member sees her own records without a role)."""
        if not user.is_authenticated:
            return self.none()
        return (self.restrict(user, "view") | self.filter(member__user=user)).distinct()


class StudyRecord(TimestampedModel, VoidableModel):
    """One member's individual study; `organization` is the member's branch when recorded (scoping)."""

    member = models.ForeignKey(MEMBER, on_delete=models.PROTECT, related_name="study_records", verbose_name=_("党员"))
    organization = models.ForeignKey(ORG, on_delete=models.PROTECT, related_name="+", verbose_name=_("党支部"))
    studied_on = models.DateField(_("学习日期"))
    topic = models.CharField(_("学习内容"), max_length=120)
    hours = models.DecimalField(_("学时"), max_digits=4, decimal_places=1,
                                validators=[MinValueValidator(Decimal("0.5")), MaxValueValidator(Decimal("24"))])
    source = models.CharField(_("学习方式"), max_length=12, choices=StudySource.choices)
    notes = models.TextField(_("心得笔记"), blank=True)
    recorded_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")

    objects = StudyRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("学习记录")
        verbose_name_plural = _("学习记录")
        ordering = ["-studied_on", "-id"]
        indexes = [
            models.Index(fields=["organization", "studied_on"], name="study_org_date"),
            models.Index(fields=["member", "studied_on"], name="study_member_date"),
        ]

    def __str__(self):
        return f"{self.member} {self.studied_on} {self.topic}"

    def get_absolute_url(self):
        return reverse("practice:study_edit", args=[self.pk])


class KnowledgeContest(TimestampedModel, VoidableModel):
    organization = models.ForeignKey(ORG, on_delete=models.PROTECT, related_name="+", verbose_name=_("组织单位"))
    name = models.CharField(_("竞赛名称"), max_length=120)
    held_on = models.DateField(_("举办日期"))
    level = models.CharField(_("级别"), max_length=12, choices=Level.choices, default=Level.UNIT)
    description = models.TextField(_("说明"), blank=True)

    objects = RecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("知识竞赛")
        verbose_name_plural = _("知识竞赛")
        ordering = ["-held_on", "-id"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("practice:contest_detail", args=[self.pk])


class ContestResult(UpdatedAtModel):
    contest = models.ForeignKey(KnowledgeContest, on_delete=models.PROTECT, related_name="results", verbose_name=_("竞赛"))
    member = models.ForeignKey(MEMBER, on_delete=models.PROTECT, related_name="contest_results", verbose_name=_("党员"))
    score = models.DecimalField(_("成绩"), max_digits=6, decimal_places=1, null=True, blank=True)
    award = models.CharField(_("获奖"), max_length=40, blank=True, help_text=_("如：一等奖、学习标兵"))

    class Meta:
        verbose_name = _("竞赛成绩")
        verbose_name_plural = _("竞赛成绩")
        ordering = ["-score", "id"]
        constraints = [models.UniqueConstraint(fields=["contest", "member"], name="contest_result_once")]

    def __str__(self):
        return f"{self.contest} · {self.member}: {self.score}"


class StudyPlan(TimestampedModel, VoidableModel):
    """学习排档表: a branch's study plan for a year."""

    organization = models.ForeignKey(ORG, on_delete=models.PROTECT, related_name="study_plans", verbose_name=_("党支部"))
    year = models.PositiveSmallIntegerField(_("年度"))
    title = models.CharField(_("名称"), max_length=120, blank=True)

    objects = RecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("学习排档表")
        verbose_name_plural = _("学习排档表")
        ordering = ["-year", "organization__path"]
        constraints = [models.UniqueConstraint(fields=["organization", "year"], name="study_plan_once_per_year")]

    def __str__(self):
        return self.title or _("{org} {year} 年学习排档表").format(org=self.organization, year=self.year)

    def get_absolute_url(self):
        return reverse("practice:plan_detail", args=[self.pk])


class StudyPlanItem(UpdatedAtModel):
    plan = models.ForeignKey(StudyPlan, on_delete=models.CASCADE, related_name="items", verbose_name=_("排档表"))
    planned_on = models.DateField(_("计划日期"))
    topic = models.CharField(_("学习专题"), max_length=160)
    form = models.CharField(_("形式"), max_length=40, blank=True, help_text=_("如：集中学习、专题研讨、读书班"))
    done_on = models.DateField(_("完成日期"), null=True, blank=True)
    note = models.CharField(_("完成情况"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("排档事项")
        verbose_name_plural = _("排档事项")
        ordering = ["planned_on", "id"]

    def __str__(self):
        return f"{self.planned_on} {self.topic}"


# --- 培训 --------------------------------------------------------------------------------------------
class TrainingKind(models.TextChoices):
    SECRETARY = "secretary", _("党支部书记培训")
    STAFF = "staff", _("党务干部培训")
    CANDIDATE = "candidate", _("发展对象培训")
    MEMBER = "member", _("党员教育培训")


class TrainingCourse(TimestampedModel, VoidableModel):
    organization = models.ForeignKey(ORG, on_delete=models.PROTECT, related_name="+", verbose_name=_("主办组织"))
    name = models.CharField(_("培训名称"), max_length=120)
    kind = models.CharField(_("培训类别"), max_length=12, choices=TrainingKind.choices)
    hours = models.DecimalField(_("学时"), max_digits=5, decimal_places=1, validators=[MinValueValidator(Decimal("0.5"))])
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    location = models.CharField(_("地点/方式"), max_length=80, blank=True)

    objects = RecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("培训班")
        verbose_name_plural = _("培训班")
        ordering = ["-starts_on", "-id"]
        indexes = [models.Index(fields=["kind", "ends_on"], name="course_kind_end")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("practice:course_detail", args=[self.pk])

    def clean(self):
        if self.ends_on and self.starts_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("结束日期不能早于开始日期。")})


class TrainingAttendance(UpdatedAtModel):
    course = models.ForeignKey(TrainingCourse, on_delete=models.PROTECT, related_name="attendances", verbose_name=_("培训班"))
    member = models.ForeignKey(MEMBER, on_delete=models.PROTECT, related_name="trainings", verbose_name=_("学员"))
    attended = models.BooleanField(_("参训"), default=True)
    completed = models.BooleanField(_("结业"), default=False)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("参训记录")
        verbose_name_plural = _("参训记录")
        ordering = ["member__name", "id"]
        constraints = [models.UniqueConstraint(fields=["course", "member"], name="attendance_once_per_course")]

    def __str__(self):
        return f"{self.course} · {self.member}"

    def clean(self):
        if self.completed and not self.attended:
            raise ValidationError({"completed": _("未参训不能结业。")})


# --- 党建联系点 --------------------------------------------------------------------------------------
DEFAULT_MIN_CONTACT_VISITS = 2  # per branch per year unless a ContactVisitRule says otherwise


class ContactVisitRule(UpdatedAtModel):
    """How many 联系点 visits each branch under `organization` needs per year; the nearest rule applies."""

    organization = models.OneToOneField(ORG, on_delete=models.PROTECT, related_name="+", verbose_name=_("适用组织（含下级）"))
    min_visits_per_year = models.PositiveSmallIntegerField(_("每年最少走访次数"), default=DEFAULT_MIN_CONTACT_VISITS,
                                                           validators=[MinValueValidator(1), MaxValueValidator(52)])

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("联系点走访要求")
        verbose_name_plural = _("联系点走访要求")

    def __str__(self):
        return _("{org} 每年 {n} 次").format(org=self.organization, n=self.min_visits_per_year)


class ContactPoint(TimestampedModel, VoidableModel):
    """党建联系点: a committee member assigned to a branch for a year (a login account and/or a member record)."""

    organization = models.ForeignKey(ORG, on_delete=models.PROTECT, related_name="contact_points", verbose_name=_("联系党支部"))
    year = models.PositiveSmallIntegerField(_("年度"))
    contact_user = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="contact_points",
                                     verbose_name=_("联系人（账号）"))
    contact_member = models.ForeignKey(MEMBER, null=True, blank=True, on_delete=models.PROTECT, related_name="contact_points",
                                       verbose_name=_("联系人（党员）"))
    contact_title = models.CharField(_("联系人职务"), max_length=60, blank=True, help_text=_("如：党委委员、组织委员"))

    objects = RecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("党建联系点")
        verbose_name_plural = _("党建联系点")
        ordering = ["-year", "organization__path"]
        indexes = [models.Index(fields=["organization", "year"], name="contact_org_year")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(contact_user__isnull=False) | models.Q(contact_member__isnull=False),
                name="contact_has_person",
            )
        ]

    def __str__(self):
        return f"{self.organization} {self.year} · {self.contact_name}"

    def get_absolute_url(self):
        return reverse("practice:contact_detail", args=[self.pk])

    @property
    def contact_name(self) -> str:
        if self.contact_member_id:
            return self.contact_member.name
        u = self.contact_user
        return (u.get_full_name() or u.get_username()) if u else "—"


class VisitQuerySet(RecordQuerySet):
    scope_path_field = "contact_point__organization__path"


class ContactVisit(TimestampedModel, VoidableModel):
    contact_point = models.ForeignKey(ContactPoint, on_delete=models.PROTECT, related_name="visits", verbose_name=_("联系点"))
    visited_on = models.DateField(_("走访日期"))
    checked = models.TextField(_("检查内容"), help_text=_("如：三会一课记录、党费收缴、阵地建设"))
    findings = models.TextField(_("发现问题"), blank=True)
    recorded_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")

    objects = VisitQuerySet.as_manager()

    class Meta:
        verbose_name = _("联系点走访")
        verbose_name_plural = _("联系点走访")
        ordering = ["-visited_on", "-id"]
        indexes = [models.Index(fields=["visited_on"], name="visit_date")]

    def __str__(self):
        return f"{self.contact_point} {self.visited_on}"


class ContactFinding(TimestampedModel):
    """A problem found on a visit that must be rectified; linked to an evaluations 整改 item when created."""

    visit = models.ForeignKey(ContactVisit, on_delete=models.PROTECT, related_name="finding_items", verbose_name=_("走访"))
    problem = models.TextField(_("问题"))
    requirement = models.TextField(_("整改要求"))
    due_on = models.DateField(_("整改时限"))
    responsible_person = models.CharField(_("整改责任人"), max_length=40)
    rectification_id = models.PositiveBigIntegerField(_("整改事项编号"), null=True, blank=True)
    pending_rectification = models.BooleanField(_("待转整改"), default=True,
                                                help_text=_("整改模块未就绪或转办失败时保留，稍后重试。"))

    class Meta:
        verbose_name = _("走访发现问题")
        verbose_name_plural = _("走访发现问题")
        ordering = ["id"]

    def __str__(self):
        return self.problem[:40]


# --- 荣誉 --------------------------------------------------------------------------------------------
class HonourKind(models.TextChoices):
    EXCELLENT_MEMBER = "excellent_member", _("优秀共产党员")
    EXCELLENT_WORKER = "excellent_worker", _("优秀党务工作者")
    ADVANCED_ORG = "advanced_org", _("先进基层党组织")
    RED_FLAG = "red_flag", _("红旗党支部")
    FOUR_STRONG = "four_strong", _("“四强”党支部")
    FIVE_STAR = "five_star", _("五星党员")
    OTHER_MEMBER = "other_member", _("其他个人荣誉")
    OTHER_ORG = "other_org", _("其他集体荣誉")


MEMBER_HONOURS = {HonourKind.EXCELLENT_MEMBER, HonourKind.EXCELLENT_WORKER, HonourKind.FIVE_STAR,
                  HonourKind.OTHER_MEMBER}
# Titles a programme designates (programmes/): the Honour row IS the title, with its validity and revocation.
PROGRAMME_HONOURS = {HonourKind.FOUR_STRONG, HonourKind.RED_FLAG, HonourKind.FIVE_STAR}


class HonourQuerySet(RecordQuerySet):
    def current(self, today=None):
        """Titles in force on `today`: not voided, not revoked, started, not expired (no end date = no expiry)."""
        from django.db.models import Q
        from django.utils import timezone

        today = today or timezone.localdate()
        return self.filter(is_voided=False, revoked_on__isnull=True).filter(
            Q(awarded_on__isnull=True) | Q(awarded_on__lte=today)).filter(
            Q(valid_until__isnull=True) | Q(valid_until__gte=today))


class Honour(TimestampedModel, VoidableModel):
    """两优一先 and other honours, for a member or an organization; `organization` also scopes member honours."""

    kind = models.CharField(_("荣誉类别"), max_length=20, choices=HonourKind.choices)
    title = models.CharField(_("荣誉名称"), max_length=120, blank=True, help_text=_("留空则用荣誉类别"))
    level = models.CharField(_("级别"), max_length=12, choices=Level.choices)
    year = models.PositiveSmallIntegerField(_("年度"))
    awarded_on = models.DateField(_("授予日期"), null=True, blank=True)
    issuer = models.CharField(_("授予单位"), max_length=80, blank=True)
    citation = models.TextField(_("事迹简介"), blank=True)
    member = models.ForeignKey(MEMBER, null=True, blank=True, on_delete=models.PROTECT, related_name="honours",
                               verbose_name=_("获奖党员"))
    organization = models.ForeignKey(ORG, on_delete=models.PROTECT, related_name="honours", verbose_name=_("组织"))
    # Validity of a designated title (命名): from awarded_on to valid_until; empty = no expiry (ordinary honours).
    valid_until = models.DateField(_("有效期至"), null=True, blank=True)
    designated_by = models.ForeignKey(ORG, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                      verbose_name=_("命名单位"), help_text=_("门户内的命名党组织；上级机关命名时见“授予单位”。"))
    revoked_on = models.DateField(_("摘牌日期"), null=True, blank=True)
    revoke_reason = models.TextField(_("摘牌原因"), blank=True)
    expiry_reminded_on = models.DateField(_("到期提醒日期"), null=True, blank=True)

    objects = HonourQuerySet.as_manager()

    class Meta:
        verbose_name = _("荣誉")
        verbose_name_plural = _("荣誉")
        ordering = ["-year", "kind", "id"]
        indexes = [models.Index(fields=["organization", "year"], name="honour_org_year")]

    def __str__(self):
        return f"{self.display_title} {self.year}"

    @property
    def display_title(self) -> str:
        return self.title or self.get_kind_display()

    @property
    def for_member(self) -> bool:
        return self.kind in MEMBER_HONOURS

    def is_current(self, today=None) -> bool:
        from django.utils import timezone

        today = today or timezone.localdate()
        return (not self.is_voided and self.revoked_on is None and (self.awarded_on is None or self.awarded_on <= today)
                and (self.valid_until is None or self.valid_until >= today))

    def clean(self):
        if self.kind in MEMBER_HONOURS and not self.member_id:
            raise ValidationError({"member": _("个人荣誉须选择获奖党员。")})
        if self.kind not in MEMBER_HONOURS and self.member_id:
            raise ValidationError({"member": _("集体荣誉不选择党员。")})


# --- 通知公告 ----------------------------------------------------------------------------------------
class Audience(models.TextChoices):
    ALL = "all", _("范围内全部人员")
    STAFF = "staff", _("党务工作人员")
    SECRETARIES = "secretaries", _("党支部书记")
    MEMBERS = "members", _("党员")


class Notice(TimestampedModel, VoidableModel):
    """A notice from staff to everyone (or one role) in a subtree; recipients see it on their home page."""

    organization = models.ForeignKey(ORG, on_delete=models.PROTECT, related_name="+", verbose_name=_("发布范围（含下级）"))
    audience = models.CharField(_("发送对象"), max_length=12, choices=Audience.choices, default=Audience.ALL)
    title = models.CharField(_("标题"), max_length=120)
    body = models.TextField(_("正文"))
    published_at = models.DateTimeField(_("发布时间"), db_index=True)
    published_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("发布人"))

    objects = RecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("通知公告")
        verbose_name_plural = _("通知公告")
        ordering = ["-published_at", "-id"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("practice:notice_detail", args=[self.pk])


class NoticeReceipt(models.Model):
    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="receipts")
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="notice_receipts")
    read_at = models.DateTimeField(_("阅读时间"))

    class Meta:
        verbose_name = _("阅读回执")
        verbose_name_plural = _("阅读回执")
        constraints = [models.UniqueConstraint(fields=["notice", "user"], name="receipt_once")]

    def __str__(self):
        return _("{user} 已读 {notice}").format(user=self.user, notice=self.notice)
