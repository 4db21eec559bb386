from rest_framework.routers import SimpleRouter

from .views import CandidacyViewSet, TitleViewSet

router = SimpleRouter(trailing_slash=True)
router.register("titles", TitleViewSet, basename="programme-title")
router.register("programme-candidacies", CandidacyViewSet, basename="programme-candidacy")
urlpatterns = router.urls
