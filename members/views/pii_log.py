"""Staff page: who saw a full 身份证号 or exported personal data, within the viewer's scope."""
from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views import View

from branches.models import Organization
from branches.permissions import is_staff
from portal.scoping import MANAGE
from portal.views import PortalPageMixin

from ..models import Member, PiiAccess

STAFF_ONLY = _("只有党务工作者可以查看个人信息访问记录。")


def pii_log(*, user):
    """Accesses to members in the user's MANAGE scope; exports (no member) only for superusers.

    A single-member row is placed by its member's branch; an API page's row (several members of one branch)
    by that branch (`organization`).
    """
    qs = PiiAccess.objects.select_related("user", "member", "member__branch", "organization").order_by("-at", "-id")
    if user.is_superuser:
        return qs
    return qs.filter(Q(member__in=Member.objects.restrict(user, MANAGE))
                     | Q(member__isnull=True, organization__in=Organization.objects.restrict(user, MANAGE)))


def attach_member_names(accesses, *, user) -> None:
    """`member_names` on each multi-member row: the names of those members the viewer may MANAGE (one query)."""
    ids = {pk for a in accesses if a.member_id is None for pk in a.member_ids}
    names = dict(Member.objects.restrict(user, MANAGE).filter(pk__in=ids).values_list("pk", "name")) if ids else {}
    for a in accesses:
        a.member_names = [names[pk] for pk in a.member_ids if pk in names] if a.member_id is None else []


class PiiLogView(PortalPageMixin, View):
    def get(self, request):
        if not is_staff(request.user):
            raise PermissionDenied(STAFF_ONLY)
        page = Paginator(pii_log(user=request.user), 50).get_page(request.GET.get("page"))
        attach_member_names(page.object_list, user=request.user)
        return render(request, "members/pii_log.html", {"page_obj": page})
