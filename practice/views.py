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
from portal.forms import apply_validation_error
from portal.history import history_rows
from portal.scoping import CHANGE, MANAGE, VIEW, can, scope_for
from portal.uploads import protected_file_response
from portal.views import PortalPageMixin, ServiceFormView
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
    own_member,
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
            summary = selectors.subtree_practice_summary(organizations_qs=qs, start=date(year, 1, 1),
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
class MyStudyView(PortalPageMixin, SingleSubmitMixin, View):
    def _ctx(self, request, form):
        member = own_member(request.user)
        year = timezone.localdate().year
        records, total = selectors.member_study(member=member, year=year) if member else ([], 0)
        return {"form": form, "member": member, "records": records, "total": total, "year": year}

    def get(self, request):
        member = own_member(request.user)
        form = pf.StudyRecordForm(user=request.user, own_only=True) if member else None
        return render(request, "practice/study_mine.html", self._ctx(request, form))

    def post(self, request):
        member = own_member(request.user)
        if member is None:
            raise PermissionDenied(_("您的账号未关联党员信息，不能记录个人学习。"))
        form = pf.StudyRecordForm(request.POST, user=request.user, own_only=True)
        if form.is_valid():
            try:
                services.study_record_create(member=member, by=request.user, **form.cleaned_data)
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, _("学习记录已保存。"))
                return redirect("practice:study_mine")
        return render(request, "practice/study_mine.html", self._ctx(request, form))


class StudyCreateView(PortalPageMixin, SingleSubmitMixin, View):
    """Secretaries and staff record study for members they keep (a member uses MyStudyView)."""

    def get(self, request):
        form = pf.StudyRecordForm(user=request.user)
        if not form.fields["member"].queryset.exists():
            raise PermissionDenied(_("您没有可记录学习的党员。"))
        return render(request, "practice/form.html", {"form": form, "title": _("记录学习"), "kind": "study"})

    def post(self, request):
        form = pf.StudyRecordForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                services.study_record_create(by=request.user, **form.cleaned_data)
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, _("学习记录已保存。"))
                return redirect("practice:list", kind="study")
        return render(request, "practice/form.html", {"form": form, "title": _("记录学习"), "kind": "study"})


class StudyEditView(PortalPageMixin, View):
    def _record(self, request, pk):
        # Outside what the user may see: 404. Visible but not hers to edit: 403.
        record = get_object_or_404(StudyRecord.objects.visible_to(request.user).select_related("member", "organization"),
                                   pk=pk)
        if not can_edit_study(request.user, record):
            raise PermissionDenied(_("只能修改本人或本支部的学习记录。"))
        return record

    def _render(self, request, form, record):
        own = record.member.user_id == request.user.id
        return render(request, "practice/study_edit.html", {"form": form, "record": record, "own": own,
                                                            "history": history_rows(record)})

    def get(self, request, pk):
        record = self._record(request, pk)
        return self._render(request, pf.StudyRecordForm(instance=record, user=request.user), record)

    def post(self, request, pk):
        record = self._record(request, pk)
        form = pf.StudyRecordForm(request.POST, instance=record, user=request.user)
        if form.is_valid():
            data = dict(form.cleaned_data)
            record.refresh_from_db()
            try:
                services.study_record_update(record=record, by=request.user, **data)
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, _("已保存。"))
                own = record.member.user_id == request.user.id
                return redirect("practice:study_mine" if own else "practice:list", *([] if own else ["study"]))
        return self._render(request, form, record)


