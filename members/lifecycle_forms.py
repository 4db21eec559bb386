"""Forms of the lifecycle pages: they parse input; the services decide."""
from __future__ import annotations

from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from branches.forms import DateInput
from branches.models import Organization
from portal.concurrency import FormTokenMixin
from portal.scoping import CHANGE, VIEW

from .lifecycle_models import DuesClass, Grade, Milestone, MilestoneKind, PayMethod, Stage, StatusKind
from .models import Education, Gender, Member, MemberStatus


def _org_label(o):
    return f"{'　' * max(o.depth - 2, 0)}{o.name}"


BRANCH_LABEL = _("党支部")


def branch_field(user, action=CHANGE, *, label=BRANCH_LABEL, required=True):
    field = forms.ModelChoiceField(label=label, queryset=Organization.objects.restrict(user, action).active().branches(),
                                   required=required, empty_label=_("（全部）") if not required else "---------")
    field.label_from_instance = _org_label
    return field


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


class DueListForm(forms.Form):
    branch = forms.ModelChoiceField(label=_("党支部"), queryset=None, required=False, empty_label=_("（全部）"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["branch"] = branch_field(user, VIEW, required=False)


class CandidateFilterForm(DueListForm):
    stage = forms.ChoiceField(label=_("阶段"), choices=[("", _("（全部）"))] + list(Stage.choices), required=False)
    q = forms.CharField(label=_("姓名"), required=False)


class MonthForm(forms.Form):
    month = forms.CharField(label=_("月份"), widget=forms.TextInput(attrs={"type": "month"}), required=False)

    def clean_month(self):
        value = self.cleaned_data.get("month")
        if not value:
            return date.today().replace(day=1)
        try:
            return date.fromisoformat(f"{value}-01")
        except ValueError as exc:
            raise forms.ValidationError(_("月份格式应为 YYYY-MM。")) from exc


class DuesPayForm(MonthForm):
    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["branch"] = branch_field(user)
        self.order_fields(["branch", "month"])


class DuesMarkForm(forms.Form):
    paid_on = forms.DateField(label=_("缴纳日期"), widget=DateInput(), initial=date.today)
    method = forms.ChoiceField(label=_("方式"), choices=PayMethod.choices, initial=PayMethod.WECHAT)


class YearBranchForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100, required=False)

    def __init__(self, *args, user, action=VIEW, branch_required=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["branch"] = branch_field(user, action, required=branch_required)
        self.order_fields(["branch", "year"])

    def clean_year(self):
        return self.cleaned_data.get("year") or date.today().year


class DuesBaseForm(forms.Form):
    dues_class = forms.ChoiceField(label=_("缴费类别"), choices=DuesClass.choices)
    base = forms.DecimalField(label=_("月缴费基数（元）"), min_value=0, max_digits=10, decimal_places=2, required=False,
                              help_text=_("在职：每月工资收入（税后）；离退休：每月养老金"))
    fixed_amount = forms.DecimalField(label=_("核定金额（元/月）"), min_value=0, max_digits=8, decimal_places=2,
                                      required=False, help_text=_("农民党员按 0.2–1 元核定"))
    effective_from = forms.DateField(label=_("起始月份（该月1日）"), widget=DateInput(), initial=lambda: date.today().replace(day=1))
    note = forms.CharField(label=_("说明"), max_length=200, required=False)


class TransferForm(forms.Form):
    """The destination inside the system is given by its 组织编码: the page must not list branches outside the
    user's scope (their names are not hers to browse)."""

    KIND_CHOICES = [("internal", _("转到系统内其他党支部（须对方接收）")), ("out", _("转出到系统外（开具介绍信）"))]
    kind = forms.ChoiceField(label=_("转接方式"), choices=KIND_CHOICES, widget=forms.RadioSelect, initial="internal")
    to_branch_code = forms.CharField(label=_("转入党支部编码"), max_length=40, required=False,
                                     help_text=_("系统内转接：填写转入党支部的组织编码（向对方党支部或上级党务工作人员索取）"))
    counterpart = forms.CharField(label=_("系统外转入党组织"), max_length=120, required=False)
    letter_no = forms.CharField(label=_("介绍信编号"), max_length=60, required=False)
    on = forms.DateField(label=_("日期"), widget=DateInput(), initial=date.today)
    reason = forms.CharField(label=_("转接原因"), max_length=200, required=False)

    def __init__(self, *args, member, **kwargs):
        super().__init__(*args, **kwargs)
        self.member = member

    def clean(self):
        data = super().clean()
        if data.get("kind") == "internal":
            code = (data.get("to_branch_code") or "").strip()
            branch = Organization.objects.active().branches().filter(code__iexact=code).first() if code else None
            if branch is None:
                self.add_error("to_branch_code", _("未找到该编码的在册党支部，请核对。"))
            data["to_branch"] = branch
        return data


class TransferInForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=40)
    gender = forms.ChoiceField(label=_("性别"), choices=Gender.choices)
    birth_date = forms.DateField(label=_("出生日期"), widget=DateInput())
    status = forms.ChoiceField(label=_("党员身份"), choices=MemberStatus.choices)
    joined_on = forms.DateField(label=_("入党日期"), widget=DateInput())
    confirmed_on = forms.DateField(label=_("转正日期"), widget=DateInput(), required=False)
    counterpart = forms.CharField(label=_("原所在党组织（系统外）"), max_length=120)
    letter_no = forms.CharField(label=_("介绍信编号"), max_length=60)
    on = forms.DateField(label=_("转入日期"), widget=DateInput(), initial=date.today)
    phone = forms.CharField(label=_("手机号"), max_length=20, required=False)
    work_unit = forms.CharField(label=_("工作单位"), max_length=120, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_branch"] = branch_field(user, label=_("转入党支部"))


class ReturnForm(forms.Form):
    reason = forms.CharField(label=_("退回原因"), max_length=200)


class MobileForm(forms.Form):
    location = forms.CharField(label=_("流动所在地（留空表示已返回）"), max_length=120, required=False)
    since = forms.DateField(label=_("外出起始日"), widget=DateInput(), initial=date.today)


class StatusForm(forms.Form):
    kind = forms.ChoiceField(label=_("变化类型"), choices=StatusKind.choices)
    on = forms.DateField(label=_("决定日期"), widget=DateInput(), initial=date.today)
    months = forms.IntegerField(label=_("期限（月）"), min_value=1, max_value=24, required=False,
                                help_text=_("延长预备期 6–12；留党察看 12 或 24"))
    meeting = forms.ModelChoiceField(label=_("支部党员大会记录"), queryset=None, required=False)
    meeting_on = forms.DateField(label=_("支部党员大会日期"), widget=DateInput(), required=False)
    meeting_ref = forms.CharField(label=_("会议记录编号"), max_length=60, required=False)
    reason = forms.CharField(label=_("原因/说明"), max_length=300, required=False)
    exception_reason = forms.CharField(label=_("例外原因（党务工作人员批准）"), max_length=300, required=False)

    def __init__(self, *args, member, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["meeting"].queryset = general_meetings(member.branch)
        self.fields["meeting"].label_from_instance = _meeting_label


class PointsEntryForm(forms.Form):
    member = forms.ModelChoiceField(label=_("党员"), queryset=Member.objects.none())
    item = forms.ModelChoiceField(label=_("积分项目"), queryset=None)
    occurred_on = forms.DateField(label=_("日期"), widget=DateInput(), initial=date.today)
    quantity = forms.IntegerField(label=_("次数"), min_value=1, max_value=50, initial=1)
    note = forms.CharField(label=_("事由"), max_length=200)

    def __init__(self, *args, members_qs, items_qs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = members_qs
        self.fields["item"].queryset = items_qs
        self.fields["item"].label_from_instance = lambda i: (
            f"{i.category} · {i.name}（{'+' if i.direction == 'bonus' else '−'}{i.points}）")


GRADE_CHOICES = [("", "—")] + list(Grade.choices)
