"""发展党员 pages: the pipeline list, a candidate's record with the step form, the "due now" lists."""
from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext_lazy as _
from django.views import View

from branches.models import Organization
from portal.concurrency import SingleSubmitMixin
from portal.history import history_rows
from portal.scoping import CHANGE, VIEW
from portal.views import ServiceFormView
from portal.xlsx import DATE, Column, Sheet, xlsx_response

from ..forms.development import CandidateFilterForm, CandidateForm, DueListForm, MilestoneForm
from ..models import Candidate, Milestone, RuleException, Stage
from ..permissions import can_approve, can_record
from ..services import development
from .lifecycle import LifecycleMixin, RecorderRequiredMixin


class DevelopmentListView(LifecycleMixin, View):
    def get(self, request):
        form = CandidateFilterForm(request.GET or None, user=request.user)
        qs = Candidate.objects.restrict(request.user, VIEW).select_related("branch").order_by("stage", "applied_on")
        if form.is_valid():
            if form.cleaned_data.get("branch"):
                qs = qs.filter(branch=form.cleaned_data["branch"])
            if form.cleaned_data.get("stage"):
                qs = qs.filter(stage=form.cleaned_data["stage"])
            if form.cleaned_data.get("q"):
                qs = qs.filter(name__contains=form.cleaned_data["q"])
        counts = development.pipeline_counts(user=request.user)
        stages = [(s.value, s.label, counts.get(s.value, 0)) for s in Stage if s != Stage.CLOSED]
        due = {k: len(development.due_list(user=request.user, kind=k)) for k in development.DUE_LISTS}
        page = Paginator(qs, 50).get_page(request.GET.get("page"))
        return render(request, "members/development/list.html", {
            "form": form, "page_obj": page, "stages": stages, "due": due, "due_labels": development.DUE_LISTS,
            "can_add": Organization.objects.restrict(request.user, CHANGE).branches().exists(),
        })


class CandidateCreateView(RecorderRequiredMixin, LifecycleMixin, SingleSubmitMixin, ServiceFormView):
    recorder_required_on = ("GET", "POST")
    template_name = "members/form.html"
    form_class = CandidateForm
    title = _("登记入党申请人")

    def form_kwargs(self, objects):
        return {"user": self.request.user}

    def perform(self, form, objects):
        return development.candidate_create(by=self.request.user, **form.cleaned_data)

    def get_success_message(self, candidate, objects):
        return _("已登记入党申请人 {name}。").format(name=candidate.name)


def _candidate(request, pk):
    qs = Candidate.objects.restrict(request.user, VIEW).select_related("branch", "member").prefetch_related(
        Prefetch("milestones", queryset=Milestone.objects.select_related("recorded_by").prefetch_related(
            Prefetch("exceptions", queryset=RuleException.objects.select_related("rule", "approved_by")))),
        "contacts", "introducers")
    return get_object_or_404(qs, pk=pk)


class CandidateDetailView(LifecycleMixin, ServiceFormView):
    template_name = "members/development/detail.html"
    form_class = MilestoneForm
    success_message = _("已办理并记录。")

    def load(self, request, pk):
        candidate = _candidate(request, pk)
        if request.method == "POST" and not can_record(request.user, candidate.branch):
            raise PermissionDenied(_("只有本支部书记或上级党务工作人员可以办理。"))
        return {"candidate": candidate}

    def form_kwargs(self, objects):
        candidate = objects["candidate"]
        return {"candidate": candidate, "can_approve": can_approve(self.request.user, candidate.branch)}

    def context(self, form, objects):
        candidate = objects["candidate"]
        if self.request.method == "POST":   # shown again after a refusal: the record as it is now
            candidate = _candidate(self.request, candidate.pk)
        may_record = can_record(self.request.user, candidate.branch)
        return {"candidate": candidate, "form": form, "can_record": may_record,
                "history": history_rows(candidate, reveal=may_record)}

    def perform(self, form, objects):
        data = form.cleaned_data
        return development.milestone_record(
            candidate=objects["candidate"], kind=data["kind"], on=data["on"], by=self.request.user, note=data["note"],
            exception_reason=data.get("exception_reason", ""), meeting=data["meeting"],
            meeting_on=data["meeting_on"], meeting_ref=data["meeting_ref"], votes_for=data["votes_for"],
            hours=data["hours"], months=data["months"], people=data["people"])

    def success_url(self, milestone, objects):
        return objects["candidate"]


DUE_COLUMNS = [
    Column("姓名", "name", width=12), Column("党支部", lambda r: r.branch.name, width=28),
    Column("阶段", "stage", width=12), Column("起算日期", "since", number_format=DATE, width=12),
    Column("截止日期", "due_on", number_format=DATE, width=12),
    Column("状态", lambda r: "已逾期" if r.overdue else f"剩余 {r.days_left} 天", width=12),
    Column("说明", "note", width=30),
]


class DueListView(LifecycleMixin, View):
    def get(self, request):
        kind = request.GET.get("list", "talks")
        if kind not in development.DUE_LISTS:
            kind = "talks"
        form = DueListForm(request.GET or None, user=request.user)
        branch_ids = None
        if form.is_valid() and form.cleaned_data.get("branch"):
            branch_ids = [form.cleaned_data["branch"].pk]
        rows = development.due_list(user=request.user, kind=kind, branch_ids=branch_ids)
        if request.GET.get("format") == "xlsx":
            label = str(development.DUE_LISTS[kind])
            return xlsx_response(f"{label}.xlsx", [Sheet(label, DUE_COLUMNS, rows)])
        return render(request, "members/development/due.html", {
            "rows": rows, "kind": kind, "lists": development.DUE_LISTS, "form": form,
        })
