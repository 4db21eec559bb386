from rest_framework import serializers

from ..models import BranchEvaluation, Cycle, Rectification


class CycleSerializer(serializers.ModelSerializer):
    organization_code = serializers.CharField(source="organization.code", read_only=True)
    standard_name = serializers.CharField(source="standard.name", read_only=True)
    standard_version = serializers.IntegerField(source="standard.version", read_only=True)

    class Meta:
        model = Cycle
        fields = ["id", "name", "year", "kind", "organization", "organization_code", "standard", "standard_name",
                  "standard_version", "period_start", "period_end", "self_opens_on", "self_closes_on",
                  "review_opens_on", "review_closes_on", "publicity_days", "updated_at"]


class BranchResultSerializer(serializers.ModelSerializer):
    """Scores show from 公示 on; before that only the step (reviewers' work is not published early)."""

    organization_code = serializers.CharField(source="organization.code", read_only=True)
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    year = serializers.IntegerField(source="cycle.year", read_only=True)
    total = serializers.SerializerMethodField()
    criterion_scores = serializers.SerializerMethodField()
    stars = serializers.SerializerMethodField()
    four_strong = serializers.SerializerMethodField()

    class Meta:
        model = BranchEvaluation
        fields = ["id", "cycle", "year", "organization", "organization_code", "organization_name", "step",
                  "total", "criterion_scores", "stars", "four_strong", "vetoed", "published_at", "updated_at"]

    def _shown(self, obj):
        return obj.step in ("publicity", "result")

    def get_total(self, obj) -> str | None:
        return str(obj.total) if self._shown(obj) and obj.total is not None else None

    def get_criterion_scores(self, obj) -> dict[str, str] | None:
        return obj.criterion_scores if self._shown(obj) else None

    def get_stars(self, obj) -> int | None:
        if obj.step == "result":
            return obj.stars
        return obj.proposed_stars if obj.step == "publicity" else None

    def get_four_strong(self, obj) -> bool | None:
        if obj.step == "result":
            return obj.four_strong
        return obj.proposed_four_strong if obj.step == "publicity" else None


class RectificationSerializer(serializers.ModelSerializer):
    organization_code = serializers.CharField(source="organization.code", read_only=True)
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Rectification
        fields = ["id", "organization", "organization_code", "problem", "requirement", "due_on",
                  "responsible_person", "source", "status", "closed_on", "overdue", "created_at", "updated_at"]

    def get_overdue(self, obj) -> bool:
        return obj.is_overdue()
