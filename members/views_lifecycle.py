"""Pages for transfers, status changes, 政治生日, 民主评议 and points."""
from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views import View

from branches.models import Organization
from portal.concurrency import VERSION_FIELD, page_version, stale_message
from portal.forms import apply_validation_error
from portal.scoping import CHANGE, MANAGE, VIEW, granted_paths, subtree_q
from portal.xlsx import DATE, Column, Sheet, xlsx_response

from . import appraisal, points, selectors, status, transfers
from .lifecycle_forms import (
    GRADE_CHOICES,
    MobileForm,
    MonthForm,
    PointsEntryForm,
    ReturnForm,
    StatusForm,
    TransferForm,
    TransferInForm,
    YearBranchForm,
)
from .lifecycle_models import (
    AppraisalRound,
    EntryStatus,
    PointsEntry,
    PointsItem,
    StatusKind,
    Transfer,
    TransferStatus,
)
from .models import Member
from .permissions import can_approve, can_record
from .views_development import LifecycleMixin, RecorderRequiredMixin


# --------------------------------------------------------------------------------------------
# Transfers
# --------------------------------------------------------------------------------------------
class TransferListView(LifecycleMixin, View):
    def get(self, request):
        qs = Transfer.objects.restrict(request.user, VIEW).select_related("member", "from_branch", "to_branch",
                                                                          "initiated_by")
        paths = granted_paths(request.user, CHANGE)
        incoming = qs.filter(status=TransferStatus.PENDING)
        if paths != () and not request.user.is_superuser:
            incoming_q = subtree_q(paths, "to_branch__path")
            outgoing_q = subtree_q(paths, "from_branch__path")
        else:
            incoming_q = outgoing_q = Q() if request.user.is_superuser else Q(pk__in=[])
        return render(request, "members/transfers/list.html", {
            "incoming": incoming.filter(incoming_q), "outgoing": incoming.filter(outgoing_q).exclude(incoming_q),
            "done": qs.exclude(status=TransferStatus.PENDING)[:50],
            "can_transfer_in": Organization.objects.restrict(request.user, CHANGE).branches().exists(),
            "mobile": Member.objects.restrict(request.user, VIEW).active().exclude(mobile_location="")
            .select_related("branch")[:200],
        })


def _member_for(request, pk, *, manage=False):
    member = get_object_or_404(Member.objects.restrict(request.user, VIEW).select_related("branch"), pk=pk)
    allowed = can_approve(request.user, member.branch) if manage else can_record(request.user, member.branch)
    if not allowed:
        raise PermissionDenied(_("您无权为该党员办理此事项。"))
    return member


class TransferInitiateView(LifecycleMixin, View):
    def _render(self, request, member, form):
        return render(request, "members/form.html", {"form": form, "member": member,
                                                     "title": _("组织关系转接：{name}").format(name=member.name)})

    def get(self, request, pk):
        member = _member_for(request, pk)
        return self._render(request, member, TransferForm(member=member))

    def post(self, request, pk):
        member = _member_for(request, pk)
        form = TransferForm(request.POST, member=member)
        if form.is_valid():
            d = form.cleaned_data
            try:
                if d["kind"] == "internal":
                    transfers.transfer_initiate(member=member, to_branch=d["to_branch"], on=d["on"], reason=d["reason"],
                                                letter_no=d["letter_no"], by=request.user)
                    messages.success(request, _("已发起转接，待{branch}接收。").format(branch=d["to_branch"].name))
                else:
                    transfers.transfer_out_external(member=member, on=d["on"], counterpart=d["counterpart"],
                                                    letter_no=d["letter_no"], reason=d["reason"], by=request.user)
                    messages.success(request, _("已办理转出，党员记录保留在历史名册中。"))
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                return redirect("members:transfers")
        return self._render(request, member, form)


class TransferDecideView(LifecycleMixin, View):
    """POST accept / return / cancel on a pending transfer visible to the user."""

    def post(self, request, pk, action):
        transfer = get_object_or_404(Transfer.objects.restrict(request.user, VIEW), pk=pk)
        try:
            if action == "accept":
                transfers.transfer_accept(transfer=transfer, on=date.today(), by=request.user)
                messages.success(request, _("已接收，组织关系已转入。"))
            elif action == "return":
                form = ReturnForm(request.POST)
                if not form.is_valid():
                    messages.error(request, _("退回须说明原因。"))
                    return redirect("members:transfers")
                transfers.transfer_return(transfer=transfer, on=date.today(), reason=form.cleaned_data["reason"],
                                          by=request.user)
                messages.success(request, _("已退回转出支部。"))
            elif action == "cancel":
                transfers.transfer_cancel(transfer=transfer, by=request.user)
                messages.success(request, _("已撤回。"))
            else:
                raise PermissionDenied
        except ValidationError as exc:
            messages.error(request, _("；").join(exc.messages))
        return redirect("members:transfers")


