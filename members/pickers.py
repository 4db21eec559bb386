"""Members as a search-as-you-type picker (portal/pickers.py): matches by name, shown with their 党支部."""
from __future__ import annotations

from portal.pickers import register_picker

from .models import Member


def register() -> None:
    register_picker(
        "member", model=Member,
        queryset=lambda user, action: Member.objects.restrict(user, action).filter(is_active=True)
        .select_related("branch").order_by("name", "pk"),
        search=lambda rows, q: rows.filter(name__icontains=q),
        labels=lambda members: [f"{m.name}（{m.branch.short_name or m.branch.name}）" for m in members])
