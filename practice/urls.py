from django.urls import path

from . import views

app_name = "practice"
urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("study/mine/", views.MyStudyView.as_view(), name="study_mine"),
    path("study/new/", views.StudyCreateView.as_view(), name="study_create"),
    path("study/<int:pk>/", views.StudyEditView.as_view(), name="study_edit"),
    path("brands/gallery/", views.BrandGalleryView.as_view(), name="brand_gallery"),
    path("brands/<int:pk>/", views.BrandDetailView.as_view(), name="brand_detail"),
    path("rounds/<int:pk>/", views.RoundDetailView.as_view(), name="round_detail"),
    path("posts/<int:pk>/", views.PostDetailView.as_view(), name="post_detail"),
    path("contests/<int:pk>/", views.ContestDetailView.as_view(), name="contest_detail"),
    path("plans/<int:pk>/", views.PlanDetailView.as_view(), name="plan_detail"),
    path("courses/<int:pk>/", views.CourseDetailView.as_view(), name="course_detail"),
    path("contacts/<int:pk>/", views.ContactDetailView.as_view(), name="contact_detail"),
    path("notices/mine/", views.MyNoticesView.as_view(), name="notices_mine"),
    path("notices/<int:pk>/", views.NoticeDetailView.as_view(), name="notice_detail"),
    path("files/<int:pk>/", views.AttachmentView.as_view(), name="attachment"),
    path("<slug:kind>/", views.ListView.as_view(), name="list"),
    path("<slug:kind>/new/", views.CreateView.as_view(), name="create"),
    path("<slug:kind>/<int:pk>/edit/", views.EditView.as_view(), name="edit"),
    path("<slug:kind>/<int:pk>/deactivate/", views.DeactivateView.as_view(), name="deactivate"),
]
