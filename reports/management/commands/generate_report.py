"""manage.py generate_report --organization <code> --kind <kind> --period <period> --format pdf|xlsx"""
import time

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from branches.models import Organization
from reports.models import JobStatus, ReportFormat, ReportJob, ReportKind
from reports.services import report_request


class Command(BaseCommand):
    help = "生成一份报告（与页面申请相同：建任务、交给 worker 或进程内执行），等待完成并输出文件路径。"

    def add_arguments(self, parser):
        parser.add_argument("--organization", required=True, help="组织编码，例如 JB01-Z1-01")
        parser.add_argument("--kind", required=True, choices=ReportKind.values)
        parser.add_argument("--period", required=True, help="2025、2025-Q3 或 2025-09")
        parser.add_argument("--format", default=ReportFormat.PDF, choices=ReportFormat.values)
        parser.add_argument("--regenerate", action="store_true", help="数据未变化也重新生成")
        parser.add_argument("--timeout", type=int, default=900, help="最长等待秒数")

    def handle(self, *args, **opts):
        try:
            org = Organization.objects.get(code=opts["organization"])
        except Organization.DoesNotExist as exc:
            raise CommandError(f"没有编码为 {opts['organization']} 的组织。") from exc
        try:
            result = report_request(organization=org, kind=opts["kind"], period=opts["period"], fmt=opts["format"],
                                    regenerate=opts["regenerate"])
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from exc
        job = result.job
        if result.reused:
            self.stderr.write("数据未变化，返回此前生成的文件。")
        deadline = time.monotonic() + opts["timeout"]
        last = None
        while True:
            job = ReportJob.objects.get(pk=job.pk)
            if (job.progress, job.stage) != last and job.is_active:
                self.stderr.write(f"[{job.progress:3d}%] {job.stage}")
                last = (job.progress, job.stage)
            if job.status in (JobStatus.DONE, JobStatus.FAILED):
                break
            if time.monotonic() > deadline:
                raise CommandError(f"等待超时：任务 {job.pk} 仍在{job.get_status_display()}（{job.stage}）。")
            time.sleep(0.5)
        if job.status == JobStatus.FAILED:
            raise CommandError(f"任务 {job.pk} 失败：{job.error}")
        self.stdout.write(job.file.path if hasattr(job.file, "path") else job.file.url)
