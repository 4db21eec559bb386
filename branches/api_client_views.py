"""Staff pages for agency API clients: list, issue (token shown once), revoke, usage log."""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext_lazy as _
from django.views import View

from portal.forms import apply_validation_error
from portal.scoping import MANAGE, scope_for
from portal.views import PortalPageMixin

from . import api_clients
from .api_client_forms import ApiClientForm

MANAGE_ONLY = _("只有党务工作者可以管理接口客户端。")


def can_manage_api_clients(user) -> bool:
    """Navigation visibility and page access: staff of some subtree (cached per request by scoping)."""
    return bool(getattr(user, "is_authenticated", False) and scope_for(user).has_any(MANAGE))


class _StaffOnly(PortalPageMixin):
    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not can_manage_api_clients(request.user):
            raise PermissionDenied(MANAGE_ONLY)
        return super().dispatch(request, *args, **kwargs)


class ApiClientListView(_StaffOnly, View):
    def _render(self, request, form, token=None, created=None):
        clients = api_clients.api_client_list(user=request.user)
        response = render(request, "branches/api_clients.html",
                          {"clients": clients, "form": form, "token": token, "created": created})
        if token:
            add_never_cache_headers(response)  # the only time the token is shown: never cache this page
        return response

    def get(self, request):
        return self._render(request, ApiClientForm(user=request.user))

    def post(self, request):
        form = ApiClientForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                client, token = api_clients.api_client_create(by=request.user, **form.cleaned_data)
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                return self._render(request, ApiClientForm(user=request.user), token=token, created=client)
        return self._render(request, form)


class ApiClientDetailView(_StaffOnly, View):
    def get(self, request, pk):
        client = get_object_or_404(api_clients.api_client_list(user=request.user), pk=pk)
        return render(request, "branches/api_client_detail.html",
                      {"client": client, "log": api_clients.api_request_log(client=client)})


class ApiClientRevokeView(_StaffOnly, View):
    def post(self, request, pk):
        client = get_object_or_404(api_clients.api_client_list(user=request.user), pk=pk)
        try:
            api_clients.api_client_revoke(client=client, by=request.user)
        except ValidationError as exc:
            messages.error(request, _("；").join(exc.messages))
        else:
            messages.success(request, _("已吊销“{name}”，其令牌立即失效。").format(name=client.name))
        return redirect("branches:api_clients")
