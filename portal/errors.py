import sys

from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.defaults import server_error as django_server_error

from .middleware import database_unavailable_response, is_database_unavailable


def permission_denied(request, exception=None):
    message = str(exception) if exception and str(exception) else _("您没有执行此操作的权限。")
    return render(request, "403.html", {"message": message}, status=403)


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def server_error(request, template_name="500.html"):
    """500, unless the uncaught error is a lost database connection: then 503 + Retry-After (no 500 page)."""
    if is_database_unavailable(sys.exc_info()[1]):
        return database_unavailable_response(request)
    return django_server_error(request, template_name)
