"""Domain-free bases for the REST API (/api/v1/): scoping, errors, pagination, sync, idempotency, throttling.

Every app's API is a viewset on one of the two bases below. A viewset names its model's queryset and
what it needs; `get_queryset` applies the one scoping rule (`restrict(user, action)`), so rows outside
the caller's subtree are 404 exactly like missing ones. See docs/api.md for the checklist.

    class ActivityViewSet(ScopedReadOnlyViewSet):
        queryset = Activity.objects.select_related("organization", "activity_type")
        serializer_class = ActivitySerializer
        filterset_class = ActivityFilterSet            # the page's FilterSet (updated_since included)
        ordering_fields = ["held_on", "updated_at", "id"]
        ordering = "id"

Nothing here imports a domain model. API clients (branches.ApiClient) plug in by duck typing:
`request.auth` may offer `has_grant(name)`, `throttle_rate` and `record_request(request, response)`.
"""
from __future__ import annotations

import hashlib
import json
import logging
from datetime import date, timedelta

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter, inline_serializer
from rest_framework import exceptions, mixins, serializers, viewsets
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from .pagination import PortalCursorPagination
from .scoping import VIEW
from .throttling import ClientRateThrottle

logger = logging.getLogger(__name__)

# --- Fields --------------------------------------------------------------------------------------------

class ChoiceLabels:
    """value -> label of a choices list, the labels translated once per language (not once per row).

    Labels are lazy translations; `str()` on each costs a gettext lookup, which on a 100-row page with
    attendance was ~36,000 calls. The catalogs do not change while the process runs, so a dict per language
    gives the same text.
    """

    def __init__(self, choices):
        self._choices = dict(choices)
        self._by_language: dict[str | None, dict] = {}

    def current(self) -> dict:
        language = translation.get_language()
        labels = self._by_language.get(language)
        if labels is None:
            labels = self._by_language[language] = {k: str(v) for k, v in self._choices.items()}
        return labels

    def label(self, value):
        """What `ChoiceDisplayField` shows: None stays None, an unknown value is shown as itself."""
        return self.lookup(self.current(), value)

    @staticmethod
    def lookup(labels: dict, value):
        """`label` with the dict from `current()` already in hand (many rows, one language lookup)."""
        if value is None:
            return None
        return str(labels.get(value, value))


class ChoiceDisplayField(serializers.CharField):
    """The label of a choices field: `ChoiceDisplayField(source="kind", choices=Kind.choices)`.

    Same output as `CharField(source="get_kind_display")` but a dict lookup: DRF inspects the signature of a
    callable source on every row (inspect.signature), which was most of a 100-row list page's time.
    """

    def __init__(self, *, choices, **kwargs):
        self.labels = ChoiceLabels(choices)
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value):
        return self.labels.label(value)


# --- Lean rows for list pages -------------------------------------------------------------------------------

_DATETIME = serializers.DateTimeField()


def api_date(value):
    """A date as DRF's DateField shows it (ISO 8601, None stays None)."""
    return value.isoformat() if value else None


def api_datetime(value):
    """A datetime as DRF's DateTimeField shows it (current time zone, ISO 8601, 'Z' for UTC)."""
    return _DATETIME.to_representation(value) if value else None


def datetime_texter():
    """`api_datetime` with the current time zone looked up now, once, for the many values of one page: DRF's field
    looks it up (and checks it) for every value, which was a tenth of a page of 100 records with attendance."""
    tz = _DATETIME.default_timezone()
    if tz is None:
        return api_datetime

    def text(value):
        if not value or value.utcoffset() is None:
            return api_datetime(value)
        try:
            shown = value.astimezone(tz).isoformat()
        except OverflowError:
            return api_datetime(value)   # DRF's own error
        return shown[:-6] + "Z" if shown.endswith("+00:00") else shown
    return text


class InstanceRow:
    """A model instance read by a value row's names (`branch__code` follows the relation, None past a missing one):
    a detail page's instance goes through the same `represent_row` as the list's value rows."""
    __slots__ = ("_instance",)

    def __init__(self, instance):
        self._instance = instance

    def __getattr__(self, name):
        value = self._instance
        for part in name.split("__"):
            if value is None:
                return None
            value = getattr(value, part)
        return value


