"""Forms of the 党费 pages."""
from __future__ import annotations

from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from branches.forms import DateInput

from ..models import DuesClass, PayMethod
from .lifecycle import MonthForm, branch_field


class DuesPayForm(MonthForm):
    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["branch"] = branch_field(user)
        self.order_fields(["branch", "month"])


class DuesMarkForm(forms.Form):
    paid_on = forms.DateField(label=_("缴纳日期"), widget=DateInput(), initial=date.today)
    method = forms.ChoiceField(label=_("方式"), choices=PayMethod.choices, initial=PayMethod.WECHAT)


class DuesPaySubmission:
    """The pay page's POST as one input: the branch and month of the sheet (DuesPayForm) and the date and method of
    the payment (DuesMarkForm) — two forms on the page, validated together."""

    def __init__(self, data=None, files=None, *, user):
        self.sheet = DuesPayForm(data, user=user)
        self.mark = DuesMarkForm(data)

    def is_valid(self) -> bool:
        return self.sheet.is_valid() and self.mark.is_valid()

    @property
    def errors(self) -> dict:
        return {**self.sheet.errors, **self.mark.errors}


class DuesBaseForm(forms.Form):
    dues_class = forms.ChoiceField(label=_("缴费类别"), choices=DuesClass.choices)
    base = forms.DecimalField(label=_("月缴费基数（元）"), min_value=0, max_digits=10, decimal_places=2, required=False,
                              help_text=_("在职：每月工资收入（税后）；离退休：每月养老金"))
    fixed_amount = forms.DecimalField(label=_("核定金额（元/月）"), min_value=0, max_digits=8, decimal_places=2,
                                      required=False, help_text=_("农民党员按 0.2–1 元核定"))
    effective_from = forms.DateField(label=_("起始月份（该月1日）"), widget=DateInput(), initial=lambda: date.today().replace(day=1))
    note = forms.CharField(label=_("说明"), max_length=200, required=False)
