"""Pages for 四强 evaluation: thin views that parse input, call one service or selector, and render."""
from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views import View

from branches.models import Organization
from members.models import Member
from portal.concurrency import VERSION_FIELD, SingleSubmitMixin, page_version
from portal.history import history_rows
from portal.scoping import CHANGE, MANAGE, REVIEW, VIEW, can
from portal.uploads import protected_file_response
from portal.views import PortalPageMixin, PostActionsView, ServiceActionView, ServiceFormView
from portal.xlsx import DECIMAL, Column, Sheet, xlsx_response

from . import selectors, services, standards
from .forms import (
    AdjustForm,
    AnswerForm,
    AssignForm,
    CopyForm,
    CycleForm,
    ExtendForm,
    MeetingForm,
    ObjectionForm,
    ProgressForm,
    ReasonForm,
    RectificationForm,
    ReturnForm,
    StandardImportForm,
    StarsForm,
    VerifyForm,
)
from .metrics import all_metrics, availability
from .models import (
    CRITERIA,
    Attachment,
    BranchEvaluation,
    Criterion,
    Cycle,
    Objection,
    ScoreSheet,
    SheetKind,
    SheetStatus,
    Step,
)
from .permissions import (
    can_report_rectification,
    can_score,
    can_self_assess,
    can_verify_rectification,
    results_visible,
)


def _entries_from_post(post) -> dict:
    """Scoring inputs are named p_<indicator id> (points) and n_<indicator id> (note)."""
    entries = {}
    for key, value in post.items():
        if key.startswith("p_") and key[2:].isdigit():
            entries[int(key[2:])] = {"points": value, "note": post.get(f"n_{key[2:]}", "")}
    return entries


def _keep_posted(rows, post) -> None:
    """After a refused save, show what the user typed rather than the stored values."""
    from types import SimpleNamespace

    for ind in rows:
        key = f"p_{ind.pk}"
        if key in post:
            raw = post.get(key) or None
            try:
                raw = Decimal(raw) if raw is not None else None
            except (ArithmeticError, ValueError):
                pass  # shown as typed
            ind.line = SimpleNamespace(points=raw, note=post.get(f"n_{ind.pk}", ""))


# --- cycles ------------------------------------------------------------------------------------------------------


class CycleListView(PortalPageMixin, View):
    def get(self, request):
        cycles = selectors.cycle_list(user=request.user)
        can_create = request.user.is_superuser or can_any(request.user, MANAGE)
        return render(request, "evaluations/cycle_list.html", {"cycles": cycles, "can_create": can_create})


class RequireActionMixin:
    """Create pages answer 403 to people who hold `required_action` nowhere (instead of an unusable form)."""

    required_action = MANAGE

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if user.is_authenticated and not (user.is_superuser or can_any(user, self.required_action)):
            raise PermissionDenied(gettext("您没有执行此操作的权限。"))
        return super().dispatch(request, *args, **kwargs)


class CycleCreateView(PortalPageMixin, RequireActionMixin, ServiceFormView):
    template_name = "evaluations/cycle_form.html"
    form_class = CycleForm

    def form_kwargs(self, objects):
        return {"user": self.request.user}

    def perform(self, form, objects):
        return services.cycle_create(by=self.request.user, **form.cleaned_data)

    def get_success_message(self, cycle, objects):
        return gettext("已创建评价周期，{n} 个党支部纳入。").format(n=cycle.evaluations.count())


class CycleDashboardView(PortalPageMixin, View):
    def get(self, request, pk):
        cycle = selectors.cycle_get(user=request.user, pk=pk)
        dash = selectors.cycle_dashboard(user=request.user, cycle=cycle)
        return render(request, "evaluations/cycle_dashboard.html", {
            "cycle": cycle, "dash": dash, "can_manage": can(request.user, MANAGE, cycle.organization.path),
            "can_export": selectors.cycle_export_allowed(user=request.user, cycle=cycle),
            "criteria": [c.label for c in Criterion], "radar": dash.radar,
        })


class CycleRefreshView(PortalPageMixin, View):
    def post(self, request, pk):
        cycle = selectors.cycle_get(user=request.user, pk=pk, action=MANAGE)
        n = services.cycle_refresh_automatic(cycle=cycle)
        messages.success(request, gettext("已重新计算 {n} 项自动指标。").format(n=n))
        return redirect(cycle)


