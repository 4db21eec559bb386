"""修改记录: who changed what and when, from django-simple-history, for detail pages."""
from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy


@dataclass
class Change:
    field: str
    old: str
    new: str


@dataclass
class HistoryRow:
    when: object
    who: str
    action: str
    changes: list[Change]


_ACTIONS = {"+": gettext_lazy("创建"), "~": gettext_lazy("修改"), "-": gettext_lazy("删除")}


def _display(record, field_name: str, value) -> str:
    field = record.instance._meta.get_field(field_name)
    if value in (None, ""):
        return "—"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if field.is_relation:
        return f"#{value}"
    return str(value)


def history_rows(instance, *, limit: int = 30, exclude: tuple[str, ...] = ("updated_at",),
                 reveal: bool = False) -> list[HistoryRow]:
    """The record's changes, newest first.

    History must mask what the page masks: a model lists its personal-data fields in `history_masks`
    ({field: function(value) -> masked text}); their old and new values are masked unless the caller passes
    `reveal=True` (the same right under which its page shows them in full).
    """
    masks = {} if reveal else dict(getattr(type(instance), "history_masks", {}))
    records = list(instance.history.select_related("history_user").order_by("-history_date", "-history_id")[: limit + 1])
    rows = []
    for i, record in enumerate(records[:limit]):
        prev = records[i + 1] if i + 1 < len(records) else None
        changes = []
        if prev is not None and record.history_type == "~":
            delta = record.diff_against(prev, excluded_fields=list(exclude))
            for c in delta.changes:
                name = c.field
                field = instance._meta.get_field(name)
                old, new = c.old, c.new
                if name in masks:
                    old, new = (masks[name](v) if v not in (None, "") else v for v in (old, new))
                changes.append(Change(str(field.verbose_name), _display(record, name, old), _display(record, name, new)))
        user = record.history_user
        who = (user.get_full_name() or user.username) if user else gettext_lazy("系统")
        if record.history_type == "~" and not changes:
            continue
        rows.append(HistoryRow(record.history_date, who, _ACTIONS.get(record.history_type, record.history_type), changes))
    return rows
