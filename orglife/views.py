"""Organizational-life pages: what is due, logging records, calendar, compliance, attendance, periods, rules."""
from __future__ import annotations

import calendar
import io
from datetime import date, timedelta

import qrcode
import qrcode.image.svg
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django.views import View

from branches.models import BRANCH_KINDS, Organization, OrganizationKind
from branches.permissions import scope_roots, user_roles
from members.models import Member
from members.services.quorum import has_vote
from portal.concurrency import SingleSubmitMixin
from portal.history import history_rows
from portal.scoping import CHANGE, MANAGE, VIEW, can
from portal.uploads import protected_file_response
from portal.views import PortalPageMixin, PostActionsView, ServiceActionView, ServiceFormView

from . import results
from . import selectors as sel
from . import services as svc
from .compliance import Period, compliance_table, due_now, effective_rules, load_rules
from .exports import compliance_xlsx
from .figures import completion_rate, completion_totals
from .forms import (
    EXCEPTION_CHOICES,
    ActivityForm,
    ComplianceFilterSet,
    PeriodCloseForm,
    ReopenForm,
    RuleForm,
    TalkForm,
    VoidForm,
    VoteForm,
    parse_marks,
)
from .models import (
    Activity,
    ActivityType,
    Attachment,
    AttendanceStatus,
    FrequencyRule,
    PeriodClose,
    Reminder,
    RuleHolder,
    RulePer,
)

NO_CHANGE_RIGHTS = _("您只能查看，不能登记或修改该组织的组织生活记录。")
STATE_BADGES = {"met": "ok", "due": "warn", "overdue": "danger", "none": "muted"}
# Calendar column heads, Monday first.
WEEKDAY_NAMES = (pgettext_lazy("weekday", "一"), pgettext_lazy("weekday", "二"), pgettext_lazy("weekday", "三"),
                 pgettext_lazy("weekday", "四"), pgettext_lazy("weekday", "五"), pgettext_lazy("weekday", "六"),
                 pgettext_lazy("weekday", "日"))
STATE_LABELS = {"met": _("已完成"), "due": _("待完成"), "overdue": _("已逾期"), "none": _("不要求")}


def _today():
    return timezone.localdate()


def _is_staff(user) -> bool:
    return user.is_superuser or "staff" in user_roles(user)


def _require_manage_somewhere(user):
    if not Organization.objects.restrict(user, MANAGE).exists():
        raise PermissionDenied(_("只有党务工作者可以进行此操作。"))


# --- secretary: what is due ------------------------------------------------------------------------------


class DueView(PortalPageMixin, View):
    """Phone-first: for each branch/group the user logs for, what this month/quarter/year still needs."""

    def get(self, request):
        orgs = sel.loggable_organizations(user=request.user)
        if not request.user.is_superuser and "secretary" not in user_roles(request.user):
            if _is_staff(request.user) or "reviewer" in user_roles(request.user):
                return redirect("orglife:compliance")
            raise PermissionDenied(NO_CHANGE_RIGHTS)
        secretary = sel.secretary_branches(user=request.user)
        if secretary.exists():
            orgs = orgs.filter(pk__in=[o.pk for b in secretary for o in sel.branch_and_groups(b)])
        orgs = orgs[:50]
        today = _today()
        rows = due_now(organizations_qs=Organization.objects.filter(pk__in=[o.pk for o in orgs]), today=today)
        for row in rows:
            row.items = sorted(row.cells.values(), key=lambda c: ({"overdue": 0, "due": 1, "met": 2}.get(c.state, 3),
                                                                   c.activity_type.order))
        recent = list(sel.activity_list(user=request.user, action=CHANGE).filter(
            organization__in=[r.organization for r in rows]).order_by("-held_on", "-id")[:8])
        return render(request, "orglife/due.html", {
            "rows": rows, "today": today, "recent": recent, "badges": STATE_BADGES, "labels": STATE_LABELS,
        })


# --- records ---------------------------------------------------------------------------------------------


