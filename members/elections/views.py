"""换届选举 pages: list (and a new plan), the election page with each step's form, the printable 选举结果报告."""
from __future__ import annotations

from datetime import date

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views import View

from branches.models import Organization, SeatRole
from portal.pickers import use_picker
from portal.scoping import CHANGE, VIEW
from portal.views import PostActionsView, ServiceActionView

from ..models import Member
from ..permissions import can_record
from ..views.lifecycle import LifecycleMixin, RecorderRequiredMixin
from . import selectors
from . import services as svc
from .models import ElectionStatus, OfficerRole


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class PlanForm(forms.Form):
    organization = forms.ModelChoiceField(label=_("党支部"), queryset=Organization.objects.none())
    seats = forms.IntegerField(label=_("应选委员名额"), min_value=3, max_value=7, initial=3)
    planned_on = forms.DateField(label=_("拟召开选举大会日期"), widget=DateInput())
    submitted_on = forms.DateField(label=_("方案报送日期"), widget=DateInput(), initial=date.today)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = Organization.objects.restrict(user, CHANGE).active().branches()
        use_picker(self.fields["organization"], action=CHANGE, only="branches")


class ApprovalForm(forms.Form):
    approved_by = forms.CharField(label=_("批复机关"), max_length=120)
    doc_no = forms.CharField(label=_("批复文号"), max_length=60)
    on = forms.DateField(label=_("批复日期"), widget=DateInput())


class CandidatesForm(ApprovalForm):
    members = forms.ModelMultipleChoiceField(label=_("候选人（上级批复的名单）"), queryset=Member.objects.none(),
                                             widget=forms.CheckboxSelectMultiple)


class OpenForm(forms.Form):
    held_on = forms.DateField(label=_("选举大会日期"), widget=DateInput())
    absent = forms.ModelMultipleChoiceField(label=_("未到会的选举人"), queryset=Member.objects.none(), required=False,
                                            widget=forms.CheckboxSelectMultiple)


class OfficerForm(forms.Form):
    role = forms.ChoiceField(label=_("职务"), choices=OfficerRole.choices)
    candidate = forms.ChoiceField(label=_("候选人（等额）"))
    held_on = forms.DateField(label=_("支委会日期"), widget=DateInput())
    present = forms.IntegerField(label=_("实到委员"), min_value=0)
    yes = forms.IntegerField(label=_("赞成"), min_value=0)
    no = forms.IntegerField(label=_("反对"), min_value=0, initial=0)
    abstain = forms.IntegerField(label=_("弃权"), min_value=0, initial=0)


class CompleteForm(forms.Form):
    reported_on = forms.DateField(label=_("书记、副书记报上级批准日期"), widget=DateInput())
    filed_on = forms.DateField(label=_("委员报上级备案日期"), widget=DateInput())


ROLE_CHOICES = [(r.value, r.label) for r in svc.MEMBER_ROLES]


def _int(raw) -> int:
    raw = (raw or "").strip() or "0"
    if not raw.isdigit():
        raise ValidationError(_("票数须为非负整数。"))
    return int(raw)


def _write_ins(text: str) -> list[tuple[str, int]]:
    """One '姓名 票数' per line."""
    rows = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        name, _sep, votes = line.strip().rpartition(" ")
        if not name.strip() or not votes.isdigit():
            raise ValidationError(_("另选他人每行填写“姓名 票数”，如：张三 2。"))
        rows.append((name.strip(), int(votes)))
    return rows


class ElectionListView(RecorderRequiredMixin, LifecycleMixin, ServiceActionView):
    recorder_denied_message = _("您没有可组织换届选举的党支部。")
    form_class = PlanForm

    def get(self, request):
        return render(request, "members/elections/list.html", {
            "elections": selectors.election_list(user=request.user)[:200], "form": PlanForm(user=request.user)})

    def form_kwargs(self, objects):
        return {"user": self.request.user}

    def perform(self, form, objects):
        return svc.election_plan(by=self.request.user, **form.cleaned_data)

    def success_url(self, election, objects):
        return election

    def redirect_url(self, objects):
        return reverse("members:elections")


