"""Reads on the organization tree, annotated so that a page issues a fixed number of queries."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

from django.db.models import Count, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Value, Window
from django.db.models.functions import Coalesce, Length, RowNumber, Substr
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from portal.scoping import VIEW

from .models import (
    BRANCH_KINDS,
    CommitteeSeat,
    CommitteeTerm,
    Organization,
    OrganizationFigures,
    OrganizationKind,
    member_model,
    seat_order_expression,
)

# 《中国共产党支部工作条例（试行）》: thresholds counted on 正式党员.
COMMITTEE_REQUIRED_AT = 7
COMMITTEE_SEATS_MIN, COMMITTEE_SEATS_MAX = 3, 7
MAX_BRANCH_MEMBERS = 50
TERM_DUE_WARNING_DAYS = 90


@dataclass(frozen=True)
class StructureWarning:
    code: str
    message: str
    level: str = "warn"  # warn | danger


@cache
def _structure_annotations() -> dict:
    """The annotations of `with_structure`, built once: read from the stored figures (branches/figures.py,
    one joined row per organization) instead of counting members and seats per row."""
    return dict(
        member_count=Coalesce(F("figures__members"), Value(0)),
        full_member_count=Coalesce(F("figures__full_members"), Value(0)),
        term_ends_on=F("figures__term_ends_on"),
        seat_count=Coalesce(F("figures__seats"), Value(0)),
    )


def with_structure(qs: QuerySet[Organization]) -> QuerySet[Organization]:
    """Annotate member counts and the current committee term: what structural checks need (stored figures)."""
    return qs.annotate(**_structure_annotations())


def with_tree_figures(qs: QuerySet[Organization]) -> QuerySet[Organization]:
    """`with_structure` and the active members of each organization's subtree (stored)."""
    return with_structure(qs).annotate(subtree_member_count=Coalesce(F("figures__subtree_members"), Value(0)))


# What one row of /api/v1/organizations/ shows, as columns (OrganizationSerializer.represent_row builds the row).
# `member_count` … `term_ends_on` come from `with_structure`, `parent_id` / `parent_code` from the API's parent lookup.
ORGANIZATION_API_COLUMNS = (
    "id", "code", "name", "short_name", "kind", "parent_id", "parent_code", "path", "depth", "established_on",
    "dissolved_on", "dissolution_reason", "units", "locality", "term_years", "member_count", "full_member_count",
    "seat_count", "term_ends_on", "updated_at",
)


def organization_api_rows(qs: QuerySet[Organization]) -> QuerySet:
    """The API list's rows as named tuples of exactly the columns it shows, not instances.

    `qs` is the scoped (`restrict`), annotated (`with_structure`, parent) and filtered list; ordering and paging
    still apply to the result."""
    return qs.values_list(*ORGANIZATION_API_COLUMNS, named=True)


def structure_warnings(org: Organization, *, today: date | None = None) -> list[StructureWarning]:
    """Checks from the 支部工作条例 on an organization annotated by `with_structure`."""
    return structure_warnings_of(kind=org.kind, is_active=org.is_active, full=org.full_member_count,
                                 total=org.member_count, seats=org.seat_count, ends=org.term_ends_on, today=today)


def structure_warnings_of(*, kind: str, is_active: bool, full: int, total: int, seats: int, ends: date | None,
                          today: date | None = None) -> list[StructureWarning]:
    """`structure_warnings` from the values themselves (the API's list reads value rows, not instances)."""
    today = today or date.today()
    warnings: list[StructureWarning] = []
    if kind not in BRANCH_KINDS or not is_active:
        return warnings
    if full >= COMMITTEE_REQUIRED_AT and not seats:
        warnings.append(
            StructureWarning("no_committee", _("正式党员 {full} 名（≥{required} 名）但未设立支部委员会。").format(full=full, required=COMMITTEE_REQUIRED_AT), "danger")
        )
    elif full >= COMMITTEE_REQUIRED_AT and not (COMMITTEE_SEATS_MIN <= seats <= COMMITTEE_SEATS_MAX):
        warnings.append(
            StructureWarning(
                "committee_size",
                _("支部委员会现有委员 {seats} 名，应为 {min}—{max} 名。").format(
                    seats=seats, min=COMMITTEE_SEATS_MIN, max=COMMITTEE_SEATS_MAX),
            )
        )
    elif seats > COMMITTEE_SEATS_MAX:
        warnings.append(StructureWarning("committee_size", _("支部委员会现有委员 {seats} 名，一般不超过 7 名。").format(seats=seats)))
    if total > MAX_BRANCH_MEMBERS:
        warnings.append(StructureWarning("too_many_members", _("党员 {total} 名，超过 {max} 名，宜分设党支部。").format(
            total=total, max=MAX_BRANCH_MEMBERS)))
    if full < 3 and kind == "branch":
        warnings.append(StructureWarning("too_few_full_members", _("正式党员仅 {full} 名，不足 3 名，可考虑成立联合党支部。").format(
            full=full)))
    if ends:
        if ends < today:
            warnings.append(StructureWarning("term_overdue", _("本届委员会已于 {date} 届满，换届逾期。").format(date=date_format(ends, _("Y年m月d日"))), "danger"))
        elif ends <= today + timedelta(days=TERM_DUE_WARNING_DAYS):
            warnings.append(StructureWarning("term_due", _("本届委员会将于 {date} 届满，请准备换届。").format(date=date_format(ends, _("Y年m月d日")))))
    elif seats == 0 and full < COMMITTEE_REQUIRED_AT:
        warnings.append(StructureWarning("no_secretary", _("尚未登记书记（不设支委会的支部也应有书记）。")))
    return warnings


