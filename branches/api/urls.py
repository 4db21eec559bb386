from rest_framework.routers import SimpleRouter

from .views import ActivityViewSet, ComplianceViewSet, OrganizationViewSet, OrglifeFactsViewSet

router = SimpleRouter(trailing_slash=True)
router.register("organizations", OrganizationViewSet, basename="api-organization")
router.register("activities", ActivityViewSet, basename="api-activity")
router.register("compliance", ComplianceViewSet, basename="api-compliance")
router.register("orglife-facts", OrglifeFactsViewSet, basename="api-orglife-facts")
urlpatterns = router.urls
