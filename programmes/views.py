"""Pages of the 创建 programmes: thin — parse, call one selector or service, redirect or render.

Objects outside the viewer's scope are 404 (restricted querysets); actions are POST-only and the services check
rights again (seeing a committee's round never means changing it).
"""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views import View

from branches.models import Organization
from members.models import Member
from portal.scoping import CHANGE, MANAGE, can
from portal.views import PortalPageMixin

from . import forms as f
from . import selectors, services
from .models import OPEN_STAGES, ChangeKind, EntryKind, Programme, Stage

NO_WRITE = _("您只能查看，不能办理创建活动的事项。")


def _flash(request, exc: ValidationError) -> None:
    for msg in exc.messages:
        messages.error(request, msg)


def _valid(form) -> dict:
    if not form.is_valid():
        raise ValidationError([f"{form.fields[k].label if k in form.fields else ''}：{e}"
                               for k, errs in form.errors.items() for e in errs])
    return form.cleaned_data


def _branches_under(user, rnd, action):
    return (Organization.objects.restrict(user, action).filter(path__startswith=rnd.organization.path)
            .active().branches().order_by("path"))


class RoundListView(PortalPageMixin, View):
    def get(self, request):
        rounds = list(selectors.rounds_for(user=request.user))
        return render(request, "programmes/round_list.html", {"rounds": rounds})


class RoundDetailView(PortalPageMixin, View):
    def _context(self, request, rnd):
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

    def get(self, request, pk):
        rnd = get_object_or_404(selectors.rounds_for(user=request.user), pk=pk)
        return render(request, "programmes/round_detail.html", self._context(request, rnd))

    def post(self, request, pk):
        rnd = get_object_or_404(selectors.rounds_for(user=request.user), pk=pk)
        op = request.POST.get("op")
        user = request.user
        if not (can(user, MANAGE, rnd.organization.path) or _branches_under(user, rnd, CHANGE).exists()):
            raise PermissionDenied(NO_WRITE)
        try:
            if op == "apply":
                data = _valid(f.ApplyForm(request.POST, organizations=_branches_under(user, rnd, CHANGE)))
                cand = services.candidacy_apply(round=rnd, by=user, **data)
                messages.success(request, gettext("已申报。"))
                return redirect(cand)
            if op == "five_star":

                members = Member.objects.restrict(user, CHANGE).filter(is_active=True)
                data = _valid(f.FiveStarForm(request.POST, members=members,
                                             kinds=[(k["code"], k["name"]) for k in rnd.items]))
                cand = services.five_star_recommend(round=rnd, by=user, **data)
                messages.success(request, gettext("已推荐。"))
                return redirect(cand)
            if op == "nominate":
                data = _valid(f.NominateForm(request.POST, organizations=_branches_under(user, rnd, MANAGE)))
                services.candidacy_nominate(round=rnd, by=user, **data)
                messages.success(request, gettext("已指定参评。"))
            elif op == "extend":
                data = _valid(f.ExtensionForm(request.POST, organizations=_branches_under(user, rnd, MANAGE)))
                services.extension_grant(round=rnd, by=user, **data)
                messages.success(request, gettext("已登记延期。"))
            else:
                raise Http404
        except ValidationError as exc:
            _flash(request, exc)
        return redirect(rnd)


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


class CandidacyActionView(PortalPageMixin, View):
    """POST-only steps on one candidacy; the service checks the rights and the step."""

    def post(self, request, pk, action):
        cand = get_object_or_404(selectors.candidacies_for(user=request.user), pk=pk)
        if not can(request.user, CHANGE, cand.organization.path):   # read-only roles: denied before any step
            raise PermissionDenied(NO_WRITE)
        handler = getattr(self, f"do_{action}", None)
        if handler is None:
            raise Http404
        try:
            messages.success(request, handler(request, cand))
        except ValidationError as exc:
            _flash(request, exc)
        return redirect(cand)

    def do_recommend(self, request, cand):
        data = _valid(f.RecommendForm(request.POST))
        services.candidacy_recommend(candidacy=cand, by=request.user, **data)
        return gettext("已提交推荐意见。")

    def do_decide(self, request, cand):
        data = _valid(f.DecideForm(request.POST))
        services.candidacy_decide(candidacy=cand, by=request.user, **data)
        return gettext("已评定。")

    def do_designate(self, request, cand):
        services.candidacy_designate(candidacy=cand, by=request.user)
        return gettext("已命名。")

    def do_higher(self, request, cand):
        data = _valid(f.HigherForm(request.POST))
        services.candidacy_designate_higher(candidacy=cand, by=request.user, **data)
        return gettext("已登记上级机关命名。")

    def do_entry(self, request, cand):
        data = _valid(f.EntryForm(request.POST, items=[(i["code"], i["name"]) for i in cand.round.items]))
        services.item_entry_add(candidacy=cand, by=request.user, **data)
        return gettext("已登记。")

    def do_change(self, request, cand):
        data = _valid(f.ChangeForm(request.POST, request.FILES))
        if cand.title is None:
            raise ValidationError(services.NOT_A_PROGRAMME_TITLE)
        uploads = request.FILES.getlist("files")
        services.title_change(honour=cand.title, kind=data["kind"], reason=data["reason"], by=request.user,
                              to_stars=data["to_stars"], evidence=data["evidence"], uploads=uploads)
        return gettext("已记录：{kind}。").format(kind=ChangeKind(data["kind"]).label)
