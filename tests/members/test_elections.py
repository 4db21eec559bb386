"""换届选举 end to end and at its edges: 差额, 4/5 quorum, tally arithmetic, >½ of should-attend, ties and re-votes,
书记/副书记 等额 by the new 支委会, and the result becoming the new CommitteeTerm (old one closed)."""
from datetime import date

import pytest
from django.core.exceptions import ValidationError

from branches.models import CommitteeTerm, Role, SeatRole
from branches.services import term_start
from members.elections import counting
from members.elections import services as svc
from members.elections.models import Election, ElectionStatus, OfficerRole
from members.models import MemberStatus
from tests.branches.factories import UserFactory, grant
from tests.members.factories import MemberFactory

HELD = date(2026, 12, 10)
APPROVAL = {"approved_by": "中共测试党委", "doc_no": "测党字〔2026〕30号"}


# --- pure arithmetic ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("seats,percent,needed", [(3, 20, 4), (5, 20, 6), (7, 20, 9), (5, 0, 5), (5, 40, 7)])
def test_margin(seats, percent, needed):
    assert counting.min_candidates(seats, percent) == needed


def T(key, yes, no=0, abstain=0, other=0, name=None):
    return counting.CandidateTally(key, name or f"候选人{key}", yes, no, abstain, other)


@pytest.mark.parametrize("should,yes,elected", [(10, 5, False), (10, 6, True), (9, 5, True), (9, 4, False)])
def test_elected_needs_more_than_half_of_should_attend(should, yes, elected):
    outcome = counting.count(should_attend=should, seats=1, tallies=[T(1, yes)])
    assert (outcome.elected == [1]) is elected


def test_most_votes_win_when_more_pass_than_seats():
    outcome = counting.count(should_attend=10, seats=2, tallies=[T(1, 9), T(2, 7), T(3, 8)])
    assert outcome.elected == [1, 3] and not outcome.tied and outcome.open_seats == 0


def test_tie_at_the_last_seat_goes_to_a_revote():
    outcome = counting.count(should_attend=10, seats=2, tallies=[T(1, 9), T(2, 7), T(3, 7)])
    assert outcome.elected == [1] and outcome.tied == [2, 3] and outcome.open_seats == 1


def test_tie_that_fits_the_seats_elects_both():
    outcome = counting.count(should_attend=10, seats=2, tallies=[T(1, 7), T(2, 7), T(3, 5)])
    assert sorted(outcome.elected) == [1, 2] and not outcome.tied


def test_too_few_above_half_leaves_seats_open():
    outcome = counting.count(should_attend=10, seats=3, tallies=[T(1, 9), T(2, 5), T(3, 6), T(4, 4)])
    assert outcome.elected == [1, 3] and outcome.open_seats == 1


def test_tally_arithmetic():
    ok = dict(present=10, issued=10, returned=10, valid=9, invalid=1, seats=1)
    assert counting.check_tally(**ok, tallies=[T(1, 6, 2, 1), T(2, 3, 5, 1)]) == []
    assert "多于发出" in counting.check_tally(**{**ok, "returned": 11, "invalid": 2}, tallies=[])[0]
    assert "应等于收回选票" in counting.check_tally(**{**ok, "invalid": 0}, tallies=[])[0]
    assert "多于到会" in counting.check_tally(**{**ok, "issued": 11}, tallies=[])[0]
    assert "合计 8" in counting.check_tally(**ok, tallies=[T(1, 6, 1, 1)])[0]
    errors = counting.check_tally(**ok, tallies=[T(1, 6, 2, 1), T(2, 6, 2, 1)])  # 12 approvals on 9 one-seat ballots
    assert len(errors) == 1 and "超过每张选票最多可选 1 人" in errors[0]
    assert "多于有效票" in counting.check_tally(**ok, tallies=[], write_ins=[("张某", 10)])[0]


