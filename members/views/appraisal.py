"""民主评议 pages: the rounds and a round's grading sheet."""
from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from portal.concurrency import VERSION_FIELD, page_version
from portal.scoping import CHANGE, VIEW
from portal.views import ServiceActionView
from portal.xlsx import Column, Sheet, xlsx_response

from ..forms.appraisal import GRADE_CHOICES
from ..forms.lifecycle import YearBranchForm
from ..models import AppraisalRound
from ..permissions import can_record
from ..services import appraisal
from .lifecycle import LifecycleMixin, RecorderRequiredMixin


# --------------------------------------------------------------------------------------------
# 民主评议
# --------------------------------------------------------------------------------------------
class AppraisalListView(RecorderRequiredMixin, LifecycleMixin, ServiceActionView):
    recorder_denied_message = _("您没有可组织民主评议的党支部。")
    form_class = YearBranchForm
    invalid_message = _("请选择党支部和年度。")

    def get(self, request):
        rounds = AppraisalRound.objects.restrict(request.user, VIEW).select_related("branch")
        return render(request, "members/appraisal/list.html", {
            "rounds": rounds[:200], "form": YearBranchForm(user=request.user, action=CHANGE, branch_required=True,
                                                           initial={"year": date.today().year}),
        })

    def form_kwargs(self, objects):
        return {"user": self.request.user, "action": CHANGE, "branch_required": True}

    def perform(self, form, objects):
        return appraisal.appraisal_open(branch=form.cleaned_data["branch"], year=form.cleaned_data["year"],
                                        by=self.request.user)

    def success_url(self, rnd, objects):
        return rnd

    def redirect_url(self, objects):
        return reverse("members:appraisals")


class AppraisalDetailView(LifecycleMixin, ServiceActionView):
    """The round's grading sheet; saving it is one service (all or nothing), a refusal shows the sheet again."""

    def _round(self, request, pk):
        return get_object_or_404(AppraisalRound.objects.restrict(request.user, VIEW).select_related("branch"), pk=pk)

    def _render(self, request, rnd, errors=None, posted=False):
        entries = list(rnd.entries.select_related("member"))
        graded = sum(1 for e in entries if not e.is_probationary)
        for e in entries:
            e.form_grade = e.grade
        summary = {g: sum(1 for e in entries if e.grade == g) for g, _ in GRADE_CHOICES if g}
        if posted:   # a refused POST: show what the user typed (self grade, peer votes, grade), not the saved values
            for e in entries:
                e.form_grade = request.POST.get(f"grade-{e.pk}", e.grade)
                e.self_grade = request.POST.get(f"self-{e.pk}", e.self_grade)
                for name in appraisal.PEER_FIELDS:
                    setattr(e, f"peer_{name}", request.POST.get(f"{name}-{e.pk}", getattr(e, f"peer_{name}")))
        labels = dict(appraisal.disposal_choices())
        for e in entries:
            e.form_disposal = request.POST.get(f"disposal-{e.pk}", e.disposal) if posted else e.disposal
            e.disposal_label = labels.get(e.disposal, e.disposal)
        return render(request, "members/appraisal/detail.html", {
            "round": rnd, "entries": entries, "grades": GRADE_CHOICES, "errors": errors or [],
            "disposals": appraisal.disposal_choices(),
            "meetings": appraisal.appraisal_meetings(rnd), "posted": request.POST if posted else {},
            "cap": appraisal.excellent_cap(graded), "graded": graded, "summary": summary,
            "can_edit": can_record(request.user, rnd.branch) and not rnd.is_closed,
            "record_version": page_version(rnd),
        })

    def get(self, request, pk):
        rnd = self._round(request, pk)
        if request.GET.get("format") == "xlsx":
            cols = [Column("姓名", lambda e: e.member.name, width=12),
                    Column("身份", lambda e: "预备党员（不评等次）" if e.is_probationary else "正式党员", width=18),
                    Column("自评", lambda e: e.get_self_grade_display(), width=10),
                    Column("互评优秀", "peer_excellent"), Column("互评合格", "peer_qualified"),
                    Column("互评基本合格", "peer_basic"), Column("互评不合格", "peer_unqualified"),
                    Column("支部评定", lambda e: e.get_grade_display(), width=10)]
            return xlsx_response(f"{rnd}.xlsx", [Sheet("民主评议", cols, rnd.entries.select_related("member"))])
        return self._render(request, rnd)

    def load(self, request, pk):
        rnd = self._round(request, pk)
        if not can_record(request.user, rnd.branch):
            raise PermissionDenied
        return {"round": rnd}

    def perform(self, form, objects):
        return appraisal.appraisal_grid_save(round=objects["round"], posted=self.request.POST,
                                             version=self.request.POST.get(VERSION_FIELD),
                                             close=self.request.POST.get("close") == "1", by=self.request.user)

    def refused(self, exc, form, objects):
        rnd = objects["round"]
        rnd.refresh_from_db()
        return self._render(self.request, rnd, errors=exc.messages, posted=True)

    def get_success_message(self, rnd, objects):
        return _("已评定并归档。") if self.request.POST.get("close") == "1" else _("已保存。")

    def redirect_url(self, objects):
        return objects["round"]