class LeanRepresentationMixin:
    """A read-only serializer whose row is built by `represent(instance)`: plain attribute reads into a dict.

    DRF's generic `to_representation` walks every declared field per row (get_attribute, to_representation,
    source lookups): ~25 fields × 100 rows was most of a list page's CPU. The declared fields stay the
    contract — the OpenAPI schema is generated from them, and a test compares `represent` with the generic
    output (`generic_representation`) field by field, so the two cannot drift apart unnoticed.
    """

    def to_representation(self, instance):
        if isinstance(instance, tuple):   # a list page's value row (see ValueRowsListMixin)
            return self.represent_row(instance)
        return self.represent(instance)

    def choice_label(self, labels: ChoiceLabels, value):
        """`labels.label(value)`, the language looked up once per serializer (one page), not once per row."""
        cache = self.__dict__.setdefault("_label_dicts", {})
        current = cache.get(id(labels))
        if current is None:
            current = cache[id(labels)] = labels.current()
        return ChoiceLabels.lookup(current, value)

    def datetime_text(self, value):
        """`api_datetime(value)`, the current time zone looked up once per serializer (one page), not once per row."""
        text = self.__dict__.get("_datetime_text")
        if text is None:
            text = self.__dict__["_datetime_text"] = datetime_texter()
        return text(value)

    def today(self):
        """Today's date, once per serializer (one page)."""
        today = self.__dict__.get("_today")
        if today is None:
            today = self.__dict__["_today"] = date.today()
        return today

    def represent(self, instance) -> dict:
        raise NotImplementedError

    def represent_row(self, row) -> dict:
        """The same dict from a value row (a named tuple of exactly the columns the row shows); list pages."""
        raise NotImplementedError

    def generic_representation(self, instance):
        """DRF's field-by-field output: what `represent` must equal."""
        return super().to_representation(instance)


# --- One error shape ---------------------------------------------------------------------------------
# {"code": "validation_error", "detail": "请求参数有误。", "fields": {"field": ["message", ...]}}
# `fields` is always present ({} when the error is not about particular fields).

VALIDATION_DETAIL = _("请求参数有误，请按 fields 中的提示修改。")
CODES = {
    400: "validation_error",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    415: "unsupported_media_type",
    422: "idempotency_key_reused",
    429: "throttled",
}


def _flatten(detail) -> list[str]:
    if isinstance(detail, dict):
        return [f"{k}: {m}" for k, v in detail.items() for m in _flatten(v)]
    if isinstance(detail, list | tuple):
        return [m for item in detail for m in _flatten(item)]
    return [str(detail)]


def _fields(detail) -> dict[str, list[str]]:
    """Field errors as {field: [messages]}; nested serializer errors become dotted names."""
    out: dict[str, list[str]] = {}

    def walk(prefix, value):
        if isinstance(value, dict):
            for key, sub in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), sub)
        elif isinstance(value, list | tuple) and value and any(isinstance(v, dict | list) for v in value):
            for i, sub in enumerate(value):
                walk(f"{prefix}.{i}" if prefix else str(i), sub)
        else:
            out.setdefault(prefix or "non_field_errors", []).extend(_flatten(value))

    walk("", detail)
    return out


def exception_handler(exc, context):
    """DRF's handler, then every error body reshaped into the one documented shape."""
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a real bug: Django's 500 handling and logging take over
    code = CODES.get(response.status_code, "error")
    if isinstance(exc, exceptions.ValidationError):
        body = {"code": code, "detail": VALIDATION_DETAIL, "fields": _fields(exc.detail)}
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else response.data
        body = {"code": code, "detail": " ".join(_flatten(detail)), "fields": {}}
    response.data = body
    return response


ErrorSerializer = inline_serializer(
    "Error",
    fields={
        "code": serializers.CharField(help_text="机器可读的错误类型，如 validation_error、not_found、throttled"),
        "detail": serializers.CharField(help_text="中文错误说明"),
        "fields": serializers.DictField(
            child=serializers.ListField(child=serializers.CharField()),
            help_text="字段错误：字段名 → 错误信息列表；与具体字段无关时为空对象",
        ),
    },
)
ERROR_DESCRIPTIONS = {
    "400": "请求参数有误（字段错误见 fields）",
    "401": "未提供令牌，或令牌无效、已过期、已吊销",
    "403": "无权执行此操作",
    "404": "不存在，或不在授权范围内",
    "415": "请求体格式不受支持（请使用 application/json）",
    "429": "请求过于频繁；Retry-After 头给出需等待的秒数",
}