def _roster_context(org: Organization | None, on: date, activity: Activity | None = None, activity_type=None):
    """Tiles for the attendance grid: roster at the date, current marks, voting flag."""
    if org is None:
        return []
    if activity is not None:
        rows = list(activity.attendances.filter(member__isnull=False).select_related("member", "member__party_group")
                    .order_by("member__party_group__path", "member__name"))
        marks = {a.member_id: a for a in rows}
        members = [a.member for a in rows]
    else:
        members = list(svc.expected_members(organization=org, on=on, activity_type=activity_type))
        marks = {}
    tiles = []
    for m in members:
        a = marks.get(m.pk)
        status = a.status if a else AttendanceStatus.PRESENT
        exception = "absent"
        if a and a.status == AttendanceStatus.LEAVE:
            exception = f"leave:{a.leave_reason or 'personal'}"
        elif a and a.status == AttendanceStatus.LATE:
            exception = "late"
        tiles.append({"member": m, "present": status in (AttendanceStatus.PRESENT, AttendanceStatus.LATE),
                      "exception": exception, "voting": has_vote(m, on),
                      "group": m.party_group.name if m.party_group_id else ""})
    return tiles


BASIC_FIELDS = ["organization", "activity_type", "title", "held_on", "starts_at", "ends_at", "place", "lecturer",
                "lecturer_role", "lecture_title", "is_election"]
DETAIL_FIELDS = ["host", "recorder", "first_topic", "topics", "minutes", "resolutions", "leading_cadres", "guests"]


class ActivityFormView(PortalPageMixin, SingleSubmitMixin, ServiceFormView):
    """Create (no pk) or edit a record with its attendance grid and uploads; "save draft" or "submit"."""

    template_name = "orglife/form.html"
    form_class = ActivityForm

    def _activity(self, request, pk):
        if pk is None:
            return None
        return sel.activity_detail(user=request.user, pk=pk, action=CHANGE)

    def _org_type(self, request, activity, data):
        if activity:
            return activity.organization, activity.activity_type
        orgs = sel.loggable_organizations(user=request.user)
        org = orgs.filter(pk=data.get("organization") or 0).first() if data.get("organization") else None
        if org is None:  # the first in tree order (an index read; no count of every organization in scope)
            org = orgs.first()
        atype = ActivityType.objects.filter(pk=data.get("activity_type") or 0, is_active=True).first() \
            if str(data.get("activity_type") or "").isdigit() else None
        return org, atype

    def load(self, request, pk=None):
        activity = self._activity(request, pk)
        data = request.POST if request.method == "POST" else {"organization": request.GET.get("organization"),
                                                              "activity_type": request.GET.get("type")}
        org, atype = self._org_type(request, activity, data)
        if org is None:
            raise PermissionDenied(NO_CHANGE_RIGHTS)
        return {"pk": pk, "activity": activity, "org": org, "atype": atype}

    def form_kwargs(self, objects):
        request, activity, org = self.request, objects["activity"], objects["org"]
        orgs = sel.loggable_organizations(user=request.user)
        branch_id = (org.pk if org and org.is_branch else None) or (
            Organization.objects.filter(path=org.parent_path).values_list("pk", flat=True).first() if org else None)
        members = Member.objects.filter(branch_id=branch_id, is_active=True) if branch_id else Member.objects.none()
        initial = {}
        if activity is not None:
            initial["guests"] = "\n".join(activity.attendances.filter(member__isnull=True).values_list("guest_name", flat=True))
        if activity is None:
            initial = {"held_on": request.GET.get("date") or _today(), "organization": org.pk if org else None,
                       "activity_type": request.GET.get("type")}
            atype = ActivityType.objects.filter(pk=request.GET.get("type") or 0).first() \
                if str(request.GET.get("type") or "").isdigit() else None
            if atype:
                initial["title"] = _("{day:%-m}月{type}").format(day=_today(), type=atype.name)
        return {"instance": activity, "initial": initial, "organizations": orgs, "members": members}

    def context(self, form, objects):
        request, activity, org = self.request, objects["activity"], objects["org"]
        if request.method == "POST":
            cleaned = getattr(form, "cleaned_data", None) or {}
            on = cleaned.get("held_on") or _today()
        else:
            on = activity.held_on if activity else _today()
        tiles = _roster_context(org, on, activity, objects["atype"])
        if request.method == "POST":  # re-shown after an error or a conflict: the marks the user made, not the saved ones
            present = set(request.POST.getlist("present"))
            for t in tiles:
                t["present"] = str(t["member"].pk) in present
                t["exception"] = request.POST.get(f"exception-{t['member'].pk}", t["exception"])
        return {
            "form": form, "activity": activity, "org": org, "tiles": tiles,
            "exception_choices": EXCEPTION_CHOICES,
            "types_json": {t.pk: t.category for t in ActivityType.objects.filter(is_active=True)},
            "quorum_json": {"general": bool(activity and activity.activity_type.is_general_meeting),
                            "committee": bool(activity and activity.activity_type.category == "committee_meeting")},
            "members_count": Member.objects.filter(branch=org).count() if org else 0,
            "basic_fields": BASIC_FIELDS, "detail_fields": DETAIL_FIELDS,
        }

    def perform(self, form, objects):
        request = self.request
        data = dict(form.cleaned_data)
        photos = data.pop("photos", []) or []
        guests = data.pop("guests", "").splitlines()
        return svc.activity_save(activity=objects["activity"], data=data, guests=guests, photos=photos,
                                 submit="submit" in request.POST,
                                 marks_for=lambda on_roll: parse_marks(request.POST, on_roll), by=request.user)

    def refused(self, exc, form, objects):
        super().refused(exc, form, objects)
        objects["activity"] = self._activity(self.request, objects["pk"])   # the page shows the record as saved

    def get_success_message(self, activity, objects):
        return _("已提交，计入本期完成情况。") if "submit" in self.request.POST else _("草稿已保存。")


