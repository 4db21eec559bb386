"""组织关系转接 pages and 流动党员 registration."""
from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views import View

from branches.models import Organization
from portal.forms import apply_validation_error
from portal.scoping import CHANGE, VIEW

from ..forms.transfers import MobileForm, ReturnForm, TransferForm, TransferInForm
from ..models import Member, Transfer, TransferStatus
from ..services import transfers
from .lifecycle import LifecycleMixin, RecorderRequiredMixin, _member_for


# --------------------------------------------------------------------------------------------
# Transfers
# --------------------------------------------------------------------------------------------
class TransferListView(LifecycleMixin, View):
    def get(self, request):
        qs = Transfer.objects.restrict(request.user, VIEW).select_related("member", "from_branch", "to_branch",
                                                                          "initiated_by")
        pending = qs.filter(status=TransferStatus.PENDING)
        incoming = pending.incoming(request.user)
        return render(request, "members/transfers/list.html", {
            "incoming": incoming, "outgoing": pending.outgoing(request.user).exclude(pk__in=incoming.values("pk")),
            "done": qs.exclude(status=TransferStatus.PENDING)[:50],
            "can_transfer_in": Organization.objects.restrict(request.user, CHANGE).branches().exists(),
            "mobile": Member.objects.restrict(request.user, VIEW).active().exclude(mobile_location="")
            .select_related("branch")[:200],
        })


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
