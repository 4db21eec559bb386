"""Reads for 换届选举 (scoped through Election.objects.restrict)."""
from __future__ import annotations

from django.db.models import Prefetch

from .models import BallotRound, Election, ElectionCandidate, OfficerVote, Tally


def election_list(*, user, action: str = "view"):
    return Election.objects.restrict(user, action).select_related("organization", "new_term")


def election_detail(*, user, pk: int, action: str = "view") -> Election:
    from django.shortcuts import get_object_or_404

    rounds = BallotRound.objects.prefetch_related(
        Prefetch("tallies", queryset=Tally.objects.select_related("candidate__member")), "write_ins")
    return get_object_or_404(
        election_list(user=user, action=action).prefetch_related(
            Prefetch("candidates", queryset=ElectionCandidate.objects.select_related("member")),
            Prefetch("rounds", queryset=rounds),
            Prefetch("officer_votes", queryset=OfficerVote.objects.select_related("candidate__member")),
        ),
        pk=pk,
    )
