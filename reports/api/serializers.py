from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from branches.models import Organization
from reports.models import ReportFormat, ReportJob, ReportKind


class ReportJobSerializer(serializers.ModelSerializer):
    organization_code = serializers.CharField(source="organization.code", read_only=True)
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    file_url = serializers.SerializerMethodField(help_text="完成后下载文件的地址（/api/v1/report-jobs/{id}/file/）")

    class Meta:
        model = ReportJob
        fields = ["id", "organization", "organization_code", "organization_name", "kind", "kind_display", "period",
                  "format", "status", "status_display", "progress", "stage", "scheduled", "requested_for",
                  "created_at", "started_at", "finished_at", "size", "checksum", "page_count", "error", "file_url"]
        read_only_fields = fields

    def get_file_url(self, job) -> str | None:
        if not job.is_done:
            return None
        url = reverse("api-report-job-file", args=[job.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


class ReportJobRequestSerializer(serializers.Serializer):
    organization = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.all(), help_text="组织 id",
                                                      required=False)
    organization_code = serializers.CharField(required=False, help_text="或者组织编码")
    kind = serializers.ChoiceField(choices=ReportKind.choices, help_text="报告类型")
    period = serializers.CharField(max_length=8, help_text="2025、2025-Q3 或 2025-09")
    format = serializers.ChoiceField(choices=ReportFormat.choices, default=ReportFormat.PDF)
    regenerate = serializers.BooleanField(default=False, help_text="数据未变化也重新生成")

    def __init__(self, *args, scope=None, **kwargs):
        super().__init__(*args, **kwargs)
        if scope is not None:
            self.fields["organization"].queryset = scope

    def validate(self, attrs):
        if not attrs.get("organization"):
            code = attrs.get("organization_code")
            if not code:
                raise serializers.ValidationError({"organization": _("请提供 organization 或 organization_code。")})
            org = self.fields["organization"].queryset.filter(code=code).first()
            if org is None:
                raise serializers.ValidationError({"organization_code": _("没有该编码的组织，或不在授权范围内。")})
            attrs["organization"] = org
        return attrs
