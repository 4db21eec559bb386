"""Nothing overwritten, nothing created twice: optimistic version checks for edit forms and one-time
tokens for create forms. Knows no domain model.

Edit forms — one line on the form class:

    class OrganizationForm(VersionCheckMixin, forms.ModelForm): ...

The form carries a hidden `record_version` (the row's `updated_at`, or its newest history id for models
without one). On save, if the row changed since the form was shown, the form is invalid with a Chinese
message naming who changed what (from django-simple-history); the user's input stays in the form and the
hidden version moves to the current one, so saving again is a conscious overwrite.

The comparison in `clean()` gives the early message but proves nothing: two saves arriving together both
pass it. The check that counts runs again when the row is written, inside the service's transaction: the
form leaves the version it saw on its instance, and a `pre_save` receiver (`enforce_seen_version`, wired in
PortalConfig.ready) locks the row (`SELECT … FOR UPDATE`), re-reads its version and refuses the write with
`ConflictError` (a ValidationError, so views show it like any service error) if it moved. A concurrent save
of the same row waits on the lock, then sees the winner's version. Pages that are not ModelForms call
`check_unchanged(instance, seen)` inside their transaction for the same guarantee.

Create forms — one line on the form and one on the view:

    class MemberForm(VersionCheckMixin, FormTokenMixin, forms.ModelForm): ...
    class MemberCreateView(PortalPageMixin, SingleSubmitMixin, View): ...   # after the login mixin

The form carries a hidden random `form_token`. The first POST carrying a token claims it (atomically, in
the cache); if that POST succeeds (a redirect) the token remembers where it went, and every repeat of the
same POST (double click, browser retry, back + resubmit) is sent there instead of creating a second record.
A POST that fails validation releases its token, so the corrected form can be sent again.
"""
from __future__ import annotations

import logging
import secrets
import time
from datetime import datetime

from django import forms
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import connections, router
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .history import _display

log = logging.getLogger(__name__)

VERSION_FIELD = "record_version"
SEEN_ATTR = "_portal_seen_version"   # set on a form's instance by VersionCheckMixin.clean, read by pre_save
TOKEN_FIELD = "form_token"

CONFLICT = _("保存未成功：在您打开此页之后，{who}于 {when} 修改了这条记录{changes}。您填写的内容仍保留在下方，请核对；确认无误后再次保存将以您的内容为准。")
CONFLICT_UNKNOWN = _("保存未成功：在您打开此页之后，这条记录已被他人修改。您填写的内容仍保留在下方，请刷新页面核对后再保存。")
DUPLICATE_SUBMIT = _("该表单已经提交过，未重复保存。")
SUBMIT_IN_PROGRESS = _("该表单正在处理中，请勿重复提交；请稍候刷新页面查看结果。")

TOKEN_TTL = 24 * 3600      # how long a used token is remembered
PENDING = "__pending__"
WAIT_FOR_FIRST = 5.0       # seconds a repeat waits for the first submission to finish


# --- versions ---------------------------------------------------------------------------------------

def _has_field(model, name: str) -> bool:
    try:
        model._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return True


