"""组织关系转接 pages and 流动党员 registration."""
from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views import View

from branches.models import Organization
from portal.scoping import CHANGE, VIEW
from portal.views import PostActionsView, ServiceActionView, ServiceFormView

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


class TransferInitiateView(LifecycleMixin, ServiceFormView):
    template_name = "members/form.html"
    form_class = TransferForm

    def load(self, request, pk):
        return {"member": _member_for(request, pk)}

    def form_kwargs(self, objects):
        return {"member": objects["member"]}

    def get_title(self, objects):
        return _("组织关系转接：{name}").format(name=objects["member"].name)

    def perform(self, form, objects):
        d = form.cleaned_data
        return transfers.transfer_send(member=objects["member"], kind=d["kind"], on=d["on"], to_branch=d.get("to_branch"),
                                       counterpart=d["counterpart"], letter_no=d["letter_no"], reason=d["reason"],
                                       by=self.request.user)

    def get_success_message(self, transfer, objects):
        if transfer.to_branch_id:
            return _("已发起转接，待{branch}接收。").format(branch=transfer.to_branch.name)
        return _("已办理转出，党员记录保留在历史名册中。")

    def success_url(self, transfer, objects):
        return reverse("members:transfers")


class _TransferDecision(ServiceActionView):
    def load(self, request, pk, action):
        return {"transfer": get_object_or_404(Transfer.objects.restrict(request.user, VIEW), pk=pk)}

    def redirect_url(self, objects):
        return reverse("members:transfers")


class TransferAcceptAction(_TransferDecision):
    success_message = _("已接收，组织关系已转入。")

    def perform(self, form, objects):
        return transfers.transfer_accept(transfer=objects["transfer"], on=date.today(), by=self.request.user)


class TransferReturnAction(_TransferDecision):
    form_class = ReturnForm
    invalid_message = _("退回须说明原因。")
    success_message = _("已退回转出支部。")

    def perform(self, form, objects):
        return transfers.transfer_return(transfer=objects["transfer"], on=date.today(),
                                         reason=form.cleaned_data["reason"], by=self.request.user)


class TransferCancelAction(_TransferDecision):
    success_message = _("已撤回。")

    def perform(self, form, objects):
        return transfers.transfer_cancel(transfer=objects["transfer"], by=self.request.user)


class TransferDecideView(LifecycleMixin, PostActionsView):
    """POST accept / return / cancel on a pending transfer visible to the user."""

    actions = {"accept": TransferAcceptAction, "return": TransferReturnAction, "cancel": TransferCancelAction}

    def unknown_action(self, request, pk, action):
        get_object_or_404(Transfer.objects.restrict(request.user, VIEW), pk=pk)
        raise PermissionDenied


class TransferInView(RecorderRequiredMixin, LifecycleMixin, ServiceFormView):
    recorder_required_on = ("GET", "POST")
    recorder_denied_message = _("您没有可接收转入党员的党支部。")
    template_name = "members/form.html"
    form_class = TransferInForm
    title = _("从系统外转入党员")

    def form_kwargs(self, objects):
        return {"user": self.request.user}

    def perform(self, form, objects):
        d = dict(form.cleaned_data)
        return transfers.transfer_in_external(to_branch=d.pop("to_branch"), on=d.pop("on"),
                                              counterpart=d.pop("counterpart"), letter_no=d.pop("letter_no"),
                                              by=self.request.user, **d)

    def get_success_message(self, transfer, objects):
        return _("已转入 {name}。").format(name=transfer.member.name)

    def success_url(self, transfer, objects):
        return transfer.member


class MobileView(LifecycleMixin, ServiceFormView):
    template_name = "members/form.html"
    form_class = MobileForm
    success_message = _("已保存流动情况。")

    def load(self, request, pk):
        return {"member": _member_for(request, pk)}

    def form_kwargs(self, objects):
        member = objects["member"]
        if self.request.method == "GET":
            return {"initial": {"location": member.mobile_location, "since": member.mobile_since or date.today()}}
        return {}

    def get_title(self, objects):
        return _("流动党员：{name}").format(name=objects["member"].name)

    def perform(self, form, objects):
        return transfers.member_mark_mobile(member=objects["member"], by=self.request.user, **form.cleaned_data)

    def success_url(self, member, objects):
        return objects["member"]