def warned_since_of(*, kind: str, is_active: bool, full: int, total: int, seats: int,
                    ends: date | None) -> date | None:
    """The first day `structure_warnings_of` gives these figures a warning: date.min when a warning stands whatever
    the day, 届满 − TERM_DUE_WARNING_DAYS when only the term's end will bring one, None when none ever will. Stored per
    organization (OrganizationFigures.warned_since) so that a scope's warned branches are a range of an index."""
    if kind not in BRANCH_KINDS or not is_active:
        return None
    if ((full >= COMMITTEE_REQUIRED_AT and seats < COMMITTEE_SEATS_MIN) or seats > COMMITTEE_SEATS_MAX
            or total > MAX_BRANCH_MEMBERS or (full < 3 and kind == "branch")
            or (ends is None and seats == 0 and full < COMMITTEE_REQUIRED_AT)):
        return date.min
    return None if ends is None else ends - timedelta(days=TERM_DUE_WARNING_DAYS)


def warned_branches_count(*, user, today: date | None = None) -> int:
    """How many rows `warned_branches` has: the scope's stored warned_since up to today (the index
    figures_warned_since for a wide scope, figures_warned_path for a narrow one), not every branch of it."""
    today = today or date.today()
    return OrganizationFigures.objects.restrict(user, VIEW).filter(warned_since__lte=today).count()


def organization_tree(*, user, groups: bool = True) -> list[Organization]:
    """Every organization the user may see, in tree order, with counts (one query). groups=False leaves the
    党小组 out in SQL (three rows in four at scale). For exports of the whole tree; pages load it a level at a
    time (`organization_top`, `organization_children`)."""
    qs = Organization.objects.restrict(user, VIEW)
    if not groups:
        qs = qs.exclude(kind=OrganizationKind.PARTY_GROUP)
    return list(with_tree_figures(qs).order_by("path"))


def parent_path():
    """An organization's parent's path, as the index org_parent_path reads it (4 is Organization.steplen)."""
    return Substr("path", 1, Length("path") - 4)


TREE_TOP_CHILDREN = 20   # children listed under each top organization; the rest behind its 展开 link
TREE_SEARCH_LIMIT = 500


def _heads(user) -> list[Organization]:
    """The organizations heading the user's subtrees (none inside another: a grant under a grant adds nothing)."""
    return list(with_tree_figures(Organization.objects.scope_roots(user, VIEW)).order_by("path"))


def openable_children(org: Organization, *, groups: bool) -> int:
    """How many rows opening `org` lists (its 党小组 only when they are shown)."""
    return org.numchild if groups or org.kind not in BRANCH_KINDS else 0


def organization_top(*, user, groups: bool = False, children: int = TREE_TOP_CHILDREN) -> list[Organization]:
    """The tree's first page: the user's top organizations, each with its first `children` children in tree
    order (two queries). Each top organization gets `is_head` and `more_children` (how many are left for its own
    page); the last row of its group gets `more_of` (the top organization), where the page links to the rest.

    The work follows the rows shown and the size of the top level, not the tree: at province scale a top 党委
    has 500 children and 200,000 organizations under it."""
    heads = _heads(user)
    if not heads:
        return []
    qs = Organization.objects.annotate(parent_key=parent_path()).filter(parent_key__in=[h.path for h in heads])
    if not groups:
        qs = qs.exclude(kind=OrganizationKind.PARTY_GROUP)
    # The first `children` of each head in one query: number the children of each parent path in tree order.
    ranked = qs.annotate(rank=Window(RowNumber(), partition_by=[F("parent_key")], order_by="path"))
    kids = list(with_tree_figures(ranked.filter(rank__lte=children)).order_by("path"))
    rows: list[Organization] = []
    for h in heads:
        mine = [k for k in kids if k.path.startswith(h.path)]
        h.is_head = True
        h.more_children = max(0, openable_children(h, groups=groups) - len(mine))
        rows += [h, *mine]
        rows[-1].more_of = h   # the row after which the page links to the rest of h's children
    return rows


