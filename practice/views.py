"""Practice pages. One table definition per kind drives its list page and its XLSX export; each view parses
input, checks rights (practice.permissions), calls one service or selector and renders."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views import View

from branches.models import Organization
from portal.concurrency import SingleSubmitMixin
from portal.history import history_rows
from portal.scoping import CHANGE, MANAGE, VIEW, can, scope_for
from portal.uploads import protected_file_response
from portal.views import PortalPageMixin, PostActionsView, ServiceActionView, ServiceFormView
from portal.xlsx import DATE, Column, Sheet, xlsx_response

from . import forms as pf
from . import selectors, services
from .models import Attachment, Brand, BrandEntry, ContactPoint, Notice, StudyPlanItem, StudyRecord
from .permissions import (
    EDIT_ACTION,
    can_edit_org,
    can_edit_study,
    can_record_visit,
    can_score,
    can_view_notice,
    can_view_org,
    editable_study_records,
    may_record_study,
    own_member,
    visit_points,
)

PAGE_SIZE = 50


def _org(o):
    return o.organization.name


def _holders(p):
    return "、".join(h.name for h in p.holders.all())


@dataclass
class KindPage:
    title: str
    columns: list          # portal.xlsx Column: the same cells on the page and in the export
    form: type | None = None
    detail: bool = True    # first column links to the detail page (else to the edit page)
    add_label: str = _("新增")


KINDS = {
    "brand": KindPage(_("党建品牌"), [
        Column(_("品牌名称"), "name", width=20), Column(_("口号"), "slogan", width=24), Column(_("党组织"), _org, width=24),
        Column(_("上级品牌"), lambda b: b.parent.name if b.parent else "", width=16),
        Column(_("创建日期"), "launched_on", number_format=DATE, width=12),
        Column(_("获评"), lambda b: "、".join(r.title for r in b.recognitions.all() if not r.is_voided), width=24),
    ], pf.BrandForm, add_label=_("创建品牌")),
    "round": KindPage(_("品牌评选"), [
        Column(_("评选名称"), "name", width=28), Column(_("年度"), "year", width=8), Column(_("组织单位"), _org, width=24),
        Column(_("授予称号"), "award_title", width=16), Column(_("状态"), lambda r: r.get_status_display(), width=10),
    ], pf.RoundForm, add_label=_("发起评选")),
    "post": KindPage(_("党员先锋岗/责任区"), [
        Column(_("名称"), "name", width=24), Column(_("类型"), lambda p: p.get_kind_display(), width=10),
        Column(_("党支部"), _org, width=24), Column(_("党员"), _holders, width=24),
        Column(_("公开承诺"), "commitment", width=40),
        Column(_("开始"), "starts_on", number_format=DATE, width=12), Column(_("结束"), "ends_on", number_format=DATE, width=12),
    ], pf.PostForm, add_label=_("设岗定区")),
    "study": KindPage(_("学习记录"), [
        Column(_("学习内容"), "topic", width=30), Column(_("党员"), lambda r: r.member.name, width=10),
        Column(_("党支部"), _org, width=24), Column(_("日期"), "studied_on", number_format=DATE, width=12),
        Column(_("学时"), lambda r: float(r.hours), width=8), Column(_("方式"), lambda r: r.get_source_display(), width=12),
        Column(_("心得笔记"), "notes", width=40),
    ], None, detail=False, add_label=_("记录学习")),
    "contest": KindPage(_("知识竞赛"), [
        Column(_("竞赛名称"), "name", width=28), Column(_("组织单位"), _org, width=24),
        Column(_("日期"), "held_on", number_format=DATE, width=12), Column(_("级别"), lambda c: c.get_level_display(), width=10),
    ], pf.ContestForm, add_label=_("登记竞赛")),
    "plan": KindPage(_("学习排档表"), [
        Column(_("排档表"), str, width=36), Column(_("党支部"), _org, width=24), Column(_("年度"), "year", width=8),
        Column(_("事项"), "item_count", width=8), Column(_("已完成"), "done_count", width=8),
    ], pf.PlanForm, add_label=_("制定排档表")),
    "course": KindPage(_("培训班"), [
        Column(_("培训名称"), "name", width=28), Column(_("类别"), lambda c: c.get_kind_display(), width=14),
        Column(_("主办组织"), _org, width=24), Column(_("学时"), lambda c: float(c.hours), width=8),
        Column(_("开始"), "starts_on", number_format=DATE, width=12), Column(_("结束"), "ends_on", number_format=DATE, width=12),
        Column(_("参训"), "attended_count", width=8), Column(_("结业"), "completed_count", width=8),
    ], pf.CourseForm, add_label=_("登记培训班")),
    "contact": KindPage(_("党建联系点"), [
        Column(_("联系党支部"), _org, width=28), Column(_("年度"), "year", width=8),
        Column(_("联系人"), lambda c: c.contact_name, width=12), Column(_("职务"), "contact_title", width=14),
        Column(_("走访次数"), "visit_count", width=10),
    ], pf.ContactPointForm, add_label=_("确定联系点")),
    "honour": KindPage(_("荣誉"), [
        Column(_("荣誉"), lambda h: h.display_title, width=20), Column(_("级别"), lambda h: h.get_level_display(), width=10),
        Column(_("年度"), "year", width=8), Column(_("获奖党员"), lambda h: h.member.name if h.member else "", width=10),
        Column(_("组织"), _org, width=24), Column(_("授予单位"), "issuer", width=20), Column(_("事迹"), "citation", width=40),
    ], pf.HonourForm, detail=False, add_label=_("登记荣誉")),
    "notice": KindPage(_("通知公告"), [
        Column(_("标题"), "title", width=36), Column(_("发布范围"), _org, width=24),
        Column(_("对象"), lambda n: n.get_audience_display(), width=12),
        Column(_("发布时间"), lambda n: timezone.localtime(n.published_at).strftime("%Y-%m-%d %H:%M"), width=18),
    ], pf.NoticeForm, add_label=_("发布通知")),
}
DETAIL_URLS = {"brand": "brand_detail", "round": "round_detail", "post": "post_detail", "contest": "contest_detail",
               "plan": "plan_detail", "course": "course_detail", "contact": "contact_detail",
               "notice": "notice_detail"}


def _url_for(kind, obj):
    if kind == "study":
        return reverse("practice:study_edit", args=[obj.pk])
    if kind in DETAIL_URLS:
        return reverse(f"practice:{DETAIL_URLS[kind]}", args=[obj.pk])
    return reverse("practice:edit", args=[kind, obj.pk])


def _row_url(user, kind, obj) -> str | None:
    """A list row's link, or None when its target would refuse `user`: kinds without a detail page link
    to their edit page, which needs the right to edit (practice.permissions), not just to view."""
    if kind not in DETAIL_URLS:
        allowed = can_edit_study(user, obj) if kind == "study" else can_edit_org(user, kind, obj.organization)
        if not allowed:
            return None
    return _url_for(kind, obj)


def _may_add(user, kind) -> bool:

    if kind == "study":
        return own_member(user) is not None or Organization.objects.restrict(user, CHANGE).exists()
    return Organization.objects.restrict(user, EDIT_ACTION[kind]).exists()


class HomeView(PortalPageMixin, View):
    """Overview: links to every kind, this year's figures for the user's scope."""

    def get(self, request):

        year = timezone.localdate().year
        qs = Organization.objects.scope_roots(request.user, VIEW)
        summary = None
        if scope_for(request.user).has_any(VIEW):
            summary = selectors.scope_practice_summary(organizations_qs=qs, start=date(year, 1, 1),
                                                       end=date(year, 12, 31))
        criteria = [summary[k] for k, _ in selectors.CRITERIA] if summary else []
        return render(request, "practice/home.html", {"kinds": KINDS, "criteria": criteria, "year": year,
                                                      "member": own_member(request.user)})


class ListView(PortalPageMixin, View):
    def get(self, request, kind):
        if kind not in KINDS:
            raise Http404
        page_def = KINDS[kind]
        qs, filterset = selectors.practice_list(kind, user=request.user, filters=request.GET, request=request)
        if request.GET.get("format") == "xlsx":
            if not filterset.is_valid():
                messages.error(request, _("筛选条件有误，未导出。"))
                return redirect("practice:list", kind=kind)
            return xlsx_response(f"{page_def.title}.xlsx", [Sheet(str(page_def.title)[:31], page_def.columns,
                                                                  qs.iterator(chunk_size=1000) if kind not in ("brand", "post") else qs)])
        if not qs.ordered:  # a page must be stable between requests: newest first when the kind sets no order
            qs = qs.order_by("-pk")
        page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
        rows = []
        for obj in page:
            cells = []
            for col in page_def.columns:
                value = col.value(obj) if callable(col.value) else getattr(obj, col.value, "")
                cells.append("" if value is None else value)
            rows.append({"obj": obj, "url": _row_url(request.user, kind, obj), "cells": cells})
        return render(request, "practice/list.html", {
            "kind": kind, "page_def": page_def, "filter": filterset, "page_obj": page, "rows": rows,
            "headers": [c.header for c in page_def.columns], "can_add": _may_add(request.user, kind),
            "total": page.paginator.count,
        })


class CreateView(PortalPageMixin, SingleSubmitMixin, ServiceFormView):
    template_name = "practice/form.html"
    success_message = _("已保存。")

    def load(self, request, kind):
        if kind not in KINDS or KINDS[kind].form is None:
            raise Http404
        if not _may_add(request.user, kind):
            raise PermissionDenied(_("您没有可登记此类记录的组织。"))
        self.form_class = KINDS[kind].form
        return {"kind": kind}

    def get_title(self, objects):
        return KINDS[objects["kind"]].add_label

    def form_kwargs(self, objects):
        initial = {"organization": self.request.GET["organization"]} if self.request.GET.get("organization") else {}
        return {"user": self.request.user, "initial": initial}

    def perform(self, form, objects):
        return services.record_create_of_kind(page_kind=objects["kind"], by=self.request.user, **form.cleaned_data)

    def success_url(self, obj, objects):
        return _url_for(objects["kind"], obj)


class EditView(PortalPageMixin, ServiceFormView):
    template_name = "practice/form.html"
    success_message = _("已保存。")

    def load(self, request, kind, pk):
        if kind not in KINDS or KINDS[kind].form is None:
            raise Http404
        self.form_class = KINDS[kind].form
        obj = selectors.practice_get(kind, user=request.user, pk=pk, action=EDIT_ACTION[kind])
        return {"kind": kind, "obj": obj, "history": history_rows(obj) if request.method == "GET" else None}

    def get_title(self, objects):
        return _("编辑：{obj}").format(obj=objects["obj"])

    def form_kwargs(self, objects):
        return {"instance": objects["obj"], "user": self.request.user}

    def perform(self, form, objects):
        obj = objects["obj"]
        data = dict(form.cleaned_data)
        obj.refresh_from_db()   # the form wrote its input onto the instance; the service compares with the row
        services.record_update_of_kind(page_kind=objects["kind"], obj=obj, by=self.request.user, **data)
        return obj

    def success_url(self, obj, objects):
        return _url_for(objects["kind"], obj)


class DeactivateView(PortalPageMixin, View):
    """Soft delete with a reason (POST only); restore with ?restore=1."""

    def post(self, request, kind, pk):
        if kind == "study":
            obj = get_object_or_404(editable_study_records(request.user).select_related("member", "organization"), pk=pk)
        elif kind in KINDS and KINDS[kind].form is not None:
            obj = selectors.practice_get(kind, user=request.user, pk=pk, action=EDIT_ACTION[kind])
        else:
            raise Http404
        if request.POST.get("restore") == "1":
            services.record_restore(obj=obj, by=request.user)
            messages.success(request, _("已恢复。"))
        else:
            try:
                services.record_deactivate(obj=obj, reason=request.POST.get("reason", ""), by=request.user)
            except ValidationError as exc:
                messages.error(request, _("；").join(exc.messages))
            else:
                messages.success(request, _("已停用，记录仍保留在历史中。"))
        return redirect(request.POST.get("next") or reverse("practice:list", args=[kind]))


# --- study: a member records her own study (phone-first) --------------------------------------------------
class MyStudyView(PortalPageMixin, SingleSubmitMixin, ServiceFormView):
    template_name = "practice/study_mine.html"
    form_class = pf.StudyRecordForm
    success_message = _("学习记录已保存。")

    def load(self, request):
        member = own_member(request.user)
        if member is None and request.method == "POST":
            raise PermissionDenied(_("您的账号未关联党员信息，不能记录个人学习。"))
        return {"member": member}

    def form_kwargs(self, objects):
        return {"user": self.request.user, "own_only": True}

    def context(self, form, objects):
        member = objects["member"]
        year = timezone.localdate().year
        records, total = selectors.member_study(member=member, year=year) if member else ([], 0)
        return {"form": form if member else None, "member": member, "records": records, "total": total, "year": year}

    def perform(self, form, objects):
        return services.study_record_create(member=objects["member"], by=self.request.user, **form.cleaned_data)

    def success_url(self, record, objects):
        return "practice:study_mine"


class StudyCreateView(PortalPageMixin, SingleSubmitMixin, ServiceFormView):
    """Secretaries and staff record study for members they keep (a member uses MyStudyView)."""

    template_name = "practice/form.html"
    form_class = pf.StudyRecordForm
    title = _("记录学习")
    success_message = _("学习记录已保存。")

    def form_kwargs(self, objects):
        return {"user": self.request.user}

    def context(self, form, objects):
        if self.request.method == "GET" and not may_record_study(self.request.user):
            raise PermissionDenied(_("您没有可记录学习的党员。"))
        return {**super().context(form, objects), "kind": "study"}

    def perform(self, form, objects):
        return services.study_record_create(by=self.request.user, **form.cleaned_data)

    def success_url(self, record, objects):
        return reverse("practice:list", kwargs={"kind": "study"})


class StudyEditView(PortalPageMixin, ServiceFormView):
    template_name = "practice/study_edit.html"
    form_class = pf.StudyRecordForm
    success_message = _("已保存。")

    def load(self, request, pk):
        # Outside what the user may see: 404. Visible but not hers to edit: 403.
        record = get_object_or_404(StudyRecord.objects.visible_to(request.user).select_related("member", "organization"),
                                   pk=pk)
        if not can_edit_study(request.user, record):
            raise PermissionDenied(_("只能修改本人或本支部的学习记录。"))
        return {"record": record}

    def form_kwargs(self, objects):
        return {"instance": objects["record"], "user": self.request.user}

    def context(self, form, objects):
        record = objects["record"]
        return {"form": form, "record": record, "own": record.member.user_id == self.request.user.id,
                "history": history_rows(record)}

    def perform(self, form, objects):
        record = objects["record"]
        data = dict(form.cleaned_data)
        record.refresh_from_db()   # the form wrote its input onto the instance; the service compares with the row
        return services.study_record_update(record=record, by=self.request.user, **data)

    def success_url(self, record, objects):
        if objects["record"].member.user_id == self.request.user.id:
            return reverse("practice:study_mine")
        return reverse("practice:list", args=["study"])


# --- brands ------------------------------------------------------------------------------------------------
def _brand_ctx(request, brand, **extra):
    atts = list(brand.attachments.live())
    ctx = {"brand": brand, "can_edit": can_edit_org(request.user, "brand", brand.organization),
           "parent_visible": brand.parent is not None and can_view_org(request.user, brand.parent.organization),
           "can_recognize": can_edit_org(request.user, "recognition", brand.organization),
           "children": brand.children.live().select_related("organization"),
           "recognitions": brand.recognitions.live(),
           "images": [a for a in atts if a.is_image], "documents": [a for a in atts if not a.is_image],
           "attachment_form": pf.AttachmentForm(), "recognition_form": pf.RecognitionForm(),
           "history": history_rows(brand)}
    ctx.update(extra)
    return ctx


class _BrandFormAction(ServiceFormView):
    """A form on the brand page (POST only): refused input shows the page again with the form's errors (400)."""

    template_name = "practice/brand_detail.html"
    invalid_status = 400
    right = "brand"
    denied = ""
    form_key = ""

    def load(self, request, pk):
        brand = selectors.practice_get("brand", user=request.user, pk=pk)
        if not can_edit_org(request.user, self.right, brand.organization):
            raise PermissionDenied(self.denied)
        return {"brand": brand}

    def context(self, form, objects):
        return _brand_ctx(self.request, objects["brand"], **{self.form_key: form})

    def success_url(self, result, objects):
        return objects["brand"]


