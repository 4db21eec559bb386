from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.utils.translation import gettext_lazy as _

from portal.concurrency import FormTokenMixin, VersionCheckMixin
from portal.pickers import PickersMixin
from portal.scoping import MANAGE

from .models import Organization, OrganizationKind, Role, SeatRole


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class OrganizationForm(VersionCheckMixin, FormTokenMixin, forms.ModelForm):
    class Meta:
        model = Organization
        fields = ["name", "short_name", "kind", "code", "established_on", "units", "locality", "term_years"]
        widgets = {"established_on": DateInput(), "units": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, allowed_kinds=None, **kwargs):
        super().__init__(*args, **kwargs)
        if allowed_kinds is not None:   # a new organization: only the kinds its parent may hold
            self.fields["kind"].choices = [(k, OrganizationKind(k).label) for k in allowed_kinds]


class DissolveForm(forms.Form):
    on = forms.DateField(label=_("撤销日期"), widget=DateInput())
    reason = forms.CharField(label=_("撤销原因"), max_length=200)


class TermForm(forms.Form):
    started_on = forms.DateField(label=_("本届开始（选举）日期"), widget=DateInput())
    ends_on = forms.DateField(label=_("届满日期"), widget=DateInput(), required=False,
                              help_text=_("留空按默认任期计算（村、社区 5 年，其他 3 年）。"))
    approved_by = forms.CharField(label=_("批准机关"), max_length=120, required=False,
                                  help_text=_("任期不按默认年限或提前换届时须经上级党组织批准，填写批准机关、文号和日期。"))
    approval_doc_no = forms.CharField(label=_("批准文号"), max_length=60, required=False)
    approved_on = forms.DateField(label=_("批准日期"), widget=DateInput(), required=False)
    secretary = forms.ModelChoiceField(label=_("书记"), queryset=None)
    deputy_secretary = forms.ModelChoiceField(label=_("副书记"), queryset=None, required=False)
    organization = forms.ModelChoiceField(label=_("组织委员"), queryset=None, required=False)
    propaganda = forms.ModelChoiceField(label=_("宣传委员"), queryset=None, required=False)
    discipline = forms.ModelChoiceField(label=_("纪检委员"), queryset=None, required=False)
    others = forms.ModelMultipleChoiceField(label=_("其他委员"), queryset=None, required=False,
                                            widget=forms.SelectMultiple(attrs={"size": 6}))

    ROLE_FIELDS = ["secretary", "deputy_secretary", "organization", "propaganda", "discipline"]

    def __init__(self, *args, organization: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        members = organization.members.filter(is_active=True).order_by("name")
        for name in self.ROLE_FIELDS + ["others"]:
            self.fields[name].queryset = members

    def clean(self):
        data = super().clean()
        chosen = [data.get(f) for f in self.ROLE_FIELDS if data.get(f)] + list(data.get("others") or [])
        if len({m.pk for m in chosen}) != len(chosen):
            raise forms.ValidationError(_("同一名党员在一届委员会中只能担任一个职务。"))
        if data.get("ends_on") and data.get("started_on") and data["ends_on"] <= data["started_on"]:
            self.add_error("ends_on", _("届满日期必须晚于开始日期。"))
        return data

    def approval(self) -> dict:
        return {f: self.cleaned_data.get(f) for f in ("approved_by", "approval_doc_no", "approved_on")}

    def seats(self):
        seats = [(self.cleaned_data[f], SeatRole(f)) for f in self.ROLE_FIELDS if self.cleaned_data.get(f)]
        seats += [(m, SeatRole.MEMBER) for m in self.cleaned_data.get("others") or []]
        return seats


class GrantForm(PickersMixin, forms.Form):
    """Create (or reuse) a login and grant it a role on an organization in the staff member's scope."""

    username = forms.CharField(label=_("用户名"), max_length=150)
    full_name = forms.CharField(label=_("姓名"), max_length=60)
    password = forms.CharField(label=_("初始密码"), widget=forms.PasswordInput, required=False,
                               help_text=_("新用户必填；已有用户留空。"))
    role = forms.ChoiceField(label=_("角色"), choices=Role.choices)
    organization = forms.ModelChoiceField(label=_("授权组织（含下级）"), queryset=None)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = Organization.objects.restrict(user, MANAGE).active()
        self.fields["organization"].label_from_instance = lambda o: f"{'　' * (o.depth - 1)}{o.name}"

    def clean(self):
        data = super().clean()
        User = get_user_model()
        exists = User.objects.filter(username=data.get("username")).exists()
        if not exists:
            if not data.get("password"):
                self.add_error("password", _("新用户须设置初始密码。"))
            else:
                try:
                    validate_password(data["password"])
                except forms.ValidationError as exc:
                    self.add_error("password", exc)
        return data


