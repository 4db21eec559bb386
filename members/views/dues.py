"""党费 pages: collection summary, the secretary's phone page to mark a month paid, arrears, the treasurer's
ledger export and a member's dues base."""
from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views import View

from branches.models import Organization
from branches.selectors import parent_path
from portal.scoping import CHANGE, MANAGE, VIEW
from portal.views import ServiceActionView, ServiceFormView
from portal.xlsx import DATE, DECIMAL, Column, Sheet, xlsx_response

from ..forms.dues import DuesBaseForm, DuesMarkForm, DuesPayForm, DuesPaySubmission
from ..forms.lifecycle import MonthForm, YearBranchForm
from ..models import DuesRecord, Member
from ..permissions import can_record
from ..services import dues
from .lifecycle import LifecycleMixin, RecorderRequiredMixin


def _top_orgs(user):
    """The organizations a summary starts from: the heads of the user's subtrees (her grants, not every
    organization in scope: reading 20,000 rows to find the roots among them took ~450 ms for a province)."""
    return list(Organization.objects.scope_roots(user, VIEW).active().order_by("path"))


SUMMARY_PAGE_SIZE = 50


class DuesSummaryView(LifecycleMixin, View):
    """The year's collection per organization: the heads of the viewer's subtrees (or the organization she opened
    from a row, `under`) and their direct children, a page at a time — a province's committee has thousands of
    children, and the page shows the rows it draws, not the tree."""

    def get(self, request):
        form = YearBranchForm(request.GET or None, user=request.user)
        year = form.cleaned_data["year"] if form.is_valid() else date.today().year
        parent = form.cleaned_data.get("branch") if form.is_valid() else None
        under = _opened_organization(request)
        if parent:
            orgs = heads = [parent]
            page_obj = None
        else:
            heads = [under] if under else _top_orgs(request.user)
            page_obj = Paginator(_heads_and_children(heads), SUMMARY_PAGE_SIZE).get_page(request.GET.get("page"))
            orgs = list(page_obj.object_list)
        start, end = date(year, 1, 1), date(year, 12, 1)
        rows = dues.collection_summary(organizations=orgs, start=start, end=end)
        arrears_count, committee_count = dues.arrears_counts(user=request.user)
        return render(request, "members/dues/summary.html", {
            "form": form, "year": year, "rows": rows, "page_obj": page_obj, "under": under,
            "head_ids": {h.pk for h in heads},
            "arrears_count": arrears_count, "committee_count": committee_count,
            "can_pay": Organization.objects.restrict(request.user, CHANGE).branches().exists(),
            "can_generate": Organization.objects.restrict(request.user, MANAGE).exists(),
            "this_month": date.today().strftime("%Y-%m"),
        })


def _opened_organization(request):
    """The organization whose children a row's link opened (`?under=<id>`), if the viewer may see it; anything
    else shows her own heads (an id outside her scope reads like a missing one)."""
    try:
        pk = int(request.GET.get("under", ""))
    except ValueError:
        return None
    return (Organization.objects.restrict(request.user, VIEW).active().exclude(kind="party_group")
            .filter(pk=pk).first())


def _heads_and_children(heads):
    """Each head followed by its direct children (no 党小组), in tree order: one query, paged by the caller."""
    if not heads:
        return Organization.objects.none()
    # The children by their parent's path (index org_parent_path), not by a prefix of the whole subtree's paths.
    wanted = Q(pk__in=[h.pk for h in heads]) | Q(parent_key__in=[h.path for h in heads])
    return (Organization.objects.annotate(parent_key=parent_path()).filter(wanted).exclude(kind="party_group")
            .active().order_by("path"))


def _posted_month(request) -> date:
    """The month of a hand-started generation; the current month when none (or a wrong one) is given."""
    form = MonthForm(request.POST)
    return form.cleaned_data["month"] if form.is_valid() else date.today().replace(day=1)


class DuesGenerateView(LifecycleMixin, ServiceActionView):
    """Staff may generate a month by hand (the beat task does it on the 1st; both are idempotent)."""

    def load(self, request):
        if not Organization.objects.restrict(request.user, MANAGE).exists():
            raise PermissionDenied(_("只有党务工作人员可以生成党费记录。"))
        return {"month": _posted_month(request)}

    def perform(self, form, objects):
        return dues.dues_generate_month(month=objects["month"])

    def get_success_message(self, n, objects):
        return _("{month:%Y年%m月}：新生成 {n} 条党费记录（已有的不会重复生成）。").format(month=objects["month"], n=n)

    def redirect_url(self, objects):
        return reverse("members:dues")


