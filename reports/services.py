"""Writes on report jobs: request, run, fan out, render, fail. Tasks call these with ids; views with objects."""
from __future__ import annotations

import errno
import logging
import math
import time
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Greatest
from django.template import TemplateDoesNotExist, TemplateSyntaxError
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from notifications.services import message_send
from portal.queue import send_fast
from portal.scoping import CHANGE, can
from portal.xlsx import write_workbook

from . import sources
from .builders.branch import BuildContext, build_branch_annual, build_branch_periodic, build_secretary_duty
from .builders.committee import build_committee, collect_parts
from .builders.document import Document, sheets
from .models import (
    BRANCH_REPORT_KINDS,
    COMMITTEE_REPORT_KINDS,
    KIND_PERIOD,
    JobStatus,
    ReportFormat,
    ReportJob,
    ReportKind,
    ReportPart,
    ReportPlan,
)
from .periods import parse_for_kind
from .storage import job_file_name, scratch_file, store

logger = logging.getLogger(__name__)

# Bump when templates or builders change what a report contains, so old files are not returned as current.
REPORT_VERSION = "2026.1"
PDF_TEMPLATE = "reports/pdf/report.html"
FANOUT_MAX_TASKS = 64  # one task per branch up to this many branches; beyond, branches are chunked evenly

KIND_NOT_FOR_BRANCH = _("“{kind}”只能为党支部生成。")
KIND_NOT_FOR_COMMITTEE = _("“{kind}”只能为基层党委或党总支生成。")
DISSOLVED = _("该组织已撤销，不能生成报告。")
NOT_ALLOWED = _("您无权为该组织生成报告。")
TEMPLATE_ERROR = _("报告模板有误，无法排版：{detail}")
TIMEOUT_ERROR = _("生成超时（超过 {seconds} 秒），请稍后重试或联系管理员。")
RETRIES_EXHAUSTED = _("多次重试后仍未成功：{detail}")
INTERNAL_ERROR = _("生成失败：{detail}")
STORAGE_ERROR = _("存储空间不足或不可写，报告文件未保存（未留下不完整的文件）；请联系管理员处理后点“重新生成”。（{detail}）")


def validate_request(*, organization, kind: str, period: str) -> str:
    """The normalized period key, or ValidationError with Chinese field messages."""
    errors = {}
    if kind not in ReportKind.values:
        errors["kind"] = gettext("请选择报告类型。")
    else:
        label = ReportKind(kind).label
        if kind in BRANCH_REPORT_KINDS and not organization.is_branch:
            errors["kind"] = KIND_NOT_FOR_BRANCH.format(kind=label)
        if kind in COMMITTEE_REPORT_KINDS and organization.kind not in ("committee", "general_branch"):
            errors["kind"] = KIND_NOT_FOR_COMMITTEE.format(kind=label)
    if not organization.is_active:
        errors["organization"] = DISSOLVED
    key = period
    if kind in ReportKind.values:
        try:
            key = parse_for_kind(period, KIND_PERIOD[kind]).key
        except ValueError as exc:
            errors["period"] = str(exc)
    if errors:
        raise ValidationError(errors)
    return key


@dataclass
class RequestResult:
    job: ReportJob
    created: bool
    reused: bool  # an earlier finished file for the same data was returned
    queued: bool = True  # False: the queue (Redis) was unreachable; the job waits and is sent when it is back


QUEUE_WAITING = "队列暂不可用，恢复后自动生成"