class BrandAttachAction(_BrandFormAction):
    form_class = pf.AttachmentForm
    denied = _("无权上传本品牌的材料。")
    form_key = "attachment_form"
    success_message = _("材料已上传。")

    def perform(self, form, objects):
        return services.attachment_add(owner=objects["brand"], upload=form.cleaned_data["file"],
                                       caption=form.cleaned_data["caption"], by=self.request.user)


class BrandRecognizeAction(_BrandFormAction):
    form_class = pf.RecognitionForm
    right = "recognition"
    denied = _("品牌获评由上级党务工作人员登记。")
    form_key = "recognition_form"
    success_message = _("已登记获评。")

    def perform(self, form, objects):
        return services.recognition_add(brand=objects["brand"], by=self.request.user, **form.cleaned_data)


class BrandAttachmentRemoveAction(ServiceActionView):
    success_message = _("已移除。")

    def load(self, request, pk):
        brand = selectors.practice_get("brand", user=request.user, pk=pk)
        if not can_edit_org(request.user, "brand", brand.organization):
            raise PermissionDenied(_("无权删除本品牌的材料。"))
        att = get_object_or_404(brand.attachments.live(), pk=request.POST.get("attachment"))
        return {"brand": brand, "attachment": att}

    def perform(self, form, objects):
        services.record_deactivate(obj=objects["attachment"], reason="从品牌材料中移除", by=self.request.user)

    def redirect_url(self, objects):
        return objects["brand"]


