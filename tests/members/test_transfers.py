"""组织关系转接: initiate → accept / return / cancel, with rights on each side; outside moves with letter numbers."""
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from branches.models import Role
from members.models import Member, MoveKind, Transfer, TransferStatus
from members.services import transfers
from tests.branches.factories import UserFactory, grant


@pytest.fixture
def b1_secretary(tree):
    return grant(UserFactory(username="b1sec"), tree.b1, Role.SECRETARY)


def test_accepted_transfer_moves_the_member_and_records_the_move(tree, users, members, b1_secretary):
    t = transfers.transfer_initiate(member=members.a1, to_branch=tree.b1, on=date(2026, 3, 1), reason="工作调动",
                                    by=users.secretary)
    members.a1.refresh_from_db()
    assert members.a1.branch == tree.a1 and t.status == TransferStatus.PENDING  # stays until accepted
    with pytest.raises(PermissionDenied):   # the out-branch cannot accept its own transfer
        transfers.transfer_accept(transfer=t, on=date(2026, 3, 5), by=users.secretary)
    transfers.transfer_accept(transfer=t, on=date(2026, 3, 5), by=b1_secretary)
    members.a1.refresh_from_db()
    t.refresh_from_db()
    assert members.a1.branch == tree.b1 and members.a1.party_group is None
    assert t.status == TransferStatus.ACCEPTED and t.decided_by == b1_secretary
    move = members.a1.moves.get(kind=MoveKind.TRANSFER)
    assert (move.from_organization, move.to_organization, move.occurred_on) == (tree.a1, tree.b1, date(2026, 3, 5))
    with pytest.raises(ValidationError):
        transfers.transfer_accept(transfer=t, on=date(2026, 3, 6), by=b1_secretary)


def test_returned_transfer_keeps_the_member_and_allows_a_new_one(tree, users, members, b1_secretary):
    t = transfers.transfer_initiate(member=members.a1, to_branch=tree.b1, on=date(2026, 3, 1), by=users.secretary)
    with pytest.raises(ValidationError):
        transfers.transfer_initiate(member=members.a1, to_branch=tree.a2, on=date(2026, 3, 2), by=users.secretary)
    with pytest.raises(ValidationError):
        transfers.transfer_return(transfer=t, on=date(2026, 3, 3), reason=" ", by=b1_secretary)
    transfers.transfer_return(transfer=t, on=date(2026, 3, 3), reason="材料不全", by=b1_secretary)
    t.refresh_from_db()
    members.a1.refresh_from_db()
    assert t.status == TransferStatus.RETURNED and t.return_reason == "材料不全" and members.a1.branch == tree.a1
    again = transfers.transfer_initiate(member=members.a1, to_branch=tree.b1, on=date(2026, 3, 10), by=users.secretary)
    transfers.transfer_cancel(transfer=again, by=users.secretary)
    assert Transfer.objects.get(pk=again.pk).status == TransferStatus.CANCELLED


def test_only_the_out_branch_can_initiate(tree, users, members, b1_secretary):
    with pytest.raises(PermissionDenied):
        transfers.transfer_initiate(member=members.a1, to_branch=tree.b1, on=date(2026, 3, 1), by=b1_secretary)
    with pytest.raises(ValidationError):
        transfers.transfer_initiate(member=members.a1, to_branch=tree.a1, on=date(2026, 3, 1), by=users.secretary)
    with pytest.raises(ValidationError):
        transfers.transfer_initiate(member=members.a1, to_branch=tree.ga, on=date(2026, 3, 1), by=users.staff)


def test_outside_moves_need_letter_number_and_keep_the_record(tree, users, members):
    with pytest.raises(ValidationError):
        transfers.transfer_out_external(member=members.a1, on=date(2026, 4, 1), counterpart="某市委", letter_no="",
                                        by=users.secretary)
    transfers.transfer_out_external(member=members.a1, on=date(2026, 4, 1), counterpart="某市委机关党委",
                                    letter_no="组介字〔2026〕18号", by=users.secretary)
    members.a1.refresh_from_db()
    assert not members.a1.is_active
    move = members.a1.moves.get(kind=MoveKind.TRANSFER_OUT)
    assert move.letter_no == "组介字〔2026〕18号" and move.counterpart == "某市委机关党委"
    t = transfers.transfer_in_external(to_branch=tree.a1, on=date(2026, 4, 2), counterpart="外省某支部",
                                       letter_no="介〔2026〕7号", by=users.secretary, name="新转入", gender="female",
                                       birth_date=date(1990, 1, 1), status="full", joined_on=date(2015, 7, 1),
                                       confirmed_on=date(2016, 7, 1))
    m = Member.objects.get(name="新转入")
    assert t.member == m and m.moves.get().kind == MoveKind.TRANSFER_IN and m.moves.get().letter_no == "介〔2026〕7号"
    with pytest.raises(PermissionDenied):
        transfers.transfer_in_external(to_branch=tree.b1, on=date(2026, 4, 2), counterpart="x", letter_no="y",
                                       by=users.secretary, name="n", gender="male", birth_date=date(1990, 1, 1),
                                       status="full", joined_on=date(2015, 7, 1), confirmed_on=date(2016, 7, 1))


def test_mobile_member_marked_with_location(tree, members):
    transfers.member_mark_mobile(member=members.a1, location="广东省深圳市", since=date(2026, 1, 1))
    members.a1.refresh_from_db()
    assert members.a1.is_mobile and members.a1.mobile_location == "广东省深圳市"
    transfers.member_mark_mobile(member=members.a1, location="", since=date(2026, 6, 1))
    members.a1.refresh_from_db()
    assert not members.a1.is_mobile and members.a1.mobile_since is None


def test_pending_transfer_is_unique_per_member_in_the_database(tree, members, users):
    transfers.transfer_initiate(member=members.a1, to_branch=tree.b1, on=date(2026, 3, 1), by=users.secretary)
    from django.db import IntegrityError, transaction
    with pytest.raises(IntegrityError), transaction.atomic():
        Transfer.objects.create(member=members.a1, kind="internal", from_branch=tree.a1, to_branch=tree.a2,
                                initiated_on=date(2026, 3, 2))