def _qr_svg(url: str) -> str:
    img = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    buf = io.BytesIO()
    img.save(buf)
    svg = buf.getvalue().decode()
    return svg[svg.index("<svg"):]


class ActivityDetailView(PortalPageMixin, View):
    def get(self, request, pk):
        activity = sel.activity_detail(user=request.user, pk=pk)
        can_change = can(request.user, CHANGE, activity.organization.path)
        ctx = {"activity": activity, "can_change": can_change, "history": history_rows(activity),
               "attendances": list(activity.attendances.all()),
               "locked": svc.locking_close(organization=activity.organization, on=activity.held_on)}
        members = [a for a in ctx["attendances"] if a.member_id]
        ctx["counts"] = {s.label: sum(1 for a in members if a.status == s) for s in AttendanceStatus}
        if activity.activity_type.category == "committee_meeting":
            ctx["committee_quorum"] = svc.committee_meeting_quorum(activity)
        if activity.activity_type.is_general_meeting:
            ctx["quorum"] = svc.general_meeting_quorum(activity)
            if can_change:
                ctx["vote_form"] = VoteForm(members=Member.objects.filter(
                    branch__path__startswith=activity.organization.path[:len(activity.organization.path)]))
        if can_change:
            url = request.build_absolute_uri(reverse("orglife:checkin_code", args=[activity.checkin_code]))
            ctx["checkin_url"] = url
            ctx["qr_svg"] = mark_safe(_qr_svg(url))  # generated by qrcode from our own URL
            ctx["void_form"] = VoidForm()
        return render(request, "orglife/detail.html", ctx)


class _ActivityAction(ServiceActionView):
    message_per_error = True

    def load(self, request, pk, action):
        return {"activity": sel.activity_detail(user=request.user, pk=pk, action=CHANGE)}

    def redirect_url(self, objects):
        return objects["activity"]


