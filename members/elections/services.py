"""Writes for 换届选举; each is one transaction and raises ValidationError (Chinese) leaving nothing changed."""
from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from branches.models import CommitteeTerm, SeatRole
from branches.services import term_start
from members.services.quorum import Quorum

from ..models import Member
from . import counting
from .models import (
    BallotRound,
    Election,
    ElectionCandidate,
    ElectionStatus,
    ElectionVoter,
    OfficerRole,
    OfficerVote,
    Tally,
    WriteIn,
)

NOT_A_BRANCH = _("换届选举须由党支部（联合党支部、临时党支部）组织。")
SEATS_RANGE = _("支部委员会委员一般为 3 至 5 名，最多不超过 7 名。")
APPROVAL_NEEDED = _("请填写批复机关、批复文号和批复日期。")
WRONG_STATUS = _("当前进度为“{status}”，不能办理这一步。")
APPROVAL_BEFORE_SUBMISSION = _("批复日期不能早于报送日期（{on:%Y-%m-%d}）。")
CANDIDATE_NOT_ELIGIBLE = _("{name} 在选举大会日期没有被选举权（须为本支部在册、未受留党察看的正式党员）。")
CANDIDATE_TWICE = _("候选人名单中有重复人员。")
HELD_BEFORE_APPROVAL = _("选举大会不能早于候选人批复日期（{on:%Y-%m-%d}）。")
NOT_ON_ROSTER = _("所选缺席人员不在本次选举的选举人名单中。")
BALLOT_CANDIDATES = _("本轮选票上的候选人须为尚未当选的正式候选人，且不少于本轮应选名额（{seats} 名）。")
TALLY_MISSING = _("请为本轮选票上的每一位候选人填写计票结果。")
TIE_REVOTE_ONLY = _("上一轮得票相等，本轮只能在得票相等的候选人中再次投票。")
NOT_ELECTED_MEMBER = _("书记、副书记须从新当选的委员中选举。")
OFFICER_DONE = _("{role}已选出。")
OFFICER_TOO_MANY_VOTES = _("赞成、反对、弃权合计 {total} 票，多于实到委员 {present} 人。")
OFFICER_QUORUM = _("到会委员 {present} 人，未超过新一届委员 {should} 人的半数，不能选举书记、副书记。")
NO_SECRETARY = _("新一届支部委员会尚未选出书记。")
ROLE_INVALID = _("委员分工只能是组织委员、宣传委员、纪检委员、青年委员或委员。")
MEMBER_ROLES = (SeatRole.ORGANIZATION, SeatRole.PROPAGANDA, SeatRole.DISCIPLINE, SeatRole.YOUTH, SeatRole.MEMBER)


def default_margin_percent() -> int:
    """差额 ≥ 20 % (domain-rules §1.2, secondary source): a local default, settings.ELECTION_MIN_MARGIN_PERCENT."""
    return getattr(settings, "ELECTION_MIN_MARGIN_PERCENT", 20)


def _approval(approved_by: str, doc_no: str, on: date | None) -> None:
    if not (approved_by or "").strip() or not (doc_no or "").strip() or not on:
        raise ValidationError(APPROVAL_NEEDED)


def _expect(election: Election, *statuses: str) -> Election:
    election = Election.objects.select_for_update().select_related("organization").get(pk=election.pk)
    if election.status not in statuses:
        raise ValidationError(WRONG_STATUS.format(status=election.get_status_display()))
    return election


def _save(election: Election, by, *fields: str) -> None:
    election._history_user = by
    election.save(update_fields=[*fields, "updated_at"])


@transaction.atomic
def election_plan(*, organization, seats: int, planned_on: date, submitted_on: date, title: str = "",
                  min_margin_percent: int | None = None, by=None) -> Election:
    """换届方案: seats to fill and the planned date, reported to the upper organization for its 批复."""
    if not organization.is_branch:
        raise ValidationError(NOT_A_BRANCH)
    if not 3 <= seats <= 7:
        raise ValidationError({"seats": SEATS_RANGE})
    current = CommitteeTerm.objects.filter(organization=organization, closed_on__isnull=True).first()
    return Election.objects.create(
        organization=organization, previous_term=current, seats=seats, planned_on=planned_on,
        plan_submitted_on=submitted_on, created_by=by,
        min_margin_percent=default_margin_percent() if min_margin_percent is None else min_margin_percent,
        title=title or _("{org}{year}年换届选举").format(org=organization.name, year=planned_on.year),
    )


