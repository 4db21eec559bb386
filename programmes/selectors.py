"""Reads of the 创建 programmes: every scoped read goes through restrict(); one definition per figure."""
from __future__ import annotations

from datetime import date

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from branches.models import Organization, OrganizationKind
from practice.models import PROGRAMME_HONOURS, Honour, HonourKind

from .models import Candidacy, Programme, Round, Stage


def rounds_for(*, user) -> QuerySet[Round]:
    """Rounds a user sees: those of the committees above or within her scope (ScopeUpQuerySet)."""
    return Round.objects.restrict(user, "view").select_related("organization", "cycle")


def candidacies_for(*, user, round: Round | None = None) -> QuerySet[Candidacy]:
    qs = Candidacy.objects.restrict(user, "view").select_related("organization", "member", "round", "title",
                                                                  "higher_title")
    return qs.filter(round=round) if round is not None else qs


def titles_for(*, user, today: date | None = None, current_only: bool = True):
    """Programme titles (practice.Honour of kind 四强/红旗/五星) in the user's scope."""

    qs = Honour.objects.restrict(user, "view").filter(kind__in=PROGRAMME_HONOURS, is_active=True)
    if current_only:
        qs = qs.current(today)
    return qs.select_related("organization", "member", "designated_by")


def designated_counts(*, round: Round) -> dict:
    """The two counts: designated by the 党委 (still in force or not) and designated again by the higher body."""
    row = round.candidacies.aggregate(
        committee=Count("pk", filter=Q(title__isnull=False)),
        higher=Count("pk", filter=Q(higher_title__isnull=False)),
        in_progress=Count("pk", filter=Q(stage__in=[Stage.APPLIED, Stage.RECOMMENDED, Stage.PUBLICITY])),
        applied=Count("pk"),
    )
    return row


def designated_list(*, user, programme: str, year: int):
    """The year's designated list (e.g. 红旗党支部 of 2026), with models (标兵) first for 五星党员."""
    return (candidacies_for(user=user).filter(round__programme=programme, round__year=year, title__isnull=False)
            .order_by("-is_model", "organization__path", "member__name"))


def organization_titles(*, org, today: date | None = None) -> dict:
    """The branch page's panel: current titles, titles ended (revoked or expired), programmes in progress."""

    today = today or timezone.localdate()
    honours = list(Honour.objects.filter(organization=org, member__isnull=True, kind__in=PROGRAMME_HONOURS,
                                         is_active=True).select_related("designated_by").order_by("-awarded_on"))
    in_progress = list(Candidacy.objects.filter(organization=org, member__isnull=True).in_progress()
                       .select_related("round").order_by("-round__year"))
    return {"current": [h for h in honours if h.is_current(today)],
            "ended": [h for h in honours if not h.is_current(today)][:5],
            "in_progress": in_progress, "today": today}


def member_titles(*, member, today: date | None = None) -> dict:

    today = today or timezone.localdate()
    honours = list(Honour.objects.filter(member=member, kind=HonourKind.FIVE_STAR, is_active=True)
                   .order_by("-awarded_on"))
    candidacies = list(Candidacy.objects.filter(member=member).select_related("round").order_by("-round__year")[:5])
    return {"honours": honours, "candidacies": candidacies, "today": today}


PROGRAMMES = Programme


def committee_summary(*, organization, programme: str = Programme.FOUR_STRONG, year: int,
                      today: date | None = None) -> list[dict]:
    """For the committee report: per 党总支 (and the branches directly under the committee, key None) — titles in
    force by the committee and by the higher body, designated in `year`, revoked in `year`. Two queries."""

    from .services import _title_kind

    today = today or timezone.localdate()
    groups = {o.path: o for o in Organization.objects.filter(path__startswith=organization.path,
                                                             kind=OrganizationKind.GENERAL_BRANCH)}
    rows: dict = {}
    honours = (Honour.objects.filter(kind=_title_kind(programme), organization__path__startswith=organization.path,
                                     is_active=True, member__isnull=True)
               .values_list("organization__path", "designated_by_id", "awarded_on", "revoked_on", "valid_until"))
    for path, by_id, awarded, revoked, until in honours:
        parent = next((g for p, g in groups.items() if path.startswith(p)), None)
        row = rows.setdefault(parent.pk if parent else None, {
            "general_branch": parent, "committee": 0, "higher": 0, "new": 0, "revoked": 0})
        current = revoked is None and (awarded is None or awarded <= today) and (until is None or until >= today)
        level = "committee" if by_id is not None else "higher"
        row[level] += int(current)
        row["new"] += int(by_id is not None and awarded is not None and awarded.year == year)
        row["revoked"] += int(by_id is not None and revoked is not None and revoked.year == year)
    return sorted(rows.values(), key=lambda r: r["general_branch"].path if r["general_branch"] else "")