def organization_children(*, user, parent: Organization, groups: bool = False) -> QuerySet[Organization]:
    """The children of `parent` in tree order with their figures, for a page of them (`Paginator`): the count
    and the page read the children only (index org_parent_path), never the subtree below them."""
    qs = Organization.objects.restrict(user, VIEW).annotate(parent_key=parent_path()).filter(parent_key=parent.path)
    if not groups:
        qs = qs.exclude(kind=OrganizationKind.PARTY_GROUP)
    return with_tree_figures(qs).order_by("path")


def organization_search(*, user, q: str, groups: bool = False, limit: int = TREE_SEARCH_LIMIT) -> list[Organization]:
    """Organizations whose name, short name or code matches `q` (at most `limit`), in tree order."""
    scope = Organization.objects.restrict(user, VIEW)
    if not groups:
        scope = scope.exclude(kind=OrganizationKind.PARTY_GROUP)
    rows = scope.filter(Q(name__icontains=q) | Q(short_name__icontains=q) | Q(code__istartswith=q))
    return list(with_tree_figures(rows).order_by("path")[:limit])


def warned_q(*, today: date) -> Q:
    """Organizations the structural checks warn on `today`, on their stored warned_since (see `warned_since_of`:
    0001-01-01 for a standing warning, 届满 − 90 days for a due term): exactly the active branches for which
    `structure_warnings_of` gives at least one warning (tested over every combination of the figures it reads)."""
    return Q(figures__warned_since__lte=today)


def warned_branches(*, user, today: date | None = None) -> QuerySet[Organization]:
    """Active branches in the user's scope that get at least one structural warning, in tree order (path, unique:
    a stable order for pages). Filtered in SQL on the stored warned_since (`warned_q`), so a page of the result
    costs the same whatever the size of the subtree."""
    today = today or date.today()
    qs = with_structure(Organization.objects.restrict(user, VIEW).active().branches())
    return qs.filter(warned_q(today=today)).order_by("path")


def with_warnings(orgs, *, today: date | None = None) -> list[tuple[Organization, list[StructureWarning]]]:
    """(organization, its warnings) for rows of `warned_branches` (a page of them): no query."""
    today = today or date.today()
    result = []
    for org in orgs:
        w = structure_warnings(org, today=today)
        if w:
            result.append((org, w))
    return result


def branches_with_warnings(*, user, today: date | None = None, limit: int | None = None
                           ) -> list[tuple[Organization, list[StructureWarning]]]:
    """Active branches in the user's scope that have structural warnings, in tree order (the first `limit`).
    One query."""
    today = today or date.today()
    qs = warned_branches(user=user, today=today)
    if limit is not None:
        qs = qs[:limit]
    return with_warnings(qs, today=today)


def organization_detail(*, user, pk: int | None = None, path: str | None = None,
                        with_committee: bool = True) -> Organization:
    """One organization (by pk or tree path) with structure and, unless with_committee=False, its committee terms
    and current seats prefetched: a fixed number of queries (1, or 3 with the committee)."""
    from django.shortcuts import get_object_or_404

    qs = with_structure(Organization.objects.restrict(user, VIEW))
    if with_committee:
        current_seats = CommitteeSeat.objects.filter(ended_on__isnull=True).select_related("member").order_by(
            seat_order_expression(), "id")
        qs = qs.prefetch_related(
            Prefetch("terms", queryset=CommitteeTerm.objects.prefetch_related(Prefetch("seats", queryset=current_seats)))
        )
    return get_object_or_404(qs, **({"pk": pk} if path is None else {"path": path}))


def children_of(org: Organization) -> QuerySet[Organization]:
    Member = member_model()

    in_group = Member.objects.filter(party_group=OuterRef("pk"), is_active=True).order_by().values("party_group")
    return (
        with_structure(Organization.objects.filter(path__startswith=org.path, depth=org.depth + 1))
        .annotate(group_member_count=Coalesce(Subquery(in_group.annotate(c=Count("pk")).values("c")[:1]), Value(0)))
        .order_by("path")
    )


def subtree_counts(*, user) -> dict:
    """Headline counts for a staff home page: the stored subtree figures of the user's top organizations (one
    query, a row per top organization), not a count of every organization and member of the scope."""
    heads = Organization.objects.scope_roots(user, VIEW).values_list("path", "figures__subtree_branches",
        "figures__subtree_groups", "figures__subtree_general_branches", "figures__subtree_members",
        "figures__subtree_probationary")
    totals = dict.fromkeys(("branches", "groups", "general", "members", "probationary"), 0)
    for _path, *figures in heads:
        for key, n in zip(totals, figures, strict=True):
            totals[key] += n or 0
    return totals