class BrandDetailView(PortalPageMixin, PostActionsView):
    actions = {"attach": BrandAttachAction, "recognize": BrandRecognizeAction,
               "remove_attachment": BrandAttachmentRemoveAction}

    def get(self, request, pk):
        brand = selectors.practice_get("brand", user=request.user, pk=pk)
        return render(request, "practice/brand_detail.html", _brand_ctx(request, brand))


class BrandGalleryView(PortalPageMixin, View):
    """A showcase of the brands in a subtree (the user's scope, or ?organization=)."""

    def get(self, request):
        qs, filterset = selectors.practice_list("brand", user=request.user, filters=request.GET, request=request)
        qs = qs.prefetch_related("attachments")
        brands = list(qs[:120])
        for b in brands:
            b.cover = next((a for a in b.attachments.all() if not a.is_voided and a.is_image), None)
        return render(request, "practice/brand_gallery.html", {"brands": brands, "filter": filterset})


class AttachmentView(PortalPageMixin, View):
    """Files go out only here, after the owner's scope check; never from a public media URL."""

    def get(self, request, pk):
        att = get_object_or_404(Attachment.objects.live().select_related("brand__organization",
                                                                                        "notice__organization"), pk=pk)
        if att.brand_id:
            if not Brand.objects.restrict(request.user, VIEW).filter(pk=att.brand_id).exists():
                raise Http404
        elif not can_view_notice(request.user, att.notice):
            raise Http404
        if request.GET.get("thumb") == "1" and att.thumbnail:
            return protected_file_response(request, att.thumbnail, att.original_name, content_type="image/jpeg",
                                           as_attachment=False, cache_seconds=3600)
        return protected_file_response(request, att.file, att.original_name, content_type=att.content_type,
                                       as_attachment=not att.is_image, cache_seconds=3600)


