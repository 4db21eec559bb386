from django.urls import path

from . import views

app_name = "evaluations"
urlpatterns = [
    path("", views.CycleListView.as_view(), name="cycle_list"),
    path("cycles/new/", views.CycleCreateView.as_view(), name="cycle_create"),
    path("cycles/<int:pk>/", views.CycleDashboardView.as_view(), name="cycle_dashboard"),
    path("cycles/<int:pk>/refresh/", views.CycleRefreshView.as_view(), name="cycle_refresh"),
    path("cycles/<int:pk>/export/", views.CycleExportView.as_view(), name="cycle_export"),
    path("cycles/<int:pk>/publicity/", views.PublicityView.as_view(), name="publicity"),
    path("branch/<int:pk>/", views.EvaluationDetailView.as_view(), name="evaluation_detail"),
    path("branch/<int:pk>/self/", views.SelfAssessmentView.as_view(), name="self_assessment"),
    path("branch/<int:pk>/<slug:action>/", views.EvaluationActionView.as_view(), name="evaluation_action"),
    path("sheets/<int:pk>/", views.ScoreSheetView.as_view(), name="score_sheet"),
    path("worklist/", views.WorklistView.as_view(), name="worklist"),
    path("branches/<int:org_pk>/scorecard/", views.ScorecardView.as_view(), name="scorecard"),
    path("branches/<int:org_pk>/rectifications/", views.RectificationListView.as_view(), name="branch_rectifications"),
    path("rectifications/", views.RectificationListView.as_view(), name="rectification_list"),
    path("rectifications/new/", views.RectificationCreateView.as_view(), name="rectification_create"),
    path("rectifications/<int:pk>/", views.RectificationDetailView.as_view(), name="rectification_detail"),
    path("standards/", views.StandardListView.as_view(), name="standard_list"),
    path("standards/import/", views.StandardImportView.as_view(), name="standard_import"),
    path("standards/<int:pk>/", views.StandardDetailView.as_view(), name="standard_detail"),
    path("standards/<int:pk>/export/", views.StandardExportView.as_view(), name="standard_export"),
    path("attachments/<int:pk>/", views.AttachmentView.as_view(), name="attachment"),
]
