"""Two writers of the same branch at the same instant: the stored figures count both (PostgreSQL, real threads).

Each writer adds a member in its own transaction and connection; a barrier holds both just before the figures are
recounted, when neither has committed. Counting before taking the row lock counts the other writer's member in
neither transaction (the second sees the first's stored figure equal to its own stale count and leaves it); the
count taken under the lock sees the first writer's committed member."""
from __future__ import annotations

import pytest
from django.db import connection, transaction

from branches import figures
from branches.models import OrganizationFigures
from tests.branches.factories import make_org
from tests.concurrency import all_at_once, failures, held_at
from tests.members.factories import MemberFactory

TRIALS = 5

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres():
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL: set DATABASE_URL")


def add_two_members_at_once(monkeypatch, branch_id: int) -> None:
    """Two writers each add a member to the branch in their own transaction and connection, held at a barrier just
    before the figures are recounted (neither has committed yet)."""
    def add():
        with transaction.atomic():
            MemberFactory(branch_id=branch_id)

    with held_at(monkeypatch, figures, "refresh_members", parties=2):
        outcomes = all_at_once(add, add)
    assert not failures(outcomes)


def test_members_added_to_one_branch_at_the_same_instant_are_all_counted(monkeypatch):
    root = make_org(name="并发党委")
    branch = make_org(root, name="并发支部")
    for _ in range(TRIALS):
        add_two_members_at_once(monkeypatch, branch.pk)
    assert OrganizationFigures.objects.get(organization=branch).members == 2 * TRIALS
    assert OrganizationFigures.objects.get(organization=root).subtree_members == 2 * TRIALS
    assert figures.differences() == []


def test_a_branch_crossing_three_members_at_the_same_instant_is_no_longer_warned(monkeypatch):
    """warned_since is derived from the counts under the same row lock: a branch of one 正式党员 with a committee
    (warned: fewer than 3) gains two members at once; a stale count would leave it at 2 and warned."""
    from datetime import date, timedelta

    from dateutil.relativedelta import relativedelta

    from branches.models import Organization, SeatRole
    from branches.selectors import TERM_DUE_WARNING_DAYS, structure_warnings, with_structure
    from branches.services import term_start

    root = make_org(name="并发党委二")
    ends = date.today() + relativedelta(years=2)
    for n in range(TRIALS):
        branch = make_org(root, name=f"并发支部{n}")
        secretary = MemberFactory(branch=branch)
        term_start(organization=branch, started_on=ends - relativedelta(years=branch.default_term_years),
                   seats=[(secretary, SeatRole.SECRETARY)])
        assert OrganizationFigures.objects.get(organization=branch).warned_since == date.min
        add_two_members_at_once(monkeypatch, branch.pk)
        stored = OrganizationFigures.objects.get(organization=branch)
        assert stored.members == 3
        assert stored.warned_since == ends - timedelta(days=TERM_DUE_WARNING_DAYS)
        annotated = with_structure(Organization.objects.filter(pk=branch.pk)).get()
        assert structure_warnings(annotated, today=date.today()) == []
    assert figures.differences() == []
