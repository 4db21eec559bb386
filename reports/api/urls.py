from rest_framework.routers import SimpleRouter

from .views import ReportJobViewSet

router = SimpleRouter(trailing_slash=True)
router.register("report-jobs", ReportJobViewSet, basename="api-report-job")
urlpatterns = router.urls
