from django.urls import path

from . import views

app_name = "programmes"
urlpatterns = [
    path("", views.RoundListView.as_view(), name="round_list"),
    path("rounds/<int:pk>/", views.RoundDetailView.as_view(), name="round_detail"),
    path("candidacies/<int:pk>/", views.CandidacyDetailView.as_view(), name="candidacy_detail"),
    path("candidacies/<int:pk>/<slug:action>/", views.CandidacyActionView.as_view(), name="candidacy_action"),
]