# --- selection rounds ---------------------------------------------------------------------------------------
def _round_ctx(request, rnd, **extra):
    entries = list(BrandEntry.objects.filter(round=rnd).select_related("brand__organization")
                   .prefetch_related("scores__judge"))
    for e in entries:
        e.my_score = next((s for s in e.scores.all() if s.judge_id == request.user.pk), None)
    ctx = {"round": rnd, "entries": entries, "can_manage": can(request.user, MANAGE, rnd.organization.path),
           "can_score": can_score(request.user, rnd), "entry_form": pf.EntryForm(round=rnd, user=request.user),
           "can_enter": Brand.objects.restrict(request.user, CHANGE).within(rnd.organization.path).exists()}
    ctx.update(extra)
    return ctx


class _RoundAction(ServiceActionView):
    success_message = _("已保存。")

    def load(self, request, pk):
        return {"round": selectors.practice_get("round", user=request.user, pk=pk)}

    def redirect_url(self, objects):
        return objects["round"]


class RoundEnterAction(_RoundAction):
    """A brand of the user's branch enters the round; refused input shows the round page again (400)."""

    form_class = pf.EntryForm

    def form_kwargs(self, objects):
        return {"round": objects["round"], "user": self.request.user}

    def form_invalid(self, form, objects):
        return render(self.request, "practice/round_detail.html",
                      _round_ctx(self.request, objects["round"], entry_form=form), status=400)

    def perform(self, form, objects):
        if not can(self.request.user, CHANGE, form.cleaned_data["brand"].organization.path):
            raise PermissionDenied(_("只能为本支部的品牌报名。"))
        return services.round_enter(round=objects["round"], by=self.request.user, **form.cleaned_data)


