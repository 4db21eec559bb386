from datetime import date, timedelta

import pytest

from branches.models import Organization, SeatRole
from branches.selectors import structure_warnings, with_structure
from branches.services import term_start
from members.models import MemberStatus
from tests.members.factories import MemberFactory

pytestmark = pytest.mark.django_db
TODAY = date(2026, 6, 1)


def codes(org):
    annotated = with_structure(Organization.objects.filter(pk=org.pk)).get()
    return {w.code for w in structure_warnings(annotated, today=TODAY)}


def test_seven_full_members_without_committee(tree):
    MemberFactory.create_batch(7, branch=tree.a1)
    assert "no_committee" in codes(tree.a1)


def test_six_full_members_plus_probationary_need_no_committee(tree):
    """The threshold counts 正式党员 only."""
    MemberFactory.create_batch(6, branch=tree.a1)
    MemberFactory.create_batch(3, branch=tree.a1, status=MemberStatus.PROBATIONARY, confirmed_on=None,
                               joined_on=date(2026, 1, 1))
    assert "no_committee" not in codes(tree.a1)


@pytest.mark.parametrize("seats,warned", [(2, True), (3, False), (7, False), (8, True)])
def test_committee_size(tree, seats, warned):
    people = MemberFactory.create_batch(9, branch=tree.a1)
    roles = [SeatRole.SECRETARY] + [SeatRole.MEMBER] * (seats - 1)
    term_start(organization=tree.a1, started_on=TODAY - timedelta(days=30), seats=list(zip(people, roles, strict=False)))
    assert ("committee_size" in codes(tree.a1)) is warned


@pytest.mark.parametrize("count,warned", [(50, False), (51, True)])
def test_branch_over_fifty_members(tree, count, warned):
    MemberFactory.create_batch(count, branch=tree.a1, status=MemberStatus.PROBATIONARY, confirmed_on=None,
                               joined_on=date(2026, 1, 1))
    assert ("too_many_members" in codes(tree.a1)) is warned


@pytest.mark.parametrize("ends_in_days,code", [(-1, "term_overdue"), (0, "term_due"), (90, "term_due"), (91, None)])
def test_term_due_and_overdue(tree, ends_in_days, code):
    m = MemberFactory(branch=tree.a1)
    term_start(organization=tree.a1, started_on=date(2024, 1, 1), ends_on=TODAY + timedelta(days=ends_in_days),
               seats=[(m, SeatRole.SECRETARY)])
    found = codes(tree.a1) & {"term_overdue", "term_due"}
    assert found == ({code} if code else set())


def test_left_members_do_not_count(tree):
    MemberFactory.create_batch(7, branch=tree.a1, is_active=False, left_reason="转出")
    assert "no_committee" not in codes(tree.a1)