class PortalAutoSchema(AutoSchema):
    """Every operation documents the shared error responses and, for unsafe methods, Idempotency-Key."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        codes = ["401", "403", "429"]
        if self.method in ("POST", "PUT", "PATCH") or self._is_list_view() is not None:
            codes.insert(0, "400")  # bad filters on lists, bad bodies on writes
        if "{" in self.path:
            codes.append("404")
        if self.method in ("POST", "PUT", "PATCH"):
            codes.append("415")  # a body that is not JSON (or form data)
        if self.method == "POST":
            codes += ["409", "422"]
        for code in codes:
            if code not in responses:
                responses[code] = self._get_response_for_code(ErrorSerializer, code)
                responses[code]["description"] = ERROR_DESCRIPTIONS.get(
                    code, {"409": "同一 Idempotency-Key 的请求仍在处理中", "422": "Idempotency-Key 已用于内容不同的请求"}.get(code, "")
                )
        if "429" in responses:
            responses["429"].setdefault("headers", {})["Retry-After"] = {
                "schema": {"type": "integer"},
                "description": "需等待的秒数",
            }
        return responses

    def get_override_parameters(self):
        params = list(super().get_override_parameters())
        if self.method == "POST":
            params.append(
                OpenApiParameter(
                    "Idempotency-Key",
                    str,
                    OpenApiParameter.HEADER,
                    required=False,
                    description="幂等键（建议 UUID）：24 小时内以同一键重发同一请求，返回首次的结果而不会重复创建。",
                )
            )
        return params


# --- Permissions --------------------------------------------------------------------------------------


class ClientGrant(BasePermission):
    """Token clients need an explicit grant (e.g. "reports"); people are governed by their roles.

    Use `permission_classes = [IsAuthenticated, ClientGrant.of("reports")]`.
    """

    grant = ""
    message = _("该接口客户端未获得此项授权。")

    @classmethod
    def of(cls, grant: str):
        return type(f"ClientGrant_{grant}", (cls,), {"grant": grant})

    def has_permission(self, request, view):
        return client_has_grant(request, self.grant, default=True)


class ApiDocsAccess(BasePermission):
    """/api/schema/ and /api/docs/: anyone logged in (session or Bearer token) unless API_DOCS_REQUIRE_LOGIN is off."""

    def has_permission(self, request, view):
        from django.conf import settings

        return not settings.API_DOCS_REQUIRE_LOGIN or bool(request.user and request.user.is_authenticated)


def client_has_grant(request, grant: str, *, default: bool) -> bool:
    """Whether the token client holds `grant`; `default` for session users (no client)."""
    has = getattr(request.auth, "has_grant", None)
    if has is None:
        return default
    return bool(has(grant))


# --- Incremental sync ---------------------------------------------------------------------------------

UPDATED_SINCE_HELP = (
    "增量同步：只返回该时间（ISO 8601，含时区，如 2026-01-01T00:00:00+08:00）之后有变动的记录；"
    "已撤销、已离开等记录同样返回（作为“墓碑”，见 is_active），以便同步方知晓。"
)


def wants_tombstones(data) -> bool:
    """A FilterSet's `__init__` helper: with updated_since and no explicit active filter, include inactive rows."""
    return data is not None and bool(data.get("updated_since")) and not data.get("active")


class ActiveByDefaultMixin:
    """For a FilterSet with an `active` filter: without one in the query, list only current rows ("1"), or every
    row ("all") when the caller syncs with updated_since and needs the tombstones."""

    def __init__(self, data=None, *args, **kwargs):
        if data is not None and not data.get("active"):
            data = data.copy()
            data["active"] = "all" if wants_tombstones(data) else "1"
        super().__init__(data, *args, **kwargs)


# --- Base viewsets --------------------------------------------------------------------------------------


class ScopedViewSetMixin:
    """Scoping (one rule, in get_queryset), one error shape, request log, cursor pagination."""

    #: the action the caller must hold on a row's organization to read it
    scope_action = VIEW
    #: action per DRF action for writes, e.g. {"create": CHANGE}; reads use scope_action
    scope_actions: dict[str, str] = {}
    pagination_class = PortalCursorPagination
    ordering = "id"
    ordering_fields: list[str] = ["id"]

    def get_scope_action(self) -> str:
        return self.scope_actions.get(self.action, self.scope_action)

    def get_queryset(self):
        qs = super().get_queryset()
        return qs.restrict(self.request.user, self.get_scope_action())

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        try:
            auth = request.auth
        except exceptions.APIException:
            auth = None
        warning = getattr(auth, "expiry_warning", None)
        text = warning() if warning is not None else ""
        if text:   # RFC 7234 "299 Miscellaneous persistent warning"; clients log it, the answer is unchanged
            response["Warning"] = '299 - "{}"'.format(text.replace('"', "'"))
            response["Token-Expires"] = auth.expires_at.isoformat()
        record = getattr(auth, "record_request", None)
        if record is not None:
            try:
                record(request, response)
            except Exception:  # logging must never turn an answer into a 500
                logger.exception("could not record API request")
        return response


class ScopedReadOnlyViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """list + retrieve of rows the caller may VIEW."""


class ValueRowsListMixin:
    """A list page read as value rows instead of model instances: `list_rows(queryset)` (the app's selector) turns
    the scoped, filtered queryset into a `values_list(named=True)` of exactly the columns the serializer shows, and
    the serializer's `represent_row` builds each row from it.

    Building ~300 model instances a 100-row page (the rows and their related organizations) was most of what a list
    cost beyond its SQL. Scoping is unchanged: the rows come from `get_queryset()` (restrict) and `filter_queryset()`;
    the cursor pagination orders and pages the value rows as it did the instances. Detail pages keep instances.
    """

    def list_rows(self, queryset):
        raise NotImplementedError

    def list(self, request, *args, **kwargs):
        rows = self.list_rows(self.filter_queryset(self.get_queryset()))
        page = self.paginate_queryset(rows)
        if page is None:
            return Response(self.get_serializer(rows, many=True).data)
        serializer = self.get_serializer(page, many=True)
        return self.get_paginated_response(serializer.data)