# --- the whole 换届 -----------------------------------------------------------------------------------------
@pytest.fixture
def branch(tree):
    people = MemberFactory.create_batch(10, branch=tree.a1, confirmed_on=date(2010, 1, 1))
    MemberFactory(branch=tree.a1, status=MemberStatus.PROBATIONARY, confirmed_on=None, joined_on=date(2026, 3, 1))
    MemberFactory(branch=tree.a1, discipline_from=date(2026, 6, 1), discipline_until=date(2027, 6, 1))
    old = term_start(organization=tree.a1, started_on=date(2023, 12, 20), seats=[(people[9], SeatRole.SECRETARY)])
    return tree.a1, people, old


def planned(org, seats=3):
    election = svc.election_plan(organization=org, seats=seats, planned_on=HELD, submitted_on=date(2026, 10, 8))
    svc.election_approve_plan(election=election, on=date(2026, 10, 20), **APPROVAL)
    return Election.objects.get(pk=election.pk)


def with_candidates(org, people, seats=3):
    election = planned(org, seats)
    svc.election_set_candidates(election=election, members=people[:4], on=date(2026, 11, 10), **APPROVAL)
    return Election.objects.get(pk=election.pk)


def test_plan_needs_the_upper_approval(branch):
    org, people, _ = branch
    election = svc.election_plan(organization=org, seats=3, planned_on=HELD, submitted_on=date(2026, 10, 8))
    with pytest.raises(ValidationError, match="批复"):
        svc.election_set_candidates(election=election, members=people[:4], on=date(2026, 11, 10), **APPROVAL)
    with pytest.raises(ValidationError, match="批复文号"):
        svc.election_approve_plan(election=election, approved_by="中共测试党委", doc_no="", on=date(2026, 10, 20))
    with pytest.raises(ValidationError, match="不能早于报送日期"):
        svc.election_approve_plan(election=election, on=date(2026, 10, 7), **APPROVAL)
    svc.election_approve_plan(election=election, on=date(2026, 10, 8), **APPROVAL)
    election.refresh_from_db()
    assert election.status == ElectionStatus.PLAN_APPROVED and election.min_margin_percent == 20


@pytest.mark.parametrize("seats", [2, 8])
def test_committee_size(branch, seats):
    with pytest.raises(ValidationError):
        svc.election_plan(organization=branch[0], seats=seats, planned_on=HELD, submitted_on=date(2026, 10, 8))


def test_margin_of_candidates_is_enforced_and_configurable(branch, settings):
    org, people, _ = branch
    election = planned(org, seats=5)
    with pytest.raises(ValidationError, match="少于差额选举要求的 6 名"):
        svc.election_set_candidates(election=election, members=people[:5], on=date(2026, 11, 10), **APPROVAL)
    assert svc.election_set_candidates(election=election, members=people[:6], on=date(2026, 11, 10), **APPROVAL)
    settings.ELECTION_MIN_MARGIN_PERCENT = 50
    other = svc.election_plan(organization=org, seats=4, planned_on=HELD, submitted_on=date(2026, 10, 8))
    assert other.min_margin_percent == 50


def test_candidates_need_the_right_to_be_elected(branch, tree):
    org, people, _ = branch
    election = planned(org)
    probationary = org.members.get(status=MemberStatus.PROBATIONARY)
    disciplined = org.members.get(discipline_from__isnull=False)
    for bad in (probationary, disciplined, MemberFactory(branch=tree.a2)):
        with pytest.raises(ValidationError, match="没有被选举权"):
            svc.election_set_candidates(election=election, members=[*people[:3], bad], on=date(2026, 11, 10),
                                        **APPROVAL)


def test_roster_and_four_fifths_quorum(branch):
    org, people, _ = branch
    election = with_candidates(org, people)
    # voters: the 10 full members; the 预备党员 and the one under 留党察看 have no vote
    assert {m.pk for m in svc.roster(election=election, on=HELD)} == {p.pk for p in people}
    with pytest.raises(ValidationError, match="五分之四"):   # 8 of 10 is not more than 4/5
        svc.election_open(election=election, held_on=HELD, absent_ids=[people[8].pk, people[9].pk])
    assert not election.voters.exists()
    quorum = svc.election_open(election=election, held_on=HELD, absent_ids=[people[9].pk])  # 9 of 10
    assert (quorum.should_attend, quorum.present, quorum.met) == (10, 9, True)


