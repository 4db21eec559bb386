from rest_framework.routers import SimpleRouter

from .views import OrganizationViewSet

router = SimpleRouter(trailing_slash=True)
router.register("organizations", OrganizationViewSet, basename="api-organization")
urlpatterns = router.urls
