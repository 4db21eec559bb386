from django import forms
from django.utils.translation import gettext_lazy as _

from members.models import Grade


class SelfAssessmentForm(forms.Form):
    text = forms.CharField(label=_("个人自评"), widget=forms.Textarea(attrs={"rows": 6}), max_length=4000,
                           error_messages={"required": _("请填写个人自评。")})
    grade = forms.ChoiceField(label=_("自评等次"), choices=[("", "—")] + list(Grade.choices), required=False)

    def __init__(self, *args, probationary: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if probationary:  # 预备党员 take part without a grade
            del self.fields["grade"]