# --- brands ------------------------------------------------------------------------------------------------
class BrandDetailView(PortalPageMixin, View):
    def _ctx(self, request, brand, **extra):
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

    def get(self, request, pk):
        brand = selectors.practice_get("brand", user=request.user, pk=pk)
        return render(request, "practice/brand_detail.html", self._ctx(request, brand))

    def post(self, request, pk):
        brand = selectors.practice_get("brand", user=request.user, pk=pk)
        action = request.POST.get("action")
        if action == "attach":
            if not can_edit_org(request.user, "brand", brand.organization):
                raise PermissionDenied(_("无权上传本品牌的材料。"))
            form = pf.AttachmentForm(request.POST, request.FILES)
            if form.is_valid():
                try:
                    services.attachment_add(owner=brand, upload=form.cleaned_data["file"],
                                            caption=form.cleaned_data["caption"], by=request.user)
                except ValidationError as exc:
                    apply_validation_error(form, exc)
                else:
                    messages.success(request, _("材料已上传。"))
                    return redirect(brand)
            return render(request, "practice/brand_detail.html", self._ctx(request, brand, attachment_form=form),
                          status=400)
        if action == "recognize":
            if not can_edit_org(request.user, "recognition", brand.organization):
                raise PermissionDenied(_("品牌获评由上级党务工作人员登记。"))
            form = pf.RecognitionForm(request.POST)
            if form.is_valid():
                try:
                    services.recognition_add(brand=brand, by=request.user, **form.cleaned_data)
                except ValidationError as exc:
                    apply_validation_error(form, exc)
                else:
                    messages.success(request, _("已登记获评。"))
                    return redirect(brand)
            return render(request, "practice/brand_detail.html", self._ctx(request, brand, recognition_form=form),
                          status=400)
        if action == "remove_attachment":
            if not can_edit_org(request.user, "brand", brand.organization):
                raise PermissionDenied(_("无权删除本品牌的材料。"))
            att = get_object_or_404(brand.attachments.live(), pk=request.POST.get("attachment"))
            services.record_deactivate(obj=att, reason="从品牌材料中移除", by=request.user)
            messages.success(request, _("已移除。"))
            return redirect(brand)
        raise Http404


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
class RoundDetailView(PortalPageMixin, View):
    def _ctx(self, request, rnd, **extra):
        entries = list(BrandEntry.objects.filter(round=rnd).select_related("brand__organization")
                       .prefetch_related("scores__judge"))
        for e in entries:
            e.my_score = next((s for s in e.scores.all() if s.judge_id == request.user.pk), None)
        ctx = {"round": rnd, "entries": entries, "can_manage": can(request.user, MANAGE, rnd.organization.path),
               "can_score": can_score(request.user, rnd), "entry_form": pf.EntryForm(round=rnd, user=request.user),
               "can_enter": Brand.objects.restrict(request.user, CHANGE).within(rnd.organization.path).exists()}
        ctx.update(extra)
        return ctx

    def get(self, request, pk):
        rnd = selectors.practice_get("round", user=request.user, pk=pk)
        return render(request, "practice/round_detail.html", self._ctx(request, rnd))

    def post(self, request, pk):
        rnd = selectors.practice_get("round", user=request.user, pk=pk)
        action = request.POST.get("action")
        try:
            if action == "enter":
                form = pf.EntryForm(request.POST, round=rnd, user=request.user)
                if not form.is_valid():
                    return render(request, "practice/round_detail.html", self._ctx(request, rnd, entry_form=form),
                                  status=400)
                if not can(request.user, CHANGE, form.cleaned_data["brand"].organization.path):
                    raise PermissionDenied(_("只能为本支部的品牌报名。"))
                services.round_enter(round=rnd, by=request.user, **form.cleaned_data)
            elif action == "score":
                if not can_score(request.user, rnd):
                    raise PermissionDenied(_("您不是本次评选的评委。"))
                entry = get_object_or_404(BrandEntry, round=rnd, pk=request.POST.get("entry"))
                form = pf.ScoreForm(request.POST)
                if not form.is_valid():
                    messages.error(request, _("得分须为 0 至 100 之间的数。"))
                    return redirect(rnd)
                services.entry_score(entry=entry, judge=request.user, **form.cleaned_data)
            elif action in ("start_scoring", "close"):
                if not can(request.user, MANAGE, rnd.organization.path):
                    raise PermissionDenied(_("只有组织单位的党务工作人员可以推进评选。"))
                if action == "start_scoring":
                    services.round_start_scoring(round=rnd, by=request.user)
                else:
                    services.round_close(round=rnd, by=request.user)
            else:
                raise Http404
        except ValidationError as exc:
            messages.error(request, _("；").join(exc.messages))
        else:
            messages.success(request, _("已保存。"))
        return redirect(rnd)


