from django.urls import path

from . import views

app_name = "inbox"
urlpatterns = [
    path("", views.MessageListView.as_view(), name="list"),
    path("<int:pk>/open/", views.MessageOpenView.as_view(), name="open"),
    path("read-all/", views.MarkAllReadView.as_view(), name="read_all"),
    path("badge/", views.BadgeView.as_view(), name="badge"),
    path("preferences/", views.PreferencesView.as_view(), name="preferences"),
]