class RoundScoreAction(_RoundAction):
    form_class = pf.ScoreForm
    invalid_message = _("得分须为 0 至 100 之间的数。")

    def load(self, request, pk):
        objects = super().load(request, pk)
        if not can_score(request.user, objects["round"]):
            raise PermissionDenied(_("您不是本次评选的评委。"))
        return {**objects, "entry": get_object_or_404(BrandEntry, round=objects["round"], pk=request.POST.get("entry"))}

    def perform(self, form, objects):
        return services.entry_score(entry=objects["entry"], judge=self.request.user, **form.cleaned_data)


class _RoundManageAction(_RoundAction):
    def load(self, request, pk):
        objects = super().load(request, pk)
        if not can(request.user, MANAGE, objects["round"].organization.path):
            raise PermissionDenied(_("只有组织单位的党务工作人员可以推进评选。"))
        return objects


class RoundStartScoringAction(_RoundManageAction):
    def perform(self, form, objects):
        return services.round_start_scoring(round=objects["round"], by=self.request.user)


class RoundCloseAction(_RoundManageAction):
    def perform(self, form, objects):
        return services.round_close(round=objects["round"], by=self.request.user)


class RoundDetailView(PortalPageMixin, PostActionsView):
    actions = {"enter": RoundEnterAction, "score": RoundScoreAction, "start_scoring": RoundStartScoringAction,
               "close": RoundCloseAction}

    def get(self, request, pk):
        rnd = selectors.practice_get("round", user=request.user, pk=pk)
        return render(request, "practice/round_detail.html", _round_ctx(request, rnd))

    def unknown_action(self, request, pk):
        selectors.practice_get("round", user=request.user, pk=pk)   # out of sight: 404 all the same
        raise Http404