def report_request(*, organization, kind: str, period: str, fmt: str = ReportFormat.PDF, user=None,
                   regenerate: bool = False, scheduled: bool = False, schedule_name: str = "",
                   requested_for: str = "", action: str = CHANGE, data_state: list[str] | None = None
                   ) -> RequestResult:
    """Ask for a report. Same org/kind/period/format and unchanged data -> the existing file (unless
    `regenerate`); one already queued or running -> that job. Otherwise a new job, queued after commit.

    People need CHANGE on the organization (staff, secretaries); API clients holding the "reports" grant
    ask with action=VIEW (an agency reads, and requests reports of, its subtree). `data_state`: the organization's
    sources.data_state, when the caller asks for several formats at once (read once)."""
    if user is not None and not can(user, action, organization.path):
        raise ValidationError({"organization": NOT_ALLOWED})
    if fmt not in ReportFormat.values:
        raise ValidationError({"format": gettext("格式应为 pdf 或 xlsx。")})
    key = validate_request(organization=organization, kind=kind, period=period)
    fingerprint = sources.data_fingerprint(org=organization, kind=kind, period=key, fmt=fmt, version=REPORT_VERSION,
                                           state=data_state)
    same = ReportJob.objects.filter(organization=organization, kind=kind, period=key, format=fmt)
    stalled = same.filter(stalled_q()).values_list("pk", flat=True).first()
    if stalled is not None:   # asking again for a job whose worker died is allowed: it is requeued now
        report_requeue_stalled(job_id=stalled)
        job = ReportJob.objects.get(pk=stalled)
        if job.status == JobStatus.QUEUED:
            return RequestResult(job, created=True, reused=False, queued=job.stage != QUEUE_WAITING)
    with transaction.atomic():
        active = same.active().select_for_update().first()
        if active is not None:
            return RequestResult(active, created=False, reused=False)
        if not regenerate:
            done = same.filter(status=JobStatus.DONE, fingerprint=fingerprint).exclude(file="").first()
            if done is not None:
                return RequestResult(done, created=False, reused=True)
        job = ReportJob.objects.create(
            organization=organization, kind=kind, period=key, format=fmt, fingerprint=fingerprint,
            requested_by=user if user is not None and user.is_authenticated else None, scheduled=scheduled,
            schedule_name=schedule_name, requested_for=requested_for, stage="排队等待")
        transaction.on_commit(lambda: enqueue(job.pk))
    if not transaction.get_connection().in_atomic_block:   # on_commit has run: did the queue take it?
        job.refresh_from_db(fields=["stage"])
    return RequestResult(job, created=True, reused=False, queued=job.stage != QUEUE_WAITING)


def enqueue(job_id: int) -> bool:
    """Send the job to the queue. If the broker is unreachable the job stays queued (stage says so) and
    `requeue_waiting` (beat, every minute) sends it once the broker is back; the request never fails."""
    from .tasks import run_report

    try:
        send_fast(run_report, args=[job_id])   # raises within ~0.5 s when Redis is down (portal/queue.py)
    except Exception as exc:  # kombu/redis connection errors of many kinds
        logger.warning("report queue unavailable, job %s kept for later: %s", job_id, exc)
        ReportJob.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(stage=QUEUE_WAITING)
        return False
    ReportJob.objects.filter(pk=job_id, status=JobStatus.QUEUED, stage=QUEUE_WAITING).update(stage="排队等待")
    return True


def requeue_waiting(*, now=None) -> int:
    """Send again the jobs the queue never took: those marked waiting, and queued ones older than the claim
    lease (a message lost with a Redis restart). Sending twice is harmless: only one delivery claims a job."""
    now = now or timezone.now()
    waiting = ReportJob.objects.filter(status=JobStatus.QUEUED).filter(
        Q(stage=QUEUE_WAITING) | Q(created_at__lt=now - claim_lease()))
    sent = 0
    for job_id in waiting.values_list("pk", flat=True)[:500]:
        if not enqueue(job_id):
            break  # still down: try again at the next beat
        sent += 1
    return sent


# --- claiming and progress ----------------------------------------------------------------------------------


def claim_lease() -> timedelta:
    """A running job older than this lost its worker (hard time limit passed): it may be taken again."""
    return timedelta(seconds=getattr(settings, "CELERY_TASK_TIME_LIMIT", 660) + 60)


def report_claim(*, job_id: int, retry: bool = False, redelivered: bool = False) -> bool:
    """queued -> running by one conditional UPDATE. The task's own retry may take its running job back; a
    redelivered message (its worker was lost) only a job whose heartbeat stopped — never one still running."""
    now = timezone.now()
    claimable = Q(status=JobStatus.QUEUED) | Q(status=JobStatus.RUNNING, started_at__lt=now - claim_lease())
    if retry:
        claimable |= Q(status=JobStatus.RUNNING)
    elif redelivered:
        claimable |= stalled_q(now)
    return bool(ReportJob.objects.filter(claimable, pk=job_id).update(
        status=JobStatus.RUNNING, started_at=now, heartbeat_at=now, attempts=F("attempts") + 1, stage="开始生成",
        error=""))


def report_claim_formats(*, job: ReportJob) -> list[ReportJob]:
    """The same branch report queued in other formats (the schedules ask for the PDF and the DOCX together):
    claimed with `job`, by the same conditional UPDATE as report_claim, so one collect of the figures writes
    every file. Their own messages then find them taken and do nothing. Committee reports fan out: none."""
    if job.kind not in BRANCH_REPORT_KINDS:
        return []
    now = timezone.now()
    queued = (ReportJob.objects.filter(organization_id=job.organization_id, kind=job.kind, period=job.period,
                                       status=JobStatus.QUEUED).exclude(format=job.format).exclude(pk=job.pk))
    claimed = [pk for pk in queued.values_list("pk", flat=True)
               if ReportJob.objects.filter(pk=pk, status=JobStatus.QUEUED).update(
                   status=JobStatus.RUNNING, started_at=now, heartbeat_at=now, attempts=F("attempts") + 1,
                   stage="开始生成", error="")]
    return list(ReportJob.objects.filter(pk__in=claimed).select_related("organization", "requested_by"))


