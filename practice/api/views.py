"""Read endpoints for practice records, scoped by restrict(user, "view") through the list selectors.

On portal.api's base (cursor pagination, one error shape, documented errors); scoping comes from the selectors.
"""
from portal.api import ScopedReadOnlyViewSet

from .. import selectors
from . import serializers as s


class PracticeViewSet(ScopedReadOnlyViewSet):
    kind = ""
    ordering_fields = ["id", "updated_at"]
    ordering = "id"

    def get_queryset(self):
        # The list selector applies the scope; the FilterSet (the pages' own) is applied by DjangoFilterBackend.
        qs = selectors.base_queryset(self.kind, user=self.request.user)
        if self.kind == "study":
            # API clients read the records of the subtrees they hold, not their own member record.
            qs = qs.model.objects.restrict(self.request.user, "view").select_related("member", "organization")
        return qs.order_by("id")

    @property
    def filterset_class(self):
        return selectors.LISTS[self.kind][1]


def _viewset(kind, serializer):
    return type(f"{kind.title()}ViewSet", (PracticeViewSet,), {"kind": kind, "serializer_class": serializer,
                                                                "__doc__": f"{kind} (read-only, scoped)"})


BrandViewSet = _viewset("brand", s.BrandSerializer)
RoundViewSet = _viewset("round", s.RoundSerializer)
PostViewSet = _viewset("post", s.PostSerializer)
StudyRecordViewSet = _viewset("study", s.StudyRecordSerializer)
ContestViewSet = _viewset("contest", s.ContestSerializer)
PlanViewSet = _viewset("plan", s.PlanSerializer)
CourseViewSet = _viewset("course", s.CourseSerializer)
ContactPointViewSet = _viewset("contact", s.ContactPointSerializer)
VisitViewSet = _viewset("visit", s.VisitSerializer)
HonourViewSet = _viewset("honour", s.HonourSerializer)
NoticeViewSet = _viewset("notice", s.NoticeSerializer)
