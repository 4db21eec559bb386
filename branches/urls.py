from django.urls import path

from . import api_client_views, views

app_name = "branches"
urlpatterns = [
    path("", views.TreeView.as_view(), name="tree"),
    path("new/", views.OrganizationCreateView.as_view(), name="create"),
    path("warnings/", views.WarningsView.as_view(), name="warnings"),
    path("grants/", views.GrantsView.as_view(), name="grants"),
    path("<int:pk>/", views.OrganizationDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.OrganizationEditView.as_view(), name="edit"),
    path("<int:pk>/dissolve/", views.OrganizationDissolveView.as_view(), name="dissolve"),
    path("<int:pk>/terms/new/", views.TermCreateView.as_view(), name="term_create"),
    path("api-clients/", api_client_views.ApiClientListView.as_view(), name="api_clients"),
    path("api-clients/<int:pk>/", api_client_views.ApiClientDetailView.as_view(), name="api_client_detail"),
    path("api-clients/<int:pk>/revoke/", api_client_views.ApiClientRevokeView.as_view(), name="api_client_revoke"),
]
