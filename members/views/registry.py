"""Member registry pages: list, detail with history, create/edit, moves, import and export."""
from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views import View

from branches.models import Organization
from portal import keyset
from portal.concurrency import SingleSubmitMixin
from portal.extensions import member_panels
from portal.history import history_rows
from portal.netaddr import client_ip
from portal.scoping import CHANGE, MANAGE
from portal.views import PortalPageMixin, ServiceFormView

from ..forms.registry import DeactivateForm, ImportForm, MemberForm, MoveForm
from ..models import Member, PiiAccess
from ..permissions import can_edit, can_export_pii, can_manage, can_record_somewhere, can_see_full_id
from ..selectors import registry as selectors
from ..services import registry as services
from ..services.importing import ImportRejected, import_members
from ..services.pii import pii_access_log
from .exporting import import_template_response, members_xlsx_response

PAGE_SIZE = 50
KEYSET_FROM = 10_000  # rows (200 pages): beyond this the list is paged by key, not by page number
# The first sort field a person can type a starting point for: (label of the 跳至 field, input type)
JUMPS = {"name": (_("从姓名"), "text"), "joined_on": (_("从入党日期"), "date"), "birth_date": (_("从出生日期"), "date")}
NO_BRANCH_TO_REGISTER = _("您没有可登记党员的党支部。")


def _require_change_scope(request) -> None:
    """Registering or importing members needs CHANGE on some organization (read-only roles get 403)."""
    if not Organization.objects.restrict(request.user, CHANGE).exists():
        raise PermissionDenied(NO_BRANCH_TO_REGISTER)


class MemberListView(PortalPageMixin, View):
    def get(self, request):
        qs, filterset = selectors.member_list(user=request.user, filters=request.GET, request=request)
        if request.GET.get("format") == "xlsx":
            if not filterset.is_valid():
                messages.error(request, _("筛选条件有误，未导出。"))
                return redirect("members:list")
            return members_xlsx_response(qs)
        total = selectors.member_list_total(qs, filterset, user=request.user)
        ctx = {"total": total, "keyset": False}
        if total > KEYSET_FROM or any(request.GET.get(p) for p in keyset.PARAMS):
            # A big list is paged by key (portal.keyset): every page costs the same, the last one included
            # (OFFSET 149,900 took 673 ms for a province). 首页/上一页/下一页/末页 move by position in the order; a
            # jump starts at a typed name or date when the list is sorted by one.
            first = (list(qs.query.order_by) or list(qs.model._meta.ordering))[0].lstrip("-")
            jump_label, jump_type = JUMPS.get(first, (None, None))
            page = keyset.keyset_page(qs, request.GET, per_page=PAGE_SIZE, count=total,
                                      jump_field=first if jump_label else None)
            ctx.update(keyset=True, jump_label=jump_label, jump_type=jump_type, keep_params=[
                (k, v) for k, values in request.GET.lists() for v in values if k not in (*keyset.PARAMS, "page")])
        else:
            paginator = Paginator(qs, PAGE_SIZE)
            paginator.count = total  # counted above
            page = paginator.get_page(request.GET.get("page"))
        fields = filterset.form.fields
        fields.pop("updated_since", None)  # an API concern; keeps the page's filter bar short
        # The organization choices only need what their labels show (the filter already resolved the chosen one).
        fields["organization"].queryset = fields["organization"].queryset.only("pk", "path", "depth", "name")
        can_add = can_record_somewhere(request.user)  # no query: the scope is loaded once per request
        return render(request, "members/list.html", {"filter": filterset, "page_obj": page, "can_add": can_add,
                                                     **ctx})


class MemberDetailView(PortalPageMixin, View):
    def get(self, request, pk):
        member = selectors.member_detail(user=request.user, pk=pk)
        full_id = None
        if request.GET.get("show_id") == "1":
            if not can_see_full_id(request.user, member):
                raise PermissionDenied(_("无权查看完整身份证号。"))
            full_id = member.get_id_number()
            pii_access_log(user=request.user, action=PiiAccess.Action.VIEW_ID, members=[member],
                           ip_address=client_ip(request))
        return render(request, "members/detail.html", {
            "member": member, "full_id": full_id, "history": history_rows(member, reveal=can_edit(request.user, member)),
            "can_edit": can_edit(request.user, member), "can_manage": can_manage(request.user, member),
            "can_see_full_id": can_see_full_id(request.user, member), "panels": member_panels(request, member),
        })


