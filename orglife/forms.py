"""Forms for organizational life pages. Attendance marks come from the roster grid (see `parse_marks`)."""
from __future__ import annotations

from datetime import date

import django_filters
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from branches.models import BRANCH_KINDS, Organization, OrganizationKind
from members.models import Member
from portal.concurrency import FormTokenMixin, VersionCheckMixin
from portal.pickers import PickerFilterSetMixin, PickersMixin, use_picker
from portal.scoping import MANAGE
from portal.widgets import FastSelect, tree_label

from .compliance import Period
from .models import (
    Activity,
    ActivityCategory,
    ActivityType,
    AttendanceStatus,
    FrequencyRule,
    LeaveReason,
    RuleHolder,
    RulePer,
    VoteKind,
)

# The select shown under an unticked member: what kind of exception it is.
EXCEPTION_CHOICES = [
    ("absent", _("缺席")),
    ("leave:sick", _("请假（病假）")),
    ("leave:personal", _("请假（事假）")),
    ("leave:official", _("请假（公假）")),
    ("late", _("迟到")),
]


def parse_marks(data, member_ids) -> dict[int, tuple[str, str]]:
    """Ticked = 出席 (or 迟到 if so marked); unticked = the chosen exception (default 缺席)."""
    present = {int(v) for v in data.getlist("present") if str(v).isdigit()}
    marks = {}
    for pk in member_ids:
        choice = data.get(f"exception-{pk}", "absent")
        if choice == "late":
            marks[pk] = (AttendanceStatus.LATE, "")
        elif pk in present:
            marks[pk] = (AttendanceStatus.PRESENT, "")
        elif choice.startswith("leave:") and choice[6:] in LeaveReason.values:
            marks[pk] = (AttendanceStatus.LEAVE, choice[6:])
        else:
            marks[pk] = (AttendanceStatus.ABSENT, "")
    return marks


