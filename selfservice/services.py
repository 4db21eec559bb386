"""Writes a member makes for herself: viewing her own full 身份证号 (logged like any other view) and her 自评."""
from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from members.models import AppraisalEntry, Member, PiiAccess
from members.services import appraisal
from members.services.pii import pii_access_log

NO_OPEN_ROUND = _("当前没有进行中的民主评议。")


@transaction.atomic
def own_id_number_view(*, user, member: Member, ip_address: str | None = None) -> str:
    """Her full ID number; the view is written to the PII access log (个人信息访问记录) like a staff view."""
    if member.user_id != user.pk:
        raise PermissionError("own_id_number_view: not the member's own account")
    pii_access_log(user=user, action=PiiAccess.Action.VIEW_ID, members=[member], ip_address=ip_address,
                   detail="self-service")
    return member.get_id_number()


def self_assessment_save(*, entry: AppraisalEntry, text: str, grade: str, by) -> AppraisalEntry:
    """Her 自评 in an open round, through the 民主评议 service (refuses a closed round)."""
    return appraisal.appraisal_self(entry=entry, text=text.strip(), grade=grade, by=by)
