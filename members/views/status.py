"""The status change page of a member."""
from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from portal.views import ServiceFormView

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


class StatusChangeView(LifecycleMixin, ServiceFormView):
    template_name = "members/status_form.html"
    form_class = StatusForm

    def load(self, request, pk):
        return {"member": _member_for(request, pk)}

    def form_kwargs(self, objects):
        return {"member": objects["member"]}

    def context(self, form, objects):
        member = objects["member"]
        return {"form": form, "member": member, "title": _("党员身份变化：{name}").format(name=member.name),
                "changes": member.status_changes.select_related("recorded_by")}

    def perform(self, form, objects):
        member, d = objects["member"], form.cleaned_data
        if d["kind"] not in BRANCH_DECISIONS and not can_approve(self.request.user, member.branch):
            raise PermissionDenied(_("留党察看、出党、退党须由上级党务工作人员登记。"))
        return status.status_record(member=member, kind=d["kind"], on=d["on"], reason=d["reason"], by=self.request.user,
                                    months=d["months"], meeting=d["meeting"], meeting_on=d["meeting_on"],
                                    meeting_ref=d["meeting_ref"], exception_reason=d["exception_reason"])

    def get_success_message(self, change, objects):
        return _("已登记：{kind}。").format(kind=StatusKind(self.request.POST["kind"]).label)

    def success_url(self, change, objects):
        return objects["member"]
