"""Forms of the 发展党员 pages: they parse input; the services decide."""
from __future__ import annotations

from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from branches.forms import DateInput
from portal.concurrency import FormTokenMixin
from portal.pickers import PickersMixin
from portal.scoping import VIEW

from ..models import Education, Gender, Member, Milestone, MilestoneKind, Stage
from .lifecycle import branch_field


class CandidateForm(FormTokenMixin, forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=40)
    gender = forms.ChoiceField(label=_("性别"), choices=Gender.choices)
    birth_date = forms.DateField(label=_("出生日期"), widget=DateInput())
    applied_on = forms.DateField(label=_("递交入党申请书日期"), widget=DateInput())
    phone = forms.CharField(label=_("手机号"), max_length=20, required=False)
    education = forms.ChoiceField(label=_("学历"), choices=[("", "—")] + list(Education.choices), required=False)
    work_unit = forms.CharField(label=_("工作单位"), max_length=120, required=False)
    post = forms.CharField(label=_("职务/岗位"), max_length=80, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["branch"] = branch_field(user)


STEP_CHOICES = [(k.value, k.label) for k in MilestoneKind if k != MilestoneKind.APPLICATION]


def general_meetings(branch):
    """The branch's recorded 支部党员大会 (org-life Activity), newest first.

    Organizational life sits above members: the model is reached through the milestone's foreign key, not an import.
    """
    Activity = Milestone._meta.get_field("meeting").related_model
    return Activity.objects.general_meetings(branch)


def _meeting_label(a):
    return f"{a.held_on:%Y-%m-%d} {a.title}" + (str(_("（草稿，提交后方可引用）")) if a.status != "submitted" else "")


class MilestoneForm(forms.Form):
    kind = forms.ChoiceField(label=_("办理环节"), choices=STEP_CHOICES)
    on = forms.DateField(label=_("日期"), widget=DateInput(), initial=date.today)
    note = forms.CharField(label=_("说明"), max_length=300, required=False,
                           help_text=_("终止培养、延长预备期、取消资格须填写原因"))
    people = forms.ModelMultipleChoiceField(label=_("培养联系人 / 入党介绍人"), queryset=Member.objects.none(),
                                            required=False, help_text=_("指定培养联系人选1–2人；入党介绍人选2名正式党员"),
                                            widget=forms.SelectMultiple(attrs={"size": 6}))
    hours = forms.IntegerField(label=_("培训学时"), min_value=0, required=False)
    months = forms.IntegerField(label=_("延长月数"), min_value=1, max_value=24, required=False)
    meeting = forms.ModelChoiceField(label=_("支部党员大会记录"), queryset=None, required=False,
                                     help_text=_("讨论接收、延长预备期、转正时选择本支部已登记的党员大会"))
    meeting_on = forms.DateField(label=_("支部党员大会日期"), widget=DateInput(), required=False,
                                 help_text=_("会议未在系统中登记时填写日期和会议记录编号"))
    meeting_ref = forms.CharField(label=_("会议记录编号"), max_length=60, required=False)
    votes_for = forms.IntegerField(label=_("赞成票"), min_value=0, required=False)
    exception_reason = forms.CharField(label=_("例外原因（党务工作人员批准）"), max_length=300, required=False,
                                       widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, candidate, can_approve: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["people"].queryset = Member.objects.filter(branch=candidate.branch, is_active=True).order_by("name")
        self.fields["meeting"].queryset = general_meetings(candidate.branch)
        self.fields["meeting"].label_from_instance = _meeting_label
        if not can_approve:
            del self.fields["exception_reason"]


class DueListForm(PickersMixin, forms.Form):
    branch = forms.ModelChoiceField(label=_("党支部"), queryset=None, required=False, empty_label=_("（全部）"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["branch"] = branch_field(user, VIEW, required=False)


class CandidateFilterForm(DueListForm):
    stage = forms.ChoiceField(label=_("阶段"), choices=[("", _("（全部）"))] + list(Stage.choices), required=False)
    q = forms.CharField(label=_("姓名"), required=False)