class CycleExportView(PortalPageMixin, View):
    """All scores of the cycle: one row per branch and reviewer, plus the result columns."""

    def get(self, request, pk):

        cycle = selectors.cycle_get(user=request.user, pk=pk)
        if not selectors.cycle_export_allowed(user=request.user, cycle=cycle):
            raise Http404
        dash, rows, sheets = selectors.cycle_export_data(user=request.user, cycle=cycle)
        crit_cols = [Column(Criterion(c).label, (lambda e, i=i: e.criteria[i]), number_format=DECIMAL)
                     for i, c in enumerate(CRITERIA)]
        results = Sheet("评定结果", [
            Column("排名", lambda e: dash.ranking.index(e) + 1, width=6),
            Column("党支部", "organization.name", width=28), Column("环节", lambda e: e.get_step_display()),
            Column("总分", "total", number_format=DECIMAL), *crit_cols,
            Column("星级", lambda e: e.shown_stars), Column("四强", lambda e: "是" if e.shown_four_strong else ""),
            Column("一票否决", lambda e: "是" if e.vetoed else ""),
            Column("评审分差", "spread", number_format=DECIMAL),
            Column("分差超阈值", lambda e: "是" if e.spread_flagged else ""),
        ], rows)
        scores = Sheet("评分明细", [
            Column("党支部", "evaluation.organization.name", width=28),
            Column("类型", lambda s: s.get_kind_display()),
            Column("评分人", lambda s: s.reviewer.get_full_name() or s.reviewer.get_username(), width=14),
            Column("总分", "total", number_format=DECIMAL),
            *[Column(Criterion(c).label, (lambda s, c=c: Decimal(s.criterion_scores.get(c, "0"))),
                     number_format=DECIMAL) for c in CRITERIA],
            Column("提交时间", lambda s: s.submitted_at),
        ], sheets)
        return xlsx_response(f"{cycle.name}-评分.xlsx", [results, scores])


class PublicityView(PortalPageMixin, ServiceFormView):
    """The printable public list; members under the cycle's organization may lodge an objection during 公示."""

    template_name = "evaluations/publicity.html"
    form_class = ObjectionForm
    success_message = _("异议已提交，党委将在公示期内答复。")

    def load(self, request, pk):
        cycle = Cycle.objects.filter(pk=pk).select_related("organization").first()
        if cycle is None:
            raise Http404
        visible = Cycle.objects.restrict(request.user, VIEW).filter(pk=pk).exists()

        member = Member.objects.filter(user=request.user, is_active=True,
                                       branch__path__startswith=cycle.organization.path).exists()
        if not (visible or member):
            raise Http404
        objects = {"cycle": cycle, "member": member, "evaluation": None}
        if request.method == "POST":
            evaluation_pk = request.POST.get("evaluation", "")
            if not evaluation_pk.isdigit():
                raise Http404
            objects["evaluation"] = get_object_or_404(BranchEvaluation, pk=evaluation_pk, cycle=cycle)
        return objects

    def context(self, form, objects):
        cycle, member, evaluation = objects["cycle"], objects["member"], objects["evaluation"]
        rows = selectors.publicity_list(cycle=cycle)
        today = timezone.localdate()
        for r in rows:
            r.objection_open = (member and r.step == Step.PUBLICITY and r.publicity_starts_on <= today
                                <= r.publicity_ends_on)
        return {"cycle": cycle, "rows": rows, "form": form, "target": evaluation.pk if evaluation else None,
                "member": member}

    def perform(self, form, objects):
        return services.objection_lodge(evaluation=objects["evaluation"], by=self.request.user,
                                        text=form.cleaned_data["text"])

    def success_url(self, objection, objects):
        return reverse("evaluations:publicity", kwargs={"pk": objects["cycle"].pk})


# --- one branch in a cycle ---------------------------------------------------------------------------------------


