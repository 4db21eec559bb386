"""Stand-in URLconf for UI-shell tests: the names base.html reverses plus a few pages to navigate to."""

from django.http import HttpResponse
from django.urls import path


def _page(request, *args, **kwargs):
    return HttpResponse("ok")


urlpatterns = [
    path("", _page, name="home"),
    path("accounts/login/", _page, name="login"),
    path("accounts/logout/", _page, name="logout"),
    path("members/", _page, name="members-list"),
    path("members/moves/", _page, name="members-moves"),
    path("branches/", _page, name="branches-tree"),
    path("admin-only/", _page, name="admin-only"),
]