IDEMPOTENCY_TTL = timedelta(hours=24)


class IdempotentCreateMixin:
    """POST with `Idempotency-Key`: the first response is stored and replayed for repeats (24 h).

    The same key with a different body answers 422; while the first request still runs, 409.
    Storage is a small model (portal.IdempotencyKey) keyed by (user, key).
    """

    idempotency_header = "HTTP_IDEMPOTENCY_KEY"

    def create(self, request, *args, **kwargs):
        key = request.META.get(self.idempotency_header, "").strip()
        if not key:
            return super().create(request, *args, **kwargs)
        from .models import IdempotencyKey

        if len(key) > 100:
            raise exceptions.ValidationError({"Idempotency-Key": [_("幂等键不超过 100 个字符。")]})
        fingerprint = hashlib.sha256(
            json.dumps([request.method, request.path, request.data], sort_keys=True, default=str).encode()
        ).hexdigest()
        IdempotencyKey.objects.filter(  # keys live 24 hours
            user=request.user, key=key, created_at__lt=timezone.now() - IDEMPOTENCY_TTL
        ).delete()
        try:
            with transaction.atomic():
                record = IdempotencyKey.objects.create(
                    user=request.user, key=key, method=request.method, path=request.path, fingerprint=fingerprint
                )
        except IntegrityError:
            record = IdempotencyKey.objects.get(user=request.user, key=key)
            if record.fingerprint != fingerprint:
                return self._idempotency_error(422, _("该 Idempotency-Key 已用于内容不同的请求。"))
            if record.status_code is None:
                return self._idempotency_error(409, _("使用该 Idempotency-Key 的请求仍在处理中，请稍后重试。"))
            response = Response(record.response_body, status=record.status_code)
            response["Idempotent-Replayed"] = "true"
            return response
        try:
            response = super().create(request, *args, **kwargs)
        except Exception:
            record.delete()  # a failed attempt may be retried with the same key
            raise
        if response.status_code >= 500:
            record.delete()
        else:
            record.status_code = response.status_code
            record.response_body = response.data
            record.save(update_fields=["status_code", "response_body"])
        return response

    def _idempotency_error(self, code, detail):
        return Response({"code": CODES[code], "detail": detail, "fields": {}}, status=code)


class ScopedModelViewSet(IdempotentCreateMixin, ScopedViewSetMixin, mixins.CreateModelMixin, mixins.ListModelMixin,
                         mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Read + create (idempotent). Writes call a service from `perform_create`; set `scope_actions`.

    Records are never hard-deleted through the API: no destroy; add update/partial_update mixins
    explicitly where a domain allows edits.
    """

    http_method_names = ["get", "post", "head", "options"]


__all__ = [
    "ClientGrant",
    "ChoiceDisplayField",
    "ChoiceLabels",
    "ClientRateThrottle",
    "ErrorSerializer",
    "IdempotentCreateMixin",
    "LeanRepresentationMixin",
    "PortalAutoSchema",
    "PortalCursorPagination",
    "ScopedModelViewSet",
    "ScopedReadOnlyViewSet",
    "UPDATED_SINCE_HELP",
    "ValueRowsListMixin",
    "api_date",
    "api_datetime",
    "client_has_grant",
    "exception_handler",
    "wants_tombstones",
]


def api_not_found(request, *args, **kwargs):
    """Unknown addresses under /api/v1/ answer in the API's error shape, not with the HTML 404 page."""
    from django.http import JsonResponse

    return JsonResponse({"code": "not_found", "detail": _("接口地址不存在。"), "fields": {}}, status=404)


class ApiRootView(APIView):
    """GET /api/v1/: the resources this version offers, as absolute links (needs authentication like the rest).

    `routers` is given by the URL root (portal/urls.py), so this module still names no domain model.
    """

    routers: list = []
    schema = None  # an index, not a resource: kept out of the OpenAPI schema

    def get(self, request, format=None):
        from django.urls import NoReverseMatch, reverse

        links = {}
        for router in self.routers:
            for prefix, _viewset, basename in router.registry:
                try:
                    links[prefix] = request.build_absolute_uri(reverse(f"{basename}-list"))
                except NoReverseMatch:
                    continue
        links["schema"] = request.build_absolute_uri(reverse("api-schema"))
        links["docs"] = request.build_absolute_uri(reverse("api-docs"))
        return Response(links)