# --- 先锋岗 / 责任区 -----------------------------------------------------------------------------------------
class PostDetailView(PortalPageMixin, View):
    def _ctx(self, request, post, form=None):
        return {"post": post, "results": post.results.all(), "form": form or pf.PostResultForm(),
                "can_edit": can_edit_org(request.user, "post", post.organization), "history": history_rows(post)}

    def get(self, request, pk):
        post = selectors.practice_get("post", user=request.user, pk=pk)
        return render(request, "practice/post_detail.html", self._ctx(request, post))

    def post(self, request, pk):
        post = selectors.practice_get("post", user=request.user, pk=pk)
        if not can_edit_org(request.user, "post", post.organization):
            raise PermissionDenied(_("无权为该岗区报告成效。"))
        form = pf.PostResultForm(request.POST)
        if form.is_valid():
            try:
                services.post_result_add(post=post, by=request.user, **form.cleaned_data)
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, _("成效已记录。"))
                return redirect(post)
        return render(request, "practice/post_detail.html", self._ctx(request, post, form), status=400)


# --- contests, plans, courses --------------------------------------------------------------------------------
class ContestDetailView(PortalPageMixin, View):
    def _ctx(self, request, contest, form=None):
        return {"contest": contest, "results": contest.results.select_related("member__branch"),
                "can_edit": can_edit_org(request.user, "contest", contest.organization),
                "form": form or pf.ContestResultForm(contest=contest, user=request.user)}

    def get(self, request, pk):
        contest = selectors.practice_get("contest", user=request.user, pk=pk)
        return render(request, "practice/contest_detail.html", self._ctx(request, contest))

    def post(self, request, pk):
        contest = selectors.practice_get("contest", user=request.user, pk=pk, action=CHANGE)
        form = pf.ContestResultForm(request.POST, contest=contest, user=request.user)
        if form.is_valid():
            try:
                services.contest_result_set(contest=contest, by=request.user, **form.cleaned_data)
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, _("成绩已保存。"))
                return redirect("practice:contest_detail", pk=contest.pk)
        return render(request, "practice/contest_detail.html", self._ctx(request, contest, form), status=400)


class PlanDetailView(PortalPageMixin, View):
    def _ctx(self, request, plan, form=None):
        items = list(plan.items.all())
        done = sum(1 for i in items if i.done_on)
        return {"plan": plan, "items": items, "done": done, "rate": (done / len(items)) if items else 0,
                "can_edit": can_edit_org(request.user, "plan", plan.organization),
                "form": form or pf.PlanItemForm(), "today": timezone.localdate()}

    def get(self, request, pk):
        plan = selectors.practice_get("plan", user=request.user, pk=pk)
        return render(request, "practice/plan_detail.html", self._ctx(request, plan))

    def post(self, request, pk):
        plan = selectors.practice_get("plan", user=request.user, pk=pk, action=CHANGE)
        if request.POST.get("action") == "done":
            item = get_object_or_404(StudyPlanItem, plan=plan, pk=request.POST.get("item"))
            undo = request.POST.get("undo") == "1"
            services.plan_item_done(item=item, done_on=None if undo else timezone.localdate(), by=request.user)
            return redirect("practice:plan_detail", pk=plan.pk)
        form = pf.PlanItemForm(request.POST)
        if form.is_valid():
            try:
                services.plan_item_add(plan=plan, by=request.user, **form.cleaned_data)
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                return redirect("practice:plan_detail", pk=plan.pk)
        return render(request, "practice/plan_detail.html", self._ctx(request, plan, form), status=400)


