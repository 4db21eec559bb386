"""Panels for the home page (secretary: what is due; staff: overdue branches) and the organization page."""
from __future__ import annotations

from django.utils import timezone

from branches.models import BRANCH_KINDS, Organization, OrganizationKind
from branches.permissions import scope_roots, user_roles
from portal.scoping import CHANGE, can

from . import results
from .compliance import Period, compliance_table, due_now, due_now_and_table
from .models import Reminder, RulePer
from .selectors import branch_orglife_facts

STATE_BADGES = {"met": "ok", "due": "warn", "overdue": "danger", "none": "muted"}
HOME_OVERDUE_LIMIT = 8


def home_panel(request, ctx):
    user = request.user
    today = timezone.localdate()
    unread = Reminder.objects.filter(user=user, read_at__isnull=True).count()
    if ctx.get("mode") == "secretary" and ctx.get("branch") is not None:
        branch = ctx["branch"]
        orgs = Organization.objects.active().filter(path__startswith=branch.path).filter(
            kind__in=[*BRANCH_KINDS, OrganizationKind.PARTY_GROUP])
        rows = due_now(organizations_qs=orgs, today=today)
        items = [(row.organization, c) for row in rows for c in row.cells.values() if c.state in ("due", "overdue")]
        items.sort(key=lambda oc: (oc[1].state != "overdue", oc[1].due_on or today))
        return "orglife/panel_home_secretary.html", {
            "items": items[:10], "branch": branch, "badges": STATE_BADGES, "unread": unread}
    if ctx.get("mode") == "staff":
        period = Period.containing(RulePer.YEAR, today)
        qs = Organization.objects.restrict(user, "view").active().filter(kind__in=BRANCH_KINDS)
        # From the stored results (orglife.results: a few SQL aggregates whatever the scope), else the engine.
        # qs is every active 党支部 under the scope's subtrees: the number can come from their roll-ups.
        stored = results.overdue_branches(rows_qs=qs, period=period, today=today, limit=HOME_OVERDUE_LIMIT,
                                          roots=scope_roots(user, "view"))
        if stored is not None:
            rows, total = stored
        else:
            rows = [r for r in compliance_table(organizations_qs=qs, period=period, today=today) if r.overdue]
            rows.sort(key=lambda r: (-r.overdue, r.organization_id))   # overdue_branches' order
            total, rows = len(rows), rows[:HOME_OVERDUE_LIMIT]
        return "orglife/panel_home_staff.html", {"rows": rows, "total": total, "period": period, "unread": unread}
    return None


def organization_panel(request, org):
    if org.kind not in (*BRANCH_KINDS, OrganizationKind.PARTY_GROUP):
        return None
    today = timezone.localdate()
    rows, year_rows = due_now_and_table(organizations_qs=Organization.objects.filter(pk=org.pk),
                                        period=Period.containing(RulePer.YEAR, today), today=today)
    facts = None
    if org.kind in BRANCH_KINDS:
        year = Period.containing(RulePer.YEAR, today)
        facts = branch_orglife_facts(branch=org, start=year.start, end=year.end)
    return "orglife/panel_org.html", {
        "facts": facts,
        "org": org, "row": rows[0] if rows else None, "year_row": year_rows[0] if year_rows else None,
        "badges": STATE_BADGES, "can_change": can(request.user, CHANGE, org.path),
        "is_secretary": "secretary" in user_roles(request.user),
    }
