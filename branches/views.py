"""Pages for the organization tree, committees, structural warnings and role grants."""
from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views import View

from portal.concurrency import SingleSubmitMixin
from portal.extensions import home_panels, organization_panels
from portal.history import history_rows
from portal.scoping import MANAGE, VIEW
from portal.views import PortalPageMixin, PostActionsView, ServiceActionView, ServiceFormView, has_page_access

from . import selectors, services
from .forms import DissolveForm, GrantForm, OrganizationForm, TermForm
from .models import ALLOWED_PARENT_KINDS, Organization, Role, RoleGrant
from .permissions import can_change, can_manage, role_grants, user_roles

HOME_WARNINGS = 10  # branches with structural warnings listed on a staff home page
WARNINGS_PAGE_SIZE = 25
TREE_PAGE_SIZE = 50  # children of an opened organization per page
API_USAGE_DAYS = 30


class HomeView(PortalPageMixin, View):
    """A home page per role: staff see their subtree, secretaries their branch, reviewers their scope.

    API-only accounts (上级机关) have no portal pages: their home is a landing page with their clients' tokens,
    scopes, expiry and usage, and the API documentation: nothing they cannot open."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not has_page_access(request.user):
            if request.method not in ("GET", "HEAD"):
                from django.http import HttpResponseNotAllowed

                return HttpResponseNotAllowed(["GET", "HEAD"])
            return self.api_home(request)
        return super().dispatch(request, *args, **kwargs)

    def api_home(self, request):
        from .api_clients import api_clients_for_agency

        clients = list(api_clients_for_agency(user=request.user, days=API_USAGE_DAYS))
        return render(request, "branches/api_home.html", {
            "clients": clients, "usage_days": API_USAGE_DAYS, "is_agency": Role.AGENCY in user_roles(request.user)})

    def get(self, request):
        user = request.user
        roles = user_roles(user)
        ctx = {"roles": roles}
        if user.is_superuser or Role.STAFF in roles:
            ctx["counts"] = selectors.subtree_counts(user=user)
            ctx["warnings"] = selectors.branches_with_warnings(user=user, limit=HOME_WARNINGS)
            ctx["mode"] = "staff"
        elif Role.SECRETARY in roles:
            path = next(path for path, role in role_grants(user) if role == Role.SECRETARY)  # her first grant
            branch = selectors.organization_detail(user=user, path=path, with_committee=False)
            ctx.update(mode="secretary", branch=branch, warnings=selectors.structure_warnings(branch),
                       groups=selectors.children_of(branch))
        elif Role.REVIEWER in roles:
            ctx["mode"] = "reviewer"
            ctx["counts"] = selectors.subtree_counts(user=user)
        else:
            # A member without a role: no subtree tiles; the 我的 panel (selfservice) takes the page.
            ctx["mode"] = "member"
        ctx["panels"] = home_panels(request, ctx)
        return render(request, "branches/home.html", ctx)


class TreeView(PortalPageMixin, View):
    """The tree a level at a time: the user's top organizations with their first children; ?parent= opens one
    organization, its children a page at a time; ?q= searches. What a page reads and draws follows its rows,
    whatever the size of the tree (a province's top 党委 has 500 children and 200,000 organizations below)."""

    def get(self, request):
        show_groups = request.GET.get("groups") == "1"
        q = request.GET.get("q", "").strip()[:40]
        parent, page_obj = None, None
        if q:
            orgs = selectors.organization_search(user=request.user, q=q, groups=show_groups)
        elif request.GET.get("parent", "").isdigit():
            parent = get_object_or_404(selectors.with_tree_figures(Organization.objects.restrict(request.user, VIEW)),
                                       pk=request.GET["parent"])
            page_obj = Paginator(selectors.organization_children(user=request.user, parent=parent,
                                                                 groups=show_groups),
                                 TREE_PAGE_SIZE).get_page(request.GET.get("page"))
            orgs = [parent, *page_obj.object_list]
        else:
            orgs = selectors.organization_top(user=request.user, groups=show_groups)
        heads = {o.pk for o in orgs if getattr(o, "is_head", False)} | ({parent.pk} if parent else set())
        for o in orgs:
            o.indent = 0 if q or o.pk in heads else 1
            o.warnings = selectors.structure_warnings(o)
            o.can_open = (not q and o.pk not in heads
                          and selectors.openable_children(o, groups=show_groups) > 0)
        ancestors = (Organization.objects.restrict(request.user, VIEW).filter(path__in=parent.ancestor_paths()[1:])
                     .order_by("path") if parent else [])
        return render(request, "branches/tree.html", {"orgs": orgs, "q": q, "show_groups": show_groups,
                                                       "parent": parent, "ancestors": ancestors,
                                                       "page_obj": page_obj,
                                                       "search_limit": selectors.TREE_SEARCH_LIMIT})


class OrganizationDetailView(PortalPageMixin, View):
    def get(self, request, pk):
        org = selectors.organization_detail(user=request.user, pk=pk)
        terms = list(org.terms.all())
        current = next((t for t in terms if t.is_current), None)
        ctx = {
            "org": org,
            "warnings": selectors.structure_warnings(org),
            "children": selectors.children_of(org),
            "current_term": current,
            "past_terms": [t for t in terms if not t.is_current],
            "ancestors": Organization.objects.filter(path__in=org.ancestor_paths()[1:]).order_by("path"),
            "can_manage": can_manage(request.user, org),
            "can_change": can_change(request.user, org),
            "history": history_rows(org),
            "child_kinds": [k for k, parents in ALLOWED_PARENT_KINDS.items() if org.kind in parents],
        }
        ctx["panels"] = organization_panels(request, org)
        return render(request, "branches/detail.html", ctx)


def _managed(request, pk) -> Organization:
    return get_object_or_404(Organization.objects.restrict(request.user, MANAGE), pk=pk)


class OrganizationCreateView(PortalPageMixin, SingleSubmitMixin, ServiceFormView):
    template_name = "branches/form.html"
    form_class = OrganizationForm
    title = _("新建下级组织")

    def load(self, request):
        return {"parent": _managed(request, request.GET.get("parent") or request.POST.get("parent") or 0)}

    def form_kwargs(self, objects):
        return {"allowed_kinds": [k for k, parents in ALLOWED_PARENT_KINDS.items() if objects["parent"].kind in parents]}

    def perform(self, form, objects):
        return services.organization_create(parent=objects["parent"], by=self.request.user, **form.cleaned_data)

    def get_success_message(self, org, objects):
        return _("已新建“{name}”。").format(name=org.name)


class OrganizationEditView(PortalPageMixin, ServiceFormView):
    template_name = "branches/form.html"
    form_class = OrganizationForm
    title = _("编辑组织信息")
    success_message = _("已保存。")

    def load(self, request, pk):
        return {"org": _managed(request, pk)}

    def form_kwargs(self, objects):
        return {"instance": objects["org"]}

    def perform(self, form, objects):
        fields = {k: v for k, v in form.cleaned_data.items() if k != "kind"}
        services.organization_update(organization=objects["org"], by=self.request.user, **fields)
        return objects["org"]


class OrganizationDissolveView(PortalPageMixin, ServiceFormView):
    template_name = "branches/form.html"
    form_class = DissolveForm

    def load(self, request, pk):
        return {"org": _managed(request, pk), "danger": True}

    def get_title(self, objects):
        return _("撤销“{name}”").format(name=objects["org"].name)

    def perform(self, form, objects):
        services.organization_dissolve(organization=objects["org"], by=self.request.user, **form.cleaned_data)
        return objects["org"]

    def get_success_message(self, org, objects):
        return _("“{name}”已撤销，历史记录保留。").format(name=org.name)


class TermCreateView(PortalPageMixin, ServiceFormView):
    """换届: record a newly elected committee."""

    template_name = "branches/form.html"
    form_class = TermForm
    title = _("登记换届（新一届委员会）")
    success_message = _("新一届委员会已登记。")

    def load(self, request, pk):
        return {"org": _managed(request, pk)}

    def form_kwargs(self, objects):
        return {"organization": objects["org"]}

    def perform(self, form, objects):
        services.term_start(organization=objects["org"], started_on=form.cleaned_data["started_on"],
                            ends_on=form.cleaned_data["ends_on"], seats=form.seats(), by=self.request.user,
                            approval=form.approval(), early_approval=form.approval())
        return objects["org"]


class WarningsView(PortalPageMixin, View):
    def get(self, request):
        # A page of the warned branches (a province has thousands): the rows walk the tree in path order; the count
        # is a range of the stored warned_since (it read every branch of the scope: ×3 from N=5,000 to 50,000).
        paginator = Paginator(selectors.warned_branches(user=request.user), WARNINGS_PAGE_SIZE)
        paginator.count = selectors.warned_branches_count(user=request.user)
        page_obj = paginator.get_page(request.GET.get("page"))
        rows = selectors.with_warnings(page_obj.object_list)
        return render(request, "branches/warnings.html", {"rows": rows, "page_obj": page_obj})


def _require_manage_somewhere(request):
    if not Organization.objects.restrict(request.user, MANAGE).exists():
        raise PermissionDenied(_("只有党务工作者可以管理用户与角色。"))


def _grants_ctx(request, form):
    grants = RoleGrant.objects.filter(
        organization__in=Organization.objects.restrict(request.user, MANAGE)
    ).select_related("user", "organization").order_by("organization__path", "role")
    return {"form": form, "grants": grants}


class GrantCreateAction(ServiceFormView):
    template_name = "branches/grants.html"
    form_class = GrantForm

    def load(self, request):
        _require_manage_somewhere(request)
        return {}

    def form_kwargs(self, objects):
        return {"user": self.request.user}

    def context(self, form, objects):
        return _grants_ctx(self.request, form)

    def perform(self, form, objects):
        data = form.cleaned_data
        return services.account_grant(username=data["username"], full_name=data["full_name"],
                                      password=data["password"], organization=data["organization"],
                                      role=data["role"], by=self.request.user)

    def get_success_message(self, grant, objects):
        return _("已授予 {user}“{role}”角色。").format(user=grant.user.username, role=Role(grant.role).label)

    def success_url(self, grant, objects):
        return reverse("branches:grants")


class GrantRevokeAction(ServiceActionView):
    success_message = _("已撤销该授权。")

    def load(self, request):
        _require_manage_somewhere(request)
        return {"grant": get_object_or_404(RoleGrant.objects.filter(
            organization__in=Organization.objects.restrict(request.user, MANAGE)), pk=request.POST["revoke"])}

    def perform(self, form, objects):
        return services.role_revoke(grant=objects["grant"], by=self.request.user)

    def redirect_url(self, objects):
        return reverse("branches:grants")


class GrantsView(PortalPageMixin, PostActionsView):
    """Staff manage who holds which role inside their scope."""

    actions = {"revoke": GrantRevokeAction, "grant": GrantCreateAction}

    def action_name(self, request, kwargs):
        return "revoke" if "revoke" in request.POST else "grant"

    def get(self, request):
        _require_manage_somewhere(request)
        return render(request, "branches/grants.html", _grants_ctx(request, GrantForm(user=request.user)))


def organization_for_view(request, pk) -> Organization:
    return get_object_or_404(Organization.objects.restrict(request.user, VIEW), pk=pk)
