"""Organizations as a search-as-you-type picker (portal/pickers.py): matches by name or code, each shown with its path."""
from __future__ import annotations

from django.db.models import Q

from portal.pickers import register_picker

from .models import Organization, OrganizationKind


def organization_labels(organizations) -> list[str]:
    """"上级 / … / 名称" for each, below the root (every viewer shares it); one query for all the paths."""
    step = Organization.steplen
    wanted = {o.path[:end] for o in organizations for end in range(2 * step, len(o.path), step)}
    names = dict(Organization.objects.filter(path__in=wanted).values_list("path", "name")) if wanted else {}
    return [" / ".join([*(names[o.path[:end]] for end in range(2 * step, len(o.path), step)
                          if o.path[:end] in names), o.name]) for o in organizations]


def register() -> None:
    register_picker(
        "organization", model=Organization,
        queryset=lambda user, action: Organization.objects.restrict(user, action).filter(
            dissolved_on__isnull=True).order_by("path"),
        search=lambda rows, q: rows.filter(Q(name__icontains=q) | Q(short_name__icontains=q) | Q(code__istartswith=q)),
        labels=organization_labels,
        # what the forms that pick an organization accept: a 党支部 (for records, members, dues, elections), or any
        # unit that holds branches or is one (cycles, standards, API grants, periods, rules) — not a 党小组
        only={"branches": lambda rows: rows.branches(), "units": lambda rows: rows.exclude(kind=OrganizationKind.PARTY_GROUP)})
