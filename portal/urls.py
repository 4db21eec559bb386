from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from branches.api.urls import router as branches_router
from branches.views import HomeView
from evaluations.api.urls import router as evaluations_router
from members.api.urls import router as members_router
from orglife.api.urls import router as orglife_router
from portal import api as portal_api
from portal import pickers
from portal import views as portal_views
from practice.api.urls import router as practice_router
from reports.api.urls import router as reports_router

API_ROUTERS = [branches_router, orglife_router, members_router, evaluations_router, reports_router, practice_router]

api_v1 = [
    path("", portal_api.ApiRootView.as_view(routers=API_ROUTERS), name="api-root"),
    path("", include("branches.api.urls")),
    path("", include("orglife.api.urls")),
    path("", include("members.api.urls")),
    path("", include("evaluations.api.urls")),
    path("", include("reports.api.urls")),
    path("", include("practice.api.urls")),
    path("", include("programmes.api.urls")),
    # Last: any other address under /api/v1/ is a JSON 404 (addresses without "/" still get APPEND_SLASH).
    re_path(r"^.*/$", portal_api.api_not_found),
]

urlpatterns = [
    path("", HomeView.as_view(), name="home"),
    path("healthz/", portal_views.healthz, name="healthz"),
    path("pick/<slug:name>/", pickers.pick, name="pick"),
    path("favicon.ico", portal_views.favicon),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    *portal_views.password_urls(),   # change one's own password; reset it by e-mail
    path("org/", include("branches.urls")),
    path("org/", include("orglife.urls")),
    path("members/", include("members.urls")),
    path("evaluations/", include("evaluations.urls")),
    path("reports/", include("reports.urls")),
    path("practice/", include("practice.urls")),
    path("mine/", include("selfservice.urls")),
    path("inbox/", include("inbox.urls")),
    path("programmes/", include("programmes.urls")),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", portal_views.login_for_api_docs(SpectacularSwaggerSplitView.as_view(url_name="api-schema")),
         name="api-docs"),
    path("admin/", admin.site.urls),
]

handler403 = "portal.errors.permission_denied"
handler404 = "portal.errors.page_not_found"
handler500 = "portal.errors.server_error"