class ActivitySubmitAction(_ActivityAction):
    success_message = _("已提交。")

    def perform(self, form, objects):
        return svc.activity_submit(activity=objects["activity"], by=self.request.user)


class ActivityVoidAction(_ActivityAction):
    form_class = VoidForm
    invalid_message = _("请填写作废原因。")
    success_message = _("记录已作废，不再计入完成情况。")

    def perform(self, form, objects):
        return svc.activity_void(activity=objects["activity"], reason=form.cleaned_data["reason"], by=self.request.user)


class ActivityVoteAction(_ActivityAction):
    form_class = VoteForm

    def form_kwargs(self, objects):
        return {"members": Member.objects.filter(branch__path__startswith=objects["activity"].organization.path)}

    def perform(self, form, objects):
        data = form.cleaned_data
        return svc.vote_record(activity=objects["activity"], by=self.request.user, kind=data["kind"],
                               subject=data["subject"], subject_member=data["subject_member"], yes=data["yes"],
                               no=data["no"] or 0, abstain=data["abstain"] or 0, written_yes=data["written_yes"] or 0)

    def get_success_message(self, vote, objects):
        return _("表决已登记：通过。") if vote.passed else _("表决已登记：未通过。")


class ActivityUploadAction(_ActivityAction):
    success_message = _("附件已上传。")

    def perform(self, form, objects):
        return svc.attachments_add(activity=objects["activity"], uploads=self.request.FILES.getlist("files"),
                                   by=self.request.user)


class ActivityActionView(PortalPageMixin, PostActionsView):
    """POST-only actions on a record: submit, void, add a vote, upload attachments."""

    actions = {"submit": ActivitySubmitAction, "void": ActivityVoidAction, "vote": ActivityVoteAction,
               "upload": ActivityUploadAction}

    def unknown_action(self, request, pk, action):
        sel.activity_detail(user=request.user, pk=pk, action=CHANGE)   # out of reach: 404 first
        raise Http404


class AttachmentFileView(PortalPageMixin, View):
    """Files are never public: served only to users who may view the record."""

    def get(self, request, pk, thumb=False):
        att = get_object_or_404(Attachment.objects.filter(
            is_voided=False, activity__in=Activity.objects.restrict(request.user, VIEW)), pk=pk)
        if thumb and att.thumbnail:
            return protected_file_response(request, att.thumbnail, att.original_name, content_type="image/jpeg",
                                           as_attachment=False, cache_seconds=3600)
        return protected_file_response(request, att.file, att.original_name, content_type=att.content_type,
                                       as_attachment=att.kind != "image", cache_seconds=3600)


# --- check-in --------------------------------------------------------------------------------------------


class CheckinView(PortalPageMixin, View):
    """Opening the meeting's QR/short code while logged in marks the member 出席."""

    def get(self, request, code=None):
        code = code or request.GET.get("code", "").strip()
        if not code:
            return render(request, "orglife/checkin.html", {})
        try:
            row = svc.checkin(code=code, user=request.user)
        except ValidationError as exc:
            return render(request, "orglife/checkin.html", {"error": exc.messages[0], "code": code})
        return render(request, "orglife/checkin.html", {"row": row, "activity": row.activity})


# --- organization pages: calendar, records, talks --------------------------------------------------------