class TransferInView(RecorderRequiredMixin, LifecycleMixin, View):
    recorder_required_on = ("GET", "POST")
    recorder_denied_message = _("您没有可接收转入党员的党支部。")

    def _render(self, request, form):
        return render(request, "members/form.html", {"form": form, "title": _("从系统外转入党员")})

    def get(self, request):
        return self._render(request, TransferInForm(user=request.user))

    def post(self, request):
        form = TransferInForm(request.POST, user=request.user)
        if form.is_valid():
            d = dict(form.cleaned_data)
            try:
                t = transfers.transfer_in_external(to_branch=d.pop("to_branch"), on=d.pop("on"),
                                                   counterpart=d.pop("counterpart"), letter_no=d.pop("letter_no"),
                                                   by=request.user, **d)
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, _("已转入 {name}。").format(name=t.member.name))
                return redirect(t.member)
        return self._render(request, form)


class MobileView(LifecycleMixin, View):
    def get(self, request, pk):
        member = _member_for(request, pk)
        form = MobileForm(initial={"location": member.mobile_location, "since": member.mobile_since or date.today()})
        return render(request, "members/form.html", {"form": form, "member": member, "title": _("流动党员：{name}").format(name=member.name)})

    def post(self, request, pk):
        member = _member_for(request, pk)
        form = MobileForm(request.POST)
        if form.is_valid():
            transfers.member_mark_mobile(member=member, by=request.user, **form.cleaned_data)
            messages.success(request, _("已保存流动情况。"))
            return redirect(member)
        return render(request, "members/form.html", {"form": form, "member": member, "title": _("流动党员：{name}").format(name=member.name)})


# --------------------------------------------------------------------------------------------
# Status changes
# --------------------------------------------------------------------------------------------
# Decisions of the 支部党员大会 (and death) are recorded by the branch; discipline and 出党 by staff.
BRANCH_DECISIONS = (StatusKind.CONFIRM, StatusKind.EXTEND, StatusKind.CANCEL_PROBATION, StatusKind.DEATH)


class StatusChangeView(LifecycleMixin, View):
    def _render(self, request, member, form):
        return render(request, "members/status_form.html", {
            "form": form, "member": member, "title": _("党员身份变化：{name}").format(name=member.name),
            "changes": member.status_changes.select_related("recorded_by"),
        })

    def get(self, request, pk):
        member = _member_for(request, pk)
        return self._render(request, member, StatusForm(member=member))

    def post(self, request, pk):
        member = _member_for(request, pk)
        form = StatusForm(request.POST, member=member)
        if form.is_valid():
            d = form.cleaned_data
            kind = d["kind"]
            if kind not in BRANCH_DECISIONS and not can_approve(request.user, member.branch):
                raise PermissionDenied(_("留党察看、出党、退党须由上级党务工作人员登记。"))
            try:
                if kind == StatusKind.CONFIRM:
                    status.member_confirm(member=member, on=d["on"], meeting=d["meeting"], meeting_on=d["meeting_on"],
                                          meeting_ref=d["meeting_ref"], by=request.user,
                                          exception_reason=d["exception_reason"], note=d["reason"])
                elif kind == StatusKind.EXTEND:
                    status.member_extend_probation(member=member, on=d["on"], months=d["months"] or 0,
                                                   reason=d["reason"], meeting=d["meeting"],
                                                   meeting_on=d["meeting_on"],
                                                   meeting_ref=d["meeting_ref"], by=request.user)
                elif kind == StatusKind.CANCEL_PROBATION:
                    status.member_cancel_probation(member=member, on=d["on"], reason=d["reason"],
                                                   meeting=d["meeting"], meeting_on=d["meeting_on"], meeting_ref=d["meeting_ref"],
                                                   by=request.user)
                elif kind == StatusKind.PROBATION_DISCIPLINE:
                    status.member_discipline(member=member, on=d["on"], months=d["months"] or 0, reason=d["reason"],
                                             by=request.user)
                else:
                    status.member_leave(member=member, kind=kind, on=d["on"], reason=d["reason"], by=request.user)
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, _("已登记：{kind}。").format(kind=StatusKind(kind).label))
                return redirect(member)
        return self._render(request, member, form)


# --------------------------------------------------------------------------------------------
# 政治生日
# --------------------------------------------------------------------------------------------
GREETING = _("{name}同志：{year}年{month}月{day}日是您的政治生日，您已入党{years}年。"
            "值此之际，{branch}向您致以诚挚的祝贺！请不忘入党初心，牢记党员身份，在本职岗位上发挥先锋模范作用。")


