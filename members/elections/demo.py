"""Demo 换届选举: one completed (区政府办公室党支部 JB01-Z1-02, held within the window before 届满, with a write-in and
the 书记/副书记 approved) and one in progress (JB01-Z2-02, due within 90 days: candidates approved, 大会 not yet held)."""
from __future__ import annotations

from datetime import date

from branches.models import Organization, SeatRole

from ..models import Member
from . import services as svc
from .models import Election, OfficerRole

COMPLETED, IN_PROGRESS = "JB01-Z1-02", "JB01-Z2-02"
UPPER = "中共滨江区机关工作委员会"


def seed(*, stdout=None, by=None) -> None:
    if Election.objects.exists():
        return
    orgs = {o.code: o for o in Organization.objects.filter(code__in=[COMPLETED, IN_PROGRESS])}
    if len(orgs) < 2:
        return
    _completed(orgs[COMPLETED], by)
    _in_progress(orgs[IN_PROGRESS], by)
    if stdout:
        stdout.write("换届选举 2 个（1 个已完成，1 个进行中）")


def _eligible(org, on: date) -> list[Member]:
    return list(Member.objects.filter(branch=org).with_vote_on(on).order_by("id"))


def _completed(org, by) -> None:
    held = date(2026, 10, 16)
    election = svc.election_plan(organization=org, seats=5, planned_on=held, submitted_on=date(2026, 8, 20), by=by)
    svc.election_approve_plan(election=election, approved_by=UPPER, doc_no="滨机工委〔2026〕41号",
                              on=date(2026, 9, 1), by=by)
    voters = _eligible(org, held)
    svc.election_set_candidates(election=election, members=voters[:6], approved_by=UPPER,
                                doc_no="滨机工委〔2026〕47号", on=date(2026, 9, 25), by=by)
    absent = [voters[-1].pk, voters[-2].pk]
    quorum = svc.election_open(election=election, held_on=held, absent_ids=absent, by=by)
    valid = quorum.present - 1
    candidates = list(election.candidates.order_by("order"))
    yes = [valid, valid - 1, valid - 2, valid - 3, valid - 4, 5]
    tallies = {}
    for c, y in zip(candidates, yes, strict=True):
        other = 1 if c is candidates[4] else 0
        abstain = 1 if y < valid else 0
        tallies[c.pk] = (y, valid - y - abstain - other, abstain, other)
    svc.election_record_round(election=election, issued=quorum.present, returned=quorum.present, valid=valid,
                              invalid=1, tallies=tallies, write_ins=[("陈立新", 1)], counted_by="王芳、李强",
                              scrutineers="赵敏", by=by)
    secretary, deputy, organization, propaganda, discipline = candidates[:5]
    svc.election_officer_vote(election=election, role=OfficerRole.SECRETARY, candidate=secretary, held_on=held,
                              present=5, yes=5, by=by)
    svc.election_officer_vote(election=election, role=OfficerRole.DEPUTY_SECRETARY, candidate=deputy, held_on=held,
                              present=5, yes=4, abstain=1, by=by)
    svc.election_complete(election=election, roles={organization.pk: SeatRole.ORGANIZATION,
                                                    propaganda.pk: SeatRole.PROPAGANDA,
                                                    discipline.pk: SeatRole.DISCIPLINE},
                          reported_on=date(2026, 10, 19), filed_on=date(2026, 10, 19), by=by)
    svc.election_officers_approved(election=election, approved_by=UPPER, doc_no="滨机工委〔2026〕52号",
                                   on=date(2026, 10, 28), by=by)


def _in_progress(org, by) -> None:
    planned = date(2026, 12, 15)
    election = svc.election_plan(organization=org, seats=3, planned_on=planned, submitted_on=date(2026, 10, 10), by=by)
    svc.election_approve_plan(election=election, approved_by=UPPER, doc_no="滨机工委〔2026〕58号",
                              on=date(2026, 10, 20), by=by)
    svc.election_set_candidates(election=election, members=_eligible(org, planned)[:4], approved_by=UPPER,
                                doc_no="滨机工委〔2026〕61号", on=date(2026, 10, 30), by=by)