TEMPLATE = "members/elections/detail.html"


def _step_forms(election, data=None):
    """The forms of the steps the election's progress allows (prefixed: several are on the page at once)."""
    status = election.status
    branch_members = Member.objects.filter(branch=election.organization, is_active=True).order_by("name")
    f = {}
    if status == ElectionStatus.PLANNED:
        f["approve_plan"] = ApprovalForm(data, prefix="plan")
    elif status == ElectionStatus.PLAN_APPROVED:
        f["candidates"] = CandidatesForm(data, prefix="cand")
        f["candidates"].fields["members"].queryset = branch_members.with_vote_on(election.planned_on)
    elif status == ElectionStatus.CANDIDATES_APPROVED:
        f["open"] = OpenForm(data, prefix="open", initial={"held_on": election.planned_on})
        f["open"].fields["absent"].queryset = svc.roster(election=election, on=election.planned_on)
    elif status == ElectionStatus.COMMITTEE_ELECTED:
        f["officer"] = OfficerForm(data, prefix="officer")
        f["officer"].fields["candidate"].choices = [
            (c.pk, c.member.name) for c in election.candidates.all() if c.is_elected]
        f["complete"] = CompleteForm(data, prefix="complete")
    elif status == ElectionStatus.COMPLETED and not election.officers_approved_on:
        f["officers_approved"] = ApprovalForm(data, prefix="officers")
    return f


def _render_election(request, election, forms_=None, errors=None):
    can_edit = can_record(request.user, election.organization)
    elected = [c for c in election.candidates.all() if c.is_elected]
    last = list(election.rounds.all())[-1:] or [None]
    tied = [t.candidate_id for t in last[0].tallies.all() if t.tied] if last[0] else []
    ballot = [c for c in election.candidates.all() if not c.is_elected and (not tied or c.pk in tied)]
    return render(request, TEMPLATE, {
        "election": election, "can_edit": can_edit, "forms": (forms_ or _step_forms(election)) if can_edit else {},
        "errors": errors or [], "elected": elected, "ballot": ballot, "role_choices": ROLE_CHOICES,
        "quorum": svc.election_quorum(election) if election.held_on else None,
        "seats_left": election.seats - len(elected),
        "min_candidates": svc.counting.min_candidates(election.seats, election.min_margin_percent),
    })


class _ElectionStep(ServiceActionView):
    """One step of the election record (POST `step`): its form (if the progress allows the step) → one service;
    refused input or a refusal shows the page again with the errors listed, nothing saved."""

    step = ""
    success_message = _("已保存。")

    def load(self, request, pk):
        election = selectors.election_detail(user=request.user, pk=pk)
        if not can_record(request.user, election.organization):
            raise PermissionDenied
        return {"election": election, "forms": _step_forms(election, request.POST)}

    def get_form(self, objects):
        return objects["forms"].get(self.step)

    def form_invalid(self, form, objects):
        return self.refused(ValidationError([e for errs in form.errors.values() for e in errs]), form, objects)

    def refused(self, exc, form, objects):
        election = selectors.election_detail(user=self.request.user, pk=objects["election"].pk)
        return _render_election(self.request, election, objects["forms"], errors=exc.messages)

    def perform(self, form, objects):
        if form is None:
            raise ValidationError(_("当前进度不能办理这一步。"))
        return self.record(objects["election"], form.cleaned_data)

    def record(self, election, d):
        raise NotImplementedError

    def redirect_url(self, objects):
        return objects["election"]


