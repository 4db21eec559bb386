from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter(trailing_slash=True)
router.register("practice/brands", views.BrandViewSet, basename="practice-brand")
router.register("practice/brand-rounds", views.RoundViewSet, basename="practice-round")
router.register("practice/vanguard-posts", views.PostViewSet, basename="practice-post")
router.register("practice/study-records", views.StudyRecordViewSet, basename="practice-study")
router.register("practice/contests", views.ContestViewSet, basename="practice-contest")
router.register("practice/study-plans", views.PlanViewSet, basename="practice-plan")
router.register("practice/training-courses", views.CourseViewSet, basename="practice-course")
router.register("practice/contact-points", views.ContactPointViewSet, basename="practice-contact")
router.register("practice/contact-visits", views.VisitViewSet, basename="practice-visit")
router.register("practice/honours", views.HonourViewSet, basename="practice-honour")
router.register("practice/notices", views.NoticeViewSet, basename="practice-notice")
urlpatterns = router.urls
