"""Read-only, scoped API on portal.api's bases (restrict(), cursor pagination, one error shape)."""
from portal.api import ScopedReadOnlyViewSet

from ..filters import BranchEvaluationFilterSet, CycleFilterSet, RectificationFilterSet
from ..models import BranchEvaluation, Cycle, Rectification
from .serializers import BranchResultSerializer, CycleSerializer, RectificationSerializer


class CycleViewSet(ScopedReadOnlyViewSet):
    queryset = Cycle.objects.select_related("organization", "standard").order_by("-year", "pk")
    serializer_class = CycleSerializer
    filterset_class = CycleFilterSet
    ordering_fields = ["id", "year", "updated_at"]


class BranchResultViewSet(ScopedReadOnlyViewSet):
    queryset = BranchEvaluation.objects.select_related("organization", "cycle").order_by("cycle", "organization__path")
    serializer_class = BranchResultSerializer
    filterset_class = BranchEvaluationFilterSet
    ordering_fields = ["id", "total", "updated_at"]


class RectificationViewSet(ScopedReadOnlyViewSet):
    queryset = Rectification.objects.select_related("organization").order_by("due_on", "pk")
    serializer_class = RectificationSerializer
    filterset_class = RectificationFilterSet
    ordering_fields = ["id", "due_on", "updated_at"]
