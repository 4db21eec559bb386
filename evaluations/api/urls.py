from rest_framework.routers import SimpleRouter

from .views import BranchResultViewSet, CycleViewSet, RectificationViewSet

router = SimpleRouter(trailing_slash=True)
router.register("evaluation-cycles", CycleViewSet, basename="evaluation-cycle")
router.register("branch-results", BranchResultViewSet, basename="branch-result")
router.register("rectifications", RectificationViewSet, basename="rectification")
urlpatterns = router.urls
