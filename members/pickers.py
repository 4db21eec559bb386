"""Search-as-you-type pickers (portal/pickers.py) of the members app: members (matched by name, shown with their
党支部), and the 党支部 / 党小组 of the member form (a 党小组 picker is narrowed to the chosen 党支部)."""
from __future__ import annotations

from django.db.models import Q, Subquery

from branches.models import Organization
from branches.pickers import organization_labels
from portal.pickers import register_picker

from .models import Member


def register() -> None:
    register_picker(
        "member", model=Member,
        queryset=lambda user, action: Member.objects.restrict(user, action).filter(is_active=True)
        .select_related("branch").order_by("name", "pk"),
        search=lambda rows, q: rows.filter(name__icontains=q),
        labels=lambda members: [f"{m.name}（{m.branch.short_name or m.branch.name}）" for m in members])

    def organizations(user, action):
        return Organization.objects.restrict(user, action).active().order_by("path")

    def search(rows, q):
        return rows.filter(Q(name__icontains=q) | Q(short_name__icontains=q) | Q(code__istartswith=q))

    register_picker("branch", model=Organization, queryset=lambda user, action: organizations(user, action).branches(),
                    search=search, labels=organization_labels)
    register_picker(
        "party_group", model=Organization, queryset=lambda user, action: organizations(user, action).groups(),
        search=search, labels=organization_labels,
        narrow=lambda rows, branch_id: rows.filter(
            path__startswith=Subquery(Organization.objects.filter(pk=branch_id).values("path")[:1])))
