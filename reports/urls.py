from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("", views.ReportsIndexView.as_view(), name="index"),
    path("definitions/", views.FigureDefinitionsView.as_view(), name="definitions"),
    path("org/<int:pk>/", views.OrganizationReportsView.as_view(), name="organization"),
    path("org/<int:pk>/jobs/", views.JobsFragmentView.as_view(), name="jobs"),
    path("org/<int:pk>/plan/<int:year>/", views.PlanView.as_view(), name="plan"),
    path("jobs/<int:pk>/", views.JobDetailView.as_view(), name="job"),
    path("jobs/<int:pk>/download/", views.JobDownloadView.as_view(), name="download"),
    path("jobs/<int:pk>/regenerate/", views.JobRegenerateView.as_view(), name="regenerate"),
]
