from rest_framework.routers import SimpleRouter

from .views import ActivityViewSet, ComplianceViewSet

router = SimpleRouter(trailing_slash=True)
router.register("activities", ActivityViewSet, basename="api-activity")
router.register("compliance", ComplianceViewSet, basename="api-compliance")
urlpatterns = router.urls