class ElectionRoundStep(_ElectionStep):
    """A ballot round: the tally grid (no form) read from the POST."""

    def perform(self, form, objects):
        post = self.request.POST
        ballot = [int(x) for x in post.getlist("on_ballot") if x.isdigit()]
        tallies = {pk: tuple(_int(post.get(f"{k}-{pk}")) for k in ("yes", "no", "abstain", "other")) for pk in ballot}
        return svc.election_record_round(
            election=objects["election"], issued=_int(post.get("issued")), returned=_int(post.get("returned")),
            valid=_int(post.get("valid")), invalid=_int(post.get("invalid")), tallies=tallies,
            candidate_ids=ballot, write_ins=_write_ins(post.get("write_ins")),
            counted_by=post.get("counted_by", "")[:120], scrutineers=post.get("scrutineers", "")[:120],
            by=self.request.user)


class ElectionApprovePlanStep(_ElectionStep):
    step = "approve_plan"

    def record(self, election, d):
        return svc.election_approve_plan(election=election, approved_by=d["approved_by"], doc_no=d["doc_no"],
                                         on=d["on"], by=self.request.user)


class ElectionCandidatesStep(_ElectionStep):
    step = "candidates"

    def record(self, election, d):
        return svc.election_set_candidates(election=election, members=list(d["members"]),
                                           approved_by=d["approved_by"], doc_no=d["doc_no"], on=d["on"],
                                           by=self.request.user)


class ElectionOpenStep(_ElectionStep):
    step = "open"

    def record(self, election, d):
        return svc.election_open(election=election, held_on=d["held_on"], absent_ids=[m.pk for m in d["absent"]],
                                 by=self.request.user)


class ElectionOfficerStep(_ElectionStep):
    step = "officer"

    def record(self, election, d):
        candidate = election.candidates.get(pk=d["candidate"])
        return svc.election_officer_vote(election=election, role=d["role"], candidate=candidate,
                                         held_on=d["held_on"], present=d["present"], yes=d["yes"], no=d["no"],
                                         abstain=d["abstain"], by=self.request.user)


class ElectionCompleteStep(_ElectionStep):
    step = "complete"

    def record(self, election, d):
        roles = {c.pk: self.request.POST.get(f"role-{c.pk}") or SeatRole.MEMBER
                 for c in election.candidates.all() if c.is_elected}
        return svc.election_complete(election=election, roles=roles, reported_on=d["reported_on"],
                                     filed_on=d["filed_on"], by=self.request.user)


class ElectionOfficersApprovedStep(_ElectionStep):
    step = "officers_approved"

    def record(self, election, d):
        return svc.election_officers_approved(election=election, approved_by=d["approved_by"], doc_no=d["doc_no"],
                                              on=d["on"], by=self.request.user)


class ElectionDetailView(LifecycleMixin, PostActionsView):
    actions = {"round": ElectionRoundStep, "approve_plan": ElectionApprovePlanStep,
               "candidates": ElectionCandidatesStep, "open": ElectionOpenStep, "officer": ElectionOfficerStep,
               "complete": ElectionCompleteStep, "officers_approved": ElectionOfficersApprovedStep,
               "": _ElectionStep}   # any other step: "当前进度不能办理这一步。" on the page

    def action_name(self, request, kwargs):
        step = request.POST.get("step", "")
        return step if step in self.actions else ""

    def get(self, request, pk):
        return _render_election(request, selectors.election_detail(user=request.user, pk=pk))


class ElectionReportView(LifecycleMixin, View):
    """选举结果报告: a print view (the browser prints it or saves it as PDF)."""

    def get(self, request, pk):
        election = selectors.election_detail(user=request.user, pk=pk, action=VIEW)
        term = election.new_term
        seats = list(term.seats.select_related("member").order_by("id")) if term else []
        return render(request, "members/elections/report.html", {
            "election": election, "seats": seats, "quorum": svc.election_quorum(election) if election.held_on else None,
            "officers": [s for s in seats if s.role in (SeatRole.SECRETARY, SeatRole.DEPUTY_SECRETARY)],
            "committee": [s for s in seats if s.role not in (SeatRole.SECRETARY, SeatRole.DEPUTY_SECRETARY)],
        })
