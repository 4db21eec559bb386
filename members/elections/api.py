"""/api/v1/elections/: 换届选举 of the caller's subtree, with rounds, tallies and the resulting committee (read-only)."""
from __future__ import annotations

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers

from portal.api import ScopedReadOnlyViewSet

from .models import BallotRound, Election, ElectionCandidate, OfficerVote, Tally


class ElectionTallySerializer(serializers.ModelSerializer):
    candidate = serializers.CharField(source="candidate.member.name", read_only=True, help_text="候选人姓名")

    class Meta:
        model = Tally
        fields = ["candidate", "yes", "no", "abstain", "other", "elected", "tied"]


class ElectionRoundSerializer(serializers.ModelSerializer):
    tallies = ElectionTallySerializer(many=True, read_only=True)
    write_ins = serializers.SerializerMethodField(help_text="另选他人：[{name, votes}]")

    class Meta:
        model = BallotRound
        fields = ["number", "seats_to_fill", "should_attend", "present", "ballots_issued", "ballots_returned",
                  "ballots_valid", "ballots_invalid", "outcome", "tallies", "write_ins"]

    def get_write_ins(self, obj) -> list[dict]:
        return [{"name": w.name, "votes": w.votes} for w in obj.write_ins.all()]


class ElectionCandidateSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="member.name", read_only=True)

    class Meta:
        model = ElectionCandidate
        fields = ["member", "name", "order", "elected_in_round"]


class ElectionOfficerVoteSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="candidate.member.name", read_only=True)

    class Meta:
        model = OfficerVote
        fields = ["role", "name", "held_on", "should_attend", "present", "yes", "no", "abstain", "passed"]


class ElectionSerializer(serializers.ModelSerializer):
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    candidates = ElectionCandidateSerializer(many=True, read_only=True)
    rounds = ElectionRoundSerializer(many=True, read_only=True)
    officer_votes = ElectionOfficerVoteSerializer(many=True, read_only=True)

    class Meta:
        model = Election
        fields = ["id", "title", "organization", "organization_name", "status", "status_display", "seats",
                  "min_margin_percent", "planned_on", "plan_submitted_on", "plan_approved_by", "plan_approval_doc_no",
                  "plan_approved_on", "candidates_approved_by", "candidates_approval_doc_no", "candidates_approved_on",
                  "held_on", "previous_term", "new_term", "officers_reported_on", "officers_approved_by",
                  "officers_approval_doc_no", "officers_approved_on", "committee_filed_on", "candidates", "rounds",
                  "officer_votes", "updated_at"]
        read_only_fields = fields


@extend_schema_view(list=extend_schema(summary="换届选举（授权范围内）"), retrieve=extend_schema(summary="换届选举详情"))
class ElectionViewSet(ScopedReadOnlyViewSet):
    queryset = Election.objects.select_related("organization").prefetch_related(
        Prefetch("candidates", queryset=ElectionCandidate.objects.select_related("member")),
        Prefetch("rounds", queryset=BallotRound.objects.prefetch_related(
            Prefetch("tallies", queryset=Tally.objects.select_related("candidate__member")), "write_ins")),
        Prefetch("officer_votes", queryset=OfficerVote.objects.select_related("candidate__member")),
    )
    serializer_class = ElectionSerializer
    ordering = "id"
    ordering_fields = ["id", "updated_at"]
