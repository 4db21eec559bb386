"""Forms of the 组织关系转接 and 流动党员 pages."""
from __future__ import annotations

from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from branches.forms import DateInput
from branches.models import Organization
from portal.pickers import PickersMixin

from ..models import Gender, MemberStatus
from .lifecycle import branch_field


class TransferForm(forms.Form):
    """The destination inside the system is given by its 组织编码: the page must not list branches outside the
    user's scope (their names are not hers to browse)."""

    KIND_CHOICES = [("internal", _("转到系统内其他党支部（须对方接收）")), ("out", _("转出到系统外（开具介绍信）"))]
    kind = forms.ChoiceField(label=_("转接方式"), choices=KIND_CHOICES, widget=forms.RadioSelect, initial="internal")
    to_branch_code = forms.CharField(label=_("转入党支部编码"), max_length=40, required=False,
                                     help_text=_("系统内转接：填写转入党支部的组织编码（向对方党支部或上级党务工作人员索取）"))
    counterpart = forms.CharField(label=_("系统外转入党组织"), max_length=120, required=False)
    letter_no = forms.CharField(label=_("介绍信编号"), max_length=60, required=False)
    on = forms.DateField(label=_("日期"), widget=DateInput(), initial=date.today)
    reason = forms.CharField(label=_("转接原因"), max_length=200, required=False)

    def __init__(self, *args, member, **kwargs):
        super().__init__(*args, **kwargs)
        self.member = member

    def clean(self):
        data = super().clean()
        if data.get("kind") == "internal":
            code = (data.get("to_branch_code") or "").strip()
            branch = Organization.objects.active().branches().filter(code__iexact=code).first() if code else None
            if branch is None:
                self.add_error("to_branch_code", _("未找到该编码的在册党支部，请核对。"))
            data["to_branch"] = branch
        return data


class TransferInForm(PickersMixin, forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=40)
    gender = forms.ChoiceField(label=_("性别"), choices=Gender.choices)
    birth_date = forms.DateField(label=_("出生日期"), widget=DateInput())
    status = forms.ChoiceField(label=_("党员身份"), choices=MemberStatus.choices)
    joined_on = forms.DateField(label=_("入党日期"), widget=DateInput())
    confirmed_on = forms.DateField(label=_("转正日期"), widget=DateInput(), required=False)
    counterpart = forms.CharField(label=_("原所在党组织（系统外）"), max_length=120)
    letter_no = forms.CharField(label=_("介绍信编号"), max_length=60)
    on = forms.DateField(label=_("转入日期"), widget=DateInput(), initial=date.today)
    phone = forms.CharField(label=_("手机号"), max_length=20, required=False)
    work_unit = forms.CharField(label=_("工作单位"), max_length=120, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_branch"] = branch_field(user, label=_("转入党支部"))


class ReturnForm(forms.Form):
    reason = forms.CharField(label=_("退回原因"), max_length=200)


class MobileForm(forms.Form):
    location = forms.CharField(label=_("流动所在地（留空表示已返回）"), max_length=120, required=False)
    since = forms.DateField(label=_("外出起始日"), widget=DateInput(), initial=date.today)
