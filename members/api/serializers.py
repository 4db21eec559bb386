"""What an agency may see of a member; 身份证号 and 手机号 are masked without the PII grant."""
from __future__ import annotations

from rest_framework import serializers

from portal import crypto
from portal.api import ChoiceDisplayField, ChoiceLabels, InstanceRow, LeanRepresentationMixin, api_date

from ..models import Education, Gender, Member, MemberCategory, MemberStatus, whole_years
from ..validators import mask_phone

GENDER_LABELS = ChoiceLabels(Gender.choices)
EDUCATION_LABELS = ChoiceLabels(Education.choices)
CATEGORY_LABELS = ChoiceLabels(MemberCategory.choices)
STATUS_LABELS = ChoiceLabels(MemberStatus.choices)


class MemberSerializer(LeanRepresentationMixin, serializers.ModelSerializer):
    education = serializers.ChoiceField(choices=Education.choices, allow_blank=True, read_only=True, label="学历")
    gender_display = ChoiceDisplayField(source="gender", choices=Gender.choices)
    education_display = ChoiceDisplayField(source="education", choices=Education.choices)
    category_display = ChoiceDisplayField(source="category", choices=MemberCategory.choices)
    status_display = ChoiceDisplayField(source="status", choices=MemberStatus.choices)
    branch_code = serializers.CharField(source="branch.code", read_only=True)
    branch_name = serializers.CharField(source="branch.name", read_only=True)
    party_group_name = serializers.CharField(source="party_group.name", read_only=True, allow_null=True, default=None)
    party_age = serializers.IntegerField(read_only=True, allow_null=True, help_text="党龄（自转正起整年数）")
    id_number = serializers.SerializerMethodField(help_text="身份证号；无个人信息授权时为脱敏值")
    phone = serializers.SerializerMethodField(help_text="手机号；无个人信息授权时为脱敏值（138****5678）")
    pii_masked = serializers.SerializerMethodField(help_text="true 表示身份证号与手机号已脱敏")

    class Meta:
        model = Member
        fields = [
            "id", "name", "gender", "gender_display", "ethnicity", "birth_date", "phone", "id_number", "education",
            "education_display", "work_unit", "post", "category", "category_display", "status", "status_display",
            "joined_on", "confirmed_on", "party_age", "branch", "branch_code", "branch_name", "party_group",
            "party_group_name", "is_active", "left_on", "left_reason", "pii_masked", "updated_at",
        ]
        read_only_fields = fields

    def _pii(self) -> bool:
        return bool(self.context.get("pii"))

    def get_id_number(self, member) -> str:
        return member.get_id_number() if self._pii() else member.id_number_masked

    def get_phone(self, member) -> str:
        return member.phone if self._pii() else mask_phone(member.phone)

    def get_pii_masked(self, member) -> bool:
        return not self._pii()

    def represent(self, m) -> dict:
        return self.represent_row(InstanceRow(m))

    def represent_row(self, r) -> dict:
        """The JSON of a value row of `members.selectors.registry.member_api_rows`; a detail page's instance comes
        through `InstanceRow` (one mapping for both)."""
        pii = self._pii()
        today = self.today()
        confirmed_on = r.confirmed_on
        return {
            "id": r.id, "name": r.name, "gender": r.gender, "gender_display": self.choice_label(GENDER_LABELS, r.gender),
            "ethnicity": r.ethnicity, "birth_date": api_date(r.birth_date),
            "phone": r.phone if pii else mask_phone(r.phone),
            "id_number": crypto.decrypt(r.id_number_encrypted) if pii else r.id_number_masked,
            "education": r.education, "education_display": self.choice_label(EDUCATION_LABELS, r.education),
            "work_unit": r.work_unit, "post": r.post, "category": r.category,
            "category_display": self.choice_label(CATEGORY_LABELS, r.category), "status": r.status,
            "status_display": self.choice_label(STATUS_LABELS, r.status), "joined_on": api_date(r.joined_on),
            "confirmed_on": api_date(confirmed_on),
            "party_age": whole_years(confirmed_on, today) if confirmed_on else None, "branch": r.branch_id,
            "branch_code": r.branch__code, "branch_name": r.branch__name, "party_group": r.party_group_id,
            "party_group_name": r.party_group__name, "is_active": r.is_active,
            "left_on": api_date(r.left_on), "left_reason": r.left_reason, "pii_masked": not pii,
            "updated_at": self.datetime_text(r.updated_at),
        }