@transaction.atomic
def election_approve_plan(*, election: Election, approved_by: str, doc_no: str, on: date, by=None) -> Election:
    election = _expect(election, ElectionStatus.PLANNED)
    _approval(approved_by, doc_no, on)
    if on < election.plan_submitted_on:
        raise ValidationError(APPROVAL_BEFORE_SUBMISSION.format(on=election.plan_submitted_on))
    election.plan_approved_by, election.plan_approval_doc_no, election.plan_approved_on = approved_by, doc_no, on
    election.status = ElectionStatus.PLAN_APPROVED
    _save(election, by, "plan_approved_by", "plan_approval_doc_no", "plan_approved_on", "status")
    return election


@transaction.atomic
def election_set_candidates(*, election: Election, members: list[Member], approved_by: str, doc_no: str, on: date,
                            by=None) -> list[ElectionCandidate]:
    """The candidate list as the upper organization approved it: 差额 and 被选举权 are checked."""
    election = _expect(election, ElectionStatus.PLAN_APPROVED)
    _approval(approved_by, doc_no, on)
    if on < election.plan_approved_on:
        raise ValidationError(APPROVAL_BEFORE_SUBMISSION.format(on=election.plan_approved_on))
    if len({m.pk for m in members}) != len(members):
        raise ValidationError(CANDIDATE_TWICE)
    needed = counting.min_candidates(election.seats, election.min_margin_percent)
    if len(members) < needed:
        raise ValidationError(counting.NOT_ENOUGH_CANDIDATES.format(
            count=len(members), needed=needed, seats=election.seats, percent=election.min_margin_percent))
    for m in members:
        if m.branch_id != election.organization_id or not m.has_vote_on(election.planned_on):
            raise ValidationError(CANDIDATE_NOT_ELIGIBLE.format(name=m.name))
    election.candidates_approved_by, election.candidates_approval_doc_no = approved_by, doc_no
    election.candidates_approved_on = on
    election.status = ElectionStatus.CANDIDATES_APPROVED
    _save(election, by, "candidates_approved_by", "candidates_approval_doc_no", "candidates_approved_on", "status")
    return ElectionCandidate.objects.bulk_create(
        ElectionCandidate(election=election, member=m, order=i) for i, m in enumerate(members, 1))


def roster(*, election: Election, on: date):
    """选举人: the branch's 正式党员 with 选举权 on the day (预备党员 and 留党察看 excluded)."""
    return Member.objects.filter(branch=election.organization).with_vote_on(on).order_by("name", "pk")


@transaction.atomic
def election_open(*, election: Election, held_on: date, absent_ids=(), meeting=None, by=None) -> Quorum:
    """The 选举大会 opens: the roster is frozen with who is present; more than 4/5 must be, or nothing is recorded."""
    election = _expect(election, ElectionStatus.CANDIDATES_APPROVED)
    if held_on < election.candidates_approved_on:
        raise ValidationError(HELD_BEFORE_APPROVAL.format(on=election.candidates_approved_on))
    voters = list(roster(election=election, on=held_on))
    absent = set(absent_ids)
    if absent - {m.pk for m in voters}:
        raise ValidationError(NOT_ON_ROSTER)
    quorum = Quorum(should_attend=len(voters), present=len(voters) - len(absent), election=True)
    if not quorum.met:
        raise ValidationError(quorum.reason)
    ElectionVoter.objects.bulk_create(ElectionVoter(election=election, member=m, present=m.pk not in absent)
                                      for m in voters)
    election.held_on, election.meeting, election.status = held_on, meeting, ElectionStatus.VOTING
    _save(election, by, "held_on", "meeting", "status")
    return quorum


def election_quorum(election: Election) -> Quorum:
    voters = list(election.voters.values_list("present", flat=True))
    return Quorum(should_attend=len(voters), present=sum(voters), election=True)


