"""我的 pages: each reads the signed-in user's own member record (no id in the URL), so nobody can open another
person's page; a user without a member record gets a plain explanation (403)."""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views import View

from portal.forms import apply_validation_error
from portal.views import PortalPageMixin

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


class StudyView(MinePageMixin, View):
    def _render(self, request, form=None, status=200):
        ctx = selectors.study(member=self.member)
        entry = ctx["appraisal"]
        if entry is not None and form is None:
            form = SelfAssessmentForm(initial={"text": entry.self_assessment, "grade": entry.self_grade},
                                      probationary=entry.is_probationary)
        ctx["form"] = form
        return render(request, "selfservice/study.html", ctx, status=status)

    def get(self, request):
        return self._render(request)

    def post(self, request):
        entry = selectors.open_appraisal(member=self.member)
        if entry is None:
            messages.error(request, services.NO_OPEN_ROUND)
            return redirect("mine:study")
        form = SelfAssessmentForm(request.POST, probationary=entry.is_probationary)
        if form.is_valid():
            try:
                services.self_assessment_save(entry=entry, text=form.cleaned_data["text"],
                                              grade=form.cleaned_data.get("grade") or "", by=request.user)
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, _("个人自评已保存。"))
                return redirect("mine:study")
        return self._render(request, form, status=400)


def home_panel(request, ctx):
    """A member's home (no staff/secretary/reviewer role) shows 我的 instead of tiles."""
    if ctx.get("mode") != "member":
        return None
    member = selectors.own_member(request.user)
    if member is None:
        return None
    return "selfservice/panel_home.html", selectors.overview(member=member)

