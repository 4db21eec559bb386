"""Who may do what with practice records: the one place these rules live.

Reads go through `restrict(user, "view")` on each model. Writes:
- a member edits only her own study records (Member.user is her account);
- a secretary (CHANGE on her branch) keeps her branch's brands, 先锋岗/责任区, study records, plans and contests;
- staff (MANAGE on a subtree) also award recognitions and honours, run brand selections, training courses,
  联系点 assignments and notices for their subtree;
- a 联系点 contact records visits to the branch assigned to her, even without a role there.
Objects outside a user's scope are 404 (restricted querysets); an action beyond the user's rights is 403.
"""
from __future__ import annotations

from django.db.models import Q

from members.models import Member
from portal.scoping import CHANGE, MANAGE, REVIEW, VIEW, can, scope_for

from .models import ContactPoint, StudyRecord

# Which action each kind of record needs to be created or edited.
EDIT_ACTION = {
    "brand": CHANGE,
    "recognition": MANAGE,
    "round": MANAGE,
    "post": CHANGE,
    "study": CHANGE,
    "contest": CHANGE,
    "plan": CHANGE,
    "course": MANAGE,
    "contact": MANAGE,
    "honour": MANAGE,
    "notice": MANAGE,
}


def own_member(user):
    """The active member record linked to `user`, or None; loaded once per request (the principal's Scope)."""
    if not user.is_authenticated:
        return None
    return scope_for(user).memo(
        "practice_member", lambda: Member.objects.filter(user=user, is_active=True).select_related("branch").first())


def can_view_org(user, org) -> bool:
    return can(user, VIEW, org.path)


def can_edit_org(user, kind: str, org) -> bool:
    return can(user, EDIT_ACTION[kind], org.path)


def can_edit_study(user, record: StudyRecord) -> bool:
    if record.member.user_id and record.member.user_id == user.id:
        return True
    return can(user, CHANGE, record.organization.path)


def editable_study_records(user):
    """Study records `user` may change: her own, and those of the branches she keeps."""
    if not user.is_authenticated:
        return StudyRecord.objects.none()
    return (StudyRecord.objects.restrict(user, CHANGE) | StudyRecord.objects.filter(member__user=user)).distinct()


def study_members(user):
    """Members `user` may record study for: herself, plus members of branches she keeps."""

    if not user.is_authenticated:
        return Member.objects.none()
    scoped = Member.objects.restrict(user, CHANGE)
    return (scoped | Member.objects.filter(user=user)).filter(is_active=True).distinct()


def may_record_study(user) -> bool:
    """Whether study_members(user) has anyone: her own record, then the members she keeps, each an indexed read
    that stops at the first row. Asked of study_members itself, the OR of the two made PostgreSQL join every member
    of the database to its branch for a yes or no (155 ms for a secretary at N=5,000, 438 ms at N=50,000)."""
    if not user.is_authenticated:
        return False
    return (Member.objects.filter(user=user, is_active=True).exists()
            or Member.objects.restrict(user, CHANGE).filter(is_active=True).exists())


def can_record_visit(user, point: ContactPoint) -> bool:
    """The contact herself (account, or via her member record) or staff over the branch."""
    if point.contact_user_id == user.id:
        return True
    member = own_member(user)
    if member is not None and point.contact_member_id == member.pk:
        return True
    return can(user, MANAGE, point.organization.path)


def visit_points(user):
    """Contact points whose visits `user` may record."""
    if not user.is_authenticated:
        return ContactPoint.objects.none()
    member = own_member(user)
    mine = Q(contact_user=user)
    if member is not None:
        mine |= Q(contact_member=member)
    return (ContactPoint.objects.restrict(user, MANAGE) | ContactPoint.objects.filter(mine)).filter(is_voided=False).distinct()


def can_score(user, round_) -> bool:
    return can(user, REVIEW, round_.organization.path) or can(user, MANAGE, round_.organization.path)


def can_view_notice(user, notice) -> bool:
    """Recipients, and anyone who may view the subtree the notice was published to."""
    from .selectors import notices_for_user

    if can(user, VIEW, notice.organization.path):
        return True
    return notices_for_user(user=user).filter(pk=notice.pk).exists()
