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
from portal.scoping import CHANGE, VIEW, can
from portal.views import PortalPageMixin, ServiceFormView
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


class OrganizationReportsView(PortalPageMixin, ServiceFormView):
    template_name = "reports/organization.html"
    form_class = ReportRequestForm
    invalid_status = 400

    def load(self, request, pk):
        org = _organization(request, pk)
        if request.method == "POST" and not can(request.user, CHANGE, org.path):
            raise PermissionDenied(REQUEST_DENIED)
        return {"org": org}

    def form_kwargs(self, objects):
        return {"organization": objects["org"]}

    def perform(self, form, objects):
        return services.report_request(organization=objects["org"], kind=form.cleaned_data["kind"],
                                       period=form.cleaned_data["period"], fmt=form.cleaned_data["format"],
                                       user=self.request.user)

    def notify_success(self, result, objects):
        request = self.request
        if result.reused:
            messages.info(request, _("数据自上次生成以来没有变化，已直接提供此前生成的文件；如需重新排版请点“重新生成”。"))
        elif result.created and not result.queued:
            messages.warning(request, QUEUE_UNAVAILABLE)
        elif result.created:
            messages.success(request, _("已提交生成，进度会在下方自动更新。"))
        else:
            messages.info(request, _("同一报告正在生成中，请稍候。"))

    def success_url(self, result, objects):
        return reverse("reports:organization", kwargs={"pk": objects["org"].pk})

    def context(self, form, objects):
        request, org = self.request, objects["org"]
        jobs = Paginator(selectors.job_list(user=request.user, organization=org), JOBS_PER_PAGE)
        page = jobs.get_page(request.GET.get("page"))
        year = timezone.localdate().year
        children = (Organization.objects.restrict(request.user, VIEW).active()
                    .filter(path__startswith=org.path, depth=org.depth + 1).exclude(kind="party_group")
                    .order_by("path")[:200])
        ancestors = Organization.objects.restrict(request.user, VIEW).filter(
            path__in=org.ancestor_paths()[1:]).order_by("path")
        return {
            "org": org, "form": form, "page_obj": page, "jobs": page.object_list,
            "polling": any(j.is_active for j in page.object_list),
            "can_request": bool(kinds_for(org)) and can(request.user, CHANGE, org.path),
            "has_kinds": bool(kinds_for(org)),
            "can_plan": org.is_branch and can(request.user, CHANGE, org.path),
            "plan_year": year - 1 if timezone.localdate().month <= 2 else year,
            "children": children, "ancestors": ancestors,
            "period_defaults": {k: default_period(k) for k in kinds_for(org)},
        }


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


def job_file_response(job) -> FileResponse:
    """A finished report's file as a download, for the page and the API alike (the caller has checked VIEW)."""
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


class JobDownloadView(PortalPageMixin, View):
    def get(self, request, pk):
        return job_file_response(selectors.job_get(user=request.user, pk=pk))


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


class PlanView(PortalPageMixin, ServiceFormView):
    """The secretary's input for the annual report: next year's plan (and highlights)."""

    template_name = "reports/plan.html"
    form_class = ReportPlanForm
    invalid_status = 400

    def load(self, request, pk, year):
        org = get_object_or_404(Organization.objects.restrict(request.user, CHANGE), pk=pk)
        if not org.is_branch:
            raise Http404
        return {"org": org, "year": year}

    def form_kwargs(self, objects):
        if self.request.method != "GET":
            return {}
        plan = objects["plan"] = selectors.plan_for(organization=objects["org"], year=objects["year"])
        return {"initial": {"highlights": plan.highlights if plan else "",
                            "next_year_plan": plan.next_year_plan if plan else ""}}

    def context(self, form, objects):
        return {"org": objects["org"], "year": objects["year"], "form": form,
                **({"plan": objects["plan"]} if "plan" in objects else {})}

    def perform(self, form, objects):
        return services.plan_save(organization=objects["org"], year=objects["year"], by=self.request.user,
                                  **form.cleaned_data)

    def get_success_message(self, plan, objects):
        return _("已保存{year}年度报告填报内容，重新生成年度报告后生效。").format(year=objects["year"])

    def success_url(self, plan, objects):
        return reverse("reports:organization", args=[objects["org"].pk])


class FigureDefinitionsView(PortalPageMixin, View):
    """统计口径说明: every figure the pages, the API, the exports and the reports print, with its definition."""

    def get(self, request):

        if not has_page_access(request.user):
            raise PermissionDenied
        groups: dict[str, list] = {}
        for definition in figures.definitions():
            groups.setdefault(definition.group, []).append(definition)
        return render(request, "reports/definitions.html", {"groups": groups})
