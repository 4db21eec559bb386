"""Read serializers for practice records (API is read-only: writes go through pages and services)."""
from rest_framework import serializers

from ..models import (
    Brand,
    BrandRecognition,
    BrandSelectionRound,
    ContactPoint,
    ContactVisit,
    Honour,
    KnowledgeContest,
    Notice,
    StudyPlan,
    StudyRecord,
    TrainingCourse,
    VanguardPost,
)

BASE = ["id", "is_active", "deactivated_reason", "created_at", "updated_at"]


class VoidableMixin(serializers.Serializer):
    """The API's names for 作废 (/api/v1 contract, unchanged when the models moved to portal.tracking.VoidableModel):
    a voided record is a tombstone with `is_active=false`, as members who left and dissolved organizations are;
    its reason is `deactivated_reason`."""

    is_active = serializers.SerializerMethodField(help_text="false 表示已作废（墓碑）")
    deactivated_reason = serializers.CharField(source="void_reason", read_only=True, help_text="作废原因")

    def get_is_active(self, obj) -> bool:
        return not obj.is_voided


class OrgMixin(VoidableMixin):
    organization_code = serializers.CharField(source="organization.code", read_only=True)
    organization_name = serializers.CharField(source="organization.name", read_only=True)


class RecognitionSerializer(VoidableMixin, serializers.ModelSerializer):
    class Meta:
        model = BrandRecognition
        fields = ["id", "brand", "title", "level", "awarded_on", "issuer", "is_active", "updated_at"]


class BrandSerializer(OrgMixin, serializers.ModelSerializer):
    recognitions = RecognitionSerializer(many=True, read_only=True)

    class Meta:
        model = Brand
        fields = BASE + ["organization", "organization_code", "organization_name", "parent", "name", "slogan",
                         "meaning", "tied_work", "launched_on", "recognitions"]


class RoundSerializer(OrgMixin, serializers.ModelSerializer):
    class Meta:
        model = BrandSelectionRound
        fields = BASE + ["organization", "organization_code", "organization_name", "name", "year", "award_title",
                         "award_count", "status", "closed_on"]


class PostSerializer(OrgMixin, serializers.ModelSerializer):
    holder_names = serializers.SerializerMethodField()

    class Meta:
        model = VanguardPost
        fields = BASE + ["organization", "organization_code", "organization_name", "kind", "name", "scope",
                         "holders", "holder_names", "commitment", "starts_on", "ends_on"]

    def get_holder_names(self, obj) -> list[str]:
        return [m.name for m in obj.holders.all()]


class StudyRecordSerializer(OrgMixin, serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)

    class Meta:
        model = StudyRecord
        fields = BASE + ["organization", "organization_code", "organization_name", "member", "member_name",
                         "studied_on", "topic", "hours", "source", "notes"]


class ContestSerializer(OrgMixin, serializers.ModelSerializer):
    class Meta:
        model = KnowledgeContest
        fields = BASE + ["organization", "organization_code", "organization_name", "name", "held_on", "level",
                         "description"]


class PlanSerializer(OrgMixin, serializers.ModelSerializer):
    item_count = serializers.IntegerField(read_only=True)
    done_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = StudyPlan
        fields = BASE + ["organization", "organization_code", "organization_name", "year", "title", "item_count",
                         "done_count"]


class CourseSerializer(OrgMixin, serializers.ModelSerializer):
    attended_count = serializers.IntegerField(read_only=True)
    completed_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = TrainingCourse
        fields = BASE + ["organization", "organization_code", "organization_name", "name", "kind", "hours",
                         "starts_on", "ends_on", "location", "attended_count", "completed_count"]


class ContactPointSerializer(OrgMixin, serializers.ModelSerializer):
    contact_name = serializers.CharField(read_only=True)
    visit_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = ContactPoint
        fields = BASE + ["organization", "organization_code", "organization_name", "year", "contact_name",
                         "contact_title", "visit_count"]


class VisitSerializer(VoidableMixin, serializers.ModelSerializer):
    organization = serializers.IntegerField(source="contact_point.organization_id", read_only=True)

    class Meta:
        model = ContactVisit
        fields = BASE + ["contact_point", "organization", "visited_on", "checked", "findings"]


class HonourSerializer(OrgMixin, serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True, allow_null=True, default=None)

    class Meta:
        model = Honour
        fields = BASE + ["organization", "organization_code", "organization_name", "kind", "title", "level", "year",
                         "awarded_on", "issuer", "citation", "member", "member_name"]


class NoticeSerializer(OrgMixin, serializers.ModelSerializer):
    class Meta:
        model = Notice
        fields = BASE + ["organization", "organization_code", "organization_name", "audience", "title", "body",
                         "published_at"]
