from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import ChannelConfig, Preference


class ChannelConfigForm(forms.ModelForm):
    url = forms.URLField(label=ChannelConfig._meta.get_field("url").verbose_name, max_length=500, assume_scheme="https",
                         help_text=ChannelConfig._meta.get_field("url").help_text)
    secret = forms.CharField(label=_("加签密钥"), required=False, widget=forms.PasswordInput(render_value=False),
                             help_text=_("钉钉机器人“加签”密钥；留空则不修改"))

    class Meta:
        model = ChannelConfig
        fields = ["organization", "kind", "is_enabled", "url", "secret", "sms_template", "digest_at", "quiet_start",
                  "quiet_end"]

    def save(self, commit=True):
        obj = super().save(commit=False)
        if self.cleaned_data.get("secret"):
            obj.set_secret(self.cleaned_data["secret"])
        if commit:
            obj.save()
        return obj


@admin.register(ChannelConfig)
class ChannelConfigAdmin(admin.ModelAdmin):
    form = ChannelConfigForm
    list_display = ["organization", "kind", "is_enabled", "digest_at", "quiet_start", "quiet_end", "updated_at"]
    list_filter = ["kind", "is_enabled"]
    raw_id_fields = ["organization"]


@admin.register(Preference)
class PreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "channel", "is_enabled", "updated_at"]
    list_filter = ["channel", "is_enabled"]