@transaction.atomic
def election_record_round(*, election: Election, issued: int, returned: int, valid: int, invalid: int,
                          tallies: dict[int, tuple[int, int, int, int]], write_ins=(), candidate_ids=None,
                          counted_by: str = "", scrutineers: str = "", by=None) -> BallotRound:
    """Record one ballot as counted on paper: per candidate (赞成, 反对, 弃权, 另选他人), checked, then counted.

    The first round carries every candidate; a later one the candidates tied in the previous round (a tie
    re-vote) or, for seats left open with too few votes, the not-yet-elected candidates chosen (另行选举).
    """
    election = _expect(election, ElectionStatus.VOTING)
    quorum = election_quorum(election)
    candidates = {c.pk: c for c in election.candidates.select_related("member")}
    elected = [c for c in candidates.values() if c.is_elected]
    seats_to_fill = election.seats - len(elected)
    previous = election.rounds.order_by("-number").first()
    on_ballot = set(candidate_ids) if candidate_ids is not None else {pk for pk, c in candidates.items()
                                                                      if not c.is_elected}
    tied = set(previous.tallies.filter(tied=True).values_list("candidate_id", flat=True)) if previous else set()
    if tied and on_ballot != tied:
        raise ValidationError(TIE_REVOTE_ONLY)
    if (not on_ballot <= set(candidates) or any(candidates[pk].is_elected for pk in on_ballot)
            or len(on_ballot) < seats_to_fill):
        raise ValidationError(BALLOT_CANDIDATES.format(seats=seats_to_fill))
    if set(tallies) != on_ballot:
        raise ValidationError(TALLY_MISSING)
    rows = [counting.CandidateTally(pk, candidates[pk].member.name, *tallies[pk]) for pk in sorted(on_ballot)]
    write_ins = [(name.strip(), votes) for name, votes in write_ins if name.strip()]
    errors = counting.check_tally(present=quorum.present, issued=issued, returned=returned, valid=valid,
                                  invalid=invalid, seats=seats_to_fill, tallies=rows, write_ins=write_ins)
    if errors:
        raise ValidationError(errors)
    outcome = counting.count(should_attend=quorum.should_attend, seats=seats_to_fill, tallies=rows)
    number = previous.number + 1 if previous else 1
    rnd = BallotRound.objects.create(
        election=election, number=number, seats_to_fill=seats_to_fill, should_attend=quorum.should_attend,
        present=quorum.present, ballots_issued=issued, ballots_returned=returned, ballots_valid=valid,
        ballots_invalid=invalid, counted_by=counted_by, scrutineers=scrutineers, recorded_by=by,
        outcome=outcome_text(outcome, candidates, counting.elected_threshold(quorum.should_attend)))
    Tally.objects.bulk_create(
        Tally(round=rnd, candidate_id=t.key, yes=t.yes, no=t.no, abstain=t.abstain, other=t.other,
              elected=t.key in outcome.elected, tied=t.key in outcome.tied) for t in rows)
    WriteIn.objects.bulk_create(WriteIn(round=rnd, name=name[:60], votes=votes) for name, votes in write_ins)
    ElectionCandidate.objects.filter(pk__in=outcome.elected).update(elected_in_round=number)
    if outcome.open_seats == 0:
        election.status = ElectionStatus.COMMITTEE_ELECTED
        _save(election, by, "status")
    return rnd


def outcome_text(outcome: counting.Outcome, candidates: dict, threshold: int) -> str:
    names = lambda keys: "、".join(candidates[k].member.name for k in keys)  # noqa: E731
    parts = [str(_("当选：{names}").format(names=names(outcome.elected)))] if outcome.elected else []
    if outcome.tied:
        parts.append(str(_("{names} 得票相等，须就 {n} 个名额再次投票").format(names=names(outcome.tied),
                                                                          n=outcome.open_seats)))
    elif outcome.open_seats:
        parts.append(str(_("得票超过 {threshold} 票的不足应选名额，尚缺 {n} 名须另行选举").format(
            threshold=threshold - 1, n=outcome.open_seats)))
    return "；".join(parts)[:300]


