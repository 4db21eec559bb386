from rest_framework.routers import SimpleRouter

from ..elections.api import ElectionViewSet
from .views import MemberViewSet

router = SimpleRouter(trailing_slash=True)
router.register("members", MemberViewSet, basename="api-member")
router.register("elections", ElectionViewSet, basename="api-election")
urlpatterns = router.urls
