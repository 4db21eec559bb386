"""Forms for practice pages; choices are limited to what the user may act on."""
from __future__ import annotations

import copy

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from branches.models import Organization
from members.models import Member
from portal.concurrency import FormTokenMixin, VersionCheckMixin
from portal.pickers import PickersMixin, use_multi_picker
from portal.scoping import CHANGE, MANAGE, VIEW, scope_for

from .models import (
    Brand,
    BrandRecognition,
    BrandSelectionRound,
    ContactPoint,
    ContactVisitRule,
    Honour,
    KnowledgeContest,
    Notice,
    StudyPlan,
    StudyRecord,
    TrainingCourse,
    VanguardPost,
)
from .permissions import EDIT_ACTION, study_members

# ISO format: a type=date input only accepts YYYY-MM-DD, whatever the active locale formats dates as.
DATE = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


def _orgs(user, action, *, branches_only=False):

    qs = Organization.objects.restrict(user, action).active()
    return qs.branches() if branches_only else qs.exclude(kind="party_group")


def _members(user, action=CHANGE):

    return Member.objects.restrict(user, action).filter(is_active=True).select_related("branch").order_by("branch__path", "name")


def _indent(field):
    field.label_from_instance = lambda o: f"{'　' * (o.depth - 1)}{o.name}"


class PracticeForm(PickersMixin, VersionCheckMixin, FormTokenMixin, forms.ModelForm):
    """Base: sets date widgets and the organization choices for the kind's action."""

    kind = ""
    branches_only = False

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.DateField):
                field.widget = copy.deepcopy(DATE)
        if "organization" in self.fields:
            if self.instance.pk:
                del self.fields["organization"]        # records stay with their organization
            else:
                self.fields["organization"].queryset = _orgs(user, EDIT_ACTION[self.kind],
                                                             branches_only=self.branches_only)
                _indent(self.fields["organization"])


class BrandForm(PracticeForm):
    kind = "brand"

    class Meta:
        model = Brand
        fields = ["organization", "name", "parent", "slogan", "meaning", "tied_work", "launched_on"]
        widgets = {"meaning": forms.Textarea(attrs={"rows": 3}), "tied_work": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        parents = Brand.objects.restrict(user, VIEW).live().filter(parent__isnull=True)
        if self.instance.pk:
            parents = parents.exclude(pk=self.instance.pk)
        self.fields["parent"].queryset = parents
        self.fields["parent"].help_text = _("子品牌选择所属的总品牌，形成“1+N”品牌矩阵；总品牌留空。")


class RecognitionForm(forms.ModelForm):
    class Meta:
        model = BrandRecognition
        fields = ["title", "level", "awarded_on", "issuer"]
        widgets = {"awarded_on": DATE}


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("文件"), help_text=_("图片（JPG/PNG/WEBP/GIF，≤10 MB）或 PDF/Word/Excel/PPT（≤20 MB）"))
    caption = forms.CharField(label=_("说明"), max_length=200, required=False)


class RoundForm(PracticeForm):
    kind = "round"

    class Meta:
        model = BrandSelectionRound
        fields = ["organization", "name", "year", "award_title", "award_count"]


