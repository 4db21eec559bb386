"""Pages of the 创建 programmes: thin — parse, call one selector or service, redirect or render.

Objects outside the viewer's scope are 404 (restricted querysets); actions are POST-only and the services check
rights again (seeing a committee's round never means changing it).
"""
from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views import View

from branches.models import Organization
from members.models import Member
from portal.scoping import CHANGE, MANAGE, can
from portal.views import PortalPageMixin, PostActionsView, ServiceActionView

from . import forms as f
from . import selectors, services
from .models import OPEN_STAGES, ChangeKind, EntryKind, Programme, Stage

NO_WRITE = _("您只能查看，不能办理创建活动的事项。")


class _Action(ServiceActionView):
    """A POST-only step: refused input and the service's refusals are flashed one message each."""

    message_per_error = True

    def invalid_form_messages(self, form):
        return [f"{form.fields[k].label if k in form.fields else ''}：{e}" for k, errs in form.errors.items()
                for e in errs]


def _branches_under(user, rnd, action):
    return (Organization.objects.restrict(user, action).filter(path__startswith=rnd.organization.path)
            .active().branches().order_by("path"))


class RoundListView(PortalPageMixin, View):
    def get(self, request):
        rounds = list(selectors.rounds_for(user=request.user))
        return render(request, "programmes/round_list.html", {"rounds": rounds})


def _round_context(request, rnd):
    user = request.user
    cands = list(selectors.candidacies_for(user=user, round=rnd))
    manage = can(user, MANAGE, rnd.organization.path)
    ctx = {"round": rnd, "candidacies": cands, "counts": selectors.designated_counts(round=rnd),
           "manage": manage, "today": timezone.localdate()}
    own = _branches_under(user, rnd, CHANGE)
    if rnd.is_member_programme:

        members = Member.objects.restrict(user, CHANGE).filter(is_active=True, branch__in=own).order_by("name")
        ctx["five_star_form"] = f.FiveStarForm(members=members, kinds=[(k["code"], k["name"]) for k in rnd.items])
    else:
        ctx["apply_form"] = f.ApplyForm(organizations=own)
    if manage:
        branches = _branches_under(user, rnd, MANAGE)
        ctx["nominate_form"] = None if rnd.is_member_programme else f.NominateForm(organizations=branches)
        ctx["extension_form"] = f.ExtensionForm(organizations=branches)
    return ctx


class _RoundAction(_Action):
    def load(self, request, pk):
        rnd = get_object_or_404(selectors.rounds_for(user=request.user), pk=pk)
        user = request.user
        if not (can(user, MANAGE, rnd.organization.path) or _branches_under(user, rnd, CHANGE).exists()):
            raise PermissionDenied(NO_WRITE)
        return {"round": rnd}

    def redirect_url(self, objects):
        return objects["round"]


class RoundApplyAction(_RoundAction):
    form_class = f.ApplyForm
    success_message = _("已申报。")

    def form_kwargs(self, objects):
        return {"organizations": _branches_under(self.request.user, objects["round"], CHANGE)}

    def perform(self, form, objects):
        return services.candidacy_apply(round=objects["round"], by=self.request.user, **form.cleaned_data)

    def success_url(self, cand, objects):
        return cand


class RoundFiveStarAction(_RoundAction):
    form_class = f.FiveStarForm
    success_message = _("已推荐。")

    def form_kwargs(self, objects):
        members = Member.objects.restrict(self.request.user, CHANGE).filter(is_active=True)
        return {"members": members, "kinds": [(k["code"], k["name"]) for k in objects["round"].items]}

    def perform(self, form, objects):
        return services.five_star_recommend(round=objects["round"], by=self.request.user, **form.cleaned_data)

    def success_url(self, cand, objects):
        return cand


class RoundNominateAction(_RoundAction):
    form_class = f.NominateForm
    success_message = _("已指定参评。")

    def form_kwargs(self, objects):
        return {"organizations": _branches_under(self.request.user, objects["round"], MANAGE)}

    def perform(self, form, objects):
        return services.candidacy_nominate(round=objects["round"], by=self.request.user, **form.cleaned_data)


class RoundExtendAction(_RoundAction):
    form_class = f.ExtensionForm
    success_message = _("已登记延期。")

    def form_kwargs(self, objects):
        return {"organizations": _branches_under(self.request.user, objects["round"], MANAGE)}

    def perform(self, form, objects):
        return services.extension_grant(round=objects["round"], by=self.request.user, **form.cleaned_data)


class RoundDetailView(PortalPageMixin, PostActionsView):
    actions = {"apply": RoundApplyAction, "five_star": RoundFiveStarAction, "nominate": RoundNominateAction,
               "extend": RoundExtendAction}

    def action_name(self, request, kwargs):
        return request.POST.get("op") or ""

    def get(self, request, pk):
        rnd = get_object_or_404(selectors.rounds_for(user=request.user), pk=pk)
        return render(request, "programmes/round_detail.html", _round_context(request, rnd))

    def unknown_action(self, request, pk):
        _RoundAction().load(request, pk)   # out of sight 404, read-only 403, as for any step
        raise Http404


