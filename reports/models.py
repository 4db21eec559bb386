"""Report jobs: who asked for which document of which organization and period, and where the file is."""
from __future__ import annotations

import re

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from portal.scoping import RestrictedQuerySet
from portal.tracking import UpdatedAtModel


class ReportKind(models.TextChoices):
    BRANCH_MONTHLY = "branch-monthly", _("月度组织生活情况")
    BRANCH_QUARTERLY = "branch-quarterly", _("季度组织生活情况")
    BRANCH_ANNUAL = "branch-annual", _("年度党支部工作报告")
    SECRETARY_DUTY = "secretary-duty", _("书记抓党建述职报告")
    COMMITTEE_FOUR_STRONG = "committee-four-strong", _("四强党支部建设工作汇报")


def document_title(kind: str, period) -> str:
    """A report's title as printed on its cover, for file names too ("2026年度党支部工作报告", never "年度年度")."""
    if kind in (ReportKind.BRANCH_MONTHLY, ReportKind.BRANCH_QUARTERLY):
        return f"{period.label}组织生活情况报告"
    if kind == ReportKind.BRANCH_ANNUAL:
        return f"{period.year}年度党支部工作报告"
    if kind == ReportKind.SECRETARY_DUTY:
        return f"{period.year}年度党支部书记抓党建工作述职报告"
    return f"{period.year}年度四强党支部建设工作汇报"


BRANCH_REPORT_KINDS = (ReportKind.BRANCH_MONTHLY, ReportKind.BRANCH_QUARTERLY, ReportKind.BRANCH_ANNUAL,
                       ReportKind.SECRETARY_DUTY)
COMMITTEE_REPORT_KINDS = (ReportKind.COMMITTEE_FOUR_STRONG,)
# Which period granularity each kind is written for: "month" 2025-09, "quarter" 2025-Q3, "year" 2025.
KIND_PERIOD = {
    ReportKind.BRANCH_MONTHLY: "month",
    ReportKind.BRANCH_QUARTERLY: "quarter",
    ReportKind.BRANCH_ANNUAL: "year",
    ReportKind.SECRETARY_DUTY: "year",
    ReportKind.COMMITTEE_FOUR_STRONG: "year",
}


