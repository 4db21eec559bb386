"""Reports pages: request, follow (htmx polling), download, regenerate; the secretary's plan input."""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views import View

from branches.models import Organization
from branches.permissions import has_page_access
from portal import figures
from portal.forms import apply_validation_error
from portal.scoping import CHANGE, VIEW, can
from portal.views import PortalPageMixin
from portal.xlsx import content_disposition

from . import selectors, services
from .forms import ReportPlanForm, ReportRequestForm, default_period, kinds_for
from .models import ReportFormat

JOBS_PER_PAGE = 20
QUEUE_UNAVAILABLE = _("报告队列暂时不可用：您的申请已保存，队列恢复后将自动生成，无需重复提交。")
REQUEST_DENIED = _("只有党务工作者和支部书记（委员）可以生成报告；您可以查看和下载已生成的报告。")
CONTENT_TYPES = {ReportFormat.PDF: "application/pdf",
                 ReportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                 ReportFormat.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


def _organization(request, pk) -> Organization:
    return get_object_or_404(Organization.objects.restrict(request.user, VIEW), pk=pk)


class ReportsIndexView(PortalPageMixin, View):
    """/reports/?organization=<pk>, or the user's own organization."""

    def get(self, request):
        pk = request.GET.get("organization")
        if pk:
            if not pk.isdigit():
                raise Http404
            return redirect("reports:organization", pk=_organization(request, int(pk)).pk)
        roots = self._roots(request.user)
        if len(roots) == 1:
            return redirect("reports:organization", pk=roots[0].pk)
        return render(request, "reports/index.html", {"roots": roots})

    @staticmethod
    def _roots(user) -> list[Organization]:
        return list(Organization.objects.active().scope_roots(user, VIEW).order_by("path"))


class OrganizationReportsView(PortalPageMixin, View):
    def get(self, request, pk):
        org = _organization(request, pk)
        return self._render(request, org, ReportRequestForm(organization=org))

    def post(self, request, pk):
        org = _organization(request, pk)
        if not can(request.user, CHANGE, org.path):
            raise PermissionDenied(REQUEST_DENIED)
        form = ReportRequestForm(request.POST, organization=org)
        if form.is_valid():
            try:
                result = services.report_request(organization=org, kind=form.cleaned_data["kind"],
                                                 period=form.cleaned_data["period"], fmt=form.cleaned_data["format"],
                                                 user=request.user)
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                if result.reused:
                    messages.info(request, _("数据自上次生成以来没有变化，已直接提供此前生成的文件；如需重新排版请点“重新生成”。"))
                elif result.created and not result.queued:
                    messages.warning(request, QUEUE_UNAVAILABLE)
                elif result.created:
                    messages.success(request, _("已提交生成，进度会在下方自动更新。"))
                else:
                    messages.info(request, _("同一报告正在生成中，请稍候。"))
                return redirect("reports:organization", pk=org.pk)
        return self._render(request, org, form, status=400)

    def _render(self, request, org, form, status=200):
        jobs = Paginator(selectors.job_list(user=request.user, organization=org), JOBS_PER_PAGE)
        page = jobs.get_page(request.GET.get("page"))
        year = timezone.localdate().year
        children = (Organization.objects.restrict(request.user, VIEW).active()
                    .filter(path__startswith=org.path, depth=org.depth + 1).exclude(kind="party_group")
                    .order_by("path")[:200])
        ancestors = Organization.objects.restrict(request.user, VIEW).filter(
            path__in=org.ancestor_paths()[1:]).order_by("path")
        ctx = {
            "org": org, "form": form, "page_obj": page, "jobs": page.object_list,
            "polling": any(j.is_active for j in page.object_list),
            "can_request": bool(kinds_for(org)) and can(request.user, CHANGE, org.path),
            "has_kinds": bool(kinds_for(org)),
            "can_plan": org.is_branch and can(request.user, CHANGE, org.path),
            "plan_year": year - 1 if timezone.localdate().month <= 2 else year,
            "children": children, "ancestors": ancestors,
            "period_defaults": {k: default_period(k) for k in kinds_for(org)},
        }
        return render(request, "reports/organization.html", ctx, status=status)


class JobsFragmentView(PortalPageMixin, View):
    """The job table alone, polled by htmx while something is queued or running."""

    def get(self, request, pk):
        org = _organization(request, pk)
        page = Paginator(selectors.job_list(user=request.user, organization=org), JOBS_PER_PAGE).get_page(
            request.GET.get("page"))
        return render(request, "reports/_jobs.html", {
            "org": org, "jobs": page.object_list, "page_obj": page,
            "can_request": bool(kinds_for(org)) and can(request.user, CHANGE, org.path),
            "polling": any(j.is_active for j in page.object_list)})


class JobDetailView(PortalPageMixin, View):
    def get(self, request, pk):
        job = selectors.job_get(user=request.user, pk=pk)
        template = "reports/_job_status.html" if request.htmx else "reports/job.html"
        return render(request, template, {"job": job, "org": job.organization})


class JobDownloadView(PortalPageMixin, View):
    def get(self, request, pk):
        job = selectors.job_get(user=request.user, pk=pk)
        if not job.is_done:
            raise Http404(_("报告尚未生成完成。"))
        try:
            handle = job.file.open("rb")
        except FileNotFoundError as exc:
            raise Http404(_("报告文件已不存在，请重新生成。")) from exc
        response = FileResponse(handle, content_type=CONTENT_TYPES[job.format])
        response["Content-Disposition"] = content_disposition(job.download_name)
        response["Cache-Control"] = "private, no-store"
        response["X-Content-Type-Options"] = "nosniff"
        if job.checksum:
            response["ETag"] = f'"{job.checksum}"'
        return response


class JobRegenerateView(PortalPageMixin, View):
    def post(self, request, pk):
        job = selectors.job_get(user=request.user, pk=pk)
        if not can(request.user, CHANGE, job.organization.path):
            raise PermissionDenied(REQUEST_DENIED)
        try:
            result = services.report_request(organization=job.organization, kind=job.kind, period=job.period,
                                             fmt=job.format, user=request.user, regenerate=True)
        except ValidationError as exc:
            messages.error(request, _("；").join(exc.messages))
        else:
            if result.created and not result.queued:
                messages.warning(request, QUEUE_UNAVAILABLE)
            else:
                messages.success(request, _("已重新提交生成。") if result.created else _("同一报告正在生成中，请稍候。"))
        return redirect("reports:organization", pk=job.organization_id)


class PlanView(PortalPageMixin, View):
    """The secretary's input for the annual report: next year's plan (and highlights)."""

    def _org(self, request, pk):
        org = get_object_or_404(Organization.objects.restrict(request.user, CHANGE), pk=pk)
        if not org.is_branch:
            raise Http404
        return org

    def get(self, request, pk, year):
        org = self._org(request, pk)
        plan = selectors.plan_for(organization=org, year=year)
        form = ReportPlanForm(initial={"highlights": plan.highlights if plan else "",
                                       "next_year_plan": plan.next_year_plan if plan else ""})
        return render(request, "reports/plan.html", {"org": org, "year": year, "form": form, "plan": plan})

    def post(self, request, pk, year):
        org = self._org(request, pk)
        form = ReportPlanForm(request.POST)
        if form.is_valid():
            services.plan_save(organization=org, year=year, by=request.user, **form.cleaned_data)
            messages.success(request, _("已保存{year}年度报告填报内容，重新生成年度报告后生效。").format(year=year))
            return redirect(reverse("reports:organization", args=[org.pk]))
        return render(request, "reports/plan.html", {"org": org, "year": year, "form": form}, status=400)





class FigureDefinitionsView(PortalPageMixin, View):
    """统计口径说明: every figure the pages, the API, the exports and the reports print, with its definition."""

    def get(self, request):

        if not has_page_access(request.user):
            raise PermissionDenied
        groups: dict[str, list] = {}
        for definition in figures.definitions():
            groups.setdefault(definition.group, []).append(definition)
        return render(request, "reports/definitions.html", {"groups": groups})