class CourseDetailView(PortalPageMixin, View):
    def _ctx(self, request, course, form=None):
        can_edit = can_edit_org(request.user, "course", course.organization)
        return {"course": course, "attendances": course.attendances.select_related("member__branch"),
                "can_edit": can_edit, "form": form or (pf.AttendanceForm(course=course, user=request.user)
                                                        if can_edit else None)}

    def get(self, request, pk):
        course = selectors.practice_get("course", user=request.user, pk=pk)
        return render(request, "practice/course_detail.html", self._ctx(request, course))

    def post(self, request, pk):
        course = selectors.practice_get("course", user=request.user, pk=pk, action=MANAGE)
        form = pf.AttendanceForm(request.POST, course=course, user=request.user)
        if form.is_valid():
            try:
                services.attendance_set(course=course, by=request.user, **form.cleaned_data)
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, _("参训记录已保存。"))
                return redirect("practice:course_detail", pk=course.pk)
        return render(request, "practice/course_detail.html", self._ctx(request, course, form), status=400)


# --- 联系点 -------------------------------------------------------------------------------------------------
class ContactDetailView(PortalPageMixin, View):
    def _point(self, request, pk):
        # The contact herself may open her point even without a role over the branch.
        from .permissions import visit_points

        visible = ContactPoint.objects.restrict(request.user, VIEW).values("pk")
        mine = visit_points(request.user).values("pk")
        qs = ContactPoint.objects.filter(Q(pk__in=visible) | Q(pk__in=mine))
        return get_object_or_404(qs.select_related("organization", "contact_user", "contact_member"), pk=pk)

    def _ctx(self, request, point, form=None):
        need = selectors.required_visits(branch_paths={point.organization_id: point.organization.path},
                                         start=date(point.year, 1, 1), end=date(point.year, 12, 31))
        visits = list(point.visits.live().prefetch_related("finding_items"))
        may_record = can_record_visit(request.user, point)
        return {"point": point, "visits": visits, "required": need[point.organization_id], "can_record": may_record,
                "form": form or (pf.VisitForm() if may_record else None)}

    def get(self, request, pk):
        point = self._point(request, pk)
        return render(request, "practice/contact_detail.html", self._ctx(request, point))

    def post(self, request, pk):
        point = self._point(request, pk)
        if not can_record_visit(request.user, point):
            raise PermissionDenied(_("只有该联系点的联系人或党务工作人员可以记录走访。"))
        form = pf.VisitForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.contact_visit_record(contact_point=point, visited_on=d["visited_on"], checked=d["checked"],
                                              findings=d["findings"], problems=form.problems(), by=request.user)
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, _("走访已记录。"))
                return redirect(point)
        return render(request, "practice/contact_detail.html", self._ctx(request, point, form), status=400)


# --- notices -------------------------------------------------------------------------------------------------
class NoticeDetailView(PortalPageMixin, View):
    def _notice(self, request, pk):
        notice = get_object_or_404(Notice.objects.select_related("organization", "published_by"), pk=pk)
        if not can_view_notice(request.user, notice):
            raise Http404
        return notice

    def get(self, request, pk):
        notice = self._notice(request, pk)
        recipient = selectors.notices_for_user(user=request.user).filter(pk=notice.pk).exists()
        if recipient and not notice.is_voided:
            services.notice_mark_read(notice=notice, user=request.user)
        can_manage = can(request.user, MANAGE, notice.organization.path)
        receipts, unread = selectors.notice_read_status(notice=notice) if can_manage else ([], [])
        return render(request, "practice/notice_detail.html", {
            "notice": notice, "attachments": notice.attachments.live(), "can_manage": can_manage,
            "receipts": receipts, "unread": unread, "attachment_form": pf.AttachmentForm()})

    def post(self, request, pk):
        notice = self._notice(request, pk)
        if not can(request.user, MANAGE, notice.organization.path):
            raise PermissionDenied(_("无权修改该通知。"))
        form = pf.AttachmentForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                services.attachment_add(owner=notice, upload=form.cleaned_data["file"],
                                        caption=form.cleaned_data["caption"], by=request.user)
            except ValidationError as exc:
                messages.error(request, _("；").join(exc.messages))
            else:
                messages.success(request, _("附件已上传。"))
        else:
            messages.error(request, _("请选择文件。"))
        return redirect(notice)


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