class CalendarView(PortalPageMixin, View):
    def get(self, request, pk):
        org = sel.organization_for(user=request.user, pk=pk)
        try:
            month = Period.parse(request.GET.get("month", "")) if request.GET.get("month") else None
        except ValueError:
            month = None
        if month is None or month.kind != RulePer.MONTH:
            month = Period.containing(RulePer.MONTH, _today())
        first = month.start - timedelta(days=month.start.weekday())
        last = month.end + timedelta(days=6 - month.end.weekday())
        acts = sel.calendar_activities(org=org, start=first, end=last)
        by_day = {}
        for a in acts:
            by_day.setdefault(a.held_on, []).append(a)
        today = _today()
        # Due items: windows ending this month with a shortfall, placed on their last day.
        rows = compliance_table(organizations_qs=Organization.objects.filter(pk=org.pk), period=month, today=today)
        due = []
        for row in rows:
            for c in row.cells.values():
                for w in c.windows:
                    if w.state != "met":
                        due.append({"type": c.activity_type, "window": w.window, "missing": w.required - min(w.held, w.required),
                                    "state": w.state})
        for d in due:
            by_day.setdefault(d["window"].end, []).append(d)
        weeks, day = [], first
        while day <= last:
            weeks.append([{"date": day, "items": by_day.get(day, []), "other": day.month != month.index,
                           "today": day == today, "weekend": day.weekday() >= 5} for day in
                          (day + timedelta(days=i) for i in range(7))])
            day += timedelta(days=7)
        return render(request, "orglife/calendar.html", {
            "org": org, "month": month, "weeks": weeks, "due": due,
            "acts": [a for a in acts if month.start <= a.held_on <= month.end],
            "prev": month.previous().key, "next": month.next().key, "can_change": can(request.user, CHANGE, org.path),
            "weekday_names": WEEKDAY_NAMES,
        })


class OrgLifeView(PortalPageMixin, View):
    """Drill-down for one branch (or group): this year's compliance by type, charts, records, talks, attendance."""

    def get(self, request, pk):
        org = sel.organization_for(user=request.user, pk=pk)
        today = _today()
        try:
            year = int(request.GET.get("year", today.year))
        except ValueError:
            year = today.year
        period = Period(year, RulePer.YEAR)
        rows = compliance_table(organizations_qs=Organization.objects.filter(pk=org.pk), period=period, today=today)
        records = sel.activity_list(user=request.user).filter(organization__path__startswith=org.path,
                                                              held_on__year=year)
        if request.GET.get("export") == "xlsx":
            from .exports import records_xlsx
            return records_xlsx(org=org, records=records, year=year)
        ctx = {
            "org": org, "year": year, "row": rows[0] if rows else None, "badges": STATE_BADGES, "labels": STATE_LABELS,
            "records": list(records.order_by("-held_on", "-id")[:100]),
            "chart": {"monthly": sel.monthly_chart(org=org, year=year, today=today),
                      "attendance": sel.attendance_trend(organizations=[org], year=year)},
            "members": sel.member_attendance(org_qs=Organization.objects.filter(pk=org.pk),
                                             start=period.start, end=period.end, limit=10),
            "talks": sel.talks_of(org=org, year=year) if org.is_branch else [],
            "can_change": can(request.user, CHANGE, org.path),
            "years": list(range(today.year, today.year - 4, -1)),
        }
        return render(request, "orglife/org.html", ctx)


class TalkCreateView(PortalPageMixin, SingleSubmitMixin, ServiceFormView):
    template_name = "orglife/talk_form.html"
    form_class = TalkForm
    success_message = _("谈心谈话已登记。")

    def load(self, request, pk):
        org = sel.organization_for(user=request.user, pk=pk, action=CHANGE)
        if not org.is_branch:
            raise Http404
        return {"org": org}

    def form_kwargs(self, objects):
        return {"members": Member.objects.filter(branch=objects["org"], is_active=True).order_by("name")}

    def context(self, form, objects):
        return {"org": objects["org"], "form": form}

    def perform(self, form, objects):
        return svc.talk_create(organization=objects["org"], by=self.request.user, **form.cleaned_data)

    def success_url(self, talk, objects):
        return reverse("orglife:orglife", args=[objects["org"].pk])


# --- staff: compliance table, attendance -----------------------------------------------------------------


COMPLIANCE_PAGE_SIZE = 25
ATTENDANCE_PAGE_SIZE = 25


def _rule_title(rule, memo: dict[int, str]) -> str:
    title = memo.get(rule.pk)
    if title is None:
        title = memo[rule.pk] = f"{rule.get_per_display()}≥{rule.min_count}"
    return title