class ReportFormat(models.TextChoices):
    PDF = "pdf", "PDF"
    XLSX = "xlsx", "Excel (XLSX)"
    DOCX = "docx", "Word (DOCX)"


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("生成中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


ACTIVE_STATUSES = (JobStatus.QUEUED, JobStatus.RUNNING)


class ReportJobQuerySet(RestrictedQuerySet):
    scope_path_field = "organization__path"

    def active(self):
        return self.filter(status__in=ACTIVE_STATUSES)


# What workers write to ReportJob.stage: stored in Chinese (services compare it), shown through the catalog.
JOB_STAGES = (
    gettext_noop("排队等待"), gettext_noop("队列暂不可用，恢复后自动生成"), gettext_noop("开始生成"), gettext_noop("失败"),
    gettext_noop("分支部统计中"), gettext_noop("汇总排版"), gettext_noop("排版生成文件"), gettext_noop("保存文件"),
    gettext_noop("已完成"), gettext_noop("汇总全体党支部数据"), gettext_noop("整理报告内容"),
    gettext_noop("读取组织生活记录"), gettext_noop("读取党员与班子情况"), gettext_noop("读取党员、班子与评星结果"),
    gettext_noop("读取党建实践记录"), gettext_noop("整理整改与计划"), gettext_noop("读取支部工作数据"),
    gettext_noop("整理述职提纲"), gettext_noop("生成中断，已自动重新排队"),
)
PARTS_STAGE = re.compile(r"^分支部统计 (\d+)/(\d+)$")


def stage_label(stage: str) -> str:
    """The stored (Chinese) progress step in the active language."""
    m = PARTS_STAGE.match(stage)
    if m:
        return gettext("分支部统计 {done}/{total}").format(done=m.group(1), total=m.group(2))
    return gettext(stage) if stage else ""


class ReportJob(models.Model):
    """One request for one document. A regeneration is a new job, so the list doubles as the audit trail
    (which is why the job has no simple-history table: it is itself a log; state changes are conditional
    UPDATEs from workers)."""

    kind = models.CharField(_("报告类型"), max_length=32, choices=ReportKind.choices)
    organization = models.ForeignKey("branches.Organization", on_delete=models.PROTECT, related_name="report_jobs",
                                     verbose_name=_("党组织"))
    period = models.CharField(_("期间"), max_length=8, help_text=_("2025、2025-Q3 或 2025-09"))
    format = models.CharField(_("格式"), max_length=8, choices=ReportFormat.choices, default=ReportFormat.PDF)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+", verbose_name=_("申请人"))
    scheduled = models.BooleanField(_("定时生成"), default=False)
    schedule_name = models.CharField(_("定时任务"), max_length=200, blank=True)
    requested_for = models.CharField(_("报送对象"), max_length=200, blank=True,
                                     help_text=_("定时任务生成时记录为谁生成（例如该支部书记）。"))
    status = models.CharField(_("状态"), max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED,
                              db_index=True)
    progress = models.PositiveSmallIntegerField(_("进度（%）"), default=0)
    stage = models.CharField(_("当前步骤"), max_length=60, blank=True)
    parts_total = models.PositiveIntegerField(_("分项任务数"), default=0)
    summary_queued = models.BooleanField(_("已排队汇总"), default=False, editable=False)
    fingerprint = models.CharField(_("数据指纹"), max_length=64, blank=True, db_index=True)
    file = models.FileField(_("文件"), upload_to="reports/", max_length=255, blank=True)
    checksum = models.CharField("SHA-256", max_length=64, blank=True)
    size = models.PositiveBigIntegerField(_("文件大小（字节）"), null=True, blank=True)
    page_count = models.PositiveIntegerField(_("页数"), null=True, blank=True)
    error = models.TextField(_("失败原因"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("执行次数"), default=0)
    # Written every REPORTS_HEARTBEAT_SECONDS by the task running the job; a stale one means the worker died.
    heartbeat_at = models.DateTimeField(_("最近心跳"), null=True, blank=True)
    stalls = models.PositiveSmallIntegerField(_("中断次数"), default=0)
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    collect_ms = models.PositiveIntegerField(_("取数耗时（毫秒）"), null=True, blank=True)
    render_ms = models.PositiveIntegerField(_("排版耗时（毫秒）"), null=True, blank=True)

    objects = ReportJobQuerySet.as_manager()

    class Meta:
        verbose_name = _("报告任务")
        verbose_name_plural = _("报告任务")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["organization", "kind", "period", "format", "status"], name="report_job_lookup"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(progress__lte=100), name="report_job_progress_range"),
        ]

    def __str__(self):
        return f"{self.organization} {self.period} {self.get_kind_display()}（{self.get_format_display()}）"

    def get_absolute_url(self):
        return reverse("reports:job", args=[self.pk])

    @property
    def stage_display(self) -> str:
        return stage_label(self.stage)

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def is_done(self) -> bool:
        return self.status == JobStatus.DONE and bool(self.file)

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None

    @property
    def download_name(self) -> str:
        from .periods import ReportPeriod

        return f"{self.organization.name}{document_title(self.kind, ReportPeriod.parse(self.period))}.{self.format}"


class ReportPart(models.Model):
    """Figures for one branch of a committee report, written by the fan-out tasks (one row per branch and job)."""

    job = models.ForeignKey(ReportJob, on_delete=models.CASCADE, related_name="parts")
    organization = models.ForeignKey("branches.Organization", on_delete=models.CASCADE, related_name="+")
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("报告分项")
        verbose_name_plural = _("报告分项")
        constraints = [models.UniqueConstraint(fields=["job", "organization"], name="report_part_once")]

    def __str__(self):
        return f"{self.job_id}/{self.organization_id}"


class ReportPlanQuerySet(RestrictedQuerySet):
    scope_path_field = "organization__path"


class ReportPlan(UpdatedAtModel):
    """What the secretary writes before generating: next year's plan (and optional highlights) of a branch."""

    organization = models.ForeignKey("branches.Organization", on_delete=models.PROTECT, related_name="report_plans",
                                      verbose_name=_("党组织"))
    year = models.PositiveSmallIntegerField(_("报告年度"))
    highlights = models.TextField(_("年度工作亮点（可选）"), blank=True,
                                  help_text=_("写入报告“基本情况”之后；每段一行。"))
    next_year_plan = models.TextField(_("下一年度工作计划"), blank=True, help_text=_("每条一行，写入报告最后一节。"))
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")

    objects = ReportPlanQuerySet.as_manager()

    class Meta:
        verbose_name = _("报告填报内容")
        verbose_name_plural = _("报告填报内容")
        constraints = [models.UniqueConstraint(fields=["organization", "year"], name="report_plan_once")]

    def __str__(self):
        return _("{org} {year}年度报告填报").format(org=self.organization, year=self.year)

    def plan_lines(self) -> list[str]:
        return [line.strip() for line in self.next_year_plan.splitlines() if line.strip()]

    def highlight_lines(self) -> list[str]:
        return [line.strip() for line in self.highlights.splitlines() if line.strip()]