def report_release(*, jobs: list[ReportJob]) -> None:
    """Jobs claimed with another (report_claim_formats) that were not written: back to the queue with a message
    of their own, so a failure of the shared run costs them nothing but the wait."""
    for job in jobs:
        if ReportJob.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(
                status=JobStatus.QUEUED, stage="排队等待", started_at=None, heartbeat_at=None):
            transaction.on_commit(lambda pk=job.pk: enqueue(pk))


# --- heartbeat and stalled jobs -------------------------------------------------------------------------------

STALLED_STAGE = "生成中断，已自动重新排队"
STALLED_TITLE = _("报告生成中断，已自动重新排队")
STALLED_TEXT = _("“{job}”在生成过程中中断（处理它的工作进程意外退出），系统已自动重新排队，完成后可在报告页面下载，无需重复申请。")
STALLED_GIVEN_UP = _("生成多次中断（工作进程意外退出 {count} 次），已停止自动重试；请联系管理员，或稍后点“重新生成”。")


def report_heartbeat(job_id: int) -> None:
    ReportJob.objects.filter(pk=job_id, status=JobStatus.RUNNING).update(heartbeat_at=timezone.now())


def stalled_q(now=None) -> Q:
    """Running branch-report jobs whose heartbeat stopped (committee jobs run as many part tasks, see README)."""
    cutoff = (now or timezone.now()) - timedelta(seconds=settings.REPORTS_STALL_AFTER_SECONDS)
    return Q(status=JobStatus.RUNNING, kind__in=BRANCH_REPORT_KINDS) & (
        Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, started_at__lt=cutoff))


def report_requeue_stalled(*, job_id: int, now=None) -> bool:
    """A stalled job: back to the queue (or failed after REPORTS_MAX_STALLS), and its requester is told.

    One conditional UPDATE decides: two checks (or a check and a re-request) at once requeue it once. The
    rerun writes the job's one deterministic file name (reports.storage), so there is still exactly one file.
    """
    now = now or timezone.now()
    with transaction.atomic():
        job = ReportJob.objects.filter(stalled_q(now), pk=job_id).select_for_update(of=("self",)) \
            .select_related("organization", "requested_by").first()
        if job is None:
            return False
        job.stalls += 1
        give_up = job.stalls >= settings.REPORTS_MAX_STALLS
        if give_up:
            job.status, job.stage, job.finished_at = JobStatus.FAILED, "失败", now
            job.error = str(STALLED_GIVEN_UP).format(count=job.stalls)
        else:
            job.status, job.stage, job.progress, job.heartbeat_at = JobStatus.QUEUED, STALLED_STAGE, 0, None
        job.save(update_fields=["stalls", "status", "stage", "progress", "heartbeat_at", "error", "finished_at"])
        logger.warning("report job %s stalled (heartbeat stopped), %s", job.pk, "failed" if give_up else "requeued")
        if job.requested_by is not None:
            name = f"{job.organization.name} {job.get_kind_display()} {job.period}"
            message_send(recipient=job.requested_by, kind="reports.stalled", title=str(STALLED_TITLE),
                         text=job.error if give_up else str(STALLED_TEXT).format(job=name),
                         link=job.get_absolute_url(), key=f"reports.stalled:{job.pk}:{job.stalls}")
        if not give_up:
            transaction.on_commit(lambda: enqueue(job.pk))
    return True


def check_stalled(*, now=None) -> int:
    """Beat, every minute: requeue every stalled job (see report_requeue_stalled)."""
    ids = list(ReportJob.objects.filter(stalled_q(now)).values_list("pk", flat=True)[:200])
    return sum(report_requeue_stalled(job_id=pk, now=now) for pk in ids)


def report_progress(job_id: int, percent: int, stage: str) -> None:
    ReportJob.objects.filter(pk=job_id, status=JobStatus.RUNNING).update(
        progress=Greatest(F("progress"), min(percent, 99)), stage=stage[:60])


def report_fail(*, job_id: int, reason: str) -> None:
    ReportJob.objects.filter(pk=job_id).exclude(status=JobStatus.DONE).update(
        status=JobStatus.FAILED, error=reason[:2000], finished_at=timezone.now(), stage="失败")
    logger.warning("report job %s failed: %s", job_id, reason)


