"""The base of the lifecycle pages: access checks and the member lookup they share."""
from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _

from portal.scoping import VIEW
from portal.views import PortalPageMixin

from ..models import Member
from ..permissions import can_approve, can_record, can_record_somewhere, has_lifecycle_access


def _member_for(request, pk, *, manage=False):
    member = get_object_or_404(Member.objects.restrict(request.user, VIEW).select_related("branch"), pk=pk)
    allowed = can_approve(request.user, member.branch) if manage else can_record(request.user, member.branch)
    if not allowed:
        raise PermissionDenied(_("您无权为该党员办理此事项。"))
    return member


class LifecycleMixin(PortalPageMixin):
    """Lifecycle pages: signed in, page access, and a role somewhere in the tree."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not has_lifecycle_access(request.user):
            raise PermissionDenied(_("您没有党支部工作权限。"))
        return super().dispatch(request, *args, **kwargs)


class RecorderRequiredMixin:
    """Writes need a branch the user may record for; without one the answer is 403, not a form that can
    never be valid (read-only roles see list pages, but their POSTs stop here).

    `recorder_required_on` names the methods checked: form-only pages check GET too.
    """

    recorder_required_on = ("POST",)
    recorder_denied_message = _("您没有可登记的党支部。")

    def dispatch(self, request, *args, **kwargs):
        if (request.user.is_authenticated and request.method in self.recorder_required_on
                and not can_record_somewhere(request.user)):
            raise PermissionDenied(self.recorder_denied_message)
        return super().dispatch(request, *args, **kwargs)