def tally(election, counts):
    """counts: [(yes, no, abstain, other)] in candidate order."""
    return {c.pk: counts[i] for i, c in enumerate(election.candidates.order_by("order"))}


def test_a_tally_that_does_not_add_up_is_refused_and_nothing_recorded(branch):
    org, people, _ = branch
    election = with_candidates(org, people)
    svc.election_open(election=election, held_on=HELD, absent_ids=[people[9].pk])
    with pytest.raises(ValidationError) as exc:
        svc.election_record_round(election=election, issued=9, returned=9, valid=9, invalid=0,
                                  tallies=tally(election, [(8, 1, 0, 0), (7, 2, 0, 0), (6, 3, 0, 0), (3, 5, 0, 0)]))
    assert "合计 8" in " ".join(exc.value.messages)
    with pytest.raises(ValidationError, match="多于发出"):
        svc.election_record_round(election=election, issued=9, returned=10, valid=9, invalid=1,
                                  tallies=tally(election, [(8, 1, 0, 0), (7, 2, 0, 0), (6, 3, 0, 0), (3, 6, 0, 0)]))
    assert not election.rounds.exists()


def test_full_election_with_a_tie_revote_becomes_the_new_term(branch):
    org, people, old = branch
    election = with_candidates(org, people)
    svc.election_open(election=election, held_on=HELD, absent_ids=[people[9].pk])  # should attend 10: elected ≥ 6
    # round 1: A and B 7 each, elected; C and D tie at 6 for the last seat (one ballot wrote in 王某 instead of A)
    r1 = svc.election_record_round(
        election=election, issued=9, returned=9, valid=9, invalid=0, write_ins=[("王某", 1)],
        tallies=tally(election, [(7, 1, 0, 1), (7, 2, 0, 0), (6, 2, 1, 0), (6, 2, 1, 0)]))
    assert [t.candidate.member for t in r1.tallies.filter(elected=True)] == people[:2]
    assert set(r1.tallies.filter(tied=True).values_list("candidate__member", flat=True)) == {people[2].pk, people[3].pk}
    assert "再次投票" in r1.outcome
    c, d = election.candidates.order_by("order")[2:4]
    with pytest.raises(ValidationError, match="得票相等"):   # the re-vote is among the tied only
        svc.election_record_round(election=election, issued=9, returned=9, valid=9, invalid=0, candidate_ids=[c.pk],
                                  tallies={c.pk: (7, 2, 0, 0)})
    with pytest.raises(ValidationError, match="最多可选 1 人"):   # one seat: no ballot approves both
        svc.election_record_round(election=election, issued=9, returned=9, valid=9, invalid=0,
                                  tallies={c.pk: (7, 2, 0, 0), d.pk: (5, 4, 0, 0)})
    r2 = svc.election_record_round(election=election, issued=9, returned=9, valid=9, invalid=0,
                                   tallies={c.pk: (6, 3, 0, 0), d.pk: (3, 6, 0, 0)})
    assert r2.number == 2 and r2.seats_to_fill == 1 and r2.tallies.get(elected=True).candidate == c
    election.refresh_from_db()
    assert election.status == ElectionStatus.COMMITTEE_ELECTED

    a, b = election.candidates.order_by("order")[:2]
    with pytest.raises(ValidationError, match="新当选的委员"):
        svc.election_officer_vote(election=election, role=OfficerRole.SECRETARY, candidate=d, held_on=HELD,
                                  present=3, yes=3)
    with pytest.raises(ValidationError, match="未超过新一届委员 3 人的半数"):
        svc.election_officer_vote(election=election, role=OfficerRole.SECRETARY, candidate=a, held_on=HELD,
                                  present=1, yes=1)
    with pytest.raises(ValidationError, match="尚未选出书记"):
        svc.election_complete(election=election, reported_on=HELD, filed_on=HELD)
    failed = svc.election_officer_vote(election=election, role=OfficerRole.SECRETARY, candidate=a, held_on=HELD,
                                       present=2, yes=1, no=1)
    assert not failed.passed   # 1 of 3 is not more than half of the new committee
    assert svc.election_officer_vote(election=election, role=OfficerRole.SECRETARY, candidate=a, held_on=HELD,
                                     present=3, yes=2, no=1).passed
    with pytest.raises(ValidationError, match="已选出"):   # 等额: one secretary
        svc.election_officer_vote(election=election, role=OfficerRole.SECRETARY, candidate=b, held_on=HELD,
                                  present=3, yes=3)
    svc.election_officer_vote(election=election, role=OfficerRole.DEPUTY_SECRETARY, candidate=b, held_on=HELD,
                              present=3, yes=3)

    term = svc.election_complete(election=election, roles={c.pk: SeatRole.DISCIPLINE}, reported_on=date(2026, 12, 12),
                                 filed_on=date(2026, 12, 12))
    old.refresh_from_db()
    assert old.closed_on == HELD and not old.has_approval   # within the window before 届满 (2026-12-20)
    assert term.started_on == HELD and term.ends_on == date(2029, 12, 10) and term.is_current
    seats = {s.member_id: s.role for s in term.seats.all()}
    assert seats == {people[0].pk: SeatRole.SECRETARY, people[1].pk: SeatRole.DEPUTY_SECRETARY,
                     people[2].pk: SeatRole.DISCIPLINE}
    election.refresh_from_db()
    assert election.status == ElectionStatus.COMPLETED and election.new_term == term
    with pytest.raises(ValidationError, match="不能早于报送日期"):
        svc.election_officers_approved(election=election, on=date(2026, 12, 11), **APPROVAL)
    svc.election_officers_approved(election=election, on=date(2026, 12, 20), **APPROVAL)
    assert CommitteeTerm.objects.filter(organization=org, closed_on__isnull=True).get() == term


