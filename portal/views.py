"""Shared page bases and site-wide views; no domain model is imported here."""
from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .forms import apply_validation_error

PAGE_ACCESS_DENIED = _("该账号仅用于接口访问（上级机关），不能使用门户页面。")


def has_page_access(user) -> bool:
    return import_string(settings.PORTAL_PAGE_ACCESS_CHECK)(user)


class PortalPageMixin(LoginRequiredMixin):
    """Every portal page: logged in, and a role that uses pages (agency accounts are API-only)."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not has_page_access(request.user):
            raise PermissionDenied(PAGE_ACCESS_DENIED)
        return super().dispatch(request, *args, **kwargs)


class ServiceFormView(View):
    """The one write page (after PortalPageMixin, and SingleSubmitMixin for creates, in the bases): GET shows the form; POST validates it, calls one service, and either redirects with a
    message or shows the service's ValidationError on the form's fields (nothing saved, the input kept).

    A subclass says which object it works on (`load`, which also checks the right to change it, 404 otherwise),
    which form (`form_class`, `form_kwargs`), which service call (`perform`) and where to go (`success_url`).
    """

    template_name = ""
    form_class = None
    title = ""
    success_message = ""
    invalid_status = 200   # a detail page that carries the form answers its refused input with 400
    refusals = (ValidationError,)   # what the service raises to say no (see `refused`)

    def load(self, request, **kwargs) -> dict:
        """The objects the page works on, as template context; raise Http404 for anything out of reach."""
        return {}

    def form_kwargs(self, objects: dict) -> dict:
        return {}

    def perform(self, form, objects: dict):
        raise NotImplementedError

    def success_url(self, result, objects: dict):
        return result

    def get_title(self, objects: dict) -> str:
        return self.title

    def get_success_message(self, result, objects: dict) -> str:
        return self.success_message

    def context(self, form, objects: dict) -> dict:
        return {"form": form, "title": self.get_title(objects), **objects}

    def refused(self, exc, form, objects: dict) -> None:
        """The service said no (one of `refusals`): its errors go onto the form, which is shown again."""
        apply_validation_error(form, exc)

    def get(self, request, **kwargs):
        objects = self.load(request, **kwargs)
        return render(request, self.template_name, self.context(self.form_class(**self.form_kwargs(objects)), objects))

    def unavailable(self, objects: dict):
        """None when the write can be tried; else the answer instead (e.g. a message and a redirect when there is
        nothing left to act on)."""
        return None

    def notify_success(self, result, objects: dict) -> None:
        message = self.get_success_message(result, objects)
        if message:
            messages.success(self.request, message)

    def post(self, request, **kwargs):
        objects = self.load(request, **kwargs)
        answer = self.unavailable(objects)
        if answer is not None:
            return answer
        form = self.form_class(request.POST, request.FILES or None, **self.form_kwargs(objects))
        if form.is_valid():
            try:
                result = self.perform(form, objects)
            except self.refusals as exc:
                self.refused(exc, form, objects)
            else:
                self.notify_success(result, objects)
                return redirect(self.success_url(result, objects))
        return render(request, self.template_name, self.context(form, objects), status=self.invalid_status)


def error_message(exc: ValidationError) -> str:
    """A service's refusal as one flash message."""
    return _("；").join(exc.messages)


class ServiceActionView(View):
    """A POST-only action (a button or a small form on another page): optionally a form, then one service, then a
    redirect; an invalid form or the service's ValidationError becomes an error message and nothing is saved.

    A subclass says what it works on (`load`, which checks the right, 404/403 otherwise), the optional
    `form_class` (`form_kwargs`; `invalid_message` when it does not validate, else its errors), the service call
    (`perform`) and where to go (`redirect_url`, or `success_url` / `failure_url` when they differ). A page that
    shows itself again instead of redirecting overrides `form_invalid` / `refused`.
    """

    form_class = None
    success_message = ""
    invalid_message = ""
    message_per_error = False   # each error on its own message (else one message, joined with "；")

    def load(self, request, **kwargs) -> dict:
        return {}

    def form_kwargs(self, objects: dict) -> dict:
        return {}

    def perform(self, form, objects: dict):
        raise NotImplementedError

    def redirect_url(self, objects: dict):
        raise NotImplementedError

    def success_url(self, result, objects: dict):
        return self.redirect_url(objects)

    def failure_url(self, objects: dict):
        return self.redirect_url(objects)

    def get_success_message(self, result, objects: dict) -> str:
        return self.success_message

    def invalid_form_messages(self, form) -> list[str]:
        if self.invalid_message:
            return [self.invalid_message]
        errors = [e for errs in form.errors.values() for e in errs]
        return errors if self.message_per_error else [_("；").join(errors)]

    def form_invalid(self, form, objects: dict):
        """Refused input: its errors as a message, back to the page (a page may show the form again instead)."""
        for message in self.invalid_form_messages(form):
            messages.error(self.request, message)
        return redirect(self.failure_url(objects))

    def error_messages(self, exc: ValidationError) -> list[str]:
        return list(exc.messages) if self.message_per_error else [error_message(exc)]

    def get_form(self, objects: dict):
        if self.form_class is None:
            return None
        return self.form_class(self.request.POST, self.request.FILES or None, **self.form_kwargs(objects))

    def refused(self, exc: ValidationError, form, objects: dict):
        """The service said no: its messages, back to the page (a page may show itself again instead)."""
        for message in self.error_messages(exc):
            messages.error(self.request, message)
        return redirect(self.failure_url(objects))

    def post(self, request, **kwargs):
        objects = self.load(request, **kwargs)
        form = self.get_form(objects)
        if form is not None and not form.is_valid():
            return self.form_invalid(form, objects)
        try:
            result = self.perform(form, objects)
        except ValidationError as exc:
            return self.refused(exc, form, objects)
        self.notify_success(result, objects)
        return redirect(self.success_url(result, objects))

    def notify_success(self, result, objects: dict) -> None:
        message = self.get_success_message(result, objects)
        if message:
            messages.success(self.request, message)