class EntryForm(forms.Form):
    brand = forms.ModelChoiceField(label=_("参评品牌"), queryset=Brand.objects.none())
    statement = forms.CharField(label=_("申报材料摘要"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, round, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["brand"].queryset = (Brand.objects.restrict(user, VIEW).live()
                                         .within(round.organization.path).exclude(entries__round=round))


class ScoreForm(forms.Form):
    score = forms.DecimalField(label=_("得分"), min_value=0, max_value=100, decimal_places=2)
    comment = forms.CharField(label=_("评语"), max_length=200, required=False)


class PostForm(PracticeForm):
    kind = "post"
    branches_only = True

    class Meta:
        model = VanguardPost
        fields = ["organization", "kind", "name", "scope", "holders", "commitment", "starts_on", "ends_on"]
        widgets = {"scope": forms.Textarea(attrs={"rows": 2}), "commitment": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["kind"].widget.attrs.pop("disabled", None)
        members = _members(user)
        if self.instance.pk:
            members = members.filter(branch__path__startswith=self.instance.organization.path)
        self.fields["holders"].queryset = members
        # Searched for, not listed: a 党委 may change thousands of members; the page draws only the chosen ones and
        # the field still accepts only its own queryset.
        use_multi_picker(self.fields["holders"], action=CHANGE)


class PostResultForm(PickersMixin, forms.Form):
    reported_on = forms.DateField(label=_("报告日期"), widget=DATE, initial=timezone.localdate)
    summary = forms.CharField(label=_("成效"), widget=forms.Textarea(attrs={"rows": 3}))


class StudyRecordForm(PickersMixin, VersionCheckMixin, FormTokenMixin, forms.ModelForm):
    """A member records her own study (no member field); secretaries/staff choose the member."""

    class Meta:
        model = StudyRecord
        fields = ["member", "studied_on", "topic", "hours", "source", "notes"]
        widgets = {"studied_on": DATE, "notes": forms.Textarea(attrs={"rows": 3}),
                   "hours": forms.NumberInput(attrs={"step": "0.5", "min": "0.5", "inputmode": "decimal"})}

    def __init__(self, *args, user, own_only=False, **kwargs):
        super().__init__(*args, **kwargs)
        if own_only or self.instance.pk:
            del self.fields["member"]
        else:
            self.fields["member"].queryset = study_members(user).select_related("branch").order_by("branch__path", "name")
            self.fields["member"].label_from_instance = lambda m: f"{m.name}（{m.branch.short_name or m.branch.name}）"
        self.fields["studied_on"].initial = timezone.localdate()
        self.fields["source"].initial = "xuexi"


class ContestForm(PracticeForm):
    kind = "contest"

    class Meta:
        model = KnowledgeContest
        fields = ["organization", "name", "held_on", "level", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class ContestResultForm(PickersMixin, forms.Form):
    member = forms.ModelChoiceField(label=_("党员"), queryset=None)
    score = forms.DecimalField(label=_("成绩"), required=False, decimal_places=1, max_digits=6)
    award = forms.CharField(label=_("获奖"), max_length=40, required=False)

    def __init__(self, *args, contest, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = _members(user).filter(branch__path__startswith=contest.organization.path)


class PlanForm(PracticeForm):
    kind = "plan"
    branches_only = True

    class Meta:
        model = StudyPlan
        fields = ["organization", "year", "title"]


class PlanItemForm(forms.Form):
    planned_on = forms.DateField(label=_("计划日期"), widget=DATE)
    topic = forms.CharField(label=_("学习专题"), max_length=160)
    form = forms.CharField(label=_("形式"), max_length=40, required=False)


class CourseForm(PracticeForm):
    kind = "course"

    class Meta:
        model = TrainingCourse
        fields = ["organization", "name", "kind", "hours", "starts_on", "ends_on", "location"]


class AttendanceForm(PickersMixin, forms.Form):
    member = forms.ModelChoiceField(label=_("学员"), queryset=None)
    attended = forms.BooleanField(label=_("参训"), required=False, initial=True)
    completed = forms.BooleanField(label=_("结业"), required=False)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)

    def __init__(self, *args, course, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = _members(user, MANAGE).filter(branch__path__startswith=course.organization.path)
        self.fields["member"].label_from_instance = lambda m: f"{m.name}（{m.branch.short_name or m.branch.name}）"


class ContactPointForm(PracticeForm):
    kind = "contact"
    branches_only = True

    class Meta:
        model = ContactPoint
        fields = ["organization", "year", "contact_user", "contact_member", "contact_title"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        from django.contrib.auth import get_user_model


        # Contacts are people holding a role within the staff member's subtree (committee members, staff).
        users = get_user_model().objects.filter(is_active=True)
        if not user.is_superuser:
            users = users.filter(scope_for(user).q(MANAGE, "role_grants__organization__path") | Q(pk=user.pk)).distinct()
        self.fields["contact_user"].queryset = users.order_by("username")
        self.fields["contact_user"].label_from_instance = lambda u: u.get_full_name() or u.get_username()
        self.fields["contact_member"].queryset = _members(user, MANAGE)

    def clean(self):
        data = super().clean()
        if not data.get("contact_user") and not data.get("contact_member"):
            raise forms.ValidationError(_("请选择联系人（账号或党员至少填一项）。"))
        return data


class ContactRuleForm(forms.ModelForm):
    class Meta:
        model = ContactVisitRule
        fields = ["min_visits_per_year"]


class VisitForm(PickersMixin, forms.Form):
    visited_on = forms.DateField(label=_("走访日期"), widget=DATE, initial=timezone.localdate)
    checked = forms.CharField(label=_("检查内容"), widget=forms.Textarea(attrs={"rows": 3}))
    findings = forms.CharField(label=_("发现问题（概述）"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    problem = forms.CharField(label=_("需整改的问题"), widget=forms.Textarea(attrs={"rows": 2}), required=False,
                              help_text=_("填写后将生成整改事项。"))
    requirement = forms.CharField(label=_("整改要求"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    due_on = forms.DateField(label=_("整改时限"), widget=DATE, required=False)
    responsible_person = forms.CharField(label=_("整改责任人"), max_length=40, required=False)

    def clean(self):
        data = super().clean()
        if data.get("problem"):
            for name in ("requirement", "due_on", "responsible_person"):
                if not data.get(name):
                    self.add_error(name, _("填写了整改问题时此项必填。"))
        return data

    def problems(self):
        d = self.cleaned_data
        if not d.get("problem"):
            return []
        return [{k: d[k] for k in ("problem", "requirement", "due_on", "responsible_person")}]


class HonourForm(PracticeForm):
    kind = "honour"

    class Meta:
        model = Honour
        fields = ["kind", "title", "level", "year", "awarded_on", "issuer", "member", "organization", "citation"]
        widgets = {"citation": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["member"].queryset = _members(user, MANAGE)
        self.fields["member"].label_from_instance = lambda m: f"{m.name}（{m.branch.short_name or m.branch.name}）"
        if "organization" in self.fields:
            self.fields["organization"].required = False
            self.fields["organization"].help_text = _("集体荣誉选择获奖组织；个人荣誉按党员所在支部自动填写。")


class NoticeForm(PracticeForm):
    kind = "notice"

    class Meta:
        model = Notice
        fields = ["organization", "audience", "title", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 8})}


class DeactivateForm(forms.Form):
    reason = forms.CharField(label=_("停用原因"), max_length=200)
