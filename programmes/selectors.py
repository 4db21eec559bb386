"""Reads of the 创建 programmes: every scoped read goes through restrict(); one definition per figure."""
from __future__ import annotations

from datetime import date

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from branches.models import BRANCH_KINDS, Organization
from practice.models import PROGRAMME_HONOURS, Honour, HonourKind

from .models import OPEN_STAGES, Candidacy, ChangeKind, Programme, Round, Stage, TitleChange


def rounds_for(*, user) -> QuerySet[Round]:
    """Rounds a user sees: those of the committees above or within her scope (ScopeUpQuerySet)."""
    return Round.objects.restrict(user, "view").select_related("organization", "cycle")


def candidacies_for(*, user, round: Round | None = None) -> QuerySet[Candidacy]:
    qs = Candidacy.objects.restrict(user, "view").select_related("organization", "member", "round", "title",
                                                                  "higher_title")
    return qs.filter(round=round) if round is not None else qs


def titles_for(*, user, today: date | None = None, current_only: bool = True):
    """Programme titles (practice.Honour of kind 四强/红旗/五星) in the user's scope."""

    qs = Honour.objects.restrict(user, "view").filter(kind__in=PROGRAMME_HONOURS, is_voided=False)
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
                                         is_voided=False).select_related("designated_by").order_by("-awarded_on"))
    in_progress = list(Candidacy.objects.filter(organization=org, member__isnull=True).in_progress()
                       .select_related("round").order_by("-round__year"))
    return {"current": [h for h in honours if h.is_current(today)],
            "ended": [h for h in honours if not h.is_current(today)][:5],
            "in_progress": in_progress, "today": today}


def member_titles(*, member, today: date | None = None) -> dict:

    today = today or timezone.localdate()
    honours = list(Honour.objects.filter(member=member, kind=HonourKind.FIVE_STAR, is_voided=False)
                   .order_by("-awarded_on"))
    candidacies = list(Candidacy.objects.filter(member=member).select_related("round").order_by("-round__year")[:5])
    return {"honours": honours, "candidacies": candidacies, "today": today}


PROGRAMMES = Programme

TITLE_KIND = {Programme.FOUR_STRONG: HonourKind.FOUR_STRONG, Programme.RED_FLAG: HonourKind.RED_FLAG,
              Programme.FIVE_STAR: HonourKind.FIVE_STAR}
DIRECT = "直属党支部"
_COUNTS = ("current", "higher", "new", "new_higher", "revoked", "downgraded", "upgraded", "applied", "in_progress",
           "models")


def programme_summary(*, organization, programme: str, year: int, as_of: date) -> dict:
    """One programme's figures for a committee report, per unit (the 党总支 or other organization one level below
    `organization`; branches directly under it are one row, 直属党支部) and in total. Four queries whatever the
    size of the tree. The committee report and the figure definitions (reports/figures.py) both read this.

    current / higher: titles in force on `as_of` designated by a committee in the portal / by the higher body
    (上级机关再次命名, recorded without a designating organization); new / new_higher: designated in `year`;
    revoked: 摘牌 in `year`; downgraded / upgraded: 复查复核 and 动态管理 changes decided in `year`; applied /
    in_progress: candidacies of `year`'s rounds, and those not yet decided; models: 标兵 (五星党员)."""

    step = organization.steplen
    unit_len = (organization.depth + 1) * step
    units = {path: (pk, name) for pk, path, name in Organization.objects.filter(
        path__startswith=organization.path, depth=organization.depth + 1).exclude(kind__in=BRANCH_KINDS)
        .values_list("pk", "path", "name")}
    rows: dict = {}

    def row_for(path: str) -> dict:
        # a unit (党总支…) or anything under it → that unit; the organization itself and its own branches → 直属
        unit = units.get(path[:unit_len]) if len(path) >= unit_len else None
        key = unit[0] if unit else None
        return rows.setdefault(key, {"unit": unit[1] if unit else DIRECT, "org_id": key,
                                     "path": path[:unit_len] if unit else "", **dict.fromkeys(_COUNTS, 0)})

    kind = TITLE_KIND[programme]
    for path, by_id, awarded, revoked, until in (
            Honour.objects.filter(kind=kind, organization__path__startswith=organization.path, is_voided=False)
            .values_list("organization__path", "designated_by_id", "awarded_on", "revoked_on", "valid_until")):
        row = row_for(path)
        in_force = (revoked is None or revoked > as_of) and (awarded is None or awarded <= as_of) and (
            until is None or until >= as_of)
        by_committee = by_id is not None
        row["current" if by_committee else "higher"] += int(in_force)
        if awarded is not None and awarded.year == year and awarded <= as_of:
            row["new" if by_committee else "new_higher"] += 1
        row["revoked"] += int(revoked is not None and revoked.year == year and revoked <= as_of)
    for path, change in (TitleChange.objects.filter(
            honour__kind=kind, honour__organization__path__startswith=organization.path, decided_on__year=year,
            decided_on__lte=as_of, kind__in=[ChangeKind.DOWNGRADE, ChangeKind.UPGRADE])
            .values_list("honour__organization__path", "kind")):
        row_for(path)["downgraded" if change == ChangeKind.DOWNGRADE else "upgraded"] += 1
    for path, stage, is_model in (Candidacy.objects.filter(
            round__programme=programme, round__year=year, organization__path__startswith=organization.path)
            .values_list("organization__path", "stage", "is_model")):
        row = row_for(path)
        row["applied"] += 1
        row["in_progress"] += int(stage in OPEN_STAGES)
        row["models"] += int(bool(is_model))
    ordered = sorted(rows.values(), key=lambda r: (r["org_id"] is None, r["path"]))
    return {"programme": programme, "label": Programme(programme).label, "rows": ordered,
            "totals": {k: sum(r[k] for r in ordered) for k in _COUNTS}, "as_of": as_of}