# --- 先锋岗 / 责任区 -----------------------------------------------------------------------------------------
class PostDetailView(PortalPageMixin, ServiceFormView):
    """The post and its results; who may edit the post reports a result here (refused input: 400)."""

    template_name = "practice/post_detail.html"
    form_class = pf.PostResultForm
    invalid_status = 400
    success_message = _("成效已记录。")

    def load(self, request, pk):
        post = selectors.practice_get("post", user=request.user, pk=pk)
        if request.method == "POST" and not can_edit_org(request.user, "post", post.organization):
            raise PermissionDenied(_("无权为该岗区报告成效。"))
        return {"post": post}

    def context(self, form, objects):
        post = objects["post"]
        return {"post": post, "results": post.results.all(), "form": form,
                "can_edit": can_edit_org(self.request.user, "post", post.organization), "history": history_rows(post)}

    def perform(self, form, objects):
        return services.post_result_add(post=objects["post"], by=self.request.user, **form.cleaned_data)

    def success_url(self, result, objects):
        return objects["post"]


# --- contests, plans, courses --------------------------------------------------------------------------------
class _RecordFormView(PortalPageMixin, ServiceFormView):
    """A practice record's page with a form that adds to it: the record of `kind` with VIEW to read and
    `edit_action` to post; the form gets the record and the user; refused input answers 400."""

    kind: str
    edit_action = CHANGE
    invalid_status = 400

    def load(self, request, pk):
        action = self.edit_action if request.method == "POST" else VIEW
        return {self.kind: selectors.practice_get(self.kind, user=request.user, pk=pk, action=action)}

    def form_kwargs(self, objects):
        return {self.kind: objects[self.kind], "user": self.request.user}

    def success_url(self, result, objects):
        return reverse(f"practice:{self.kind}_detail", kwargs={"pk": objects[self.kind].pk})