class MemberCreateView(PortalPageMixin, SingleSubmitMixin, ServiceFormView):
    template_name = "members/form.html"
    form_class = MemberForm
    title = _("登记党员")

    def load(self, request):
        if request.method == "POST":
            _require_change_scope(request)
        return {}

    def form_kwargs(self, objects):
        if self.request.method == "GET":
            initial = {"branch": self.request.GET["branch"]} if self.request.GET.get("branch") else {}
            return {"user": self.request.user, "initial": initial}
        return {"user": self.request.user}

    def context(self, form, objects):
        if self.request.method == "GET" and not form.fields["branch"].queryset.exists():
            raise PermissionDenied(NO_BRANCH_TO_REGISTER)
        return super().context(form, objects)

    def perform(self, form, objects):
        return services.member_create(by=self.request.user, **form.cleaned_data)

    def get_success_message(self, member, objects):
        return _("已登记党员 {name}。").format(name=member.name)


class MemberEditView(PortalPageMixin, ServiceFormView):
    template_name = "members/form.html"
    form_class = MemberForm
    success_message = _("已保存。")

    def load(self, request, pk):
        return {"member": get_object_or_404(Member.objects.restrict(request.user, CHANGE).select_related("branch"),
                                            pk=pk)}

    def form_kwargs(self, objects):
        return {"instance": objects["member"], "user": self.request.user}

    def get_title(self, objects):
        return _("编辑 {name}").format(name=objects["member"].name)

    def perform(self, form, objects):
        member = objects["member"]
        data = {k: v for k, v in form.cleaned_data.items() if k != "branch"}
        member.refresh_from_db()   # the form wrote its input onto the instance; the service compares with the row
        services.member_update(member=member, by=self.request.user, **data)
        return member


class _ManagedMemberFormView(PortalPageMixin, ServiceFormView):
    """A staff action on one member (MANAGE on the member's branch), shown on the member form template."""

    template_name = "members/form.html"
    title_format = ""

    def load(self, request, pk):
        return {"member": get_object_or_404(Member.objects.restrict(request.user, MANAGE).select_related("branch"),
                                            pk=pk)}

    def get_title(self, objects):
        return self.title_format.format(name=objects["member"].name)


class MemberMoveView(_ManagedMemberFormView):
    form_class = MoveForm
    title_format = _("组织关系调整：{name}")
    success_message = _("组织关系已调整，记录已保存。")

    def form_kwargs(self, objects):
        return {"user": self.request.user}

    def perform(self, form, objects):
        services.member_move(member=objects["member"], by=self.request.user, **form.cleaned_data)
        return objects["member"]


class MemberDeactivateView(_ManagedMemberFormView):
    form_class = DeactivateForm
    title_format = _("办理离开：{name}")
    success_message = _("已办理，党员记录保留在历史名册中。")

    def load(self, request, pk):
        return {**super().load(request, pk), "danger": True}

    def form_kwargs(self, objects):
        return {"initial": {"on": date.today()}} if self.request.method == "GET" else {}

    def perform(self, form, objects):
        services.member_deactivate(member=objects["member"], by=self.request.user, **form.cleaned_data)
        return objects["member"]


class MemberRestoreView(PortalPageMixin, View):
    def post(self, request, pk):
        member = get_object_or_404(Member.objects.restrict(request.user, MANAGE).select_related("branch"), pk=pk)
        try:
            services.member_restore(member=member, on=date.today(), reason=request.POST.get("reason", "恢复在册"),
                                    by=request.user)
        except ValidationError as exc:
            messages.error(request, _("；").join(exc.messages))
        else:
            messages.success(request, _("已恢复在册。"))
        return redirect(member)


class MemberImportView(PortalPageMixin, ServiceFormView):
    """An XLSX of members, all or nothing: a refused file shows its report (the rows in error) under the form."""

    template_name = "members/import.html"
    form_class = ImportForm
    refusals = (ImportRejected,)

    def load(self, request):
        _require_change_scope(request)
        return {"result": None}

    def get(self, request):
        if request.GET.get("template") == "1":
            _require_change_scope(request)
            return import_template_response(user=request.user)
        return super().get(request)

    def context(self, form, objects):
        return {"form": form, "result": objects["result"]}

    def perform(self, form, objects):
        return import_members(fileobj=form.cleaned_data["file"], by=self.request.user,
                              registered_on=form.cleaned_data.get("registered_on"))

    def refused(self, exc, form, objects):
        objects["result"] = exc.result

    def get_success_message(self, result, objects):
        return _("导入成功：共 {n} 名党员。").format(n=result.created)

    def success_url(self, result, objects):
        return "members:list"


class MemberExportPiiView(PortalPageMixin, View):
    """Full-PII export: superusers only, logged."""

    def get(self, request):
        if not can_export_pii(request.user):
            raise PermissionDenied(_("无权导出含完整个人信息的名册。"))
        qs, _filterset = selectors.member_list(user=request.user, filters=request.GET, request=request)
        pii_access_log(user=request.user, action=PiiAccess.Action.EXPORT, detail=request.GET.urlencode(),
                       ip_address=client_ip(request))
        return members_xlsx_response(qs, show_pii=True, filename="党员名册（含个人信息）.xlsx")