def test_seats_left_open_go_to_another_round(branch):
    org, people, _ = branch
    election = with_candidates(org, people)
    svc.election_open(election=election, held_on=HELD, absent_ids=[])
    svc.election_record_round(election=election, issued=10, returned=10, valid=10, invalid=0,
                              tallies=tally(election, [(10, 0, 0, 0), (6, 4, 0, 0), (5, 5, 0, 0), (5, 5, 0, 0)]))
    # C and D have 5 of 10 should-attend: not more than half, one seat stays open (另行选举, not a tie re-vote)
    c, d = election.candidates.order_by("order")[2:4]
    election.refresh_from_db()
    assert election.status == ElectionStatus.VOTING
    r2 = svc.election_record_round(election=election, issued=10, returned=10, valid=10, invalid=0,
                                   tallies={c.pk: (4, 6, 0, 0), d.pk: (6, 4, 0, 0)})
    assert r2.tallies.get(elected=True).candidate == d


def test_early_election_is_carried_by_the_plan_approval(branch):
    org, people, old = branch
    election = svc.election_plan(organization=org, seats=3, planned_on=date(2026, 6, 1), submitted_on=date(2026, 4, 1))
    svc.election_approve_plan(election=election, on=date(2026, 4, 20), **APPROVAL)
    svc.election_set_candidates(election=election, members=people[:4], on=date(2026, 5, 10), **APPROVAL)
    svc.election_open(election=election, held_on=date(2026, 6, 1))
    svc.election_record_round(election=election, issued=10, returned=10, valid=10, invalid=0,
                              tallies=tally(election, [(10, 0, 0, 0), (9, 1, 0, 0), (8, 2, 0, 0), (3, 7, 0, 0)]))
    a = election.candidates.order_by("order").first()
    svc.election_officer_vote(election=election, role=OfficerRole.SECRETARY, candidate=a, held_on=date(2026, 6, 1),
                              present=3, yes=3)
    svc.election_complete(election=election, reported_on=date(2026, 6, 2), filed_on=date(2026, 6, 2))
    old.refresh_from_db()
    assert old.closed_on == date(2026, 6, 1) and old.approval_doc_no == APPROVAL["doc_no"]