def _encode(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    return f"h{value}"


def version_of(instance) -> str:
    """The version of `instance` as loaded (what the user is looking at)."""
    if instance is None or instance.pk is None:
        return ""
    if _has_field(type(instance), "updated_at"):
        return _encode(instance.updated_at)
    return _encode(_latest_history_id(instance))


def current_version(instance, *, lock: bool = False) -> str:
    """The version of the row in the database now (one query; with `lock`, the row stays locked until commit)."""
    model = type(instance)
    rows = model._default_manager.filter(pk=instance.pk)
    if lock:
        rows = rows.select_for_update()
    if _has_field(model, "updated_at"):
        return _encode(rows.values_list("updated_at", flat=True).first())
    if lock:
        rows.values_list("pk", flat=True).first()   # lock the row: its history rows are written under it
    return _encode(_latest_history_id(instance))


class ConflictError(ValidationError):
    """The row changed since the page was shown; `current` is its version now (for the re-rendered form)."""

    def __init__(self, message, *, current: str = ""):
        super().__init__(message, code="conflict")
        self.current = current


def check_unchanged(instance, seen: str | None) -> None:
    """Inside a transaction: lock `instance`'s row and raise ConflictError if it is not at version `seen`.

    The lock holds until the transaction ends, so the caller's write cannot interleave with another one.
    """
    if not seen or instance is None or instance.pk is None:
        if seen and seen != NO_RECORD and (instance is None or instance.pk is None):
            raise ConflictError(CONFLICT_UNKNOWN)
        return
    if seen == NO_RECORD:   # the page was shown before the record existed; it exists now
        raise ConflictError(conflict_message(instance, "h0"), current=current_version(instance))
    connection = connections[router.db_for_write(type(instance))]
    locked = connection.in_atomic_block
    if not locked:   # a write outside a transaction: still checked, but a lock would end with this statement
        log.warning("version of %s checked outside a transaction: not race-free", type(instance).__name__)
    now = current_version(instance, lock=locked)
    if now != seen:
        raise ConflictError(conflict_message(instance, seen), current=now)


def enforce_seen_version(sender, instance, raw=False, **kwargs) -> None:
    """pre_save: a row edited through a VersionCheckMixin form is written only if still at the version shown.

    Checked once per instance (later saves in the same transaction are the service's own follow-ups; the
    row lock taken here covers them).
    """
    seen = instance.__dict__.pop(SEEN_ATTR, None)
    if raw or not seen or instance.pk is None:
        return
    check_unchanged(instance, seen)


def _latest_history_id(instance):
    history = getattr(instance, "history", None)
    if history is None:
        return None
    return history.order_by("-history_id").values_list("history_id", flat=True).first()


def conflict_message(instance, seen_version: str) -> str:
    """Who changed the record after `seen_version`, when, and what (old → new), in Chinese."""
    history = getattr(instance, "history", None)
    if history is None:
        return CONFLICT_UNKNOWN
    records = history.select_related("history_user")
    if seen_version.startswith("h"):
        try:
            seen_id = int(seen_version[1:])
        except ValueError:
            return CONFLICT_UNKNOWN
        newer = records.filter(history_id__gt=seen_id)
        base = records.filter(history_id__lte=seen_id)
    else:
        try:
            seen = datetime.fromisoformat(seen_version)
        except ValueError:
            return CONFLICT_UNKNOWN
        key = "updated_at" if _has_field(history.model, "updated_at") else "history_date"
        newer = records.filter(**{f"{key}__gt": seen})
        base = records.filter(**{f"{key}__lte": seen})
    newer = list(newer.order_by("history_date", "history_id"))
    if not newer:
        return CONFLICT_UNKNOWN
    base = base.order_by("-history_date", "-history_id").first()
    latest = newer[-1]
    names = []
    for record in newer:
        user = record.history_user
        name = (user.get_full_name() or user.username) if user else str(_("系统"))
        if name not in names:
            names.append(name)
    changes = ""
    if base is not None:
        delta = latest.diff_against(base, excluded_fields=["updated_at", "created_at"])
        parts = []
        for c in delta.changes:
            try:
                label = instance._meta.get_field(c.field).verbose_name
            except FieldDoesNotExist:
                label = c.field
            parts.append(_("{label}：“{old}”改为“{new}”").format(
                label=label, old=_display(latest, c.field, c.old), new=_display(latest, c.field, c.new)))
        if parts:
            changes = _("（{changes}）").format(changes=_("；").join(parts))
    when = timezone.localtime(latest.history_date).strftime("%Y-%m-%d %H:%M")
    return CONFLICT.format(who="、".join(names), when=when, changes=changes)


NO_RECORD = "none"   # the page was shown before the record existed


def page_version(instance) -> str:
    """For pages that are not a ModelForm: the version to put in a hidden `record_version` input."""
    return version_of(instance) if instance is not None and instance.pk is not None else NO_RECORD


def stale_message(instance, seen: str | None) -> str | None:
    """None if the record is as the page showed it (or the page sent no version); else the conflict message.

    `instance` is the record as it is now (None if it still does not exist).
    """
    if not seen:
        return None
    if instance is None or instance.pk is None:
        return None if seen == NO_RECORD else CONFLICT_UNKNOWN
    if seen == NO_RECORD:   # someone created it since the page was shown
        return conflict_message(instance, "h0")
    if seen == current_version(instance):
        return None
    return conflict_message(instance, seen)


class VersionCheckMixin:
    """For ModelForms editing an existing row: refuse to save over a change made since the form was shown."""

    version_field = VERSION_FIELD

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields[self.version_field] = forms.CharField(
                widget=forms.HiddenInput, required=False, initial=version_of(self.instance), label=_("版本"))

    def clean(self):
        data = super().clean()
        if self.instance.pk is None or self.version_field not in self.fields:
            self.cleaned_data.pop(self.version_field, None)
            return data
        # Taken out of cleaned_data so views can pass cleaned_data to a service unchanged.
        seen = self.cleaned_data.pop(self.version_field, "") or ""
        if not seen:  # clients that do not send a version (old pages, scripts) are not checked
            return data
        now = current_version(self.instance)
        if seen != now:
            self.add_error(None, ConflictError(conflict_message(self.instance, seen), current=now))
        else:
            # Checked again, under a row lock, when the service saves this instance (enforce_seen_version).
            self.instance.__dict__[SEEN_ATTR] = seen
        return data

    def add_error(self, field, error):
        if isinstance(error, ConflictError) and error.current and self.version_field in self.fields:
            # Re-rendered form carries the current version: the next save is a deliberate overwrite.
            self.data = self.data.copy()
            self.data[self.add_prefix(self.version_field)] = error.current
        super().add_error(field, error)


# --- one-time form tokens ----------------------------------------------------------------------------

class FormTokenMixin:
    """Adds a hidden random `form_token`; SingleSubmitMixin on the view makes each token create once."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[TOKEN_FIELD] = forms.CharField(widget=forms.HiddenInput, required=False,
                                                   initial=secrets.token_urlsafe(16), label=_("表单标识"))

    def clean(self):
        data = super().clean()
        self.cleaned_data.pop(TOKEN_FIELD, None)  # read by the view from request.POST, not a service argument
        return data


def _token_key(request, token: str) -> str:
    return f"formtoken:{request.user.pk}:{request.path}:{token}"


class _Store:
    """The cache when it answers (atomic `add`); the session otherwise (best effort), so Redis down breaks no form."""

    def __init__(self, request):
        self.request = request

    def claim(self, key: str) -> bool:
        try:
            return cache.add(key, PENDING, TOKEN_TTL)
        except Exception:  # cache server down: fall back to the session
            log.warning("cache unavailable; form token kept in the session")
            used = self.request.session.setdefault("_form_tokens", {})
            if key in used:
                return False
            used[key] = PENDING
            self.request.session.modified = True
            return True

    def get(self, key: str):
        try:
            value = cache.get(key)
        except Exception:
            value = None
        if value is None:
            value = self.request.session.get("_form_tokens", {}).get(key)
        return value

    def set(self, key: str, value: str) -> None:
        try:
            cache.set(key, value, TOKEN_TTL)
            return
        except Exception:
            pass
        used = self.request.session.setdefault("_form_tokens", {})
        used[key] = value
        # keep the session small
        for old in list(used)[:-50]:
            used.pop(old)
        self.request.session.modified = True

    def release(self, key: str) -> None:
        try:
            cache.delete(key)
        except Exception:
            pass
        used = self.request.session.get("_form_tokens")
        if used and key in used:
            used.pop(key)
            self.request.session.modified = True


class SingleSubmitMixin:
    """For create views: a POST whose `form_token` already succeeded is redirected to that result.

    Put it after the login/permission mixin so only authorized requests claim tokens. POSTs without a
    token are processed normally (API clients use Idempotency-Key instead).
    """

    def dispatch(self, request, *args, **kwargs):
        token = request.POST.get(TOKEN_FIELD, "") if request.method == "POST" else ""
        if not token or len(token) > 64:
            return super().dispatch(request, *args, **kwargs)
        store = _Store(request)
        key = _token_key(request, token)
        if not store.claim(key):
            repeat = self._repeat(request, store, key)
            if repeat is not None or not store.claim(key):
                return repeat or self._in_progress(request)
        response = None
        try:
            response = super().dispatch(request, *args, **kwargs)
        finally:
            if response is not None and response.status_code in (301, 302, 303) and response.get("Location"):
                store.set(key, response["Location"])
            else:
                store.release(key)
        return response

    def _repeat(self, request, store, key):
        deadline = time.monotonic() + WAIT_FOR_FIRST
        target = store.get(key)
        while target == PENDING and time.monotonic() < deadline:
            time.sleep(0.1)
            target = store.get(key)
        if target and target != PENDING:
            messages.info(request, DUPLICATE_SUBMIT)
            return redirect(target)
        if target is None:  # the first submission failed validation and let the token go: process this one
            return None
        return self._in_progress(request)

    def _in_progress(self, request):
        messages.warning(request, SUBMIT_IN_PROGRESS)
        return redirect(request.get_full_path())
