"""Message kinds the portal sends: label, whether a group robot may carry it (organization-level, nothing
personal), and whether it is urgent (bypasses the daily digest). Pushes say only the kind and the link."""
from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Kind:
    label: str
    group: bool = False      # may go to a 企业微信/钉钉 group robot (organization business, no personal data)
    urgent: bool = False


KINDS: dict[str, Kind] = {
    "orglife.overdue": Kind(_("组织生活逾期"), group=True),
    "orglife.due": Kind(_("组织生活即将到期"), group=True),
    "orglife.reminder": Kind(_("组织生活提醒"), group=True),
    "branches.term": Kind(_("换届提醒"), group=True),
    "members.birthday": Kind(_("政治生日")),
    "members.arrears": Kind(_("党费欠缴提醒")),
    "members.transfer": Kind(_("组织关系转接待办")),
    "evaluations.deadline": Kind(_("评价截止提醒"), group=True),
    "evaluations.score": Kind(_("待评分")),
    "evaluations.rectification": Kind(_("整改待办")),
    "reports.ready": Kind(_("报告已生成")),
    "practice.notice": Kind(_("通知公告"), group=True),
    "urgent": Kind(_("紧急通知"), group=True, urgent=True),
}


def kind_of(name: str) -> Kind:
    return KINDS.get(name) or Kind(_("消息"))
