from django import forms
from django.utils.translation import gettext_lazy as _

from branches.forms import DateInput
from branches.models import Organization
from portal.concurrency import FormTokenMixin, VersionCheckMixin
from portal.scoping import CHANGE, MANAGE

from .models import Member
from .validators import validate_id_number


def _org_label(o):
    return f"{'　' * max(o.depth - 2, 0)}{o.name}"


class MemberForm(VersionCheckMixin, FormTokenMixin, forms.ModelForm):
    id_number = forms.CharField(label=_("身份证号"), max_length=18, help_text=_("18 位，系统将校验校验位并加密保存。"))

    class Meta:
        model = Member
        fields = ["name", "gender", "ethnicity", "birth_date", "phone", "id_number", "education", "work_unit", "post",
                  "category", "status", "joined_on", "confirmed_on", "branch", "party_group"]
        widgets = {"birth_date": DateInput(), "joined_on": DateInput(), "confirmed_on": DateInput()}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        scope = Organization.objects.restrict(user, CHANGE).active()
        self.fields["branch"].queryset = scope.branches()
        self.fields["branch"].label_from_instance = _org_label
        self.fields["party_group"].queryset = scope.groups()
        self.fields["party_group"].label_from_instance = lambda o: o.name
        if self.instance.pk:
            self.fields["id_number"].required = False
            self.fields["id_number"].help_text = _("当前：{value}。留空表示不修改。").format(
                value=self.instance.id_number_masked or _("未填写"))
            self.fields["branch"].disabled = True
            self.fields["branch"].help_text = _("调整党支部请使用“组织关系调整”。")

    def clean_id_number(self):
        value = self.cleaned_data.get("id_number", "")
        if not value and self.instance.pk:
            return None
        return validate_id_number(value)

    def clean(self):
        data = super().clean()
        group, branch = data.get("party_group"), data.get("branch")
        if group and branch and group.parent_path != branch.path:
            self.add_error("party_group", _("所选党小组不属于所选党支部。"))
        return data

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        return data


class MoveForm(forms.Form):
    to_branch = forms.ModelChoiceField(label=_("调整到党支部"), queryset=None)
    on = forms.DateField(label=_("调整日期"), widget=DateInput())
    note = forms.CharField(label=_("说明"), max_length=200, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_branch"].queryset = Organization.objects.restrict(user, MANAGE).active().branches()
        self.fields["to_branch"].label_from_instance = _org_label


class DeactivateForm(forms.Form):
    KIND_CHOICES = [("transfer_out", _("转出到系统外")), ("left", _("出党、退党、去世等离开"))]
    kind = forms.ChoiceField(label=_("类型"), choices=KIND_CHOICES)
    on = forms.DateField(label=_("日期"), widget=DateInput())
    reason = forms.CharField(label=_("原因"), max_length=200)
    counterpart = forms.CharField(label=_("转入组织（系统外）"), max_length=120, required=False)
    letter_no = forms.CharField(label=_("介绍信编号"), max_length=60, required=False)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Excel 文件（.xlsx）"), help_text=_("请使用导入模板；最多 20000 行，10 MB。"))
    registered_on = forms.DateField(label=_("建档日期"), widget=DateInput(), required=False, help_text=_("留空为今天。"))
