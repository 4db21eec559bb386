from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import BRANCH_REPORT_KINDS, COMMITTEE_REPORT_KINDS, KIND_PERIOD, ReportFormat, ReportKind
from .periods import ReportPeriod


def kinds_for(organization) -> list[str]:
    if organization.is_branch:
        return list(BRANCH_REPORT_KINDS)
    if organization.kind in ("committee", "general_branch"):
        return list(COMMITTEE_REPORT_KINDS)
    return []


def default_period(kind: str, today=None) -> str:
    return ReportPeriod.previous_completed(KIND_PERIOD[kind], today or timezone.localdate()).key


class ReportRequestForm(forms.Form):
    kind = forms.ChoiceField(label=_("报告类型"))
    period = forms.CharField(label=_("期间"), max_length=8,
                             help_text=_("年度写 2025，季度写 2025-Q3，月度写 2025-09。"))
    format = forms.ChoiceField(label=_("格式"), choices=ReportFormat.choices, initial=ReportFormat.PDF,
                               widget=forms.RadioSelect)

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        kinds = kinds_for(organization)
        self.fields["kind"].choices = [(k, ReportKind(k).label) for k in kinds]
        if kinds and not self.is_bound:
            self.initial.setdefault("kind", kinds[0])
            self.initial.setdefault("period", default_period(kinds[-1] if not organization.is_branch else
                                                             ReportKind.BRANCH_ANNUAL))
        self.fields["period"].widget.attrs.update({"placeholder": "2025", "autocomplete": "off",
                                                   "inputmode": "text"})


class ReportPlanForm(forms.Form):
    highlights = forms.CharField(label=_("年度工作亮点（可选）"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
                                 help_text=_("每段一行，写入报告“基本情况”。"))
    next_year_plan = forms.CharField(label=_("下一年度工作计划"), required=False, widget=forms.Textarea(attrs={"rows": 8}),
                                     help_text=_("每条一行，写入年度报告最后一节和述职报告“下一步工作打算”。"))
