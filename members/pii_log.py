"""Staff page: who saw a full 身份证号 or exported personal data, within the viewer's scope."""
from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views import View

from branches.permissions import is_staff
from portal.scoping import MANAGE
from portal.views import PortalPageMixin

from .models import Member, PiiAccess

STAFF_ONLY = _("只有党务工作者可以查看个人信息访问记录。")


def pii_log(*, user):
    """Accesses to members in the user's MANAGE scope; exports (no member) only for superusers."""
    qs = PiiAccess.objects.select_related("user", "member", "member__branch").order_by("-at", "-id")
    if user.is_superuser:
        return qs
    return qs.filter(member__in=Member.objects.restrict(user, MANAGE))


class PiiLogView(PortalPageMixin, View):
    def get(self, request):
        if not is_staff(request.user):
            raise PermissionDenied(STAFF_ONLY)
        page = Paginator(pii_log(user=request.user), 50).get_page(request.GET.get("page"))
        return render(request, "members/pii_log.html", {"page_obj": page})
