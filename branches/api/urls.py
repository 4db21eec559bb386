from rest_framework.routers import SimpleRouter

from .views import ActivityViewSet, ComplianceViewSet, OrganizationViewSet

router = SimpleRouter(trailing_slash=True)
router.register("organizations", OrganizationViewSet, basename="api-organization")
router.register("activities", ActivityViewSet, basename="api-activity")
router.register("compliance", ComplianceViewSet, basename="api-compliance")
urlpatterns = router.urls