class BirthdaysView(LifecycleMixin, View):
    def get(self, request):
        form = MonthForm(request.GET or None)
        month = form.cleaned_data["month"] if form.is_valid() else date.today().replace(day=1)
        branch_form = YearBranchForm(request.GET or None, user=request.user)
        branch = branch_form.cleaned_data.get("branch") if branch_form.is_valid() else None
        qs = selectors.political_birthdays(user=request.user, month=month.month,
                                           branch_ids=[branch.pk] if branch else None)
        rows = []
        for m in qs:
            years = month.year - m.joined_on.year
            if years < 1:
                continue  # joined this year (or later): no anniversary yet
            rows.append({"member": m, "day": m.joined_on.day, "years": years,
                         "greeting": GREETING.format(name=m.name, year=month.year, month=month.month,
                                                     day=m.joined_on.day, years=years, branch=m.branch.name)})
        if request.GET.get("format") == "xlsx":
            cols = [Column("姓名", lambda r: r["member"].name, width=12),
                    Column("党支部", lambda r: r["member"].branch.name, width=28),
                    Column("入党日期", lambda r: r["member"].joined_on, number_format=DATE, width=12),
                    Column("党龄（年）", "years", width=10), Column("祝福语", "greeting", width=80)]
            return xlsx_response(f"{month:%Y年%m月}政治生日.xlsx", [Sheet("政治生日", cols, rows)])
        return render(request, "members/birthdays.html", {
            "rows": rows, "month": month, "form": form, "branch_form": branch_form,
            "show_greeting": request.GET.get("greeting") == "1",
        })


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


# --------------------------------------------------------------------------------------------
# 党员积分
# --------------------------------------------------------------------------------------------
def _period(form):
    year = form.cleaned_data["year"] if form.is_valid() else date.today().year
    return year, date(year, 1, 1), date(year, 12, 31)


class PointsView(LifecycleMixin, View):
    def get(self, request):
        form = YearBranchForm(request.GET or None, user=request.user)
        year, start, end = _period(form)
        branch = form.cleaned_data.get("branch") if form.is_valid() else None
        branches = Organization.objects.restrict(request.user, VIEW).active().branches()
        ranking = points.branch_ranking(branches=branches, start=start, end=end)
        scores, monthly = [], []
        if branch:
            members = Member.objects.filter(branch=branch, is_active=True).select_related("branch")
            scores = sorted(points.member_scores(members=members, start=start, end=end), key=lambda s: -s.total)
            month = date.today().replace(day=1) if year == date.today().year else date(year, 12, 1)
            from dateutil.relativedelta import relativedelta

            monthly = {s.member.pk: s.earned for s in points.member_scores(
                members=members, start=month, end=month + relativedelta(months=1, days=-1), include_base=False)}
            for s in scores:
                s.month_earned = monthly.get(s.member.pk)
        return render(request, "members/points/index.html", {
            "form": form, "year": year, "ranking": ranking, "branch": branch, "scores": scores,
            "items": scores[0].items if scores else [], "providers": points.providers(),
        })


class PointsEntriesView(RecorderRequiredMixin, LifecycleMixin, View):
    recorder_denied_message = _("您没有可录入积分的党员。")

    def _context(self, request, form=None):
        entries = PointsEntry.objects.restrict(request.user, VIEW).select_related("member", "item", "recorded_by",
                                                                                 "audited_by")
        members = Member.objects.restrict(request.user, CHANGE).active().select_related("branch").order_by("name")
        items = PointsItem.objects.filter(source=points.MANUAL, scheme__is_active=True)
        return {"entries": entries[:200], "pending": entries.filter(status=EntryStatus.PENDING).filter(
                    subtree_q(granted_paths(request.user, MANAGE), "member__branch__path")
                    if not request.user.is_superuser else Q()),
                "form": form or PointsEntryForm(members_qs=members, items_qs=items),
                "can_add": members.exists()}

    def get(self, request):
        return render(request, "members/points/entries.html", self._context(request))

    def post(self, request):
        members = Member.objects.restrict(request.user, CHANGE).active().select_related("branch")
        items = PointsItem.objects.filter(source=points.MANUAL, scheme__is_active=True)
        form = PointsEntryForm(request.POST, members_qs=members, items_qs=items)
        if form.is_valid():
            try:
                points.points_entry_add(by=request.user, **form.cleaned_data)
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, _("已录入，待党务工作人员审核后计分。"))
                return redirect("members:points_entries")
        return render(request, "members/points/entries.html", self._context(request, form))


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

