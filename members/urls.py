from django.urls import path

from .views import pii_log
from .views import registry as views

app_name = "members"
urlpatterns = [
    path("", views.MemberListView.as_view(), name="list"),
    path("new/", views.MemberCreateView.as_view(), name="create"),
    path("import/", views.MemberImportView.as_view(), name="import"),
    path("export-pii/", views.MemberExportPiiView.as_view(), name="export_pii"),
    path("pii-log/", pii_log.PiiLogView.as_view(), name="pii_log"),
    path("<int:pk>/", views.MemberDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.MemberEditView.as_view(), name="edit"),
    path("<int:pk>/move/", views.MemberMoveView.as_view(), name="move"),
    path("<int:pk>/deactivate/", views.MemberDeactivateView.as_view(), name="deactivate"),
    path("<int:pk>/restore/", views.MemberRestoreView.as_view(), name="restore"),
]

from .views import appraisal, birthdays, points, status, transfers  # noqa: E402
from .views import development as dev  # noqa: E402
from .views import dues as dues_views  # noqa: E402

urlpatterns += [
    path("development/", dev.DevelopmentListView.as_view(), name="development"),
    path("development/new/", dev.CandidateCreateView.as_view(), name="candidate_create"),
    path("development/due/", dev.DueListView.as_view(), name="due"),
    path("development/<int:pk>/", dev.CandidateDetailView.as_view(), name="candidate"),
    path("dues/", dues_views.DuesSummaryView.as_view(), name="dues"),
    path("dues/generate/", dues_views.DuesGenerateView.as_view(), name="dues_generate"),
    path("dues/pay/", dues_views.DuesPayView.as_view(), name="dues_pay"),
    path("dues/records/<int:pk>/unmark/", dues_views.DuesUnmarkView.as_view(), name="dues_unmark"),
    path("dues/arrears/", dues_views.DuesArrearsView.as_view(), name="dues_arrears"),
    path("dues/ledger/", dues_views.DuesLedgerView.as_view(), name="dues_ledger"),
    path("<int:pk>/dues-base/", dues_views.DuesBaseView.as_view(), name="dues_base"),
    path("transfers/", transfers.TransferListView.as_view(), name="transfers"),
    path("transfers/in/", transfers.TransferInView.as_view(), name="transfer_in"),
    path("transfers/<int:pk>/<str:action>/", transfers.TransferDecideView.as_view(), name="transfer_decide"),
    path("<int:pk>/transfer/", transfers.TransferInitiateView.as_view(), name="transfer_initiate"),
    path("<int:pk>/mobile/", transfers.MobileView.as_view(), name="mobile"),
    path("<int:pk>/status/", status.StatusChangeView.as_view(), name="status_change"),
    path("birthdays/", birthdays.BirthdaysView.as_view(), name="birthdays"),
    path("appraisals/", appraisal.AppraisalListView.as_view(), name="appraisals"),
    path("appraisals/<int:pk>/", appraisal.AppraisalDetailView.as_view(), name="appraisal"),
    path("points/", points.PointsView.as_view(), name="points"),
    path("points/entries/", points.PointsEntriesView.as_view(), name="points_entries"),
    path("points/entries/<int:pk>/audit/", points.PointsAuditView.as_view(), name="points_audit"),
]

from .elections import views as elections  # noqa: E402

urlpatterns += [
    path("elections/", elections.ElectionListView.as_view(), name="elections"),
    path("elections/<int:pk>/", elections.ElectionDetailView.as_view(), name="election"),
    path("elections/<int:pk>/report/", elections.ElectionReportView.as_view(), name="election_report"),
]