class EvaluationDetailView(PortalPageMixin, View):
    def get(self, request, pk):
        ev = selectors.evaluation_get(user=request.user, pk=pk)
        user = request.user
        manage = can(user, MANAGE, ev.cycle.organization.path) or can(user, MANAGE, ev.organization.path)
        sheets = selectors.evaluation_sheets(ev)
        self_sheet = next((s for s in sheets if s.kind == SheetKind.SELF), None)
        review_sheets = [s for s in sheets if s.kind == SheetKind.REVIEW]
        my_sheet = next((s for s in review_sheets if s.reviewer_id == user.pk), None)
        rows = selectors.scoring_rows(evaluation=ev, sheet=None, self_sheet=self_sheet)
        ctx = {
            "ev": ev, "rows": rows, "self_sheet": self_sheet, "review_sheets": review_sheets, "my_sheet": my_sheet,
            "visible_sheets": selectors.visible_review_sheets(user=user, evaluation=ev, sheets=sheets),
            "can_manage": manage, "can_self_assess": can_self_assess(user, ev),
            "results_visible": results_visible(user, ev) or manage and ev.total is not None,
            "transitions": ev.transitions.select_related("by"), "objections": ev.objections.select_related("lodged_by"),
            "adjustments": ev.adjustments.select_related("by").prefetch_related("attachments"),
            "criteria": [(Criterion(c).label, ev.criterion_scores.get(c)) for c in CRITERIA],
            "assign_form": AssignForm(evaluation=ev) if manage else None,
            "meeting_form": MeetingForm(), "return_form": ReturnForm(), "reason_form": ReasonForm(),
            "answer_form": AnswerForm(), "adjust_form": AdjustForm(), "extend_form": ExtendForm(),
            "stars_form": StarsForm(),
            "rectifications": ev.rectifications.all(), "history": history_rows(ev),
        }
        return render(request, "evaluations/evaluation_detail.html", ctx)


class _EvaluationAction(ServiceActionView):
    """A POST-only action of staff (MANAGE above the branch) on one branch's evaluation."""

    message_per_error = True

    def load(self, request, pk, action):
        ev = selectors.evaluation_get(user=request.user, pk=pk)
        if not can(request.user, MANAGE, ev.organization.path):
            raise PermissionDenied(gettext("只有党务工作者可以执行此操作。"))
        return {"ev": ev}

    def invalid_form_messages(self, form):
        return [f"{form.fields[f].label if f in form.fields else ''}：{e}" for f, errs in form.errors.items()
                for e in errs]

    def get_success_message(self, message, objects):
        return message   # each action's perform answers its message

    def redirect_url(self, objects):
        return objects["ev"]


class EvaluationAssignAction(_EvaluationAction):
    form_class = AssignForm

    def form_kwargs(self, objects):
        return {"evaluation": objects["ev"]}

    def perform(self, form, objects):
        services.reviewer_assign(evaluation=objects["ev"], reviewer=form.cleaned_data["reviewer"], by=self.request.user)
        return gettext("已分配评审人。")


class EvaluationCloseReviewAction(_EvaluationAction):
    def perform(self, form, objects):
        services.review_close(evaluation=objects["ev"], by=self.request.user)
        return gettext("已提交党委审定。")


class EvaluationApproveAction(_EvaluationAction):
    form_class = MeetingForm

    def perform(self, form, objects):
        ev, data = objects["ev"], form.cleaned_data
        services.committee_approve(evaluation=ev, by=self.request.user, meeting=data["meeting"],
                                   decided_on=data["decided_on"], comment=data["comment"])
        return gettext("党委审定通过，公示至 {end:%Y年%m月%d日}。").format(end=ev.publicity_ends_on)


class EvaluationReturnAction(_EvaluationAction):
    form_class = ReturnForm

    def perform(self, form, objects):
        data = form.cleaned_data
        services.committee_return(evaluation=objects["ev"], by=self.request.user, reason=data["reason"],
                                  meeting=data["meeting"])
        return gettext("已退回评审。")


class EvaluationPublishAction(_EvaluationAction):
    def perform(self, form, objects):
        services.result_publish(evaluation=objects["ev"], by=self.request.user)
        return gettext("结果已发布。")


class EvaluationExcludeAction(_EvaluationAction):
    form_class = ReasonForm

    def perform(self, form, objects):
        services.evaluation_exclude(evaluation=objects["ev"], reason=form.cleaned_data["reason"], by=self.request.user)
        return gettext("已设为不参评。")


