"""The status change form (转正, 延长预备期, 留党察看, 出党 …)."""
from __future__ import annotations

from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from branches.forms import DateInput

from ..models import StatusKind
from .development import _meeting_label, general_meetings


class StatusForm(forms.Form):
    kind = forms.ChoiceField(label=_("变化类型"), choices=StatusKind.choices)
    on = forms.DateField(label=_("决定日期"), widget=DateInput(), initial=date.today)
    months = forms.IntegerField(label=_("期限（月）"), min_value=1, max_value=24, required=False,
                                help_text=_("延长预备期 6–12；留党察看 12 或 24"))
    meeting = forms.ModelChoiceField(label=_("支部党员大会记录"), queryset=None, required=False)
    meeting_on = forms.DateField(label=_("支部党员大会日期"), widget=DateInput(), required=False)
    meeting_ref = forms.CharField(label=_("会议记录编号"), max_length=60, required=False)
    reason = forms.CharField(label=_("原因/说明"), max_length=300, required=False)
    exception_reason = forms.CharField(label=_("例外原因（党务工作人员批准）"), max_length=300, required=False)

    def __init__(self, *args, member, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["meeting"].queryset = general_meetings(member.branch)
        self.fields["meeting"].label_from_instance = _meeting_label
