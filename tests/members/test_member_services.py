from datetime import date

import pytest
from django.core.exceptions import ValidationError

from members.models import Member, MembershipMove, MemberStatus, MoveKind
from members.services.registry import member_create, member_deactivate, member_move, member_restore, member_update
from tests.members.factories import valid_id_number

pytestmark = pytest.mark.django_db


def base(**kw):
    data = dict(name="王芳", gender="female", birth_date=date(1990, 5, 1), category="in_service", status="full",
                joined_on=date(2015, 7, 1), confirmed_on=date(2016, 7, 1))
    data.update(kw)
    return data


def test_create_records_registration(tree, users):
    m = member_create(branch=tree.a1, by=users.staff, id_number=valid_id_number(1), registered_on=date(2024, 1, 2), **base())
    move = m.moves.get()
    assert move.kind == MoveKind.REGISTERED and move.to_organization == tree.a1 and move.occurred_on == date(2024, 1, 2)
    assert m.history.first().history_user == users.staff


def test_duplicate_id_number_refused(tree):
    member_create(branch=tree.a1, id_number=valid_id_number(2), **base())
    with pytest.raises(ValidationError) as exc:
        member_create(branch=tree.b1, id_number=valid_id_number(2), **base(name="李四"))
    assert "重复" in str(exc.value)
    assert Member.objects.count() == 1


@pytest.mark.parametrize("kw,field", [
    (dict(status="full", confirmed_on=None), "confirmed_on"),
    (dict(status="probationary"), "confirmed_on"),
    (dict(joined_on=date(2005, 1, 1), confirmed_on=date(2006, 1, 1)), "joined_on"),  # under 18 at joining
    (dict(confirmed_on=date(2014, 1, 1)), "confirmed_on"),
])
def test_invariants(tree, kw, field):
    with pytest.raises(ValidationError) as exc:
        member_create(branch=tree.a1, **base(**kw))
    assert field in exc.value.message_dict


def test_member_must_sit_in_a_branch(tree):
    with pytest.raises(ValidationError) as exc:
        member_create(branch=tree.ga, **base())
    assert "branch" in exc.value.message_dict


def test_group_must_belong_to_branch(tree):
    with pytest.raises(ValidationError) as exc:
        member_create(branch=tree.a2, party_group=tree.a1g, **base())
    assert "party_group" in exc.value.message_dict


def test_move_keeps_history(tree, members, users):
    m = members.a1
    member_move(member=m, to_branch=tree.b1, on=date(2025, 3, 1), by=users.staff)
    m.refresh_from_db()
    assert m.branch == tree.b1 and m.party_group is None and m.joined_branch_on == date(2025, 3, 1)
    move = MembershipMove.objects.get(member=m, kind=MoveKind.INTERNAL)
    assert (move.from_organization, move.to_organization) == (tree.a1, tree.b1)


def test_move_to_same_branch_or_before_joining_refused(tree, members):
    with pytest.raises(ValidationError):
        member_move(member=members.a1, to_branch=tree.a1, on=date(2025, 3, 1))
    with pytest.raises(ValidationError):
        member_move(member=members.a1, to_branch=tree.b1, on=date(2014, 12, 31))


def test_update_cannot_change_branch_silently(members, tree):
    with pytest.raises(ValidationError):
        member_update(member=members.a1, branch=tree.b1)


def test_group_change_is_recorded(members, tree):
    member_update(member=members.a1, party_group=None)
    assert MembershipMove.objects.filter(member=members.a1, kind=MoveKind.GROUP).exists()


def test_deactivate_and_restore(members, users):
    m = members.a1
    member_deactivate(member=m, on=date(2025, 6, 1), reason="转出至市外", kind=MoveKind.TRANSFER_OUT,
                      counterpart="某市某局党支部", letter_no="(2025)12号", by=users.staff)
    m.refresh_from_db()
    assert not m.is_active and m.left_reason == "转出至市外"
    assert Member.objects.filter(pk=m.pk).exists()
    with pytest.raises(ValidationError):
        member_deactivate(member=m, on=date(2025, 6, 2), reason="x")
    member_restore(member=m, on=date(2025, 6, 3), reason="误操作", by=users.staff)
    m.refresh_from_db()
    assert m.is_active
    assert list(m.moves.values_list("kind", flat=True)) == [MoveKind.TRANSFER_OUT, MoveKind.RESTORED]


def test_probationary_has_no_vote(tree):
    m = member_create(branch=tree.a1, **base(status=MemberStatus.PROBATIONARY, confirmed_on=None, joined_on=date(2026, 1, 5)))
    assert not m.has_vote
