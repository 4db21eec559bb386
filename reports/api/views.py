"""/api/v1/report-jobs/: request a report, poll its status, download its file.

Built on portal.api's bases: restrict() in get_queryset (404 outside scope), one error shape, cursor
pagination, Idempotency-Key on POST, request log. Token clients need the "reports" grant.
"""
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from branches.models import Organization
from portal.api import ClientGrant, IdempotentCreateMixin, ScopedViewSetMixin
from portal.scoping import CHANGE, VIEW, scope_for
from reports import services
from reports.filters import ReportJobFilterSet
from reports.models import ReportJob
from reports.views import REQUEST_DENIED, job_file_response

from .serializers import ReportJobRequestSerializer, ReportJobSerializer


class _RequestReport:
    def create(self, request, *args, **kwargs):
        # A token client holding the "reports" grant (checked by ClientGrant) requests within what it reads;
        # people need CHANGE, like on the reports page.
        action = VIEW if getattr(request.auth, "has_grant", None) else CHANGE
        if action == CHANGE and not request.user.is_superuser and not scope_for(request.user).has_any(CHANGE):
            raise PermissionDenied(REQUEST_DENIED)
        scope = Organization.objects.restrict(request.user, action)
        data = ReportJobRequestSerializer(data=request.data, scope=scope)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        try:
            result = services.report_request(organization=v["organization"], kind=v["kind"], period=v["period"],
                                             fmt=v["format"], user=request.user, regenerate=v["regenerate"],
                                             action=action)
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages) from exc
        body = ReportJobSerializer(result.job, context={"request": request}).data
        return Response(body, status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK)


@extend_schema_view(
    list=extend_schema(summary="报告任务列表（授权范围内）", description="最新的在前；可按类型、期间、格式、状态、组织筛选。"),
    retrieve=extend_schema(summary="报告任务状态", description="轮询 status（queued/running/done/failed）与 progress。"),
    create=extend_schema(
        summary="申请生成报告", request=ReportJobRequestSerializer,
        responses={201: ReportJobSerializer, 200: ReportJobSerializer},
        description="同一组织、类型、期间、格式且数据未变化时返回已有任务（200）；同一报告正在生成时返回该任务（200）；"
        "否则新建任务（201）。接口客户端须有 reports 授权。支持 Idempotency-Key。"),
)
class ReportJobViewSet(IdempotentCreateMixin, _RequestReport, ScopedViewSetMixin, mixins.ListModelMixin,
                       mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    queryset = ReportJob.objects.select_related("organization")
    serializer_class = ReportJobSerializer
    permission_classes = [IsAuthenticated, ClientGrant.of("reports")]
    filterset_class = ReportJobFilterSet
    ordering = "-id"
    ordering_fields = ["id"]
    http_method_names = ["get", "post", "head", "options"]

    @extend_schema(summary="下载报告文件", description="PDF 或 XLSX；不存在、不在授权范围内或尚未完成时 404。",
                   responses={(200, "application/pdf"): OpenApiTypes.BINARY,
                              (200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"):
                                  OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], url_path="file", url_name="file")
    def file(self, request, pk=None):
        return job_file_response(self.get_object())
