"""Lifecycle panels on the member, organization and home pages (registered in MembersConfig.ready()).
Each panel issues a fixed number of queries."""
from __future__ import annotations

from datetime import date

from .permissions import can_approve, can_record, has_lifecycle_access


def member_panel(request, member):
    """Dues, status decisions, 民主评议 results, transfers and this year's points on the member page."""
    from .models import AppraisalEntry, DuesRecord, StatusChange, Transfer
    from .services import points

    today = date.today()
    records = list(DuesRecord.objects.filter(member=member).order_by("-month")[:12])
    base = member.dues_bases.order_by("-effective_from", "-id").first()
    scores = points.member_scores(members=[member], start=date(today.year, 1, 1), end=today)
    return "members/panels/member.html", {
        "member": member, "records": records, "base": base,
        "unpaid": sum(1 for r in records if not r.paid_on),
        "changes": StatusChange.objects.filter(member=member).order_by("-occurred_on", "-id")[:10],
        "appraisals": AppraisalEntry.objects.filter(member=member).select_related("round").order_by("-round__year")[:5],
        "transfers": Transfer.objects.filter(member=member).select_related("from_branch", "to_branch")[:5],
        "score": scores[0] if scores else None, "has_vote": member.has_vote_on(today),
        "can_record": member.is_active and can_record(request.user, member.branch),
        "can_approve": can_approve(request.user, member.branch),
    }


def organization_panel(request, org):
    """Dues collection this year and the development pipeline for a branch or a subtree."""
    from django.db.models import Count

    from .models import Candidate
    from .services import dues

    today = date.today()
    row = dues.collection_summary(organizations=[org], start=date(today.year, 1, 1), end=today)[0]
    stages = dict(Candidate.objects.filter(branch__path__startswith=org.path).open()
                  .values_list("stage").annotate(n=Count("id")).values_list("stage", "n"))
    return "members/panels/organization.html", {"org": org, "dues": row, "stages": stages}


def home_panel(request, ctx):
    """"Due now" counts for the user's scope (secretaries and staff)."""
    if not has_lifecycle_access(request.user):
        return None
    from .services import development
    from .services.dues import arrears_counts

    # Counts, by the lists' own definitions, in SQL: the panel shows numbers, not the rows.
    due = [(k, label, development.due_count(user=request.user, kind=k)) for k, label in development.DUE_LISTS.items()]
    owing, committee = arrears_counts(user=request.user)
    return "members/panels/home.html", {"due": due, "arrears": owing, "committee": committee}


def nav_visible(user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and has_lifecycle_access(user)