class CandidacyDetailView(PortalPageMixin, View):
    def get(self, request, pk):
        cand = get_object_or_404(selectors.candidacies_for(user=request.user), pk=pk)
        user, rnd = request.user, cand.round
        manage_round = can(user, MANAGE, rnd.organization.path)
        upper = services.recommending_org(cand) if cand.member_id is None else None
        ctx = {
            "c": cand, "round": rnd, "steps": cand.steps.select_related("by", "extension"),
            "entries": cand.entries.select_related("by"),
            "items": rnd.items, "manage_round": manage_round,
            "can_recommend": cand.stage == Stage.APPLIED and can(user, MANAGE, (upper or rnd.organization).path),
            "can_decide": manage_round and cand.stage in (Stage.APPLIED, Stage.RECOMMENDED),
            "can_designate": manage_round and cand.stage == Stage.PUBLICITY,
            "can_higher": manage_round and cand.stage == Stage.DESIGNATED and rnd.higher_body and not cand.higher_title_id,
            "can_change": manage_round and cand.title_id and cand.title.is_current(),
            "recommend_form": f.RecommendForm(), "decide_form": f.DecideForm(), "higher_form": f.HigherForm(),
            "change_form": f.ChangeForm(), "five_star": rnd.programme == Programme.FIVE_STAR,
            "changes": cand.title.changes.all() if cand.title_id else [],
        }
        entries = list(ctx["entries"])
        ctx["item_rows"] = [{"name": i["name"], "entries": [e for e in entries if e.item == i["code"]]}
                            for i in rnd.items] if rnd.programme == Programme.RED_FLAG else []
        if rnd.programme == Programme.RED_FLAG and cand.stage in OPEN_STAGES:
            form = f.EntryForm(items=[(i["code"], i["name"]) for i in rnd.items])
            if not can(user, MANAGE, cand.organization.parent_path):   # only the level above supervises (督办)
                form.fields["kind"].choices = [(EntryKind.SELF_CHECK, EntryKind.SELF_CHECK.label)]
            ctx["entry_form"] = form
        return render(request, "programmes/candidacy_detail.html", ctx)


class _CandidacyAction(_Action):
    """A step on one candidacy; the service checks the rights and the step. Its perform answers the message."""

    def load(self, request, pk, action):
        cand = get_object_or_404(selectors.candidacies_for(user=request.user), pk=pk)
        if not can(request.user, CHANGE, cand.organization.path):   # read-only roles: denied before any step
            raise PermissionDenied(NO_WRITE)
        return {"cand": cand}

    def get_success_message(self, message, objects):
        return message

    def redirect_url(self, objects):
        return objects["cand"]


class CandidacyRecommendAction(_CandidacyAction):
    form_class = f.RecommendForm

    def perform(self, form, objects):
        services.candidacy_recommend(candidacy=objects["cand"], by=self.request.user, **form.cleaned_data)
        return gettext("已提交推荐意见。")


class CandidacyDecideAction(_CandidacyAction):
    form_class = f.DecideForm

    def perform(self, form, objects):
        services.candidacy_decide(candidacy=objects["cand"], by=self.request.user, **form.cleaned_data)
        return gettext("已评定。")


class CandidacyDesignateAction(_CandidacyAction):
    def perform(self, form, objects):
        services.candidacy_designate(candidacy=objects["cand"], by=self.request.user)
        return gettext("已命名。")


class CandidacyHigherAction(_CandidacyAction):
    form_class = f.HigherForm

    def perform(self, form, objects):
        services.candidacy_designate_higher(candidacy=objects["cand"], by=self.request.user, **form.cleaned_data)
        return gettext("已登记上级机关命名。")


class CandidacyEntryAction(_CandidacyAction):
    form_class = f.EntryForm

    def form_kwargs(self, objects):
        return {"items": [(i["code"], i["name"]) for i in objects["cand"].round.items]}

    def perform(self, form, objects):
        services.item_entry_add(candidacy=objects["cand"], by=self.request.user, **form.cleaned_data)
        return gettext("已登记。")


class CandidacyChangeAction(_CandidacyAction):
    form_class = f.ChangeForm

    def perform(self, form, objects):
        cand, data = objects["cand"], form.cleaned_data
        if cand.title is None:
            raise ValidationError(services.NOT_A_PROGRAMME_TITLE)
        services.title_change(honour=cand.title, kind=data["kind"], reason=data["reason"], by=self.request.user,
                              to_stars=data["to_stars"], evidence=data["evidence"],
                              uploads=self.request.FILES.getlist("files"))
        return gettext("已记录：{kind}。").format(kind=ChangeKind(data["kind"]).label)


class CandidacyActionView(PortalPageMixin, PostActionsView):
    """POST-only steps on one candidacy; the service checks the rights and the step."""

    actions = {"recommend": CandidacyRecommendAction, "decide": CandidacyDecideAction,
               "designate": CandidacyDesignateAction, "higher": CandidacyHigherAction,
               "entry": CandidacyEntryAction, "change": CandidacyChangeAction}

    def unknown_action(self, request, pk, action):
        _CandidacyAction().load(request, pk, action)   # out of sight 404, read-only 403 first
        raise Http404
