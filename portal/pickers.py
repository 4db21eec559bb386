"""Search-as-you-type pickers for choices too many to draw: organizations of a whole tree, members of a subtree.

A <select> of every organization a 党委's staff may see is 20,000 options at province scale: most of a page's HTML and
time. A picker draws only the chosen value; the browser asks `/pick/<name>/?q=…` (static/js/picker.js) for at most
LIMIT matches, each shown with its path. Apps register what can be picked (domain-free here; branches registers
organizations, members registers members, in their AppConfig.ready()):

    register_picker("organization", queryset=lambda user, action: Organization.objects.restrict(user, action),
                    search=lambda qs, q: qs.filter(name__icontains=q), labels=organization_labels)

`labels(objects) -> list[str]` names a page of results at once (one query for all their paths, not one each).
The form field keeps its own queryset and validates the submitted id against it, so the picker only offers; it
never widens what a form accepts. `use_pickers(form)` swaps the widget of every single-choice model field whose
model is registered; a FilterSet gets it through PickerFilterSetMixin. A multiple-choice field is drawn as chips with
the same search (`use_multi_picker(field)`, MultiPickerWidget) where a form asks for it.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from .scoping import ACTIONS

LIMIT = 20
NO_MATCH = _("没有匹配的选项（只列出此处可选的）")


@dataclass(frozen=True)
class Picker:
    name: str
    model: type
    queryset: Callable        # (user, action) -> QuerySet, already scoped
    search: Callable          # (queryset, q) -> QuerySet
    labels: Callable          # (list of objects) -> list[str]
    narrow: Callable | None = None   # (queryset, id of the chosen parent) -> QuerySet: a picker under another field
    only: dict[str, Callable] | None = None   # named subsets a form may ask for: {"branches": qs -> qs, …}


_pickers: dict[str, Picker] = {}


def register_picker(name: str, *, model, queryset, search, labels, narrow=None, only=None) -> None:
    _pickers[name] = Picker(name, model, queryset, search, labels, narrow, only)


def picker_for_model(model) -> Picker | None:
    return next((p for p in _pickers.values() if p.model is model), None)


class PickerWidget(forms.Widget):
    """A text box that searches, and a hidden input that carries the chosen id; only the chosen option is drawn."""

    def __init__(self, picker: str, *, action: str = "view", narrow_by: str = "", only: str = "", attrs=None):
        super().__init__(attrs)
        self.picker = picker
        self.action = action
        self.narrow_by = narrow_by   # another field of the form: its chosen id narrows the matches (picker.js)
        self.only = only             # a named subset of the picker's rows (Picker.only), e.g. "branches"
        self.choices = ()

    def search_url(self) -> str:
        query = {"action": self.action, **({"only": self.only} if self.only else {})}
        return reverse("pick", args=[self.picker]) + "?" + urlencode(query)

    def _chosen_label(self, value) -> str:
        if value in (None, ""):
            return ""
        picker = _pickers[self.picker]
        queryset = getattr(self.choices, "queryset", None)
        obj = queryset.filter(pk=value).first() if queryset is not None else None
        return picker.labels([obj])[0] if obj is not None else ""

    def render(self, name, value, attrs=None, renderer=None):
        attrs = self.build_attrs(self.attrs, attrs)
        input_id = attrs.get("id", f"id_{name}")
        value = "" if value is None else str(value)
        url = self.search_url()
        empty = getattr(self.choices, "field", None)
        empty_label = getattr(empty, "empty_label", None) or ""
        if empty_label == "---------":   # Django's default blank choice: a search box says what to type instead
            empty_label = ""
        narrow = f' data-narrow-by="{escape(self.narrow_by)}"' if self.narrow_by else ""
        disabled = " disabled" if attrs.get("disabled") else ""
        return mark_safe(
            f'<span class="picker" data-picker-url="{escape(url)}"{narrow} data-no-match="{escape(str(NO_MATCH))}">'
            f'<input type="hidden" name="{escape(name)}" id="{escape(input_id)}" value="{escape(value)}">'
            f'<input type="search" class="picker-input" autocomplete="off" aria-label="{escape(str(_("输入名称搜索")))}"'
            f' placeholder="{escape(empty_label or str(_("输入名称搜索")))}" value="{escape(self._chosen_label(value))}"{disabled}>'
            f'<span class="picker-results" role="listbox" hidden></span></span>')

    def value_from_datadict(self, data, files, name):
        return data.get(name)


class MultiPickerWidget(PickerWidget):
    """Several values: each chosen one is a chip carrying a hidden input of the field's name; the text box searches
    for more. Only the chosen options are drawn (one query for their labels), never the field's whole queryset."""

    allow_multiple_selected = True

    def _chosen(self, values) -> list[tuple[str, str]]:
        ids = []
        for v in values or ():
            v = str(getattr(v, "pk", v))
            if v.isdigit() and v not in ids:
                ids.append(v)
        if not ids:
            return []
        picker = _pickers[self.picker]
        queryset = getattr(self.choices, "queryset", None)
        objects = list(queryset.filter(pk__in=ids)) if queryset is not None else []
        by_pk = {str(o.pk): (o, label) for o, label in zip(objects, picker.labels(objects), strict=True)}
        return [(pk, by_pk[pk][1]) for pk in ids if pk in by_pk]  # in the order given; unknown ids are dropped

    def render(self, name, value, attrs=None, renderer=None):
        attrs = self.build_attrs(self.attrs, attrs)
        input_id = attrs.get("id", f"id_{name}")
        if value is None or isinstance(value, str | int):
            value = [] if value in (None, "") else [value]
        url = self.search_url()
        remove = escape(str(_("移除")))
        chips = "".join(
            f'<span class="picker-chip" data-id="{escape(pk)}"><span class="picker-chip-label">{escape(label)}</span>'
            f'<input type="hidden" name="{escape(name)}" value="{escape(pk)}">'
            f'<button type="button" class="picker-remove" aria-label="{remove} {escape(label)}">×</button></span>'
            for pk, label in self._chosen(value))
        return mark_safe(
            f'<span class="picker picker-multi" data-picker-url="{escape(url)}" data-picker-name="{escape(name)}"'
            f' data-no-match="{escape(str(NO_MATCH))}"'
            f' data-remove-label="{remove}">'
            f'<span class="picker-chosen">{chips}</span>'
            f'<input type="search" class="picker-input" id="{escape(input_id)}" autocomplete="off"'
            f' aria-label="{escape(str(_("输入姓名搜索，可选多个")))}" placeholder="{escape(str(_("输入姓名搜索，可选多个")))}">'
            f'<span class="picker-results" role="listbox" hidden></span></span>')

    def value_from_datadict(self, data, files, name):
        return data.getlist(name) if hasattr(data, "getlist") else data.get(name)

    def value_omitted_from_data(self, data, files, name):
        return False  # like SelectMultiple: a form sent with nothing chosen means none, not "unchanged"


