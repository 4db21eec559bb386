"""The manual 党员积分 entry form."""
from __future__ import annotations

from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from branches.forms import DateInput
from portal.pickers import PickersMixin

from ..models import Member


class PointsEntryForm(PickersMixin, forms.Form):
    member = forms.ModelChoiceField(label=_("党员"), queryset=Member.objects.none())
    item = forms.ModelChoiceField(label=_("积分项目"), queryset=None)
    occurred_on = forms.DateField(label=_("日期"), widget=DateInput(), initial=date.today)
    quantity = forms.IntegerField(label=_("次数"), min_value=1, max_value=50, initial=1)
    note = forms.CharField(label=_("事由"), max_length=200)

    def __init__(self, *args, members_qs, items_qs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = members_qs
        self.fields["item"].queryset = items_qs
        self.fields["item"].label_from_instance = lambda i: (
            f"{i.category} · {i.name}（{'+' if i.direction == 'bonus' else '−'}{i.points}）")