class ActivityForm(PickersMixin, VersionCheckMixin, FormTokenMixin, forms.ModelForm):
    organization = forms.ModelChoiceField(queryset=Organization.objects.none(), label=_("召开组织"))
    guests = forms.CharField(label=_("列席人员"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
                             help_text=_("每行一人，如上级党组织参会人员。"))
    photos = forms.FileField(label=_("照片与附件"), required=False,
                             widget=forms.ClearableFileInput(attrs={"accept": "image/*,.pdf,.doc,.docx"}),
                             help_text=_("可用手机拍照上传；支持 JPG/PNG/WEBP、PDF、Word，单个不超过 10 MB。"))

    class Meta:
        model = Activity
        fields = ["organization", "activity_type", "title", "held_on", "starts_at", "ends_at", "place", "host",
                  "recorder", "lecturer", "lecturer_role", "lecture_title", "is_election", "first_topic", "topics",
                  "minutes", "resolutions", "leading_cadres"]
        widgets = {
            "held_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "starts_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "ends_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "topics": forms.Textarea(attrs={"rows": 2}),
            "minutes": forms.Textarea(attrs={"rows": 4}),
            "resolutions": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, organizations=None, members=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["photos"].widget.attrs["multiple"] = True
        self.fields["organization"].queryset = organizations if organizations is not None else Organization.objects.none()
        self.fields["organization"].label_from_instance = tree_label  # "第一党小组" under its branch
        self.fields["activity_type"].queryset = ActivityType.objects.filter(is_active=True).exclude(
            category=ActivityCategory.TALK)
        if members is not None:
            self.fields["host"].queryset = members
            self.fields["recorder"].queryset = members
            self.fields["leading_cadres"].queryset = members
        else:
            self.fields["leading_cadres"].queryset = self.fields["leading_cadres"].queryset.none()
        self.fields["leading_cadres"].help_text = _("本支部党员中的领导干部以普通党员身份参加本次组织生活（双重组织生活）。")
        if self.instance.pk:
            self.fields["organization"].disabled = True
            self.fields["activity_type"].disabled = True
        for name in ("lecturer", "lecturer_role", "lecture_title"):
            self.fields[name].widget.attrs["data-show-for"] = "lecture"
        self.fields["is_election"].widget.attrs["data-show-for"] = "general_meeting"
        self.fields["activity_type"].widget.attrs["data-type-select"] = "1"

    def clean_photos(self):
        return self.files.getlist("photos") if self.files else []


class VoteForm(forms.Form):
    kind = forms.ChoiceField(label=_("事项类型"), choices=VoteKind.choices)
    subject = forms.CharField(label=_("表决事项"), max_length=200)
    subject_member = forms.ModelChoiceField(label=_("涉及党员/申请人"), queryset=None, required=False)
    yes = forms.IntegerField(label=_("赞成"), min_value=0)
    no = forms.IntegerField(label=_("反对"), min_value=0, initial=0)
    abstain = forms.IntegerField(label=_("弃权"), min_value=0, initial=0)
    written_yes = forms.IntegerField(label=_("书面赞成意见"), min_value=0, initial=0, required=False)

    def __init__(self, *args, members=None, **kwargs):
        super().__init__(*args, **kwargs)

        self.fields["subject_member"].queryset = members if members is not None else Member.objects.none()


class VoidForm(forms.Form):
    reason = forms.CharField(label=_("作废原因"), max_length=200)


class TalkForm(FormTokenMixin, forms.Form):
    held_on = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                              initial=timezone.localdate)
    participants = forms.ModelMultipleChoiceField(label=_("谈话双方"), queryset=None, widget=forms.CheckboxSelectMultiple)
    topic = forms.CharField(label=_("谈话主题"), max_length=200)
    note = forms.CharField(label=_("主要内容"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, members=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["participants"].queryset = members


class PeriodField(forms.CharField):
    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        try:
            return Period.parse(value)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc


class PeriodCloseForm(forms.Form):
    organization = forms.ModelChoiceField(label=_("党组织"), queryset=Organization.objects.none())
    period = PeriodField(label=_("期间"), help_text=_("如 2025、2025-Q3、2025-09"))

    def __init__(self, *args, organizations=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations
        use_picker(self.fields["organization"], action=MANAGE, only="units")


class ReopenForm(forms.Form):
    reason = forms.CharField(label=_("重新开放原因"), max_length=200)


class RuleForm(forms.Form):
    organization = forms.ModelChoiceField(label=_("适用范围"), queryset=Organization.objects.none())
    activity_type = forms.ModelChoiceField(label=_("活动类型"), queryset=ActivityType.objects.filter(is_active=True))
    holder = forms.ChoiceField(label=_("由谁召开"), choices=RuleHolder.choices)
    per = forms.ChoiceField(label=_("周期"), choices=RulePer.choices)
    min_count = forms.IntegerField(label=_("至少次数"), min_value=0, max_value=31)
    reason = forms.CharField(label=_("调整理由"), max_length=200, required=False,
                             help_text=_("低于上级要求或改变召开主体时必填。"))

    def __init__(self, *args, organizations=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations
        use_picker(self.fields["organization"], action=MANAGE, only="units")


class ActivityTypeForm(forms.ModelForm):
    class Meta:
        model = ActivityType
        fields = ["name", "code", "counts_for_completion", "takes_attendance"]


KIND_CHOICES = [("branches", _("党支部（含联合、临时）")), ("groups", _("党小组"))]
SORT_CHOICES = [("tree", _("按组织顺序")), ("missing", _("按缺项数（多→少）")), ("rate", _("按完成率（低→高）"))]


def _default_period():
    today = timezone.localdate()
    return Period.containing(RulePer.YEAR, today).key


class ComplianceFilterSet(PickerFilterSetMixin, django_filters.FilterSet):
    """One FilterSet for the compliance page, its XLSX export and the API: filters the organizations; the
    period, type and sort go to the engine."""

    organization = django_filters.ModelChoiceFilter(label=_("范围"), queryset=Organization.objects.none(),
                                                    method="in_subtree", empty_label=_("全部"), widget=FastSelect)
    kind = django_filters.ChoiceFilter(label=_("组织类型"), choices=KIND_CHOICES, method="by_kind", empty_label=_("党支部（默认）"))
    period = django_filters.CharFilter(label=_("期间"), method="noop", help_text=_("2025、2025-Q3 或 2025-09"))
    activity_type = django_filters.ModelChoiceFilter(label=_("活动类型"), method="noop", empty_label=_("全部类型"),
                                                     queryset=ActivityType.objects.filter(is_active=True))
    sort = django_filters.ChoiceFilter(label=_("排序"), choices=SORT_CHOICES, method="noop", empty_label=None)

    class Meta:
        model = Organization
        fields = []

    def __init__(self, data=None, queryset=None, *, request=None, scope=None, **kwargs):
        super().__init__(data, queryset, request=request, **kwargs)
        self.filters["organization"].queryset = scope if scope is not None else Organization.objects.none()
        self.form.fields["period"].widget.attrs["placeholder"] = _default_period()

    def in_subtree(self, qs, name, value):
        return qs.filter(path__startswith=value.path) if value else qs

    def by_kind(self, qs, name, value):
        return qs

    def noop(self, qs, name, value):
        return qs

    @property
    def qs(self):
        qs = super().qs
        kind = self.form.cleaned_data.get("kind") if self.form.is_valid() else None
        if kind == "groups":
            return qs.filter(kind=OrganizationKind.PARTY_GROUP)
        return qs.filter(kind__in=BRANCH_KINDS)

    def get_period(self) -> Period:
        raw = getattr(self.form, "cleaned_data", {}).get("period") or _default_period()
        try:
            return Period.parse(raw)
        except ValueError:
            return Period.parse(_default_period())

    def is_valid(self):
        ok = super().is_valid()
        raw = self.form.cleaned_data.get("period") if ok else None
        if raw:
            try:
                Period.parse(raw)
            except ValueError as exc:
                self.form.add_error("period", str(exc))
                return False
        return ok


def default_held_on() -> date:
    return timezone.localdate()


__all__ = ["ActivityForm", "ComplianceFilterSet", "EXCEPTION_CHOICES", "FrequencyRule", "parse_marks"]