class DuesPayView(RecorderRequiredMixin, LifecycleMixin, ServiceActionView):
    """Phone-friendly: pick branch and month, tap the members who paid, one button."""

    recorder_required_on = ("GET", "POST")
    recorder_denied_message = _("您没有可登记党费的党支部。")
    form_class = DuesPaySubmission

    def _context(self, request, form, mark_form=None):
        ctx = {"form": form, "mark_form": mark_form or DuesMarkForm(), "records": None}
        if form.is_valid():
            branch, month = form.cleaned_data["branch"], form.cleaned_data["month"]
            records = list(dues.month_sheet(user=request.user, branch=branch, month=month))
            ctx.update(records=records, branch=branch, month=month,
                       unpaid=[r for r in records if not r.paid_on], paid=[r for r in records if r.paid_on],
                       due_total=sum((r.amount_due or 0) for r in records),
                       paid_total=sum((r.amount_paid or 0) for r in records if r.paid_on))
        return ctx

    def get(self, request):
        data = request.GET.copy()
        # At most two of the branches she may record for: none refuses, exactly one is chosen for her (a count of
        # them read every branch of a province: 13 ms at N=50,000).
        first_two = list(Organization.objects.restrict(request.user, CHANGE).active().branches()
                         .order_by("path").values_list("pk", flat=True)[:2])
        if not first_two:
            raise PermissionDenied(_("您没有可登记党费的党支部。"))
        if "branch" not in data and len(first_two) == 1:
            data["branch"] = first_two[0]
        form = DuesPayForm(data if data.get("branch") else None, user=request.user)
        return render(request, "members/dues/pay.html", self._context(request, form))

    def form_kwargs(self, objects):
        return {"user": self.request.user}

    def form_invalid(self, form, objects):
        return render(self.request, "members/dues/pay.html", self._context(self.request, form.sheet, form.mark))

    def perform(self, form, objects):
        branch, month = form.sheet.cleaned_data["branch"], form.sheet.cleaned_data["month"]
        if not can_record(self.request.user, branch):
            raise PermissionDenied
        objects["branch"], objects["month"] = branch, month   # where the page goes back to, saved or refused
        ids = [int(x) for x in self.request.POST.getlist("records") if x.isdigit()]
        records = dues.month_sheet(user=self.request.user, branch=branch, month=month).filter(pk__in=ids)
        return dues.dues_mark_paid(records=records, by=self.request.user, **form.mark.cleaned_data)

    def get_success_message(self, n, objects):
        return _("已登记 {n} 人 {month:%Y年%m月} 党费。").format(n=n, month=objects["month"])

    def redirect_url(self, objects):
        return f"{reverse('members:dues_pay')}?branch={objects['branch'].pk}&month={objects['month']:%Y-%m}"


ARREARS_COLUMNS = [
    Column("姓名", lambda a: a.member.name, width=12), Column("党支部", lambda a: a.member.branch.name, width=28),
    Column("连续未交（月）", "months", width=14), Column("自", "since", number_format=DATE, width=12),
    Column("欠缴金额（元）", "amount", number_format=DECIMAL, width=14), Column("处理", "level_label", width=36),
]


ARREARS_PAGE_SIZE = 50


class DuesArrearsView(LifecycleMixin, View):
    def get(self, request):
        rows = dues.arrears(user=request.user)
        if request.GET.get("format") == "xlsx":
            return xlsx_response("党费欠缴名单.xlsx", [Sheet("欠缴名单", ARREARS_COLUMNS, rows)])
        # A page at a time (a province has tens of thousands in arrears); the export has them all.
        page_obj = Paginator(rows, ARREARS_PAGE_SIZE).get_page(request.GET.get("page"))
        return render(request, "members/dues/arrears.html", {"rows": page_obj.object_list, "page_obj": page_obj})


class DuesLedgerView(LifecycleMixin, View):
    """The treasurer's yearly ledger of one branch: a member per row, months across, totals (XLSX)."""

    def get(self, request):
        form = YearBranchForm(request.GET, user=request.user, branch_required=True)
        if not form.is_valid():
            messages.error(request, _("请选择党支部和年度。"))
            return redirect("members:dues")
        branch, year = form.cleaned_data["branch"], form.cleaned_data["year"]
        rows = dues.treasurer_rows(user=request.user, branch=branch, year=year)
        columns = [Column("序号", lambda r: rows.index(r) + 1, width=6), Column("姓名", "name", width=12),
                   Column("身份", "status", width=10), Column("月缴费基数", "base", number_format=DECIMAL, width=12),
                   Column("比例（%）", "percent", number_format=DECIMAL, width=10)]
        columns += [Column(f"{m}月", f"m{m}", number_format=DECIMAL, width=8) for m in range(1, 13)]
        columns += [Column("全年应缴", "due", number_format=DECIMAL, width=12),
                    Column("全年实缴", "paid", number_format=DECIMAL, width=12),
                    Column("欠缴", "owed", number_format=DECIMAL, width=10)]
        return xlsx_response(f"{branch.name}{year}年党费收缴台账.xlsx", [Sheet(f"{year}年党费台账", columns, rows)])


class DuesBaseView(LifecycleMixin, ServiceFormView):
    template_name = "members/dues/base.html"
    form_class = DuesBaseForm
    success_message = _("已核定党费基数，尚未缴纳的月份已按新基数重算。")

    def load(self, request, pk):
        member = get_object_or_404(Member.objects.restrict(request.user, VIEW).select_related("branch"), pk=pk)
        if not can_record(request.user, member.branch):
            raise PermissionDenied(_("只有本支部书记或上级党务工作人员可以核定党费基数。"))
        return {"member": member}

    def form_kwargs(self, objects):
        if self.request.method == "GET":
            return {"initial": {"dues_class": dues.default_class(objects["member"])}}
        return {}

    def context(self, form, objects):
        member = objects["member"]
        return {"member": member, "form": form, "bases": member.dues_bases.select_related("recorded_by")}

    def perform(self, form, objects):
        return dues.dues_base_set(member=objects["member"], by=self.request.user, **form.cleaned_data)

    def success_url(self, base, objects):
        return objects["member"]


class DuesUnmarkView(LifecycleMixin, View):
    def post(self, request, pk):
        record = get_object_or_404(DuesRecord.objects.restrict(request.user, CHANGE).select_related("branch"), pk=pk)
        dues.dues_unmark(record=record, by=request.user)
        messages.success(request, _("已撤销该条缴费登记。"))
        return redirect(f"{reverse('members:dues_pay')}?branch={record.branch_id}&month={record.month:%Y-%m}")