class ComplianceView(PortalPageMixin, View):
    def get(self, request):
        scope = Organization.objects.restrict(request.user, VIEW)
        if not scope.exists():
            raise PermissionDenied(_("没有可查看的组织。"))
        # The 范围 choices list every organization in scope (5,000 for a province): only what the option and the
        # subtree filter read (a deferred field still loads on access).
        fs = ComplianceFilterSet(request.GET or None, queryset=scope, request=request,
                                 scope=scope.exclude(kind="party_group").only("pk", "name", "path"))
        valid = fs.is_valid() if request.GET else True
        period = fs.get_period()
        atype = fs.form.cleaned_data.get("activity_type") if valid and request.GET else None
        sort = (fs.form.cleaned_data.get("sort") if valid and request.GET else None) or "tree"
        orgs = fs.qs if valid else scope.none()
        today = _today()
        export = request.GET.get("export") == "xlsx"
        # The summary, the bars and the order of the rows from the stored results (orglife.results: the engine's
        # own window results, kept by the writes): a few SQL aggregates whatever the size of the scope; the engine
        # then draws only the page's rows. A type filter, an export (every row) or a year not stored: the engine
        # over every row, as before.
        # The rows are every 党支部 (or 党小组) under these subtrees: a year's sums can come from their roll-ups.
        within = fs.form.cleaned_data.get("organization") if valid and request.GET else None
        roots = scope_roots(request.user, VIEW, within=within)
        stored = None if (atype or export) else results.summary(rows_qs=orgs, period=period, today=today,
                                                                roots=roots)
        if stored is not None:
            summary, units = stored
            ordered = results.ordered_rows(rows_qs=orgs, period=period, today=today, sort=sort)
            paginator = Paginator(ordered.only("pk"), COMPLIANCE_PAGE_SIZE)
            paginator.count = summary["orgs"]   # the summary counted these very rows: no second COUNT of the scope
            page_obj = paginator.get_page(request.GET.get("page"))
            ids = [o.pk for o in page_obj.object_list]
            by_id = {r.organization_id: r for r in compliance_table(
                organizations_qs=Organization.objects.filter(pk__in=ids), period=period, today=today)}
            rows = [by_id[pk] for pk in ids if pk in by_id]
            page_obj.object_list = rows
            for r in rows:  # the 完成率 of orglife/figures.py: the same figure as the API and the reports
                r.completion = completion_rate(r)
            groups_view = valid and request.GET and fs.form.cleaned_data.get("kind") == "groups"
            holders = {RuleHolder.GROUP} if groups_view else set(RuleHolder.values)
            with_rules = set(FrequencyRule.objects.filter(min_count__gt=0, holder__in=holders)
                             .values_list("activity_type_id", flat=True))
            types = [t for t in ActivityType.objects.filter(is_active=True) if t.pk in with_rules]
            chart = sel.compliance_by_unit(totals=units)
        else:
            all_rows = compliance_table(organizations_qs=orgs, period=period, today=today,
                                        type_ids=[atype.pk] if atype else None)
            for r in all_rows:  # the 完成率 of orglife/figures.py: the same figure as the API and the reports
                r.completion = completion_rate(r)
            if sort == "missing":
                all_rows.sort(key=lambda r: (-r.missing, -r.overdue, r.path))
            elif sort == "rate":
                all_rows.sort(key=lambda r: (2 if r.completion is None else r.completion, r.path))
            types = [t for t in ActivityType.objects.filter(is_active=True) if not atype or t.pk == atype.pk]
            types = [t for t in types if any(t.pk in r.cells for r in all_rows)]
            if export:
                return compliance_xlsx(rows=all_rows, types=types, period=period)
            # Totals over branch rows only (a branch row already carries its 党小组' meetings), 三会一课 + 主题党日
            # as the 完成率 counts them; the rate is the mean of the branches' rates, as in the committee report.
            branch_rows = [r for r in all_rows if r.kind != OrganizationKind.PARTY_GROUP]
            totals = [completion_totals(r) for r in branch_rows]
            rated = [r.completion for r in branch_rows if r.completion is not None]
            summary = {"orgs": len(all_rows), "behind": sum(1 for r in all_rows if r.overdue),
                       "required": sum(t[0] for t in totals), "held": sum(t[1] for t in totals),
                       "rate": sum(rated) / len(rated) if rated else None}
            # Totals cover every row; the table shows a page of them.
            page_obj = Paginator(all_rows, COMPLIANCE_PAGE_SIZE).get_page(request.GET.get("page"))
            rows = page_obj.object_list
            chart = sel.compliance_by_unit(rows=all_rows)
        # (cell, its rule as "每季度≥1"): the label once per rule, not get_per_display() per cell of the page
        rule_titles: dict[int, str] = {}
        for r in rows:
            cells = [r.cells.get(t.pk) for t in types]
            r.cell_list = [(c, _rule_title(c.rule, rule_titles) if c else None) for c in cells]
        return render(request, "orglife/compliance.html", {
            "filterset": fs, "rows": rows, "page_obj": page_obj, "types": types, "period": period,
            "summary": summary,
            "badges": STATE_BADGES, "export_query": request.GET.urlencode(),
            # bars per unit one level down (per 党总支 for a 党委), at most CHART_BARS: what a 党委 reads at a glance
            "chart": chart,
        })


