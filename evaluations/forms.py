"""Forms parse input only; the services decide what is allowed."""
from __future__ import annotations

from datetime import date

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from branches.models import Organization, Role, RoleGrant
from portal.concurrency import FormTokenMixin
from portal.pickers import use_picker
from portal.scoping import MANAGE, REVIEW, VIEW

from .models import AdjustmentKind, CycleKind, DeadlineStep, RectificationSource, Standard, StandardStatus


class DateInput(forms.DateInput):
    input_type = "date"


class CycleForm(forms.Form):
    organization = forms.ModelChoiceField(label=_("组织评价的党组织"), queryset=Organization.objects.none())
    standard = forms.ModelChoiceField(label=_("评价标准（已发布版本）"), queryset=Standard.objects.none())
    name = forms.CharField(label=_("名称"), max_length=120)
    year = forms.IntegerField(label=_("考核年度"), min_value=2000, max_value=2100)
    kind = forms.ChoiceField(label=_("类型"), choices=CycleKind.choices)
    self_opens_on = forms.DateField(label=_("自评开始"), widget=DateInput)
    self_closes_on = forms.DateField(label=_("自评截止"), widget=DateInput)
    review_opens_on = forms.DateField(label=_("评审开始"), widget=DateInput)
    review_closes_on = forms.DateField(label=_("评审截止"), widget=DateInput)
    publicity_days = forms.IntegerField(label=_("公示天数"), min_value=0, max_value=30, initial=5)
    min_age_months = forms.IntegerField(label=_("成立不满（月）不参评"), min_value=0, max_value=60, initial=12)
    spread_threshold = forms.DecimalField(label=_("评审分差提示阈值"), min_value=0, max_value=100, initial=10)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = Organization.objects.restrict(user, MANAGE).exclude(
            kind="party_group").order_by("path")
        use_picker(self.fields["organization"], action=MANAGE, only="units")
        # Using a published (frozen) standard of one's own or an ancestor's organization changes nothing of it.
        self.fields["standard"].queryset = Standard.objects.restrict(user, VIEW).filter(
            status=StandardStatus.PUBLISHED).select_related("organization")
        # each unit may publish its own each year: offered by search, those of the chosen organization and above
        use_picker(self.fields["standard"], narrow_by="organization")
        year = date.today().year
        self.fields["year"].initial = year - 1
        self.fields["name"].initial = _("{year} 年度党支部“四强”评星定级").format(year=year - 1)

    def clean(self):
        data = super().clean()
        order = ["self_opens_on", "self_closes_on", "review_opens_on", "review_closes_on"]
        dates = [data.get(k) for k in order]
        if all(dates) and dates != sorted(dates):
            raise forms.ValidationError(_("日期应依次为：自评开始 ≤ 自评截止 ≤ 评审开始 ≤ 评审截止。"))
        return data


class ReviewerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.get_username()


class AssignForm(forms.Form):
    reviewer = ReviewerChoiceField(label=_("评审人"), queryset=get_user_model().objects.none())

    def __init__(self, *args, evaluation, **kwargs):
        super().__init__(*args, **kwargs)
        paths = evaluation.organization.ancestor_paths()
        users = RoleGrant.objects.filter(role__in=[Role.REVIEWER, Role.STAFF], organization__path__in=paths)
        self.fields["reviewer"].queryset = get_user_model().objects.filter(
            pk__in=users.values("user_id"), is_active=True).order_by("username")


class MeetingForm(forms.Form):
    meeting = forms.CharField(label=_("审定会议"), max_length=200, help_text=_("会议名称、日期或纪要编号"))
    decided_on = forms.DateField(label=_("审定日期"), widget=DateInput, required=False)
    comment = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ReturnForm(forms.Form):
    reason = forms.CharField(label=_("退回原因"), widget=forms.Textarea(attrs={"rows": 2}))
    meeting = forms.CharField(label=_("审定会议"), max_length=200, required=False)


class ExtendForm(forms.Form):
    step = forms.ChoiceField(label=_("环节"), choices=DeadlineStep.choices)
    until = forms.DateField(label=_("延期至"), widget=DateInput)
    reason = forms.CharField(label=_("延期原因"), max_length=500)


class StarsForm(forms.Form):
    to_stars = forms.TypedChoiceField(label=_("调整为"), coerce=int,
                                      choices=[(str(i), _("{n} 星").format(n=i)) for i in range(5, 0, -1)])
    reason = forms.CharField(label=_("原因"), widget=forms.Textarea(attrs={"rows": 2}))


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("原因"), widget=forms.Textarea(attrs={"rows": 2}))


class ObjectionForm(forms.Form):
    text = forms.CharField(label=_("异议内容"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class AnswerForm(forms.Form):
    upheld = forms.TypedChoiceField(label=_("处理结果"), choices=[("0", _("不予采纳")), ("1", _("采纳，退回评审"))],
                                    coerce=lambda v: v == "1", widget=forms.RadioSelect)
    answer = forms.CharField(label=_("答复"), widget=forms.Textarea(attrs={"rows": 2}))


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


class AdjustForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=AdjustmentKind.choices)
    to_stars = forms.TypedChoiceField(label=_("调整为"), required=False, coerce=int, empty_value=None,
                                      choices=[("", "—")] + [(str(i), _("{n} 星").format(n=i)) for i in range(5, 0, -1)])
    reason = forms.CharField(label=_("原因"), widget=forms.Textarea(attrs={"rows": 2}))
    decided_on = forms.DateField(label=_("决定日期"), widget=DateInput, required=False)
    evidence = MultipleFileField(label=_("佐证材料"), required=False)


class RectificationForm(FormTokenMixin, forms.Form):
    organization = forms.ModelChoiceField(label=_("责任组织"), queryset=Organization.objects.none())
    problem = forms.CharField(label=_("问题"), widget=forms.Textarea(attrs={"rows": 2}))
    requirement = forms.CharField(label=_("整改要求"), widget=forms.Textarea(attrs={"rows": 2}))
    due_on = forms.DateField(label=_("整改期限"), widget=DateInput)
    responsible_person = forms.CharField(label=_("责任人"), max_length=60)
    source = forms.ChoiceField(label=_("来源"), choices=RectificationSource.choices)

    def __init__(self, *args, user, **kwargs):

        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = Organization.objects.restrict(user, REVIEW).active().branches()
        use_picker(self.fields["organization"], action=REVIEW, only="branches")


class ProgressForm(forms.Form):
    text = forms.CharField(label=_("整改进展"), widget=forms.Textarea(attrs={"rows": 3}))
    evidence = MultipleFileField(label=_("佐证材料"), required=False)


class VerifyForm(forms.Form):
    decision = forms.ChoiceField(label=_("核验结果"), choices=[("close", _("核验通过，销号")), ("send_back", _("退回继续整改"))],
                                 widget=forms.RadioSelect)
    text = forms.CharField(label=_("核验意见"), widget=forms.Textarea(attrs={"rows": 2}))


class StandardImportForm(forms.Form):
    organization = forms.ModelChoiceField(label=_("制定单位"), queryset=Organization.objects.none())
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    file = forms.FileField(label=_("XLSX 文件"), help_text=_("格式同“导出”文件：“标准”和“指标”两个工作表。"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = Organization.objects.restrict(user, MANAGE).exclude(
            kind="party_group").order_by("path")
        use_picker(self.fields["organization"], action=MANAGE, only="units")
        self.fields["year"].initial = date.today().year


class CopyForm(forms.Form):
    year = forms.IntegerField(label=_("新版本年度"), min_value=2000, max_value=2100)