class PostActionsView(View):
    """One URL whose POST is one of several actions (named by the `action` URL argument or POST field): each is a
    ServiceFormView or ServiceActionView, run under this view's checks (its bases' dispatch), not its own."""

    actions: dict = {}

    def action_name(self, request, kwargs) -> str:
        return kwargs.get("action") or request.POST.get("action") or ""

    def unknown_action(self, request, **kwargs):
        raise Http404

    def post(self, request, **kwargs):
        action_class = self.actions.get(self.action_name(request, kwargs))
        if action_class is None:
            return self.unknown_action(request, **kwargs)
        view = action_class()
        view.setup(request, **kwargs)
        return view.post(request, **kwargs)


def login_for_api_docs(view):
    """Swagger UI is a page: a visitor who is not logged in goes to the login form (the schema itself answers 401)."""
    from functools import wraps

    from django.contrib.auth.views import redirect_to_login

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if settings.API_DOCS_REQUIRE_LOGIN and not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapped


@never_cache
@require_GET
def healthz(request):
    """Health for load balancers and compose, each dependency reported on its own.

    `database`: ok | unavailable — decides the status (503 when unavailable: no page works without it).
    `broker`: ok | unavailable | not_configured — reported only (pages work without Redis; report requests
    and messages are kept and sent when it is back), checked with a 0.5 s connect timeout.
    """
    status = {"database": "ok", "broker": _broker_status()}
    code = 200
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # any database error means unhealthy
        status["database"] = "unavailable"
        code = 503
    response = JsonResponse(status, status=code)
    if code == 503:
        response["Retry-After"] = str(settings.DATABASE_UNAVAILABLE_RETRY_AFTER)
    return response


def _broker_status() -> str:
    from .celery import app
    from .queue import publish_timeout

    if not app.conf.broker_url or app.conf.task_always_eager:
        return "not_configured"
    timeout = publish_timeout()
    try:
        with app.connection_for_write(connect_timeout=timeout, transport_options={
                "max_retries": 0, "socket_connect_timeout": timeout, "socket_timeout": timeout}) as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=timeout)
    except Exception:
        return "unavailable"
    return "ok"


def favicon(request):
    """Browsers ask for /favicon.ico; resolved per request so the hashed static name is used in production."""
    return HttpResponsePermanentRedirect(static("img/favicon.svg"))


# --- Passwords: Django's own views, the portal's Chinese pages -------------------------------------------------

def password_urls():
    """Change one's own password (logged in) and reset a forgotten one by e-mail (the address on the account)."""
    from django.contrib.auth import views as auth_views
    from django.urls import path

    form = "registration/password_form.html"
    message = "registration/password_message.html"
    return [
        path("accounts/password/", auth_views.PasswordChangeView.as_view(template_name=form, extra_context={
            "title": _("修改密码"), "submit": _("保存新密码"), "lead": _("请先输入当前密码，再设置新密码（至少 10 位，不能全是数字）。")}),
            name="password_change"),
        path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(template_name=message, extra_context={
            "title": _("密码已修改"), "message": _("新密码已生效，下次登录请使用新密码。")}), name="password_change_done"),
        path("accounts/password/reset/", auth_views.PasswordResetView.as_view(
            template_name=form, email_template_name="registration/password_reset_email.txt",
            subject_template_name="registration/password_reset_subject.txt", extra_context={
                "title": _("找回密码"), "submit": _("发送重置邮件"),
                "lead": _("输入账号登记的电子邮箱，我们会把重置密码的链接发到该邮箱。")}), name="password_reset"),
        path("accounts/password/reset/sent/", auth_views.PasswordResetDoneView.as_view(
            template_name=message, extra_context={"title": _("邮件已发送"), "message": _(
                "如果该邮箱登记在某个账号上，重置链接已发出，请查收（也请看看垃圾邮件）。")}), name="password_reset_done"),
        path("accounts/password/reset/<uidb64>/<token>/", auth_views.PasswordResetConfirmView.as_view(
            template_name=form, extra_context={"title": _("设置新密码"), "submit": _("保存新密码")}),
            name="password_reset_confirm"),
        path("accounts/password/reset/done/", auth_views.PasswordResetCompleteView.as_view(
            template_name=message, extra_context={"title": _("密码已重置"), "message": _("新密码已生效，请用它登录。")}),
            name="password_reset_complete"),
    ]
