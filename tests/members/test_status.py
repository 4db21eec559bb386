"""Status changes and voting rights: 转正, 延长预备期, 取消资格, 留党察看, 出党/退党, death; has_vote_on."""
from datetime import date

import pytest
from django.core.exceptions import ValidationError

from members.models import Member, MemberStatus, StatusChange, StatusKind
from members.services import status
from tests.members.factories import MemberFactory


def probationer(branch, joined=date(2025, 1, 10)):
    from members.services.registry import member_create

    return member_create(branch=branch, name="预备甲", gender="male", birth_date=date(1998, 1, 1),
                         status=MemberStatus.PROBATIONARY, joined_on=joined)


def test_probation_end_is_set_from_rule_data(tree):
    assert probationer(tree.a1).probation_ends_on == date(2026, 1, 10)


def test_confirm_at_probation_end_gives_vote_from_then(tree, users):
    m = probationer(tree.a1)
    assert not m.has_vote_on(date(2026, 1, 10))
    with pytest.raises(ValidationError) as exc:
        status.member_confirm(member=m, on=date(2026, 1, 9), meeting_ref="党大〔2026〕1号")
    assert "预备期满方可讨论转正" in " ".join(exc.value.messages)
    with pytest.raises(ValidationError):
        status.member_confirm(member=m, on=date(2026, 1, 20), meeting_ref="")
    status.member_confirm(member=m, on=date(2026, 1, 20), meeting_ref="党大〔2026〕1号", by=users.secretary)
    m.refresh_from_db()
    assert m.status == MemberStatus.FULL and m.confirmed_on == date(2026, 1, 10)  # 党龄 from the end of 预备期
    assert not m.has_vote_on(date(2026, 1, 9)) and m.has_vote_on(date(2026, 1, 10))
    assert StatusChange.objects.get(member=m).meeting_ref == "党大〔2026〕1号"
    assert m.history.filter(status=MemberStatus.FULL).exists()


def test_extension_once_and_then_cancel(tree, users):
    m = probationer(tree.a1)
    with pytest.raises(ValidationError):
        status.member_extend_probation(member=m, on=date(2026, 1, 12), months=13, reason="x", meeting_ref="1")
    status.member_extend_probation(member=m, on=date(2026, 1, 12), months=12, reason="群众意见较大", meeting_ref="党大1")
    m.refresh_from_db()
    assert m.probation_ends_on == date(2027, 1, 10)
    with pytest.raises(ValidationError) as exc:
        status.member_extend_probation(member=m, on=date(2026, 6, 1), months=6, reason="再延", meeting_ref="党大2")
    assert "已延长过一次" in exc.value.messages[0]
    status.member_cancel_probation(member=m, on=date(2027, 1, 15), reason="仍不具备党员条件", meeting_ref="党大3")
    m.refresh_from_db()
    assert not m.is_active and "取消预备党员资格" in m.left_reason
    assert list(m.status_changes.values_list("kind", flat=True)) == [StatusKind.EXTEND, StatusKind.CANCEL_PROBATION]


def test_discipline_removes_vote_during_the_period_only(tree):
    m = MemberFactory(branch=tree.a1)
    with pytest.raises(ValidationError):
        status.member_discipline(member=m, on=date(2026, 2, 1), months=18, reason="违纪")
    status.member_discipline(member=m, on=date(2026, 2, 1), months=12, reason="违反工作纪律")
    m.refresh_from_db()
    assert m.has_vote_on(date(2026, 1, 31))
    assert not m.has_vote_on(date(2026, 2, 1)) and not m.has_vote_on(date(2027, 1, 31))
    assert m.has_vote_on(date(2027, 2, 1))
    with pytest.raises(ValidationError):
        status.member_discipline(member=m, on=date(2026, 6, 1), months=12, reason="again")
    assert list(Member.objects.with_vote_on(date(2026, 6, 1)).filter(pk=m.pk)) == []
    assert list(Member.objects.with_vote_on(date(2027, 2, 1)).filter(pk=m.pk)) == [m]
    with pytest.raises(ValidationError):   # 预备党员 cannot be put under 留党察看
        status.member_discipline(member=probationer(tree.a1), on=date(2025, 6, 1), months=12, reason="x")


@pytest.mark.parametrize("kind", [StatusKind.EXPEL, StatusKind.REMOVE, StatusKind.WITHDRAW, StatusKind.DEATH])
def test_leaving_keeps_the_record_and_ends_the_vote(tree, kind):
    m = MemberFactory(branch=tree.a1)
    status.member_leave(member=m, kind=kind, on=date(2026, 5, 1), reason="依规处理")
    m.refresh_from_db()
    assert not m.is_active and m.left_on == date(2026, 5, 1) and str(StatusKind(kind).label) in m.left_reason
    assert m.has_vote_on(date(2026, 4, 30)) and not m.has_vote_on(date(2026, 5, 1))
    assert Member.objects.with_vote_on(date(2026, 4, 30)).filter(pk=m.pk).exists()
    assert not Member.objects.with_vote_on(date(2026, 5, 1)).filter(pk=m.pk).exists()
    with pytest.raises(ValidationError):
        status.member_leave(member=m, kind=kind, on=date(2026, 5, 2), reason="again")


def test_probationary_has_no_vote(tree):
    m = probationer(tree.a1)
    assert not m.has_vote_on(date(2025, 6, 1)) and not m.has_vote