def readable_error(exc: BaseException) -> str:
    if isinstance(exc, (TemplateSyntaxError, TemplateDoesNotExist)):
        return TEMPLATE_ERROR.format(detail=exc)
    if isinstance(exc, ValidationError):
        return "；".join(exc.messages)
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EROFS, errno.EACCES, errno.EDQUOT, errno.EPERM):
        return STORAGE_ERROR.format(detail=exc.strerror or exc)
    return INTERNAL_ERROR.format(detail=f"{type(exc).__name__}: {exc}")


# --- running --------------------------------------------------------------------------------------------------


def _context(job: ReportJob, *, progress: bool = True) -> BuildContext:
    period = parse_for_kind(job.period, KIND_PERIOD[job.kind])
    plan = ReportPlan.objects.filter(organization=job.organization, year=period.year).first()
    return BuildContext(org=job.organization, period=period, today=timezone.localdate(),
                        progress=(lambda pct, stage: report_progress(job.pk, pct, stage)) if progress else None,
                        plan=plan)


BUILDERS = {
    ReportKind.BRANCH_MONTHLY: build_branch_periodic,
    ReportKind.BRANCH_QUARTERLY: build_branch_periodic,
    ReportKind.BRANCH_ANNUAL: build_branch_annual,
    ReportKind.SECRETARY_DUTY: build_secretary_duty,
}


def report_run(*, job: ReportJob, also: list[ReportJob] = ()) -> None:
    """The claimed job's work: a branch report renders now; a committee report fans out over its branches.
    `also`: the same report in other formats, claimed with it (report_claim_formats): written from the same
    document, with collect_ms 0 (they had no collect of their own)."""
    if job.kind in COMMITTEE_REPORT_KINDS:
        report_fan_out(job=job)
        return
    started = time.monotonic()
    ctx = _context(job)
    document = BUILDERS[job.kind](ctx)
    collect_ms = int((time.monotonic() - started) * 1000)
    formats = {job.format, *(other.format for other in also)}
    # A DOCX written beside a PDF takes its chart pictures from that PDF (render_document): the PDF goes first.
    pictures = {} if {ReportFormat.PDF, ReportFormat.DOCX} <= formats else None
    for each in sorted([job, *also], key=lambda each: each.format != ReportFormat.PDF):
        if each is job:
            report_write(job=job, document=document, collect_ms=collect_ms, pictures=pictures)
            continue
        try:
            report_write(job=each, document=document, collect_ms=0, pictures=pictures)
        except Exception:  # its own run (report_release queues it again) fails or succeeds on its own
            logger.warning("report job %s, written with job %s, failed; queued again on its own", each.pk, job.pk,
                           exc_info=True)


def chunks(ids: list[int], max_tasks: int = FANOUT_MAX_TASKS) -> list[list[int]]:
    if not ids:
        return []
    size = max(1, math.ceil(len(ids) / max_tasks))
    return [ids[i:i + size] for i in range(0, len(ids), size)]


def report_fan_out(*, job: ReportJob) -> None:
    """One collect task per branch (or per chunk of branches on a large tree); the last one to finish queues
    the summary. Parts already written (a redelivered job) are not collected again."""
    from celery import group

    from .tasks import collect_report_parts

    ctx = _context(job, progress=False)
    branch_ids = sources.branches_under(job.organization, on=min(ctx.period.end, ctx.today))
    done = set(ReportPart.objects.filter(job=job).values_list("organization_id", flat=True))
    ReportJob.objects.filter(pk=job.pk).update(parts_total=len(branch_ids), stage="分支部统计中",
                                               summary_queued=False)
    todo = [pk for pk in branch_ids if pk not in done]
    if not todo:
        report_parts_finished(job_id=job.pk)
        return
    report_progress(job.pk, 5 + int(75 * len(done) / len(branch_ids)), "分支部统计中")
    group(collect_report_parts.s(job.pk, chunk) for chunk in chunks(todo)).apply_async()


def report_collect(*, job_id: int, branch_ids: list[int]) -> None:
    """Figures for some branches of a committee report; idempotent (one row per job and branch)."""
    job = ReportJob.objects.select_related("organization").get(pk=job_id)
    if job.status != JobStatus.RUNNING:
        return
    ctx = _context(job, progress=False)
    done = set(ReportPart.objects.filter(job=job, organization_id__in=branch_ids).values_list("organization_id",
                                                                                              flat=True))
    todo = [pk for pk in branch_ids if pk not in done]
    if todo:
        parts = collect_parts(org=job.organization, branch_ids=todo, period=ctx.period, today=ctx.today)
        ReportPart.objects.bulk_create([ReportPart(job=job, organization_id=pk, data=data)
                                        for pk, data in parts.items()], ignore_conflicts=True)
    total = job.parts_total or 1
    count = ReportPart.objects.filter(job=job).count()
    report_progress(job.pk, 5 + int(75 * count / total), f"分支部统计 {count}/{job.parts_total}")
    if count >= job.parts_total:
        report_parts_finished(job_id=job.pk)


