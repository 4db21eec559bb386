"""换届选举 pages: list (and a new plan), the election page with each step's form, the printable 选举结果报告."""
from __future__ import annotations

from datetime import date

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views import View

from branches.models import Organization, SeatRole
from portal.pickers import use_picker
from portal.scoping import CHANGE, VIEW

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


class ElectionListView(RecorderRequiredMixin, LifecycleMixin, View):
    recorder_denied_message = _("您没有可组织换届选举的党支部。")

    def get(self, request):
        return render(request, "members/elections/list.html", {
            "elections": selectors.election_list(user=request.user)[:200], "form": PlanForm(user=request.user)})

    def post(self, request):
        form = PlanForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                election = svc.election_plan(by=request.user, **form.cleaned_data)
            except ValidationError as exc:
                messages.error(request, _("；").join(exc.messages))
            else:
                return redirect(election)
        else:
            messages.error(request, _("；").join(e for errs in form.errors.values() for e in errs))
        return redirect("members:elections")


class ElectionDetailView(LifecycleMixin, View):
    template = "members/elections/detail.html"

    def _forms(self, election, data=None):
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

    def _render(self, request, election, forms_=None, errors=None):
        can_edit = can_record(request.user, election.organization)
        elected = [c for c in election.candidates.all() if c.is_elected]
        last = list(election.rounds.all())[-1:] or [None]
        tied = [t.candidate_id for t in last[0].tallies.all() if t.tied] if last[0] else []
        ballot = [c for c in election.candidates.all() if not c.is_elected and (not tied or c.pk in tied)]
        return render(request, self.template, {
            "election": election, "can_edit": can_edit, "forms": (forms_ or self._forms(election)) if can_edit else {},
            "errors": errors or [], "elected": elected, "ballot": ballot, "role_choices": ROLE_CHOICES,
            "quorum": svc.election_quorum(election) if election.held_on else None,
            "seats_left": election.seats - len(elected),
            "min_candidates": svc.counting.min_candidates(election.seats, election.min_margin_percent),
        })

    def get(self, request, pk):
        return self._render(request, selectors.election_detail(user=request.user, pk=pk))

    def post(self, request, pk):
        election = selectors.election_detail(user=request.user, pk=pk)
        if not can_record(request.user, election.organization):
            raise PermissionDenied
        step = request.POST.get("step", "")
        forms_ = self._forms(election, request.POST)
        try:
            self._step(request, election, step, forms_)
        except ValidationError as exc:
            election = selectors.election_detail(user=request.user, pk=pk)
            return self._render(request, election, forms_, errors=exc.messages)
        messages.success(request, _("已保存。"))
        return redirect(election)

    def _step(self, request, election, step, forms_):
        by = request.user
        if step == "round":
            ballot = [int(x) for x in request.POST.getlist("on_ballot") if x.isdigit()]
            tallies = {pk: tuple(_int(request.POST.get(f"{k}-{pk}")) for k in ("yes", "no", "abstain", "other"))
                       for pk in ballot}
            svc.election_record_round(
                election=election, issued=_int(request.POST.get("issued")), returned=_int(request.POST.get("returned")),
                valid=_int(request.POST.get("valid")), invalid=_int(request.POST.get("invalid")), tallies=tallies,
                candidate_ids=ballot, write_ins=_write_ins(request.POST.get("write_ins")),
                counted_by=request.POST.get("counted_by", "")[:120], scrutineers=request.POST.get("scrutineers", "")[:120],
                by=by)
            return
        form = forms_.get(step if step != "complete" else "complete")
        if form is None:
            raise ValidationError(_("当前进度不能办理这一步。"))
        if not form.is_valid():
            raise ValidationError([e for errs in form.errors.values() for e in errs])
        d = form.cleaned_data
        if step == "approve_plan":
            svc.election_approve_plan(election=election, approved_by=d["approved_by"], doc_no=d["doc_no"], on=d["on"],
                                      by=by)
        elif step == "candidates":
            svc.election_set_candidates(election=election, members=list(d["members"]), approved_by=d["approved_by"],
                                        doc_no=d["doc_no"], on=d["on"], by=by)
        elif step == "open":
            svc.election_open(election=election, held_on=d["held_on"], absent_ids=[m.pk for m in d["absent"]], by=by)
        elif step == "officer":
            candidate = election.candidates.get(pk=d["candidate"])
            svc.election_officer_vote(election=election, role=d["role"], candidate=candidate, held_on=d["held_on"],
                                      present=d["present"], yes=d["yes"], no=d["no"], abstain=d["abstain"], by=by)
        elif step == "complete":
            roles = {c.pk: request.POST.get(f"role-{c.pk}") or SeatRole.MEMBER
                     for c in election.candidates.all() if c.is_elected}
            svc.election_complete(election=election, roles=roles, reported_on=d["reported_on"], filed_on=d["filed_on"],
                                  by=by)
        elif step == "officers_approved":
            svc.election_officers_approved(election=election, approved_by=d["approved_by"], doc_no=d["doc_no"],
                                           on=d["on"], by=by)


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
