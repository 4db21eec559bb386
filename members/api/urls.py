from rest_framework.routers import SimpleRouter

from .views import MemberViewSet

router = SimpleRouter(trailing_slash=True)
router.register("members", MemberViewSet, basename="api-member")
urlpatterns = router.urls
