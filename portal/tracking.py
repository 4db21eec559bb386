"""The abstract bases of tracked records (issue #15): change history, time stamps and 作废 with one vocabulary.

    TrackedModel          change history (django-simple-history), declared once here
    ├ CreatedAtModel      + created_at (创建时间)
    ├ UpdatedAtModel      + updated_at (更新时间, indexed: `updated_since` and the lists' "recently changed" read it)
    └ TimestampedModel    both
    VoidableModel         作废 instead of delete: is_voided, voided_at, voided_by, void_reason; `.live()` / `.voided()`

A model never writes `HistoricalRecords(...)` itself: it subclasses TrackedModel and, where it needs them, names
its history options as class attributes (tests/portal/test_tracking.py enforces both):

    history_excluded_fields = ["token_hash"]   # fields kept out of the history rows
    history_m2m_fields = ["participants"]      # many-to-many fields whose sets are recorded too

Each concrete subclass gets its own Historical<Model> in its own module with the same table, fields and options as
a `HistoricalRecords()` written on the model, so moving a model onto the base changes no table. A model whose
`updated_at` has no index keeps its own field (adding an index to a large table is not this base's business).
VoidableModel is independent of history (a model takes both bases); its rows stay, with who voided them, when
and why, and leave every list, count and report through `.live()`.
"""
from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class TrackedHistory(HistoricalRecords):
    """HistoricalRecords whose per-model options come from the model's `history_excluded_fields`.

    One instance serves every subclass of TrackedModel, so the options a model needs cannot be constructor
    arguments; many-to-many fields use simple_history's own per-model attribute (`history_m2m_fields`).
    """

    def excluded_for(self, model) -> set[str]:
        return set(self.excluded_fields) | set(getattr(model, "history_excluded_fields", ()))

    def fields_included(self, model):
        excluded = self.excluded_for(model)
        return [field for field in model._meta.fields if field.name not in excluded]

    def finalize(self, sender, **kwargs):
        if sender._meta.proxy:  # a proxy shares its concrete model's table and history
            return
        super().finalize(sender, **kwargs)

    def create_history_model(self, model, inherited):
        history_model = super().create_history_model(model, inherited)
        history_model._history_excluded_fields = sorted(self.excluded_for(model))
        return history_model


class TrackedModel(models.Model):
    """A record whose every change is kept: `instance.history` (修改记录), with who changed it and when."""

    history = TrackedHistory(inherit=True, m2m_fields_model_field_name="history_m2m_fields")

    class Meta:
        abstract = True


class CreatedAtModel(TrackedModel):
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        abstract = True


class UpdatedAtModel(TrackedModel):
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True, db_index=True)

    class Meta:
        abstract = True


class TimestampedModel(CreatedAtModel, UpdatedAtModel):
    class Meta:
        abstract = True


class VoidableQuerySet(models.QuerySet):
    """`.live()`: the records that count; `.voided()`: the 作废 ones (kept, with their reason)."""

    def live(self):
        return self.filter(is_voided=False)

    def voided(self):
        return self.filter(is_voided=True)


class VoidableModel(models.Model):
    """作废 instead of delete: the row, its history and what refers to it stay; it leaves lists, counts and reports."""

    VOID_FIELDS = ("is_voided", "voided_at", "voided_by", "void_reason")

    is_voided = models.BooleanField(_("已作废"), default=False, db_index=True)
    voided_at = models.DateTimeField(_("作废时间"), null=True, blank=True)
    voided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+", verbose_name=_("作废人"))
    void_reason = models.CharField(_("作废原因"), max_length=200, blank=True)

    objects = VoidableQuerySet.as_manager()

    class Meta:
        abstract = True

    def void(self, *, reason: str, by=None, save: bool = True, update_fields=()) -> None:
        """Mark the record 作废 with a reason, who and when (the one way to void); a reason is required.

        `update_fields` are saved along with the void fields (and `updated_at` where the model has it).
        """
        reason = (reason or "").strip()
        if not reason:
            raise ValidationError({"reason": _("请填写作废原因。")})
        self.is_voided = True
        self.voided_at = timezone.now()
        self.voided_by = by if getattr(by, "is_authenticated", False) else None
        self.void_reason = reason[: self._meta.get_field("void_reason").max_length]
        if save:
            self._save_void_fields(by, update_fields)

    def unvoid(self, *, by=None, save: bool = True, update_fields=()) -> None:
        """Take a 作废 back (恢复): the record counts again; its history keeps that it was voided, by whom and why."""
        self.is_voided, self.voided_at, self.voided_by, self.void_reason = False, None, None, ""
        if save:
            self._save_void_fields(by, update_fields)

    def _save_void_fields(self, by, update_fields) -> None:
        if by is not None:
            self._history_user = by  # the 修改记录 names who voided (simple_history reads it on save)
        fields = [*self.VOID_FIELDS, *update_fields]
        if any(f.name == "updated_at" for f in self._meta.concrete_fields):
            fields.append("updated_at")
        self.save(update_fields=list(dict.fromkeys(fields)))
