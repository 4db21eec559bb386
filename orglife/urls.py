"""Organizational-life pages, under /org/ beside the organization tree (the paths did not change in the move)."""
from django.urls import path

from . import views as life

app_name = "orglife"
urlpatterns = [
    path("life/", life.DueView.as_view(), name="due"),
    path("life/new/", life.ActivityFormView.as_view(), name="activity_create"),
    path("life/records/<int:pk>/", life.ActivityDetailView.as_view(), name="activity_detail"),
    path("life/records/<int:pk>/edit/", life.ActivityFormView.as_view(), name="activity_edit"),
    path("life/records/<int:pk>/<str:action>/", life.ActivityActionView.as_view(), name="activity_action"),
    path("life/files/<int:pk>/", life.AttachmentFileView.as_view(), name="attachment"),
    path("life/files/<int:pk>/thumb/", life.AttachmentFileView.as_view(), {"thumb": True}, name="attachment_thumb"),
    path("life/checkin/", life.CheckinView.as_view(), name="checkin"),
    path("life/checkin/<str:code>/", life.CheckinView.as_view(), name="checkin_code"),
    path("life/compliance/", life.ComplianceView.as_view(), name="compliance"),
    path("life/attendance/", life.AttendanceView.as_view(), name="attendance"),
    path("life/periods/", life.PeriodsView.as_view(), name="periods"),
    path("life/rules/", life.RulesView.as_view(), name="rules"),
    path("life/reminders/", life.RemindersView.as_view(), name="reminders"),
    path("<int:pk>/life/", life.OrgLifeView.as_view(), name="orglife"),
    path("<int:pk>/life/calendar/", life.CalendarView.as_view(), name="calendar"),
    path("<int:pk>/life/talks/new/", life.TalkCreateView.as_view(), name="talk_create"),
]