class AttendanceView(PortalPageMixin, View):
    def get(self, request):
        scope = Organization.objects.restrict(request.user, VIEW)
        fs = ComplianceFilterSet(request.GET or None, queryset=scope, request=request,
                                 scope=scope.exclude(kind="party_group").only("pk", "name", "path"))
        valid = fs.is_valid() if request.GET else True
        period = fs.get_period()
        orgs = fs.qs if valid else scope.none()
        branches = orgs.filter(kind__in=BRANCH_KINDS)
        # A page of branches in tree order (path is unique: a stable order); the totals of every branch in scope
        # are one SQL aggregate, the page's rows one grouped count: nothing here walks the whole scope in Python.
        page_obj = Paginator(branches.order_by("path").only("pk", "name", "path"), ATTENDANCE_PAGE_SIZE).get_page(
            request.GET.get("page"))
        page = list(page_obj.object_list)
        rows = sel.branch_attendance(branches=page, start=period.start, end=period.end)
        # The totals and the trend read the stored subtree counts of the scope's roots (or of the chosen 范围): a
        # few rows whatever the size of the tree (orglife.attendance_counts).
        chosen = fs.form.cleaned_data.get("organization") if valid and request.GET else None
        roots = [chosen] if chosen else list(Organization.objects.scope_roots(request.user, VIEW).only("pk", "path"))
        groups_only = valid and request.GET and fs.form.cleaned_data.get("kind") == "groups"
        summary = sel.scope_attendance(roots=[] if groups_only or not valid else roots, start=period.start,
                                       end=period.end)
        summary["branches"] = page_obj.paginator.count
        # The members of the page's branches, lowest rate first: the list follows the page like the table beside it
        # (over a 党委's whole tree it ranked every member of the scope: 7 s of SQL for a year at N=5,000).
        lowest = sel.member_attendance(org_qs=Organization.objects.filter(pk__in=[o.pk for o in page]),
                                       start=period.start, end=period.end, limit=20)
        trend = sel.attendance_trend(organizations=roots, year=period.year)
        return render(request, "orglife/attendance.html", {
            "filterset": fs, "period": period, "branches": rows, "page_obj": page_obj, "summary": summary,
            "lowest": lowest, "lowest_of_page": page_obj.paginator.num_pages > 1, "chart": {"attendance": trend},
        })


# --- staff: periods and rules ----------------------------------------------------------------------------


def _periods_ctx(request, form):
    managed = Organization.objects.restrict(request.user, MANAGE)
    closes = PeriodClose.objects.filter(organization__in=managed).select_related(
        "organization", "closed_by", "reopened_by")[:100]
    return {"form": form, "closes": closes, "reopen_form": ReopenForm()}