def report_parts_finished(*, job_id: int) -> None:
    """Exactly one caller moves the job from collecting to rendering and queues the summary."""
    from .tasks import render_committee_report

    if ReportJob.objects.filter(pk=job_id, status=JobStatus.RUNNING, summary_queued=False).update(
            summary_queued=True, stage="汇总排版"):
        render_committee_report.delay(job_id)  # parts are committed already (tasks run in autocommit)


def report_render_committee(*, job: ReportJob) -> None:
    if job.status != JobStatus.RUNNING:
        return
    started = time.monotonic()
    ctx = _context(job)
    parts = [p.data for p in ReportPart.objects.filter(job=job).order_by("data__path")]
    parts.sort(key=lambda p: p["path"])
    document = build_committee(ctx, parts)
    report_write(job=job, document=document, collect_ms=int((time.monotonic() - started) * 1000))


def render_document(document: Document, fmt: str, target, *, pictures: dict | None = None) -> int | None:
    """Write `document` as PDF, XLSX or DOCX to the local path `target`; returns the PDF page count.
    `pictures` (a dict, by figure number) carries chart pictures from a PDF to a DOCX of the same document:
    the PDF fills it with its charts cut from the pages it drew, the DOCX uses them (and draws the rest)."""
    if fmt == ReportFormat.XLSX:

        write_workbook(str(target), sheets(document))
        return None
    if fmt == ReportFormat.DOCX:
        from .rendering.docx import render_docx

        render_docx(document, target, pictures=pictures)
        return None
    from .rendering.pdf import figures_to_png, render_pdf_document

    html = render_to_string(PDF_TEMPLATE, {
        "doc": document, "title": document.title, "organization": document.organization,
        "subtitle": document.subtitle, "cover_meta": document.cover_meta,
        "toc": document.toc_entries() if document.toc else None, "generated_at": timezone.localtime(),
    })
    rendered = render_pdf_document(html)
    target.write_bytes(rendered.data)
    if pictures is not None:
        # The DOCX's charts, cut from this PDF, are a saving, not part of the PDF: if the cut fails, the PDF is still
        # good and the DOCX draws its charts itself (render_docx rasterizes whatever `pictures` lacks).
        try:
            pictures.update(figures_to_png(rendered, {f.number: f.svg for f in document.figures()}))
        except Exception:
            logger.exception("charts for the DOCX not cut from the PDF of %s; the DOCX draws its own",
                             document.title)
    return rendered.page_count


def report_write(*, job: ReportJob, document: Document, collect_ms: int, pictures: dict | None = None) -> None:
    report_progress(job.pk, 90, "排版生成文件")
    started = time.monotonic()
    scratch = scratch_file("." + job.format)
    try:
        pages = render_document(document, job.format, scratch, pictures=pictures)
        render_ms = int((time.monotonic() - started) * 1000)
        report_progress(job.pk, 97, "保存文件")
        name, checksum, size = store(job_file_name(job, job.format), scratch)
    finally:
        scratch.unlink(missing_ok=True)
    ReportJob.objects.filter(pk=job.pk).update(
        status=JobStatus.DONE, progress=100, stage="已完成", file=name, checksum=checksum, size=size,
        page_count=pages, collect_ms=collect_ms, render_ms=render_ms, finished_at=timezone.now(), error="")
    ReportPart.objects.filter(job=job).delete()  # the summary is in the file; parts were scratch data
    if job.requested_by_id:
        # 报告已生成: the requester hears of it in 我的消息 (and the channels they keep), once per job.
        message_send(recipient=job.requested_by, kind="report.ready", title=f"报告已生成：{job}",
                     text=f"{job}已生成，可在报告页面下载。", link=job.get_absolute_url(), key=f"report.ready:{job.pk}")


# --- the secretary's input ------------------------------------------------------------------------------------


def plan_save(*, organization, year: int, next_year_plan: str, highlights: str = "", by=None) -> ReportPlan:
    plan, _ = ReportPlan.objects.get_or_create(organization=organization, year=year)
    plan.next_year_plan = next_year_plan.strip()
    plan.highlights = highlights.strip()
    plan.updated_by = by
    plan.full_clean()
    plan.save()
    return plan
