"""Two writers of the same branch at the same instant: the stored figures count both (PostgreSQL, real threads).

Each writer adds a member in its own transaction and connection; a barrier holds both just before the figures are
recounted, when neither has committed. Counting before taking the row lock counts the other writer's member in
neither transaction (the second sees the first's stored figure equal to its own stale count and leaves it); the
count taken under the lock sees the first writer's committed member."""
from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction

from branches import figures
from branches.models import OrganizationFigures
from tests.branches.factories import make_org
from tests.members.factories import MemberFactory

TRIALS = 5

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres():
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL: set DATABASE_URL")


def test_members_added_to_one_branch_at_the_same_instant_are_all_counted(monkeypatch):
    root = make_org(name="并发党委")
    branch = make_org(root, name="并发支部")
    barrier = threading.Barrier(2, timeout=20)
    real = figures.refresh_members

    def gated(ids):
        barrier.wait()
        return real(ids)

    monkeypatch.setattr(figures, "refresh_members", gated)
    errors = []

    def add():
        try:
            with transaction.atomic():
                MemberFactory(branch_id=branch.pk)
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            connections.close_all()

    for _ in range(TRIALS):
        threads = [threading.Thread(target=add) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    monkeypatch.undo()
    assert not errors, errors
    assert OrganizationFigures.objects.get(organization=branch).members == 2 * TRIALS
    assert OrganizationFigures.objects.get(organization=root).subtree_members == 2 * TRIALS
    assert figures.differences() == []
