"""The status change page of a member."""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views import View

from portal.forms import apply_validation_error

from ..forms.status import StatusForm
from ..models import StatusKind
from ..permissions import can_approve
from ..services import status
from .lifecycle import LifecycleMixin, _member_for

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
