from rest_framework import serializers

from practice.models import Honour

from ..models import Candidacy, StepLog


class TitleSerializer(serializers.ModelSerializer):
    """A designated title with its validity: start (awarded_on), end (valid_until), designating body, revocation."""

    organization_code = serializers.CharField(source="organization.code", read_only=True)
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    member_name = serializers.CharField(source="member.name", read_only=True, default=None)
    title = serializers.CharField(source="display_title", read_only=True)
    designated_by_code = serializers.CharField(source="designated_by.code", read_only=True, default=None)
    is_current = serializers.SerializerMethodField()

    class Meta:
        model = Honour
        fields = ["id", "kind", "title", "level", "year", "organization", "organization_code", "organization_name",
                  "member", "member_name", "awarded_on", "valid_until", "issuer", "designated_by",
                  "designated_by_code", "revoked_on", "revoke_reason", "is_current", "updated_at"]

    def get_is_current(self, obj) -> bool:
        return obj.is_current()


class StepSerializer(serializers.ModelSerializer):
    late = serializers.SerializerMethodField()

    class Meta:
        model = StepLog
        fields = ["action", "from_stage", "to_stage", "comment", "at", "late"]

    def get_late(self, obj) -> bool:
        return obj.extension_id is not None


class CandidacySerializer(serializers.ModelSerializer):
    """One branch's (or member's) way through a programme: the steps, and the titles it led to."""

    programme = serializers.CharField(source="round.programme", read_only=True)
    year = serializers.IntegerField(source="round.year", read_only=True)
    round_name = serializers.CharField(source="round.name", read_only=True)
    organization_code = serializers.CharField(source="organization.code", read_only=True)
    member_name = serializers.CharField(source="member.name", read_only=True, default=None)
    steps = StepSerializer(many=True, read_only=True)
    title = TitleSerializer(read_only=True)
    higher_title = TitleSerializer(read_only=True)

    class Meta:
        model = Candidacy
        fields = ["id", "round", "round_name", "programme", "year", "organization", "organization_code", "member",
                  "member_name", "kind", "origin", "stage", "proposed_stars", "is_model", "publicity_starts_on",
                  "publicity_ends_on", "steps", "title", "higher_title", "updated_at"]
