"""Reminders for organizational life: in-portal notices (Reminder rows) plus digest emails.

Idempotent: every notice has a key (what, which organization, which rule window, which state); a user gets each key
once, and an email only lists notices created in this run, so a rerun for the same period sends nothing twice.

E-mail leaves through the outbox (notifications.message_send): the user's new Reminder rows and the digest message
are written in one transaction, and the outbox retries the mail until the server accepts it. A mail server that is
down delays the digest; it no longer loses it (before, the rows were kept and the failed mail was never retried).
`Reminder.emailed_at` is when the digest was handed to the outbox; its delivery state is on the Delivery row.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from branches.models import BRANCH_KINDS, Organization, OrganizationKind, Role, RoleGrant
from notifications.services import message_send

from .compliance import Period, compliance_table, due_now
from .models import Reminder, RulePer

DUE_WITHIN_DAYS = 7


def _create(user, *, key: str, **fields) -> Reminder | None:
    try:
        with transaction.atomic():
            return Reminder.objects.create(user=user, key=key, **fields)
    except IntegrityError:  # already sent for this key
        return None


def _email(user, subject: str, lines: list[str], *, key: str, link: str) -> bool:
    """Queue the digest in the outbox (call inside the transaction that created the reminders)."""
    if not user.email:
        return False
    message_send(recipient=user, kind="orglife.reminder", title=subject, text="\n".join(lines), link=link,
                 key=key, channels=["email"])
    return True


def send_secretary_reminders(*, today: date | None = None) -> int:
    """Each secretary: a digest of activities due within 7 days or overdue for her branch and its groups."""
    today = today or timezone.localdate()
    grants = list(RoleGrant.objects.filter(role=Role.SECRETARY, organization__dissolved_on__isnull=True)
                  .select_related("user", "organization"))
    if not grants:
        return 0
    paths = {g.organization.path for g in grants}
    from django.db.models import Q

    cond = Q()
    for p in paths:
        cond |= Q(path__startswith=p)
    orgs = Organization.objects.active().filter(cond, kind__in=[*BRANCH_KINDS, OrganizationKind.PARTY_GROUP])
    rows = due_now(organizations_qs=orgs, today=today)
    sent = 0
    for grant in grants:
        user, branch = grant.user, grant.organization
        with transaction.atomic():   # the reminders and their digest e-mail: both or neither
            sent += _secretary_digest(user, branch, rows, today)
    return sent


def _secretary_digest(user, branch, rows, today) -> int:
    new = []
    for row in rows:
        if not row.organization.path.startswith(branch.path):
            continue
        for cell in row.cells.values():
            if cell.state == "overdue" or (cell.state == "due" and cell.due_on
                                           and cell.due_on <= today + timedelta(days=DUE_WITHIN_DAYS)):
                window = cell.windows[0].window if cell.windows else Period.containing(RulePer.MONTH, today)
                kind = Reminder.Kind.OVERDUE if cell.state == "overdue" else Reminder.Kind.DUE
                title = (f"{row.organization.name}：{cell.activity_type.name}"
                         f"{'已逾期' if cell.state == 'overdue' else f'将于 {cell.due_on:%m月%d日} 到期'}")
                body = (f"{window.label}要求{cell.rule.get_holder_display()}{cell.rule.get_per_display()}至少 "
                        f"{cell.rule.min_count} 次，目前已开 {cell.count} 次、还差 {cell.missing} 次。")
                r = _create(user, key=f"{kind}:{row.organization.pk}:{cell.activity_type.pk}:{window.key}",
                            organization=row.organization, kind=kind, title=title, body=body,
                            url=reverse("orglife:due"))
                if r:
                    new.append(r)
    if not new:
        return 0
    if _email(user, f"组织生活提醒：{len(new)} 项待办", [f"· {r.title}\n  {r.body}" for r in new],
              key=f"orglife.reminder:{min(r.pk for r in new)}", link=reverse("orglife:due")):
        Reminder.objects.filter(pk__in=[r.pk for r in new]).update(emailed_at=timezone.now())
    return 1


def send_staff_digests(*, today: date | None = None) -> int:
    """Each staff member: once a week, the branches of their subtree with overdue activities this year."""
    today = today or timezone.localdate()
    year, week, _ = today.isocalendar()
    grants = list(RoleGrant.objects.filter(role=Role.STAFF, organization__dissolved_on__isnull=True)
                  .select_related("user", "organization"))
    if not grants:
        return 0
    roots = Organization.objects.filter(pk__in={g.organization_id for g in grants})
    from django.db.models import Q

    cond = Q()
    for r in roots:
        cond |= Q(path__startswith=r.path)
    period = Period.containing(RulePer.YEAR, today)
    rows = [r for r in compliance_table(organizations_qs=Organization.objects.active().filter(cond).filter(
        kind__in=BRANCH_KINDS), period=period, today=today) if r.overdue]
    by_user = defaultdict(list)
    for g in grants:
        by_user[g.user].append(g.organization)
    sent = 0
    for user, scopes in by_user.items():
        mine = [r for r in rows if any(r.path.startswith(s.path) for s in scopes)]
        if not mine:
            continue
        mine.sort(key=lambda r: -r.overdue)
        lines = [f"· {r.organization.name}：逾期缺项 {r.overdue}，完成率 {r.rate:.0%}" for r in mine]
        with transaction.atomic():   # the notice and its e-mail: both or neither
            r = _create(user, key=f"staff_digest:{year}-W{week:02d}", kind=Reminder.Kind.STAFF_DIGEST,
                        title=f"{year}年第{week}周：{len(mine)} 个支部组织生活逾期", body="\n".join(lines),
                        url=reverse("orglife:compliance") + "?sort=missing")
            if r is None:
                continue
            if _email(user, r.title, lines, key=f"orglife.reminder:{r.pk}", link=r.url):
                Reminder.objects.filter(pk=r.pk).update(emailed_at=timezone.now())
        sent += 1
    return sent