def use_multi_picker(field, *, action: str = "view"):
    """Draw a model multiple-choice field as a multi-value picker (its model must be registered)."""
    picker = picker_for_model(field.queryset.model)
    widget = MultiPickerWidget(picker.name, action=action)
    widget.choices = field.choices
    field.widget = widget
    return field


def use_picker(field, *, action: str = "view", only: str = "", narrow_by: str = ""):
    """Draw one single-choice model field as a picker that offers what the field accepts: the rows `action` allows,
    narrowed to the named subset `only` (its model's Picker.only) and, with `narrow_by`, to the choice of another
    field of the form (Picker.narrow). The field's queryset still decides what is valid."""
    picker = picker_for_model(field.queryset.model)
    if only and only not in (picker.only or {}):
        raise ValueError(f"picker {picker.name!r} has no subset {only!r}")
    if narrow_by and picker.narrow is None:
        raise ValueError(f"picker {picker.name!r} cannot be narrowed")
    widget = PickerWidget(picker.name, action=action, only=only, narrow_by=narrow_by, attrs=field.widget.attrs)
    widget.choices = field.choices
    field.widget = widget
    return field


def use_pickers(form, *, action: str = "view"):
    """Draw every registered model's single-choice field of `form` as a picker (multiple choices stay lists)."""
    for field in form.fields.values():
        if not isinstance(field, forms.ModelChoiceField) or isinstance(field, forms.ModelMultipleChoiceField):
            continue
        if isinstance(field.widget, PickerWidget):
            continue   # already a picker, with its own action and subset (use_picker)
        picker = picker_for_model(field.queryset.model) if field.queryset is not None else None
        if picker is None:
            continue
        widget = PickerWidget(picker.name, action=action, attrs=field.widget.attrs)
        widget.choices = field.choices
        field.widget = widget
    return form


class PickersMixin:
    """A form whose organization/member fields are drawn as pickers, however its subclasses set their querysets:
    the widgets are swapped when the first field is drawn or cleaned, after every __init__ has run."""

    def __getitem__(self, name):
        if not self.__dict__.get("_pickers_used"):
            self._pickers_used = True
            use_pickers(self)
        return super().__getitem__(name)


class PickerFilterSetMixin:
    """A FilterSet whose organization/member filters are pickers."""

    @property
    def form(self):
        form = super().form
        if not getattr(form, "_pickers_used", False):
            use_pickers(form)
            form._pickers_used = True
        return form


@login_required
def pick(request, name: str):
    picker = _pickers.get(name)
    action = request.GET.get("action", "view")
    if picker is None or action not in ACTIONS:
        raise Http404
    rows = picker.queryset(request.user, action)
    q = request.GET.get("q", "").strip()[:50]
    if q:
        rows = picker.search(rows, q)
    within = request.GET.get("within", "")
    if picker.narrow is not None and within.isdigit():
        rows = picker.narrow(rows, int(within))
    only = request.GET.get("only", "")
    if only:
        if only not in (picker.only or {}):
            raise Http404
        rows = picker.only[only](rows)
    objects = list(rows[:LIMIT])
    return JsonResponse({"results": [{"id": o.pk, "label": label}
                                     for o, label in zip(objects, picker.labels(objects), strict=True)]})
