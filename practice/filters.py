"""One FilterSet per kind, shared by its list page, its XLSX export and its API endpoint."""
import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal.filters import UpdatedSinceFilterSet, scoped_queryset

from .models import (
    Audience,
    Brand,
    BrandRecognition,
    BrandSelectionRound,
    ContactPoint,
    ContactVisit,
    Honour,
    HonourKind,
    KnowledgeContest,
    Level,
    Notice,
    PostKind,
    StudyPlan,
    StudyRecord,
    StudySource,
    TrainingCourse,
    TrainingKind,
    VanguardPost,
)

ACTIVE_CHOICES = [("1", _("有效")), ("0", _("已停用")), ("all", _("全部"))]


class PracticeFilterSet(UpdatedSinceFilterSet):
    """Common filters: organization subtree (scoped choices), active state, year on the kind's date field."""

    organization = django_filters.ModelChoiceFilter(
        label=_("组织（含下级）"), queryset=scoped_queryset("branches.Organization"), method="in_subtree"
    )
    year = django_filters.NumberFilter(label=_("年度"), method="in_year", min_value=2000, max_value=2100)
    year_field: str | None = None   # date field (or integer year field) that `year` filters on
    year_is_int = False
    voidable = True  # the kind is a VoidableModel: `active` (1 有效 / 0 已停用 / all) filters on 作废

    def __init__(self, data=None, *args, **kwargs):
        if self.voidable and data is not None and not data.get("active"):
            data = data.copy()
            data["active"] = "1"
        super().__init__(data, *args, **kwargs)
        if "organization" in self.filters:
            self.filters["organization"].field.label_from_instance = lambda o: f"{'　' * (o.depth - 1)}{o.name}"
        if not self.voidable:
            self.filters.pop("active", None)
        if not self.year_field:
            self.filters.pop("year", None)

    active = django_filters.ChoiceFilter(label=_("状态"), choices=ACTIVE_CHOICES, method="active_filter", empty_label=None)

    def in_subtree(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.within(value.path)

    def in_year(self, queryset, name, value):
        if value is None or not self.year_field:
            return queryset
        lookup = self.year_field if self.year_is_int else f"{self.year_field}__year"
        return queryset.filter(**{lookup: int(value)})

    def active_filter(self, queryset, name, value):
        if value == "all" or not self.voidable:
            return queryset
        return queryset.filter(is_voided=(value == "0"))


def _search(*fields):
    def method(self, queryset, name, value):
        value = (value or "").strip()
        if not value:
            return queryset
        q = Q()
        for f in fields:
            q |= Q(**{f"{f}__icontains": value})
        return queryset.filter(q)

    return method


class BrandFilterSet(PracticeFilterSet):
    year_field = "launched_on"
    q = django_filters.CharFilter(label=_("品牌名称/口号"), method="search")
    search = _search("name", "slogan")

    class Meta:
        model = Brand
        fields = []


class RecognitionFilterSet(PracticeFilterSet):
    year_field = "awarded_on"
    level = django_filters.ChoiceFilter(label=_("级别"), choices=Level.choices)

    class Meta:
        model = BrandRecognition
        fields = ["level"]


class RoundFilterSet(PracticeFilterSet):
    year_field = "year"
    year_is_int = True
    status = django_filters.ChoiceFilter(label=_("状态"), choices=BrandSelectionRound.Status.choices)

    class Meta:
        model = BrandSelectionRound
        fields = ["status"]


class PostFilterSet(PracticeFilterSet):
    year_field = "starts_on"
    kind = django_filters.ChoiceFilter(label=_("类型"), choices=PostKind.choices)
    q = django_filters.CharFilter(label=_("名称/党员"), method="search")
    def search(self, queryset, name, value):
        # the holders join can repeat a post
        return _search("name", "holders__name")(self, queryset, name, value).distinct()

    class Meta:
        model = VanguardPost
        fields = ["kind"]


class StudyRecordFilterSet(PracticeFilterSet):
    year_field = "studied_on"
    source = django_filters.ChoiceFilter(label=_("学习方式"), choices=StudySource.choices)
    start = django_filters.DateFilter(label=_("起始日期"), field_name="studied_on", lookup_expr="gte")
    end = django_filters.DateFilter(label=_("截止日期"), field_name="studied_on", lookup_expr="lte")
    q = django_filters.CharFilter(label=_("党员/内容"), method="search")
    search = _search("member__name", "topic")

    class Meta:
        model = StudyRecord
        fields = ["source"]


class ContestFilterSet(PracticeFilterSet):
    year_field = "held_on"
    level = django_filters.ChoiceFilter(label=_("级别"), choices=Level.choices)

    class Meta:
        model = KnowledgeContest
        fields = ["level"]


class PlanFilterSet(PracticeFilterSet):
    year_field = "year"
    year_is_int = True

    class Meta:
        model = StudyPlan
        fields = []


class CourseFilterSet(PracticeFilterSet):
    year_field = "starts_on"
    kind = django_filters.ChoiceFilter(label=_("培训类别"), choices=TrainingKind.choices)

    class Meta:
        model = TrainingCourse
        fields = ["kind"]


class ContactPointFilterSet(PracticeFilterSet):
    year_field = "year"
    year_is_int = True

    class Meta:
        model = ContactPoint
        fields = []


class VisitFilterSet(PracticeFilterSet):
    year_field = "visited_on"
    organization = django_filters.ModelChoiceFilter(
        label=_("组织（含下级）"), queryset=scoped_queryset("branches.Organization"), method="in_subtree",
        field_name="contact_point__organization",
    )

    class Meta:
        model = ContactVisit
        fields = []


class HonourFilterSet(PracticeFilterSet):
    year_field = "year"
    year_is_int = True
    kind = django_filters.ChoiceFilter(label=_("荣誉类别"), choices=HonourKind.choices)
    level = django_filters.ChoiceFilter(label=_("级别"), choices=Level.choices)

    class Meta:
        model = Honour
        fields = ["kind", "level"]


class NoticeFilterSet(PracticeFilterSet):
    year_field = "published_at"
    audience = django_filters.ChoiceFilter(label=_("发送对象"), choices=Audience.choices)
    q = django_filters.CharFilter(label=_("标题"), method="search")
    search = _search("title")

    class Meta:
        model = Notice
        fields = ["audience"]