class EvaluationAnswerAction(_EvaluationAction):
    form_class = AnswerForm

    def load(self, request, pk, action):
        objects = super().load(request, pk, action)
        return {**objects, "objection": get_object_or_404(Objection, pk=request.POST.get("objection"),
                                                          evaluation=objects["ev"])}

    def perform(self, form, objects):
        data = form.cleaned_data
        services.objection_answer(objection=objects["objection"], by=self.request.user, upheld=data["upheld"],
                                  answer=data["answer"])
        return gettext("已答复异议。")


class EvaluationExtendAction(_EvaluationAction):
    form_class = ExtendForm

    def perform(self, form, objects):
        ev, data = objects["ev"], form.cleaned_data
        ext = services.deadline_extend(cycle=ev.cycle, organization=ev.organization, step=data["step"],
                                       until=data["until"], reason=data["reason"], by=self.request.user)
        return gettext("已登记延期至 {until:%Y年%m月%d日}。").format(until=ext.until)


class EvaluationChangeStarsAction(_EvaluationAction):
    form_class = StarsForm

    def perform(self, form, objects):
        services.committee_change_stars(evaluation=objects["ev"], by=self.request.user,
                                        to_stars=form.cleaned_data["to_stars"], reason=form.cleaned_data["reason"])
        return gettext("已调整拟定星级。")


class EvaluationAdjustAction(_EvaluationAction):
    form_class = AdjustForm

    def perform(self, form, objects):
        data = form.cleaned_data
        services.result_adjust(evaluation=objects["ev"], by=self.request.user, kind=data["kind"],
                               reason=data["reason"], decided_on=data["decided_on"], to_stars=data["to_stars"],
                               uploads=data["evidence"])
        return gettext("已调整评定结果，并通知该支部。")


class EvaluationActionView(PortalPageMixin, PostActionsView):
    """POST-only actions of staff (MANAGE above the branch) on one branch's evaluation (the message is the
    action's result)."""

    actions = {"assign": EvaluationAssignAction, "close_review": EvaluationCloseReviewAction,
               "approve": EvaluationApproveAction, "return": EvaluationReturnAction,
               "publish": EvaluationPublishAction, "exclude": EvaluationExcludeAction,
               "answer": EvaluationAnswerAction, "extend": EvaluationExtendAction,
               "change_stars": EvaluationChangeStarsAction, "adjust": EvaluationAdjustAction}

    def unknown_action(self, request, pk, action):
        _EvaluationAction().load(request, pk, action)   # out of reach or not staff: 404/403 first
        raise Http404


class SelfAssessmentView(PortalPageMixin, ServiceActionView):
    """The branch's self-assessment sheet (a grid, not a form): saving it is one service; a refusal or a
    conflicting save shows the sheet again with what was typed."""

    def _get(self, request, pk):
        ev = selectors.evaluation_get(user=request.user, pk=pk, action=CHANGE)
        if not can_self_assess(request.user, ev):
            raise PermissionDenied(gettext("当前不在自评环节，或您不能为该支部自评。"))
        return ev

    def get(self, request, pk):
        ev = self._get(request, pk)
        sheet = ev.sheets.filter(kind=SheetKind.SELF).first()
        return self.render(request, ev, sheet)

    def render(self, request, ev, sheet, errors=()):
        rows = selectors.scoring_rows(evaluation=ev, sheet=sheet)
        if errors:
            _keep_posted(rows, request.POST)
        return render(request, "evaluations/score_form.html", {
            "ev": ev, "rows": rows, "sheet": sheet, "mode": "self", "errors": errors,
            "record_version": page_version(sheet),
            "narrative": request.POST.get("narrative", ev.narrative) if errors else ev.narrative,
            "config": {"criteria": {c.value: c.label for c in Criterion}, "bonusCap": float(ev.cycle.standard.bonus_cap),
                       "deductionCap": float(ev.cycle.standard.deduction_cap)},
        })

    def load(self, request, pk):
        return {"ev": self._get(request, pk)}

    def perform(self, form, objects):
        post, files = self.request.POST, self.request.FILES
        uploads = {int(key[2:]): files.getlist(key) for key in files if key.startswith("f_") and key[2:].isdigit()}
        return services.self_assessment_page_save(evaluation=objects["ev"], by=self.request.user,
                                                  entries=_entries_from_post(post), narrative=post.get("narrative", ""),
                                                  submit="submit" in post, uploads=uploads,
                                                  version=post.get(VERSION_FIELD))

    def refused(self, exc, form, objects):
        ev = objects["ev"]
        return self.render(self.request, ev, ev.sheets.filter(kind=SheetKind.SELF).first(), errors=exc.messages)

    def get_success_message(self, ev, objects):
        return _("自评已提交，进入上级评审。") if "submit" in self.request.POST else gettext("草稿已保存。")

    def redirect_url(self, objects):
        return objects["ev"] if "submit" in self.request.POST else self.request.path


