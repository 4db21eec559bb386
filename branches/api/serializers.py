"""What the API shows of organizations (tree, committees and terms, structural warnings), organizational-life
records with their attendance, and compliance per organization and period."""
from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from portal.api import ChoiceDisplayField, ChoiceLabels, LeanRepresentationMixin, api_date

from ..models import CommitteeSeat, CommitteeTerm, Locality, Organization, OrganizationKind, SeatRole
from ..selectors import structure_warnings, structure_warnings_of


class StructureWarningSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="如 no_committee、term_overdue、too_many_members")
    message = serializers.CharField(help_text="中文说明")
    level = serializers.ChoiceField(choices=["warn", "danger"])


KIND_LABELS = ChoiceLabels(OrganizationKind.choices)
LOCALITY_LABELS = ChoiceLabels(Locality.choices)


class OrganizationSerializer(LeanRepresentationMixin, serializers.ModelSerializer):
    kind_display = ChoiceDisplayField(source="kind", choices=OrganizationKind.choices)
    locality_display = ChoiceDisplayField(source="locality", choices=Locality.choices)
    is_active = serializers.BooleanField(read_only=True, help_text="false 表示已撤销（dissolved_on 有值）")
    parent = serializers.IntegerField(source="parent_id", read_only=True, allow_null=True, help_text="上级组织 id")
    parent_code = serializers.CharField(read_only=True, allow_null=True)
    member_count = serializers.IntegerField(read_only=True, help_text="在册党员数（本组织直属）")
    full_member_count = serializers.IntegerField(read_only=True, help_text="正式党员数（本组织直属）")
    seat_count = serializers.IntegerField(read_only=True, help_text="本届委员会在任委员数")
    term_ends_on = serializers.DateField(read_only=True, allow_null=True, help_text="本届委员会届满日期")
    warnings = serializers.SerializerMethodField(help_text="组织设置提醒（依据《支部工作条例》）")

    class Meta:
        model = Organization
        fields = [
            "id", "code", "name", "short_name", "kind", "kind_display", "parent", "parent_code", "path", "depth",
            "established_on", "dissolved_on", "dissolution_reason", "is_active", "units", "locality",
            "locality_display", "term_years", "member_count", "full_member_count", "seat_count", "term_ends_on",
            "warnings", "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(StructureWarningSerializer(many=True))
    def get_warnings(self, org):
        return [{"code": w.code, "message": w.message, "level": w.level} for w in structure_warnings(org)]

    def represent(self, org) -> dict:
        # An annotated instance has every name a value row has: one mapping for detail pages and lists.
        return self.represent_row(org)

    def represent_row(self, r) -> dict:
        """The JSON of a value row of `branches.selectors.organization_api_rows`, or of an instance annotated by
        `with_structure` (the same names)."""
        dissolved_on = r.dissolved_on
        is_active = dissolved_on is None
        warnings = structure_warnings_of(kind=r.kind, is_active=is_active, full=r.full_member_count,
                                         total=r.member_count, seats=r.seat_count, ends=r.term_ends_on,
                                         today=self.today())
        return {
            "id": r.id, "code": r.code, "name": r.name, "short_name": r.short_name, "kind": r.kind,
            "kind_display": self.choice_label(KIND_LABELS, r.kind), "parent": r.parent_id, "parent_code": r.parent_code,
            "path": r.path, "depth": r.depth, "established_on": api_date(r.established_on),
            "dissolved_on": api_date(dissolved_on), "dissolution_reason": r.dissolution_reason,
            "is_active": is_active, "units": r.units, "locality": r.locality,
            "locality_display": self.choice_label(LOCALITY_LABELS, r.locality), "term_years": r.term_years,
            "member_count": r.member_count, "full_member_count": r.full_member_count,
            "seat_count": r.seat_count, "term_ends_on": api_date(r.term_ends_on),
            "warnings": [{"code": w.code, "message": w.message, "level": w.level} for w in warnings],
            "updated_at": self.datetime_text(r.updated_at),
        }


class CommitteeSeatSerializer(serializers.ModelSerializer):
    role_display = ChoiceDisplayField(source="role", choices=SeatRole.choices)
    member_name = serializers.CharField(source="member.name", read_only=True)

    class Meta:
        model = CommitteeSeat
        fields = ["role", "role_display", "member", "member_name", "started_on", "ended_on"]
        read_only_fields = fields


class CommitteeTermSerializer(serializers.ModelSerializer):
    is_current = serializers.BooleanField(read_only=True)
    seats = CommitteeSeatSerializer(many=True, read_only=True, help_text="本届在任委员（已离任者不列）")

    class Meta:
        model = CommitteeTerm
        fields = ["id", "started_on", "ends_on", "closed_on", "is_current", "note", "approved_by", "approval_doc_no",
                  "approved_on", "seats", "updated_at"]
        read_only_fields = fields


class OrganizationDetailSerializer(OrganizationSerializer):
    terms = CommitteeTermSerializer(many=True, read_only=True, help_text="委员会历届任期，最近的在前")

    def represent(self, org) -> dict:
        return {**super().represent(org), "terms": self.fields["terms"].to_representation(org.terms.all())}

    class Meta(OrganizationSerializer.Meta):
        fields = OrganizationSerializer.Meta.fields + ["terms"]
        read_only_fields = fields
