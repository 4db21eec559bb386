"""Panels this app adds to the organization page and the home page (portal.extensions); fixed query counts."""
from __future__ import annotations

from django.utils import timezone

from portal.scoping import VIEW, can

from .models import BranchEvaluation, Rectification, ScoreSheet, SheetKind, SheetStatus, Step


def organization_panel(request, org):
    """Open 整改 items (overdue first) and the latest evaluation of a branch."""
    if not org.is_branch or not can(request.user, VIEW, org.path):
        return None
    today = timezone.localdate()
    rects = list(Rectification.objects.filter(organization=org).open().order_by("due_on")[:10])
    for r in rects:
        r.overdue = r.due_on < today
    latest = (BranchEvaluation.objects.filter(organization=org).exclude(step=Step.EXCLUDED)
              .select_related("cycle").order_by("-cycle__year", "-pk").first())
    return "evaluations/panels/organization.html", {
        "org": org, "rects": rects, "overdue_count": sum(r.overdue for r in rects), "latest": latest}


def home_panel(request, ctx):
    """Reviewers: scoring still to do. Secretaries: their branch's current step and open 整改."""
    user = request.user
    todo = ScoreSheet.objects.filter(reviewer=user, kind=SheetKind.REVIEW, status=SheetStatus.DRAFT,
                                     evaluation__step=Step.REVIEW).count()
    branch = ctx.get("branch")
    current = None
    if branch is not None:
        current = (BranchEvaluation.objects.filter(organization=branch).select_related("cycle")
                   .order_by("-cycle__year", "-pk").first())
    if not todo and current is None:
        return None
    return "evaluations/panels/home.html", {"todo": todo, "current": current, "branch": branch}
