"""Demo data for reports: the demo branch's plan text and a few finished reports, generated in-process."""
from __future__ import annotations

from contextlib import contextmanager

from django.utils import timezone

from branches.models import Organization
from portal.celery import app

DEMO_BRANCH = "JB01-Z1-01"  # 区委办公室党支部, the demo secretary's branch
DEMO_ROOT = "JB01"
PLAN = """坚持把政治建设摆在首位，落实“第一议题”制度，每月开展一次集中学习。
规范“三会一课”和主题党日，做到计划、记录、检查三到位，组织生活完成率保持100%。
加强支部班子建设，支委每季度至少开展一次谈心谈话，书记带头讲党课。
深化“办文办会办事”党员先锋岗创建，推动党建与机关业务深度融合。
对照年度评星定级反馈问题逐项整改，年底前全部销号。"""
HIGHLIGHTS = "支部围绕服务区委中心工作，组织党员在重要文稿起草、会务保障中亮身份、作表率。"


@contextmanager
def _in_process():
    """Run report tasks here even when a broker is configured, so seeding needs no worker."""

    old = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        yield
    finally:
        app.conf.task_always_eager = old


def _demo_year(branch) -> int:
    """The year the demo's organizational-life records fall in (most of them), else last year."""
    from django.db.models import Count

    from . import sources

    models = sources.orglife_models
    activity = getattr(models, "Activity", None)
    if activity is not None:
        busiest = (activity.objects.filter(organization__path__startswith=branch.path).order_by()
                   .values_list("held_on__year").annotate(n=Count("pk")).order_by("-n").first())
        if busiest:
            return busiest[0]
    return timezone.localdate().year - 1


def seed(*, stdout=None) -> None:

    from .models import ReportJob, ReportPlan
    from .services import report_request
    from .tasks import run_report

    branch = Organization.objects.filter(code=DEMO_BRANCH).first()
    root = Organization.objects.filter(code=DEMO_ROOT).first()
    if branch is None or root is None:
        return
    year = _demo_year(branch)
    ReportPlan.objects.get_or_create(organization=branch, year=year,
                                     defaults={"next_year_plan": PLAN, "highlights": HIGHLIGHTS})
    if ReportJob.objects.filter(organization__in=[branch, root]).exists():
        return
    made = []
    with _in_process():
        for org, kind, fmt in ((branch, "branch-annual", "pdf"), (root, "committee-four-strong", "pdf"),
                               (root, "committee-four-strong", "xlsx")):
            job = report_request(organization=org, kind=kind, period=str(year), fmt=fmt).job
            run_report.apply(args=[job.pk])  # the on_commit enqueue later finds it done and does nothing
            job.refresh_from_db()
            made.append(job)
    if stdout:
        stdout.write("工作报告：" + "、".join(f"{j.organization.name}{j.get_kind_display()}（{j.format}，{j.get_status_display()}）"
                                          for j in made))
