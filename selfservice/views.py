"""我的 pages: each reads the signed-in user's own member record (no id in the URL), so nobody can open another
person's page; a user without a member record gets a plain explanation (403)."""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views import View

from portal.views import PortalPageMixin, ServiceFormView

from . import selectors, services
from .forms import SelfAssessmentForm

NO_MEMBER = _("您的账号未关联党员信息。请联系所在党支部书记关联后使用“我的”。")


class MinePageMixin(PortalPageMixin):
    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.member = selectors.own_member(request.user)
            if self.member is None:
                raise PermissionDenied(NO_MEMBER)
        return super().dispatch(request, *args, **kwargs)


class HomeView(MinePageMixin, View):
    def get(self, request):
        return render(request, "selfservice/home.html", selectors.overview(member=self.member))


class ProfileView(MinePageMixin, View):
    def get(self, request):
        ctx = selectors.profile(member=self.member)
        if request.GET.get("show_id") == "1":
            ctx["full_id"] = services.own_id_number_view(user=request.user, member=self.member,
                                                         ip_address=request.META.get("REMOTE_ADDR"))
        return render(request, "selfservice/profile.html", ctx)


class OrgLifeView(MinePageMixin, View):
    def get(self, request):
        return render(request, "selfservice/orglife.html", selectors.orglife(member=self.member))


class DuesView(MinePageMixin, View):
    def get(self, request):
        return render(request, "selfservice/dues.html", selectors.dues(member=self.member))


class StudyView(MinePageMixin, ServiceFormView):
    """The member's study page with her self-assessment in the open 民主评议 round (refused input: 400)."""

    template_name = "selfservice/study.html"
    form_class = SelfAssessmentForm
    invalid_status = 400
    success_message = _("个人自评已保存。")

    def load(self, request):
        if request.method == "POST":
            return {"ctx": None, "entry": selectors.open_appraisal(member=self.member)}
        ctx = selectors.study(member=self.member)
        return {"ctx": ctx, "entry": ctx["appraisal"]}

    def unavailable(self, objects):
        if objects["entry"] is None:
            messages.error(self.request, services.NO_OPEN_ROUND)
            return redirect("mine:study")
        return None

    def form_kwargs(self, objects):
        entry = objects["entry"]
        if entry is None:
            return {}
        kwargs = {"probationary": entry.is_probationary}
        if self.request.method == "GET":
            kwargs["initial"] = {"text": entry.self_assessment, "grade": entry.self_grade}
        return kwargs

    def get(self, request):
        objects = self.load(request)
        form = self.form_class(**self.form_kwargs(objects)) if objects["entry"] is not None else None
        return render(request, self.template_name, self.context(form, objects))

    def context(self, form, objects):
        return {**(objects["ctx"] or selectors.study(member=self.member)), "form": form}

    def perform(self, form, objects):
        return services.self_assessment_save(entry=objects["entry"], text=form.cleaned_data["text"],
                                             grade=form.cleaned_data.get("grade") or "", by=self.request.user)

    def success_url(self, entry, objects):
        return "mine:study"


def home_panel(request, ctx):
    """A member's home (no staff/secretary/reviewer role) shows 我的 instead of tiles."""
    if ctx.get("mode") != "member":
        return None
    member = selectors.own_member(request.user)
    if member is None:
        return None
    return "selfservice/panel_home.html", selectors.overview(member=member)

