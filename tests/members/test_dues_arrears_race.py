"""Payments at the same instant: the stored 欠缴 standing and 党费收缴 totals follow both (PostgreSQL, real threads).

The member owes five months. One writer pays an older month, the other the latest; each in its own transaction
and connection, held by a barrier just before the standing is recounted, when neither has committed. A recount
taken before the member's row lock sees only its own payment: if the older month's writer wrote last, a run of 3
would stay stored although the latest month is paid. Counted under the lock, the second writer sees the first's
committed payment."""
from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
from dateutil.relativedelta import relativedelta
from django.db import connection, transaction

from members.models import DuesArrear, DuesRecord
from members.services import dues
from tests.branches.factories import make_org
from tests.concurrency import all_at_once, failures, held_at
from tests.members.factories import MemberFactory

TRIALS = 4

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres():
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL: set DATABASE_URL")


def paying(record_id):
    """One writer: pays one record in its own transaction (run in its own thread and connection by all_at_once)."""
    def pay():
        with transaction.atomic():
            dues.dues_mark_paid(records=DuesRecord.objects.filter(pk=record_id), paid_on=date.today(), method="cash")
    return pay


def test_two_payments_of_one_member_at_the_same_instant_leave_her_standing_right(monkeypatch):
    branch = make_org(make_org(name="并发党委"), name="并发支部")
    this = dues.month_start(date.today())
    errors = []
    members = []
    for trial in range(TRIALS):
        member = MemberFactory(branch_id=branch.pk, name=f"并发{trial}")
        months = [this - relativedelta(months=k) for k in range(4, -1, -1)]
        recs = [DuesRecord.objects.create(member=member, branch_id=branch.pk, month=m, amount_due=D("10"))
                for m in months]
        assert DuesArrear.objects.get(member=member).months == 5
        members.append(member)
        with held_at(monkeypatch, dues, "arrears_refresh", parties=2):
            errors += failures(all_at_once(paying(recs[1].pk), paying(recs[-1].pk)))
    assert not errors, errors
    # the latest month is paid for each: no run, nothing stored
    assert not DuesArrear.objects.filter(member__in=members).exists()
    assert dues.arrears_differences() == []


def test_payments_of_two_branches_and_of_one_branch_month_at_the_same_instant_are_all_in_the_totals(monkeypatch):
    """The 党费收缴 totals: two payments of one branch's month, then of two branches of one 党总支, each pair at the
    same instant; every organization's month equals its records."""
    from members.services import dues_totals

    root = make_org(name="并发党委")
    general = make_org(root, name="并发总支")
    branches = [make_org(general, name=f"并发支部{i}") for i in range(2)]
    this = dues.month_start(date.today())
    recs = []
    for i in range(4):
        member = MemberFactory(branch_id=branches[i // 2].pk, name=f"缴费{i}")
        recs.append(DuesRecord.objects.create(member=member, branch_id=member.branch_id, month=this,
                                              amount_due=D("10")))
    errors = []
    for pair in ((recs[0], recs[1]), (recs[2], recs[3])):   # one branch's month; then the other branch
        with held_at(monkeypatch, dues, "totals_refresh", parties=2):
            errors += failures(all_at_once(*(paying(r.pk) for r in pair)))
    assert not errors, errors
    assert dues_totals.differences() == []
    [row] = dues.collection_summary(organizations=[general], start=this, end=this)
    assert (row.records, row.paid_records, row.paid) == (4, 4, D("40.00"))