class ContestDetailView(_RecordFormView):
    kind = "contest"
    template_name = "practice/contest_detail.html"
    form_class = pf.ContestResultForm
    success_message = _("成绩已保存。")

    def context(self, form, objects):
        contest = objects["contest"]
        return {"contest": contest, "results": contest.results.select_related("member__branch"),
                "can_edit": can_edit_org(self.request.user, "contest", contest.organization), "form": form}

    def perform(self, form, objects):
        return services.contest_result_set(contest=objects["contest"], by=self.request.user, **form.cleaned_data)


def _plan_ctx(request, plan, form=None):
    items = list(plan.items.all())
    done = sum(1 for i in items if i.done_on)
    return {"plan": plan, "items": items, "done": done, "rate": (done / len(items)) if items else 0,
            "can_edit": can_edit_org(request.user, "plan", plan.organization),
            "form": form or pf.PlanItemForm(), "today": timezone.localdate()}


class PlanItemAddAction(ServiceFormView):
    template_name = "practice/plan_detail.html"
    form_class = pf.PlanItemForm
    invalid_status = 400

    def load(self, request, pk):
        return {"plan": selectors.practice_get("plan", user=request.user, pk=pk, action=CHANGE)}

    def context(self, form, objects):
        return _plan_ctx(self.request, objects["plan"], form)

    def perform(self, form, objects):
        return services.plan_item_add(plan=objects["plan"], by=self.request.user, **form.cleaned_data)

    def success_url(self, item, objects):
        return reverse("practice:plan_detail", kwargs={"pk": objects["plan"].pk})


class PlanItemDoneAction(ServiceActionView):
    def load(self, request, pk):
        plan = selectors.practice_get("plan", user=request.user, pk=pk, action=CHANGE)
        return {"plan": plan, "item": get_object_or_404(StudyPlanItem, plan=plan, pk=request.POST.get("item"))}

    def perform(self, form, objects):
        undo = self.request.POST.get("undo") == "1"
        return services.plan_item_done(item=objects["item"], done_on=None if undo else timezone.localdate(),
                                       by=self.request.user)

    def redirect_url(self, objects):
        return reverse("practice:plan_detail", kwargs={"pk": objects["plan"].pk})


class PlanDetailView(PortalPageMixin, PostActionsView):
    actions = {"done": PlanItemDoneAction, "add": PlanItemAddAction}

    def action_name(self, request, kwargs):
        return "done" if request.POST.get("action") == "done" else "add"

    def get(self, request, pk):
        plan = selectors.practice_get("plan", user=request.user, pk=pk)
        return render(request, "practice/plan_detail.html", _plan_ctx(request, plan))


class CourseDetailView(_RecordFormView):
    kind = "course"
    edit_action = MANAGE
    template_name = "practice/course_detail.html"
    form_class = pf.AttendanceForm
    success_message = _("参训记录已保存。")

    def context(self, form, objects):
        course = objects["course"]
        can_edit = can_edit_org(self.request.user, "course", course.organization)
        return {"course": course, "attendances": course.attendances.select_related("member__branch"),
                "can_edit": can_edit, "form": form if (can_edit or self.request.method == "POST") else None}

    def perform(self, form, objects):
        return services.attendance_set(course=objects["course"], by=self.request.user, **form.cleaned_data)


