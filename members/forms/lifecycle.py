"""Form parts shared by the lifecycle pages: the branch field, month and year/branch filters."""
from __future__ import annotations

from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from branches.models import Organization
from portal.pickers import PickersMixin, use_picker
from portal.scoping import CHANGE, VIEW

BRANCH_LABEL = _("党支部")


def branch_field(user, action=CHANGE, *, label=BRANCH_LABEL, required=True):
    field = forms.ModelChoiceField(label=label, queryset=Organization.objects.restrict(user, action).active().branches(),
                                   required=required, empty_label=_("（全部）") if not required else "---------")
    return use_picker(field, action=action, only="branches")   # search, not a select of every branch in scope


class MonthForm(forms.Form):
    month = forms.CharField(label=_("月份"), widget=forms.TextInput(attrs={"type": "month"}), required=False)

    def clean_month(self):
        value = self.cleaned_data.get("month")
        if not value:
            return date.today().replace(day=1)
        try:
            return date.fromisoformat(f"{value}-01")
        except ValueError as exc:
            raise forms.ValidationError(_("月份格式应为 YYYY-MM。")) from exc


class YearBranchForm(PickersMixin, forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100, required=False)

    def __init__(self, *args, user, action=VIEW, branch_required=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["branch"] = branch_field(user, action, required=branch_required)
        self.order_fields(["branch", "year"])

    def clean_year(self):
        return self.cleaned_data.get("year") or date.today().year