class ScoreSheetView(PortalPageMixin, ServiceActionView):
    """The reviewer's scoring form: keyboard friendly, running totals in static/js, maximums enforced by the service."""

    def _get(self, request, pk):
        sheet = get_object_or_404(ScoreSheet.objects.filter(
            evaluation__in=BranchEvaluation.objects.restrict(request.user, REVIEW)).select_related(
            "evaluation__cycle__standard", "evaluation__organization"), pk=pk)
        if not can_score(request.user, sheet):
            raise Http404
        return sheet

    def render(self, request, sheet, errors=()):
        ev = sheet.evaluation
        self_sheet = ev.sheets.filter(kind=SheetKind.SELF).first()
        rows = selectors.scoring_rows(evaluation=ev, sheet=sheet, self_sheet=self_sheet)
        if errors:
            _keep_posted(rows, request.POST)
        return render(request, "evaluations/score_form.html", {
            "ev": ev, "rows": rows, "sheet": sheet, "mode": "review", "errors": errors,
            "record_version": page_version(sheet),
            "locked": sheet.status == SheetStatus.SUBMITTED or ev.step != Step.REVIEW,
            "config": {"criteria": {c.value: c.label for c in Criterion}, "bonusCap": float(ev.cycle.standard.bonus_cap),
                       "deductionCap": float(ev.cycle.standard.deduction_cap)},
        })

    def get(self, request, pk):
        return self.render(request, self._get(request, pk))

    def load(self, request, pk):
        return {"sheet": self._get(request, pk)}

    def perform(self, form, objects):
        post = self.request.POST
        return services.review_page_save(sheet=objects["sheet"], by=self.request.user, entries=_entries_from_post(post),
                                         submit="submit" in post, version=post.get(VERSION_FIELD))

    def refused(self, exc, form, objects):
        return self.render(self.request, objects["sheet"], errors=exc.messages)

    def get_success_message(self, sheet, objects):
        return _("评分已提交。") if "submit" in self.request.POST else gettext("草稿已保存。")

    def redirect_url(self, objects):
        return reverse("evaluations:worklist") if "submit" in self.request.POST else self.request.path


class WorklistView(PortalPageMixin, View):
    def get(self, request):
        sheets = selectors.reviewer_worklist(user=request.user)
        return render(request, "evaluations/worklist.html", {"sheets": sheets})


class ScorecardView(PortalPageMixin, View):
    def get(self, request, org_pk):
        org, evaluations, rectifications = selectors.branch_scorecard(user=request.user, org_pk=org_pk)
        return render(request, "evaluations/scorecard.html", {
            "org": org, "evaluations": evaluations, "rectifications": rectifications,
            "criteria": [c.label for c in Criterion]})


class AttachmentView(PortalPageMixin, View):
    """Evidence goes out only through here: the viewer must see the branch the file belongs to."""

    def get(self, request, pk):
        att = get_object_or_404(Attachment.objects.select_related(
            "evaluation__organization", "rectification_update__rectification__organization",
            "adjustment__evaluation__organization"), pk=pk)
        if att.evaluation_id:
            org = att.evaluation.organization
        elif att.rectification_update_id:
            org = att.rectification_update.rectification.organization
        else:
            org = att.adjustment.evaluation.organization
        if not can(request.user, VIEW, org.path):
            raise Http404
        return protected_file_response(request, att.file, att.original_name, content_type=att.content_type or None,
                                       as_attachment=True)


# --- 整改 ---------------------------------------------------------------------------------------------------------