class PeriodCloseAction(ServiceFormView):
    template_name = "orglife/periods.html"
    form_class = PeriodCloseForm
    success_message = _("已关账：该期间的记录已锁定。")

    def load(self, request):
        _require_manage_somewhere(request.user)
        return {}

    def form_kwargs(self, objects):
        managed = Organization.objects.restrict(self.request.user, MANAGE).exclude(kind="party_group")
        return {"organizations": managed}

    def context(self, form, objects):
        return _periods_ctx(self.request, form)

    def perform(self, form, objects):
        return svc.period_close(organization=form.cleaned_data["organization"], period=form.cleaned_data["period"].key,
                                by=self.request.user)

    def success_url(self, close, objects):
        return reverse("orglife:periods")


class PeriodReopenAction(ServiceActionView):
    message_per_error = True

    def load(self, request):
        _require_manage_somewhere(request.user)
        managed = Organization.objects.restrict(request.user, MANAGE)
        return {"close": get_object_or_404(PeriodClose.objects.filter(organization__in=managed,
                                                                      reopened_at__isnull=True),
                                           pk=request.POST["reopen"])}

    def perform(self, form, objects):
        return svc.period_reopen(close=objects["close"], reason=self.request.POST.get("reason", ""),
                                 by=self.request.user)

    def get_success_message(self, close, objects):
        close = objects["close"]
        return _("{org} {period} 已重新开放。").format(org=close.organization, period=close.period)

    def redirect_url(self, objects):
        return reverse("orglife:periods")


class PeriodsView(PortalPageMixin, PostActionsView):
    actions = {"reopen": PeriodReopenAction, "close": PeriodCloseAction}

    def action_name(self, request, kwargs):
        return "reopen" if "reopen" in request.POST else "close"

    def get(self, request):
        _require_manage_somewhere(request.user)
        managed = Organization.objects.restrict(request.user, MANAGE).exclude(kind="party_group")
        form = PeriodCloseForm(organizations=managed, initial={"period": Period.containing(RulePer.MONTH, _today()).previous().key})
        return render(request, "orglife/periods.html", _periods_ctx(request, form))


class RulesView(PortalPageMixin, ServiceFormView):
    template_name = "orglife/rules.html"
    form_class = RuleForm
    success_message = _("频次要求已保存，对该组织及其下级生效。")

    def load(self, request):
        _require_manage_somewhere(request.user)
        return {"managed": Organization.objects.restrict(request.user, MANAGE).exclude(kind="party_group")}

    def form_kwargs(self, objects):
        managed = objects["managed"]
        return {"organizations": managed, **({"initial": {"organization": managed.first()}}
                                              if self.request.method == "GET" else {})}

    def context(self, form, objects):
        managed = Organization.objects.restrict(self.request.user, MANAGE)
        rules = [r for r in load_rules()
                 if r.organization_id is None or managed.filter(pk=r.organization_id).exists()]
        roots = [o for o in managed.exclude(kind="party_group")[:1]]
        effective = effective_rules(roots, rules)[roots[0].pk] if roots else {}
        return {"form": form, "rules": rules, "effective": effective.values(), "root": roots[0] if roots else None}

    def perform(self, form, objects):
        return svc.rule_override(by=self.request.user, **form.cleaned_data)

    def success_url(self, rule, objects):
        return reverse("orglife:rules")


# --- reminders -------------------------------------------------------------------------------------------


class RemindersView(PortalPageMixin, View):
    def get(self, request):
        items = Reminder.objects.filter(user=request.user).select_related("organization")[:100]
        return render(request, "orglife/reminders.html", {"items": items})

    def post(self, request):
        svc.reminders_mark_read(user=request.user, pk=request.POST.get("id") or None)
        target = request.POST.get("next", "")
        if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
            return redirect(target)
        return redirect("orglife:reminders")  # never an open redirect (e.g. next=//evil.example)


def month_grid_names():
    return list(calendar.day_abbr)
