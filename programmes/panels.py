"""Panels on the organization page and the member page (portal.extensions); fixed query counts."""
from __future__ import annotations

from portal.scoping import VIEW, can

from .selectors import member_titles, organization_titles


def organization_panel(request, org):
    if not org.is_branch or not can(request.user, VIEW, org.path):
        return None
    data = organization_titles(org=org)
    if not (data["current"] or data["ended"] or data["in_progress"]):
        return None
    return "programmes/panels/organization.html", {"org": org, **data}


def member_panel(request, member):
    data = member_titles(member=member)
    if not (data["honours"] or data["candidacies"]):
        return None
    return "programmes/panels/member.html", {"member": member, **data}
