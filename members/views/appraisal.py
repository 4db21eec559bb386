"""民主评议 pages: the rounds and a round's grading sheet."""
from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views import View

from portal.concurrency import VERSION_FIELD, page_version, stale_message
from portal.scoping import CHANGE, VIEW
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
class AppraisalListView(RecorderRequiredMixin, LifecycleMixin, View):
    recorder_denied_message = _("您没有可组织民主评议的党支部。")

    def get(self, request):
        rounds = AppraisalRound.objects.restrict(request.user, VIEW).select_related("branch")
        return render(request, "members/appraisal/list.html", {
            "rounds": rounds[:200], "form": YearBranchForm(user=request.user, action=CHANGE, branch_required=True,
                                                           initial={"year": date.today().year}),
        })

    def post(self, request):
        form = YearBranchForm(request.POST, user=request.user, action=CHANGE, branch_required=True)
        if form.is_valid():
            try:
                rnd = appraisal.appraisal_open(branch=form.cleaned_data["branch"], year=form.cleaned_data["year"],
                                               by=request.user)
            except ValidationError as exc:
                messages.error(request, _("；").join(exc.messages))
            else:
                return redirect(rnd)
        else:
            messages.error(request, _("请选择党支部和年度。"))
        return redirect("members:appraisals")


class AppraisalDetailView(LifecycleMixin, View):
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
                for name in PEER_FIELDS:
                    setattr(e, f"peer_{name}", request.POST.get(f"{name}-{e.pk}", getattr(e, f"peer_{name}")))
        labels = dict(appraisal.disposal_choices())
        for e in entries:
            e.form_disposal = request.POST.get(f"disposal-{e.pk}", e.disposal) if posted else e.disposal
            e.disposal_label = labels.get(e.disposal, e.disposal)
        return render(request, "members/appraisal/detail.html", {
            "round": rnd, "entries": entries, "grades": GRADE_CHOICES, "errors": errors or [],
            "disposals": appraisal.disposal_choices(),
            "meetings": _appraisal_meetings(rnd), "posted": request.POST if posted else {},
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

    def post(self, request, pk):
        rnd = self._round(request, pk)
        if not can_record(request.user, rnd.branch):
            raise PermissionDenied
        close = request.POST.get("close") == "1"
        try:
            # All or nothing: a refused grade leaves no half-saved votes behind.
            with transaction.atomic():
                # Lock the round first: a concurrent save of the same grid waits here, then sees the new version.
                rnd = AppraisalRound.objects.select_for_update().select_related("branch").get(pk=rnd.pk)
                conflict = stale_message(rnd, request.POST.get(VERSION_FIELD))
                if conflict:   # someone saved this grid since the page was shown: save nothing, keep what was typed
                    raise ValidationError(conflict)
                grades, disposals = {}, {}
                for e in rnd.entries.select_related("round"):
                    disposals[e.pk] = request.POST.get(f"disposal-{e.pk}", "")
                    peer = {k: _votes(request.POST.get(f"{k}-{e.pk}")) for k in PEER_FIELDS}
                    if any(peer.values()) or e.peer_total:
                        appraisal.appraisal_peer(entry=e, by=request.user, **peer)
                    self_grade = request.POST.get(f"self-{e.pk}", "")
                    if self_grade != e.self_grade and self_grade in dict(GRADE_CHOICES):
                        appraisal.appraisal_self(entry=e, text=e.self_assessment, grade=self_grade, by=request.user)
                    grades[e.pk] = request.POST.get(f"grade-{e.pk}", "")
                meeting = _appraisal_meetings(rnd).filter(pk=request.POST.get("meeting") or 0).first() \
                    if (request.POST.get("meeting") or "").isdigit() else None
                meeting_on = _date_or_none(request.POST.get("meeting_on")) if not meeting else None
                appraisal.appraisal_decide(round=rnd, grades=grades, on=date.today(), close=close, by=request.user,
                                           disposals=disposals, meeting=meeting, meeting_on=meeting_on,
                                           meeting_ref=request.POST.get("meeting_ref", ""))
        except ValidationError as exc:
            rnd.refresh_from_db()
            return self._render(request, rnd, errors=exc.messages, posted=True)
        messages.success(request, _("已评定并归档。") if close else _("已保存。"))
        return redirect(rnd)


PEER_FIELDS = ("excellent", "qualified", "basic", "unqualified")


def _date_or_none(raw):
    try:
        return date.fromisoformat((raw or "").strip())
    except ValueError:
        return None


def _appraisal_meetings(rnd):
    """Submitted 支部党员大会 records of the round's branch from its year to the end of the next March."""
    Activity = AppraisalRound._meta.get_field("meeting").related_model  # the org-life record, wherever it lives
    return (Activity.objects.submitted().filter(organization=rnd.branch, activity_type__category="general_meeting",
                                                held_on__gte=date(rnd.year, 1, 1), held_on__lte=date(rnd.year + 1, 3, 31))
            .order_by("-held_on"))


def _votes(raw) -> int:
    raw = (raw or "0").strip() or "0"
    if not raw.isdigit():
        raise ValidationError(_("互评票数须为非负整数。"))
    return int(raw)
