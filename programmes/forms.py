"""Forms parse input only; the services decide."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Action, ChangeKind, EntryKind


class ApplyForm(forms.Form):
    organization = forms.ModelChoiceField(queryset=None, label=_("党支部"))
    materials = forms.CharField(label=_("申报材料"), widget=forms.Textarea(attrs={"rows": 3}))
    self_assessment = forms.CharField(label=_("自评情况"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations


class NominateForm(forms.Form):
    organization = forms.ModelChoiceField(queryset=None, label=_("党支部"))
    reason = forms.CharField(label=_("原因"), max_length=200)

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations


class ExtensionForm(forms.Form):
    organization = forms.ModelChoiceField(queryset=None, label=_("党支部"))
    action = forms.ChoiceField(label=_("环节"), choices=Action.choices)
    until = forms.DateField(label=_("延期至"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=_("延期原因"), max_length=500)

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations


class FiveStarForm(forms.Form):
    member = forms.ModelChoiceField(queryset=None, label=_("党员"))
    kind = forms.ChoiceField(label=_("类型"))
    materials = forms.CharField(label=_("推荐理由"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, members, kinds, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = members
        self.fields["kind"].choices = kinds


class RecommendForm(forms.Form):
    recommend = forms.TypedChoiceField(label=_("意见"), coerce=lambda v: v == "1",
                                       choices=[("1", _("推荐")), ("0", _("不予推荐"))])
    note = forms.CharField(label=_("说明"), required=False, max_length=500)


class DecideForm(forms.Form):
    approve = forms.TypedChoiceField(label=_("评定"), coerce=lambda v: v == "1",
                                     choices=[("1", _("通过")), ("0", _("不通过"))])
    is_model = forms.BooleanField(label=_("标兵"), required=False)
    note = forms.CharField(label=_("说明"), required=False, max_length=500)


class HigherForm(forms.Form):
    on = forms.DateField(label=_("命名日期"), widget=forms.DateInput(attrs={"type": "date"}))
    document = forms.CharField(label=_("文号"), required=False, max_length=100)


class EntryForm(forms.Form):
    item = forms.ChoiceField(label=_("标准条目"))
    kind = forms.ChoiceField(label=_("类型"), choices=EntryKind.choices)
    on = forms.DateField(label=_("日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    text = forms.CharField(label=_("内容"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = items


class ChangeForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=ChangeKind.choices)
    to_stars = forms.IntegerField(label=_("调整后星级"), required=False, min_value=1, max_value=5)
    reason = forms.CharField(label=_("原因"), widget=forms.Textarea(attrs={"rows": 2}))
    evidence = forms.CharField(label=_("依据"), required=False, max_length=500)
    files = forms.FileField(label=_("佐证材料"), required=False)
