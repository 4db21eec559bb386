from django.urls import path

from . import views

app_name = "mine"
urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("profile/", views.ProfileView.as_view(), name="profile"),
    path("orglife/", views.OrgLifeView.as_view(), name="orglife"),
    path("dues/", views.DuesView.as_view(), name="dues"),
    path("study/", views.StudyView.as_view(), name="study"),
]