# --- pages, report, API (scoped) ---------------------------------------------------------------------------
@pytest.fixture
def completed(branch):
    org, people, old = branch
    election = with_candidates(org, people)
    svc.election_open(election=election, held_on=HELD, absent_ids=[])
    svc.election_record_round(election=election, issued=10, returned=10, valid=10, invalid=0,
                              tallies=tally(election, [(10, 0, 0, 0), (9, 1, 0, 0), (8, 2, 0, 0), (3, 7, 0, 0)]))
    a = election.candidates.order_by("order").first()
    svc.election_officer_vote(election=election, role=OfficerRole.SECRETARY, candidate=a, held_on=HELD, present=3,
                              yes=3)
    svc.election_complete(election=election, reported_on=HELD, filed_on=HELD)
    return Election.objects.get(pk=election.pk)


def test_pages_are_scoped(client, tree, users, completed):
    from tests.members.lifecycle_helpers import login

    login(client, users.secretary)   # secretary of 甲一支部: her branch's election
    assert completed.title in client.get("/members/elections/").content.decode()
    assert client.get(completed.get_absolute_url()).status_code == 200
    report = client.get(f"/members/elections/{completed.pk}/report/").content.decode()
    assert "选举结果报告" in report and "超过应到会人数的五分之四" in report and "书记" in report
    other = UserFactory(username="sec_b1")
    grant(other, tree.b1, Role.SECRETARY)
    login(client, other)
    assert client.get(completed.get_absolute_url()).status_code == 404
    assert client.get(f"/members/elections/{completed.pk}/report/").status_code == 404
    assert completed.title not in client.get("/members/elections/").content.decode()


def test_steps_through_the_page_refuse_bad_arithmetic_and_keep_nothing(client, tree, users, branch):
    from tests.members.lifecycle_helpers import login

    org, people, _ = branch
    election = with_candidates(org, people)
    svc.election_open(election=election, held_on=HELD, absent_ids=[])
    login(client, users.secretary)
    ids = list(election.candidates.order_by("order").values_list("pk", flat=True))
    data = {"step": "round", "issued": "10", "returned": "11", "valid": "10", "invalid": "1",
            "on_ballot": [str(i) for i in ids], **{f"{k}-{i}": "0" for i in ids for k in ("yes", "no", "abstain", "other")}}
    response = client.post(election.get_absolute_url(), data)
    assert response.status_code == 200 and "多于发出" in response.content.decode()
    assert not election.rounds.exists()
    data.update({"returned": "10", "invalid": "0", **{f"yes-{i}": str(v) for i, v in zip(ids, [10, 9, 8, 3], strict=True)},
                 **{f"no-{i}": str(10 - v) for i, v in zip(ids, [10, 9, 8, 3], strict=True)}})
    assert client.post(election.get_absolute_url(), data).status_code == 302
    election.refresh_from_db()
    assert election.status == ElectionStatus.COMMITTEE_ELECTED


def test_reviewer_cannot_write(client, users, branch):
    from tests.members.lifecycle_helpers import login

    org, people, _ = branch
    election = planned(org)
    login(client, users.reviewer)
    assert client.get(election.get_absolute_url()).status_code == 200
    response = client.post(election.get_absolute_url(), {"step": "candidates"})
    assert response.status_code == 403


def test_api_lists_elections_in_scope_with_tallies(client, tree, users, completed):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(users.staff)
    body = api.get("/api/v1/elections/").json()
    row = next(r for r in body["results"] if r["id"] == completed.pk)
    assert row["status"] == "completed" and row["new_term"] == completed.new_term_id
    assert [t["yes"] for t in row["rounds"][0]["tallies"]][:1] == [10]
    api.force_authenticate(users.agency)   # agency on 乙党总支: 甲一支部 is outside
    assert api.get(f"/api/v1/elections/{completed.pk}/").status_code == 404
