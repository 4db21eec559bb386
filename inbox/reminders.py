"""Reminder producers: what is due or overdue, turned into messages for the people who must act.

Run daily by beat (`inbox.tasks.reminders_run`, schedule editable in admin). Idempotent: every message has a
key naming the matter and its period, so a rerun the same day (or month) creates nothing twice.
Who gets what:
- 组织生活 overdue / due within 7 days (branches.compliance.due_now): the branch's secretaries; staff above get
  one message per overdue branch.
- 换届 overdue or due within 90 days (branches.selectors.structure_warnings): secretaries and staff above.
- 党费: a member with unpaid past months (her own); secretaries: members ≥3 months in arrears (members.services.dues rule).
- 政治生日 this month: the member herself.
- 民主评议 open without her 自评: the member; 评价 自评/评审 closing within 7 days: secretaries / reviewers;
  a score sheet not yet submitted in an open cycle: its scorer.
- 整改 past its deadline: the responsible organization's secretaries; transfers awaiting acceptance: secretaries
  of the receiving branch.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from branches.models import BRANCH_KINDS, Organization, OrganizationKind, Role
from branches.selectors import structure_warnings, warned_q, with_structure
from evaluations.models import Cycle, Rectification, ScoreSheet, SheetStatus
from members.models import AppraisalEntry, DuesRecord, Member, Transfer, TransferStatus
from members.services import dues as dues_rules
from orglife.compliance import Period, compliance_table

from .services import notify

SOON_DAYS = 7


def _holders(org, role: str) -> list:
    """Users holding `role` on `org` or any ancestor (their grant covers it)."""
    User = get_user_model()
    return list(User.objects.filter(role_grants__role=role, role_grants__organization__path__in=org.ancestor_paths(),
                                    is_active=True).distinct())


def _send(counter, user, **kw):
    if notify(recipient=user, **kw) is not None:
        counter[kw["kind"]] += 1


def orglife(counter, today: date) -> None:
    """This year's rule windows (branches.compliance): ended windows with a shortfall are overdue; the open one is
    due when it ends within a week. A new message when the overdue shortfall grows, not every day."""
    orgs = Organization.objects.active().filter(kind__in=[*BRANCH_KINDS, OrganizationKind.PARTY_GROUP])
    overdue_by_branch: dict[int, list[str]] = defaultdict(list)
    branches = {}
    for row in compliance_table(organizations_qs=orgs, period=Period.parse(str(today.year)), today=today):
        org = row.organization
        branch = org if org.kind in BRANCH_KINDS else Organization.objects.get(path=org.path[:-Organization.steplen])
        branches[branch.pk] = branch
        for cell in row.cells.values():
            soon = cell.missing > cell.overdue and cell.due_on and cell.due_on <= today + timedelta(days=SOON_DAYS)
            if not cell.overdue and not soon:
                continue
            what = f"{org.name}：{cell.activity_type.name}"
            if cell.overdue:
                overdue_by_branch[branch.pk].append(f"{what}（少开 {cell.overdue} 次）")
                kind, title = "orglife.overdue", f"{what}已逾期，少开 {cell.overdue} 次"
                key = f"orglife:overdue:{org.pk}:{cell.activity_type.pk}:{today.year}:{cell.overdue}"
            else:
                kind, title = "orglife.due", f"{what}将于 {cell.due_on:%m月%d日} 到期"
                key = f"orglife:due:{org.pk}:{cell.activity_type.pk}:{cell.due_on}"
            for user in _holders(branch, Role.SECRETARY):
                _send(counter, user, kind=kind, title=title, text=f"今年已开 {cell.count} 次。",
                      link=reverse("orglife:due"), key=key)
    for branch_id, items in overdue_by_branch.items():
        branch = branches[branch_id]
        for user in _holders(branch, Role.STAFF):
            _send(counter, user, kind="orglife.overdue", title=f"{branch.name}：组织生活逾期 {len(items)} 项",
                  text="\n".join(items), link=branch.get_absolute_url(),
                  key=f"orglife:staff:{branch.pk}:{today.year}:{len(items)}")


def terms(counter, today: date) -> None:
    qs = with_structure(Organization.objects.active().branches()).filter(warned_q(today=today))
    for org in qs:
        for w in structure_warnings(org, today=today):
            if w.code not in ("term_overdue", "term_due"):
                continue
            for user in {*_holders(org, Role.SECRETARY), *_holders(org, Role.STAFF)}:
                _send(counter, user, kind="branches.term", title=f"{org.name}：{'换届逾期' if w.code == 'term_overdue' else '即将换届'}",
                      text=str(w.message), link=org.get_absolute_url(), key=f"term:{w.code}:{org.pk}:{today:%Y-%m}")


def member_matters(counter, today: date) -> None:
    month = dues_rules.month_start(today)
    linked = Member.objects.filter(is_active=True, user__isnull=False, user__is_active=True).select_related("user", "branch")
    unpaid = defaultdict(list)
    for member_id, m in DuesRecord.objects.filter(member__in=linked, paid_on__isnull=True, month__lt=month) \
            .values_list("member_id", "month").order_by("month"):
        unpaid[member_id].append(m)
    open_rounds = set(AppraisalEntry.objects.filter(member__in=linked, round__is_closed=False, self_assessment="")
                      .values_list("member_id", flat=True))
    for member in linked:
        user = member.user
        months = unpaid.get(member.pk)
        if months:
            _send(counter, user, kind="members.arrears", title=f"党费未缴：{len(months)} 个月",
                  text="请与支部联系交纳党费。", link=reverse("mine:dues"),
                  key=f"dues:{member.pk}:{today:%Y-%m}")
        if member.joined_on.month == today.month:
            years = today.year - member.joined_on.year
            _send(counter, user, kind="members.birthday", title=f"本月是您入党 {years} 周年的政治生日",
                  text="不忘初心，重温入党誓词。", link=reverse("mine:profile"), key=f"birthday:{member.pk}:{today.year}")
        if member.pk in open_rounds:
            _send(counter, user, kind="evaluations.deadline", title="民主评议：请填写个人自评",
                  link=reverse("mine:study") + "#self-assessment", key=f"appraisal:{member.pk}:{today.year}")
    by_branch = defaultdict(int)
    for row in dues_rules.arrears_all(upto=today):
        by_branch[row.member.branch_id] += 1
    for branch in Organization.objects.filter(pk__in=by_branch):
        for user in _holders(branch, Role.SECRETARY):
            _send(counter, user, kind="members.arrears", title=f"{branch.name}：{by_branch[branch.pk]} 名党员连续 3 个月以上未交党费",
                  link=reverse("members:dues_arrears"), key=f"arrears:{branch.pk}:{today:%Y-%m}")


def evaluations(counter, today: date) -> None:
    soon = today + timedelta(days=SOON_DAYS)
    for cycle in Cycle.objects.filter(closed_at__isnull=True).select_related("organization"):
        for closes, role, what in ((cycle.self_closes_on, Role.SECRETARY, "自评"),
                                   (cycle.review_closes_on, Role.REVIEWER, "评审")):
            if today <= closes <= soon:
                users = get_user_model().objects.filter(
                    role_grants__role=role, is_active=True,
                ).filter(Q(role_grants__organization__path__startswith=cycle.organization.path)
                         | Q(role_grants__organization__path__in=cycle.organization.ancestor_paths())).distinct()
                for user in users:
                    _send(counter, user, kind="evaluations.deadline", title=f"{cycle.name}：{what}将于 {closes:%m月%d日} 截止",
                          link=cycle.get_absolute_url(), key=f"cycle:{cycle.pk}:{what}")
    for sheet in (ScoreSheet.objects.filter(status=SheetStatus.DRAFT, evaluation__cycle__closed_at__isnull=True)
                  .select_related("evaluation__organization", "reviewer")):
        org = sheet.evaluation.organization
        _send(counter, sheet.reviewer, kind="evaluations.score", title=f"{org.name}：有一份评分待完成",
              link=sheet.evaluation.get_absolute_url(), key=f"sheet:{sheet.pk}")
    for item in Rectification.objects.overdue(today).select_related("organization"):
        for user in _holders(item.organization, Role.SECRETARY):
            _send(counter, user, kind="evaluations.rectification", title=f"{item.organization.name}：整改已过期限，待销号",
                  link=reverse("evaluations:rectification_detail", args=[item.pk]), key=f"rect:{item.pk}:{today:%Y-%m}")


def transfers(counter, today: date) -> None:
    for t in Transfer.objects.filter(status=TransferStatus.PENDING, to_branch__isnull=False).select_related("to_branch"):
        for user in _holders(t.to_branch, Role.SECRETARY):
            _send(counter, user, kind="members.transfer", title=f"{t.to_branch.name}：有组织关系转接待接收",
                  link=reverse("members:transfers"), key=f"transfer:{t.pk}")


def reminders_run(*, today: date | None = None) -> dict[str, int]:
    """Every producer once; returns the number of new messages per kind."""
    today = today or timezone.localdate()
    counter: dict[str, int] = defaultdict(int)
    for producer in (orglife, terms, member_matters, evaluations, transfers):
        producer(counter, today)
    return dict(counter)
