"""Reads of the 创建 programmes: every scoped read goes through restrict(); one definition per figure."""
from __future__ import annotations

from datetime import date

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

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
    from practice.models import PROGRAMME_HONOURS, Honour

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
    from practice.models import PROGRAMME_HONOURS, Honour

    today = today or timezone.localdate()
    honours = list(Honour.objects.filter(organization=org, member__isnull=True, kind__in=PROGRAMME_HONOURS,
                                         is_active=True).select_related("designated_by").order_by("-awarded_on"))
    in_progress = list(Candidacy.objects.filter(organization=org, member__isnull=True).in_progress()
                       .select_related("round").order_by("-round__year"))
    return {"current": [h for h in honours if h.is_current(today)],
            "ended": [h for h in honours if not h.is_current(today)][:5],
            "in_progress": in_progress, "today": today}


def member_titles(*, member, today: date | None = None) -> dict:
    from practice.models import Honour, HonourKind

    today = today or timezone.localdate()
    honours = list(Honour.objects.filter(member=member, kind=HonourKind.FIVE_STAR, is_active=True)
                   .order_by("-awarded_on"))
    candidacies = list(Candidacy.objects.filter(member=member).select_related("round").order_by("-round__year")[:5])
    return {"honours": honours, "candidacies": candidacies, "today": today}


PROGRAMMES = Programme
