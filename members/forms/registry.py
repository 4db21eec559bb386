"""The member registry forms: create/edit a member, move, deactivate, import."""
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from branches.forms import DateInput
from branches.models import Organization
from portal.concurrency import FormTokenMixin, VersionCheckMixin
from portal.pickers import PickerWidget, use_picker
from portal.scoping import CHANGE, MANAGE

from ..models import Member
from ..validators import id_birth_date, id_gender, id_mismatches, validate_id_number


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
        # Pickers, not selects: a 党委's scope has thousands of 党支部/党小组; the page draws only the chosen ones.
        # 党小组 are named alike in every branch ("第一党小组"): each is shown with its path, and the picker offers
        # the chosen branch's groups only; the form checks the pair again (clean()).
        self.fields["branch"].queryset = scope.branches()
        self.fields["branch"].widget = PickerWidget("branch", action=CHANGE)
        self.fields["party_group"].queryset = scope.groups()
        self.fields["party_group"].widget = PickerWidget("party_group", action=CHANGE, narrow_by="branch")
        for name in ("branch", "party_group"):
            self.fields[name].widget.choices = self.fields[name].choices
        # Both are in the ID number: left blank, they are filled from it; given, they must agree with it.
        for name in ("birth_date", "gender"):
            self.fields[name].required = False
            self.fields[name].help_text = _("留空则按身份证号填写。")
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
        id_number = "" if "id_number" in self.errors else data.get("id_number") or self._stored_id_number()
        if id_number:
            for name, message in id_mismatches(id_number, birth_date=data.get("birth_date"),
                                               gender=data.get("gender")).items():
                self.add_error(name, message)
            if not data.get("birth_date") and "birth_date" not in self.errors:
                data["birth_date"] = id_birth_date(id_number)
            if not data.get("gender") and "gender" not in self.errors:
                data["gender"] = id_gender(id_number)
        for name in ("birth_date", "gender"):
            if not data.get(name) and name not in self.errors and "id_number" not in self.errors:
                self.add_error(name, self.fields[name].error_messages["required"])
        group, branch = data.get("party_group"), data.get("branch")
        if group and branch and group.parent_path != branch.path:
            self.add_error("party_group", _("所选党小组不属于所选党支部。"))
        return data

    def _stored_id_number(self) -> str:
        """The saved number, only to check birth date and gender against it (never shown)."""
        if not (self.instance.pk and self.instance.id_number_encrypted):
            return ""
        try:
            return validate_id_number(self.instance.get_id_number())
        except (ValidationError, ValueError):
            return ""

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
        use_picker(self.fields["to_branch"], action=MANAGE, only="branches")


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
