from django import forms
from django.utils.translation import gettext_lazy as _

from portal.pickers import use_picker
from portal.scoping import MANAGE

from .models import ApiClient, ApiClientGrant, Organization


class ApiClientForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=80, help_text=_("如“区委组织部数据平台”"))
    organization = forms.ModelChoiceField(label=_("授权范围（含下级）"), queryset=Organization.objects.none())
    grants = forms.MultipleChoiceField(
        label=_("额外授权"), choices=ApiClientGrant.choices, required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("默认只读；个人敏感信息（完整身份证号、手机号）每次读取都会记录。"),
    )
    expires_days = forms.IntegerField(label=_("有效天数"), min_value=1, max_value=3650, initial=365, required=False,
                                      help_text=_("留空则按系统默认有效期（365 天），到期前 30 天起接口响应会带提醒。"))
    throttle_rate = forms.CharField(label=_("限流"), max_length=20, required=False,
                                    help_text=_("如 600/min；留空使用系统默认。"),
                                    validators=ApiClient._meta.get_field("throttle_rate").validators)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["organization"]
        field.queryset = Organization.objects.restrict(user, MANAGE).active().exclude(kind="party_group")
        use_picker(field, action=MANAGE, only="units")   # a whole province's units are too many to draw