@transaction.atomic
def election_officer_vote(*, election: Election, role: str, candidate: ElectionCandidate, held_on: date,
                          present: int, yes: int, no: int = 0, abstain: int = 0, by=None) -> OfficerVote:
    """书记/副书记, 等额 (one candidate per post), elected by the new 支委会: more than half of its members must
    attend, and the candidate needs yes votes from more than half of them."""
    election = _expect(election, ElectionStatus.COMMITTEE_ELECTED)
    if role not in OfficerRole.values:
        raise ValidationError({"role": ROLE_INVALID})
    candidate = election.candidates.filter(pk=candidate.pk).first()   # fresh: elected_in_round is set by the count
    if candidate is None or not candidate.is_elected:
        raise ValidationError(NOT_ELECTED_MEMBER)
    if election.officer_votes.filter(role=role, passed=True).exists():
        raise ValidationError(OFFICER_DONE.format(role=OfficerRole(role).label))
    should = election.candidates.filter(elected_in_round__isnull=False).count()
    if present > should or present * 2 <= should:
        raise ValidationError(OFFICER_QUORUM.format(present=present, should=should))
    if yes + no + abstain > present:
        raise ValidationError(OFFICER_TOO_MANY_VOTES.format(total=yes + no + abstain, present=present))
    return OfficerVote.objects.create(election=election, role=role, candidate=candidate, held_on=held_on,
                                      should_attend=should, present=present, yes=yes, no=no, abstain=abstain,
                                      passed=yes * 2 > should)


@transaction.atomic
def election_complete(*, election: Election, roles: dict[int, str] | None = None, reported_on: date,
                      filed_on: date, by=None) -> CommitteeTerm:
    """The result becomes the new CommitteeTerm with its seats (the old term is closed by term_start): 书记/副书记
    as elected by the 支委会, the other 委员 with their 分工 (`roles`: candidate id → SeatRole, default 委员).
    书记、副书记 are reported for approval on `reported_on`, 委员 filed (备案) on `filed_on`."""
    election = _expect(election, ElectionStatus.COMMITTEE_ELECTED)
    officers = {v.role: v.candidate for v in election.officer_votes.filter(passed=True).select_related("candidate")}
    if OfficerRole.SECRETARY not in officers:
        raise ValidationError(NO_SECRETARY)
    roles = roles or {}
    if any(r not in MEMBER_ROLES for r in roles.values()):
        raise ValidationError(ROLE_INVALID)
    officer_ids = {c.pk: SeatRole(role) for role, c in officers.items()}
    seats = []
    for c in election.candidates.filter(elected_in_round__isnull=False).select_related("member").order_by("order"):
        seats.append((c.member, officer_ids.get(c.pk) or SeatRole(roles.get(c.pk, SeatRole.MEMBER))))
    plan_approval = {"approved_by": election.plan_approved_by, "approval_doc_no": election.plan_approval_doc_no,
                     "approved_on": election.plan_approved_on}
    term = term_start(organization=election.organization, started_on=election.held_on, seats=seats, by=by,
                      early_approval=plan_approval)
    term.note = str(_("由{title}选举产生").format(title=election.title))[:200]
    term.save(update_fields=["note"])
    election.new_term = term
    election.officers_reported_on, election.committee_filed_on = reported_on, filed_on
    election.status = ElectionStatus.COMPLETED
    _save(election, by, "new_term", "officers_reported_on", "committee_filed_on", "status")
    return term


@transaction.atomic
def election_officers_approved(*, election: Election, approved_by: str, doc_no: str, on: date, by=None) -> Election:
    """The upper organization's approval of the new 书记/副书记."""
    election = _expect(election, ElectionStatus.COMPLETED)
    _approval(approved_by, doc_no, on)
    if on < election.officers_reported_on:
        raise ValidationError(APPROVAL_BEFORE_SUBMISSION.format(on=election.officers_reported_on))
    election.officers_approved_by, election.officers_approval_doc_no = approved_by, doc_no
    election.officers_approved_on = on
    _save(election, by, "officers_approved_by", "officers_approval_doc_no", "officers_approved_on")
    return election
