"""党员积分 pages: ranking, manual entries and their audit."""
from __future__ import annotations

from datetime import date

from dateutil.relativedelta import relativedelta
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views import View

from portal.scoping import CHANGE, MANAGE, VIEW, scope_for
from portal.views import ServiceFormView

from ..forms.lifecycle import YearBranchForm
from ..forms.points import PointsEntryForm
from ..models import EntryStatus, Member, PointsEntry, PointsItem
from ..permissions import can_approve
from ..selectors import points as point_selectors
from ..services import points
from .lifecycle import LifecycleMixin, RecorderRequiredMixin


# --------------------------------------------------------------------------------------------
# 党员积分
# --------------------------------------------------------------------------------------------
def _period(form):
    year = form.cleaned_data["year"] if form.is_valid() else date.today().year
    return year, date(year, 1, 1), date(year, 12, 31)


PAGE_SIZE = 50


class PointsView(LifecycleMixin, View):
    """Branch ranking and a branch's members, both read from the stored yearly totals and paged: the page costs
    the same whatever the size of the scope. Item columns are scored for the members of the shown page only."""

    def get(self, request):
        form = YearBranchForm(request.GET or None, user=request.user)
        year, start, end = _period(form)
        branch = form.cleaned_data.get("branch") if form.is_valid() else None
        ranking = Paginator(point_selectors.points_branch_ranking(user=request.user, year=year), PAGE_SIZE)
        ranking_page = ranking.get_page(request.GET.get("page") if not branch else 1)
        scores, members_page = [], None
        if branch:
            members_page = Paginator(point_selectors.points_member_ranking(branch=branch, year=year),
                                     PAGE_SIZE).get_page(request.GET.get("page"))
            members = list(members_page.object_list)
            scores = points.member_scores(members=members, start=start, end=end)
            month = date.today().replace(day=1) if year == date.today().year else date(year, 12, 1)
            monthly = {s.member.pk: s.earned for s in points.member_scores(
                members=members, start=month, end=month + relativedelta(months=1, days=-1), include_base=False)}
            for s in scores:
                s.month_earned = monthly.get(s.member.pk)
        return render(request, "members/points/index.html", {
            "form": form, "year": year, "ranking_page": ranking_page, "branch": branch, "scores": scores,
            "members_page": members_page, "items": scores[0].items if scores else [],
            "providers": points.providers(),
        })


class PointsEntriesView(RecorderRequiredMixin, LifecycleMixin, ServiceFormView):
    recorder_denied_message = _("您没有可录入积分的党员。")
    template_name = "members/points/entries.html"
    form_class = PointsEntryForm
    success_message = _("已录入，待党务工作人员审核后计分。")

    def _members(self):
        return Member.objects.restrict(self.request.user, CHANGE).active().select_related("branch").order_by("name")

    def form_kwargs(self, objects):
        items = PointsItem.objects.filter(source=points.MANUAL, scheme__is_active=True)
        return {"members_qs": self._members(), "items_qs": items}

    def context(self, form, objects):
        entries = PointsEntry.objects.restrict(self.request.user, VIEW).select_related("member", "item", "recorded_by",
                                                                                      "audited_by")
        return {"entries": entries[:200], "pending": entries.filter(status=EntryStatus.PENDING).filter(
                    scope_for(self.request.user).q(MANAGE, "member__branch__path")),
                "form": form, "can_add": self._members().exists()}

    def perform(self, form, objects):
        return points.points_entry_add(by=self.request.user, **form.cleaned_data)

    def success_url(self, entry, objects):
        return reverse("members:points_entries")


class PointsAuditView(LifecycleMixin, View):
    def post(self, request, pk):
        entry = get_object_or_404(PointsEntry.objects.restrict(request.user, VIEW).select_related("member__branch"),
                                  pk=pk)
        if not can_approve(request.user, entry.member.branch):
            raise PermissionDenied(_("只有党务工作人员可以审核积分。"))
        try:
            points.points_entry_audit(entry=entry, approve=request.POST.get("approve") == "1",
                                      note=request.POST.get("note", "")[:200], by=request.user)
        except ValidationError as exc:
            messages.error(request, _("；").join(exc.messages))
        return redirect("members:points_entries")
