"""Published 评价标准 as a search-as-you-type picker (portal/pickers.py) for the cycle form: every unit may publish its
own standard each year, so a whole tree's list grows with the tree; narrowed to the chosen organization, it offers the
standards of that organization and its ancestors (the ones a cycle there is run on)."""
from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _

from branches.models import Organization
from portal.pickers import register_picker
from portal.scoping import VIEW

from .models import Standard, StandardStatus


def standard_labels(standards) -> list[str]:
    return [str(_("{year} 年 {name}（{organization}，第 {version} 版）")).format(
        year=s.year, name=s.name, organization=s.organization.name, version=s.version) for s in standards]


def _of_organization_or_above(rows, organization_id: int):
    path = Organization.objects.filter(pk=organization_id).values_list("path", flat=True).first()
    if path is None:
        return rows.none()
    step = Organization.steplen
    return rows.filter(organization__path__in=[path[:end] for end in range(step, len(path) + 1, step)])


def register() -> None:
    register_picker(
        "standard", model=Standard,
        queryset=lambda user, action: Standard.objects.restrict(user, VIEW).filter(
            status=StandardStatus.PUBLISHED).select_related("organization").order_by("-year", "-version", "pk"),
        search=lambda rows, q: rows.filter(Q(name__icontains=q) | Q(year__startswith=q) if q.isdigit()
                                           else Q(name__icontains=q)),
        labels=standard_labels,
        narrow=_of_organization_or_above)