class RectificationListView(PortalPageMixin, View):
    def get(self, request, org_pk=None):
        filters = request.GET.copy()
        org = None
        if org_pk is not None:

            org = get_object_or_404(Organization.objects.restrict(request.user, VIEW), pk=org_pk)
            filters["organization"] = str(org.pk)
        fs, qs = selectors.rectification_list(user=request.user, filters=filters, request=request)
        page = Paginator(qs, 50).get_page(request.GET.get("page"))
        today = timezone.localdate()
        for r in page:
            r.overdue = r.is_overdue(today)
        can_create = request.user.is_superuser or can_any(request.user, REVIEW)
        return render(request, "evaluations/rectification_list.html", {
            "filterset": fs, "page_obj": page, "org": org, "can_create": can_create})


def can_any(user, action) -> bool:

    return Organization.objects.restrict(user, action).exists()


class RectificationCreateView(PortalPageMixin, RequireActionMixin, SingleSubmitMixin, ServiceFormView):
    required_action = REVIEW  # reviewers' findings become rectification items
    template_name = "evaluations/rectification_form.html"
    form_class = RectificationForm
    success_message = _("整改事项已下达。")

    def load(self, request):
        evaluation = None
        if request.GET.get("evaluation"):   # raised from a branch's evaluation the reviewer may review
            evaluation = BranchEvaluation.objects.restrict(request.user, REVIEW).filter(
                pk=request.GET["evaluation"]).first()
        return {"evaluation": evaluation}

    def form_kwargs(self, objects):
        kwargs = {"user": self.request.user}
        if self.request.method == "GET":
            kwargs["initial"] = {"organization": self.request.GET.get("organization")}
        return kwargs

    def perform(self, form, objects):
        return services.rectification_create(by=self.request.user, evaluation=objects["evaluation"],
                                             **form.cleaned_data)


def _rectification_ctx(request, rect, progress_form=None, verify_form=None):
    return {"rect": rect, "overdue": rect.is_overdue(), "history": history_rows(rect),
            "can_report": can_report_rectification(request.user, rect) and rect.status != "closed",
            "can_verify": can_verify_rectification(request.user, rect) and rect.status == "reported",
            "progress_form": progress_form or ProgressForm(), "verify_form": verify_form or VerifyForm()}


class _RectificationFormAction(ServiceFormView):
    """A form on the 整改 page (POST only); refused input shows the page again (as it is now) with its errors."""

    template_name = "evaluations/rectification_detail.html"
    form_key = ""

    def context(self, form, objects):
        rect = selectors.rectification_get(user=self.request.user, pk=objects["rect"].pk)
        return _rectification_ctx(self.request, rect, **{self.form_key: form})

    def success_url(self, result, objects):
        return objects["rect"]


class RectificationVerifyAction(_RectificationFormAction):
    form_class = VerifyForm
    form_key = "verify_form"
    success_message = _("已记录核验结果。")

    def load(self, request, pk):
        rect = selectors.rectification_get(user=request.user, pk=pk)
        if not can_verify_rectification(request.user, rect):
            raise PermissionDenied(gettext("只有评审人员或党务工作者可以核验销号。"))
        return {"rect": rect}

    def perform(self, form, objects):
        return services.rectification_verify(rectification=objects["rect"], decision=form.cleaned_data["decision"],
                                             text=form.cleaned_data["text"], by=self.request.user)


class RectificationReportAction(_RectificationFormAction):
    form_class = ProgressForm
    form_key = "progress_form"
    success_message = _("整改进展已报告，等待核验。")

    def load(self, request, pk):
        rect = selectors.rectification_get(user=request.user, pk=pk)
        if not can_report_rectification(request.user, rect):
            raise PermissionDenied(gettext("只有责任支部可以报告整改进展。"))
        return {"rect": rect}

    def perform(self, form, objects):
        return services.rectification_report(rectification=objects["rect"], by=self.request.user,
                                             text=form.cleaned_data["text"], uploads=form.cleaned_data["evidence"])


class RectificationDetailView(PortalPageMixin, PostActionsView):
    actions = {"verify": RectificationVerifyAction, "report": RectificationReportAction}

    def action_name(self, request, kwargs):
        return "verify" if request.POST.get("action") == "verify" else "report"

    def get(self, request, pk):
        rect = selectors.rectification_get(user=request.user, pk=pk)
        return render(request, "evaluations/rectification_detail.html", _rectification_ctx(request, rect))


