from rest_framework.routers import SimpleRouter

from .views import ActivityViewSet, ComplianceViewSet, OrglifeFactsViewSet

router = SimpleRouter(trailing_slash=True)
router.register("activities", ActivityViewSet, basename="api-activity")
router.register("compliance", ComplianceViewSet, basename="api-compliance")
router.register("orglife-facts", OrglifeFactsViewSet, basename="api-orglife-facts")
urlpatterns = router.urls