# --- 联系点 -------------------------------------------------------------------------------------------------
class ContactDetailView(PortalPageMixin, ServiceFormView):
    template_name = "practice/contact_detail.html"
    form_class = pf.VisitForm
    invalid_status = 400
    success_message = _("走访已记录。")

    def load(self, request, pk):
        # The contact herself may open her point even without a role over the branch.
        visible = ContactPoint.objects.restrict(request.user, VIEW).values("pk")
        mine = visit_points(request.user).values("pk")
        qs = ContactPoint.objects.filter(Q(pk__in=visible) | Q(pk__in=mine))
        point = get_object_or_404(qs.select_related("organization", "contact_user", "contact_member"), pk=pk)
        if request.method == "POST" and not can_record_visit(request.user, point):
            raise PermissionDenied(_("只有该联系点的联系人或党务工作人员可以记录走访。"))
        return {"point": point}

    def context(self, form, objects):
        point = objects["point"]
        need = selectors.required_visits(branch_paths={point.organization_id: point.organization.path},
                                         start=date(point.year, 1, 1), end=date(point.year, 12, 31))
        visits = list(point.visits.live().prefetch_related("finding_items"))
        may_record = can_record_visit(self.request.user, point)
        return {"point": point, "visits": visits, "required": need[point.organization_id], "can_record": may_record,
                "form": form if (may_record or self.request.method == "POST") else None}

    def perform(self, form, objects):
        d = form.cleaned_data
        return services.contact_visit_record(contact_point=objects["point"], visited_on=d["visited_on"],
                                             checked=d["checked"], findings=d["findings"], problems=form.problems(),
                                             by=self.request.user)

    def success_url(self, visit, objects):
        return objects["point"]


# --- notices -------------------------------------------------------------------------------------------------
def _notice(request, pk):
    notice = get_object_or_404(Notice.objects.select_related("organization", "published_by"), pk=pk)
    if not can_view_notice(request.user, notice):
        raise Http404
    return notice


class NoticeDetailView(PortalPageMixin, ServiceActionView):
    """The notice (opening it marks it read); who manages its organization uploads attachments here."""

    form_class = pf.AttachmentForm
    invalid_message = _("请选择文件。")
    success_message = _("附件已上传。")

    def get(self, request, pk):
        notice = _notice(request, pk)
        recipient = selectors.notices_for_user(user=request.user).filter(pk=notice.pk).exists()
        if recipient and not notice.is_voided:
            services.notice_mark_read(notice=notice, user=request.user)
        can_manage = can(request.user, MANAGE, notice.organization.path)
        receipts, unread = selectors.notice_read_status(notice=notice) if can_manage else ([], [])
        return render(request, "practice/notice_detail.html", {
            "notice": notice, "attachments": notice.attachments.live(), "can_manage": can_manage,
            "receipts": receipts, "unread": unread, "attachment_form": pf.AttachmentForm()})

    def load(self, request, pk):
        notice = _notice(request, pk)
        if not can(request.user, MANAGE, notice.organization.path):
            raise PermissionDenied(_("无权修改该通知。"))
        return {"notice": notice}

    def perform(self, form, objects):
        return services.attachment_add(owner=objects["notice"], upload=form.cleaned_data["file"],
                                       caption=form.cleaned_data["caption"], by=self.request.user)

    def redirect_url(self, objects):
        return objects["notice"]


class MyNoticesView(PortalPageMixin, View):
    def get(self, request):
        notices = selectors.home_notices(user=request.user, limit=100)
        return render(request, "practice/notices_mine.html", {"notices": notices})


# --- panels (registered in apps.py) --------------------------------------------------------------------------
def home_panel(request, ctx):
    if not request.user.is_authenticated:
        return None
    notices = selectors.home_notices(user=request.user)
    member = own_member(request.user)
    if not notices and member is None:
        return None
    return "practice/panels/home.html", {"notices": notices, "unread": sum(1 for n in notices if not n.is_read),
                                         "member": member}


def organization_panel(request, org):
    if not org.is_branch:
        # Committees and 党总支 link to the subtree gallery instead of listing (keeps their page cheap).
        return "practice/panels/organization_link.html", {"org": org}
    data = selectors.branch_panel(org=org)
    if (not (data["posts"] or data["brands"] or data["honours"] or data["has_year_records"])
            and not can_edit_org(request.user, "post", org)):
        return None
    data["can_edit"] = can_edit_org(request.user, "post", org)
    return "practice/panels/organization.html", data


def member_panel(request, member):
    data = selectors.member_panel(member=member, year=timezone.localdate().year)
    data["study_url"] = reverse("practice:list", args=["study"]) + f"?q={member.name}&organization={member.branch_id}"
    return "practice/panels/member.html", data