# --- standards ---------------------------------------------------------------------------------------------------


class StandardListView(PortalPageMixin, View):
    def get(self, request):
        items = selectors.standard_list(user=request.user)
        can_manage = request.user.is_superuser or can_any(request.user, MANAGE)
        return render(request, "evaluations/standard_list.html", {"standards": items, "can_manage": can_manage})

    def post(self, request):
        """Install the default standard (built from the domain rules) for an organization the user manages."""

        org_pk, year_text = request.POST.get("organization", ""), request.POST.get("year", "")
        if not org_pk.isdigit():
            raise Http404
        org = get_object_or_404(Organization.objects.restrict(request.user, MANAGE), pk=org_pk)
        if year_text and not (year_text.isdigit() and 2000 <= int(year_text) <= 2100):
            messages.error(request, _("年度应为 2000—2100 之间的四位数字。"))
            return redirect("evaluations:standard_list")
        year = int(year_text or timezone.localdate().year)
        st = standards.install_default_standard(organization=org, year=year, by=request.user)
        messages.success(request, _("已安装默认标准。"))
        return redirect(st)


class _StandardAction(ServiceActionView):
    message_per_error = True

    def load(self, request, pk):
        return {"st": selectors.standard_get(user=request.user, pk=pk, action=MANAGE)}

    def redirect_url(self, objects):
        return objects["st"]


class StandardPublishAction(_StandardAction):
    success_message = _("标准已发布并冻结。")

    def perform(self, form, objects):
        return services.standard_publish(standard=objects["st"], by=self.request.user)


class StandardCopyAction(_StandardAction):
    form_class = CopyForm
    invalid_message = _("请填写有效年度。")
    success_message = _("已复制为新的草稿版本，可修改后发布。")

    def perform(self, form, objects):
        return services.standard_copy(standard=objects["st"], by=self.request.user, year=form.cleaned_data["year"])

    def success_url(self, copy, objects):
        return copy


class StandardDetailView(PortalPageMixin, PostActionsView):
    actions = {"publish": StandardPublishAction, "copy": StandardCopyAction}

    def unknown_action(self, request, pk):
        return redirect(selectors.standard_get(user=request.user, pk=pk, action=MANAGE))   # nothing to do

    def get(self, request, pk):
        st = selectors.standard_get(user=request.user, pk=pk)
        tree = selectors.indicator_tree(st)
        avail = availability()
        labels = {m.key: m.label for m in all_metrics()}
        for ind in tree:
            ind.metric_label = labels.get(ind.metric_key, ind.metric_key)
            ind.metric_unavailable = avail.get(ind.metric_key, "")
            ind.mapping_text = standards.mapping_text(ind.mapping or {})
        return render(request, "evaluations/standard_detail.html", {
            "st": st, "tree": tree, "can_manage": can(request.user, MANAGE, st.organization.path),
            "maxima": [(Criterion(c).label, v) for c, v in selectors.criterion_maxima(tree).items()],
            "copy_form": CopyForm(initial={"year": st.year + 1}), "history": history_rows(st),
            "bands": [(b["stars"], b["min"]) for b in st.bands], "quotas": st.quotas})

class StandardExportView(PortalPageMixin, View):
    def get(self, request, pk):

        st = selectors.standard_get(user=request.user, pk=pk)
        return xlsx_response(f"{st.name}-{st.year}-v{st.version}.xlsx", standards.export_sheets(st))


class StandardImportView(PortalPageMixin, RequireActionMixin, ServiceFormView):
    template_name = "evaluations/standard_import.html"
    form_class = StandardImportForm

    def load(self, request):
        return {"errors": []}

    def form_kwargs(self, objects):
        return {"user": self.request.user}

    def context(self, form, objects):
        return {"form": form, **({"errors": objects["errors"]} if self.request.method == "POST" else {})}

    def perform(self, form, objects):
        return standards.import_standard(fileobj=form.cleaned_data["file"], by=self.request.user,
                                         organization=form.cleaned_data["organization"], year=form.cleaned_data["year"])

    def refused(self, exc, form, objects):
        objects["errors"] = exc.messages   # the sheet's problems are listed above the form

    def get_success_message(self, st, objects):
        return gettext("已导入为草稿（{n} 项指标），核对后请发布。").format(n=st.indicators.count())
