"""Read-only, scoped API (portal.api bases: restrict(), cursor pagination, one error shape)."""
from django.db.models import Prefetch

from portal.api import ScopedReadOnlyViewSet
from practice.models import PROGRAMME_HONOURS, Honour

from ..filters import CandidacyFilterSet, TitleFilterSet
from ..models import Candidacy, StepLog
from .serializers import CandidacySerializer, TitleSerializer


class TitleViewSet(ScopedReadOnlyViewSet):
    """四强 / 红旗党支部 / 五星党员 titles with their validity (?current=true: in force today)."""

    queryset = (Honour.objects.filter(kind__in=PROGRAMME_HONOURS, is_voided=False)
                .select_related("organization", "member", "designated_by").order_by("-awarded_on", "pk"))
    serializer_class = TitleSerializer
    filterset_class = TitleFilterSet
    ordering_fields = ["id", "awarded_on", "valid_until", "updated_at"]


class CandidacyViewSet(ScopedReadOnlyViewSet):
    queryset = (Candidacy.objects.select_related("round", "organization", "member", "title__organization",
                                                 "title__member", "title__designated_by", "higher_title__organization",
                                                 "higher_title__member", "higher_title__designated_by")
                .prefetch_related(Prefetch("steps", queryset=StepLog.objects.order_by("at", "pk")))
                .order_by("round", "organization__path", "pk"))
    serializer_class = CandidacySerializer
    filterset_class = CandidacyFilterSet
    ordering_fields = ["id", "updated_at"]
