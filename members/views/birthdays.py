"""政治生日: the month's anniversaries in scope."""
from __future__ import annotations

from datetime import date

from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views import View

from portal.perf import serial_plan
from portal.xlsx import DATE, Column, Sheet, xlsx_response

from ..forms.lifecycle import MonthForm, YearBranchForm
from ..selectors import registry as selectors
from .lifecycle import LifecycleMixin

# --------------------------------------------------------------------------------------------
# 政治生日
# --------------------------------------------------------------------------------------------
GREETING = _("{name}同志：{year}年{month}月{day}日是您的政治生日，您已入党{years}年。"
            "值此之际，{branch}向您致以诚挚的祝贺！请不忘入党初心，牢记党员身份，在本职岗位上发挥先锋模范作用。")


PAGE_SIZE = 50


def _row(m, month) -> dict:
    years = month.year - m.joined_on.year
    return {"member": m, "day": m.joined_on.day, "years": years,
            "greeting": GREETING.format(name=m.name, year=month.year, month=month.month, day=m.joined_on.day,
                                        years=years, branch=m.branch.name)}


class BirthdaysView(LifecycleMixin, View):
    def get(self, request):
        form = MonthForm(request.GET or None)
        month = form.cleaned_data["month"] if form.is_valid() else date.today().replace(day=1)
        branch_form = YearBranchForm(request.GET or None, user=request.user)
        branch = branch_form.cleaned_data.get("branch") if branch_form.is_valid() else None
        qs = selectors.political_birthdays(user=request.user, month=month, branch_ids=[branch.pk] if branch else None)
        xlsx = request.GET.get("format") == "xlsx"
        # The page shows one page of the month's birthdays; the export has them all.
        page = None
        if not xlsx:
            paginator = Paginator(qs, PAGE_SIZE)
            if branch is None:   # the whole scope: counted from the stored figures
                paginator.count = selectors.political_birthdays_count(user=request.user, month=month)
            page = paginator.get_page(request.GET.get("page"))
        if xlsx:
            rows = [_row(m, month) for m in qs]
        else:
            with serial_plan():   # a 50-row walk: parallel workers' start-up cost more than the walk (N=50,000)
                rows = [_row(m, month) for m in page.object_list]
        if xlsx:
            cols = [Column("姓名", lambda r: r["member"].name, width=12),
                    Column("党支部", lambda r: r["member"].branch.name, width=28),
                    Column("入党日期", lambda r: r["member"].joined_on, number_format=DATE, width=12),
                    Column("党龄（年）", "years", width=10), Column("祝福语", "greeting", width=80)]
            return xlsx_response(f"{month:%Y年%m月}政治生日.xlsx", [Sheet("政治生日", cols, rows)])
        return render(request, "members/birthdays.html", {
            "rows": rows, "page_obj": page, "month": month, "form": form, "branch_form": branch_form,
            "show_greeting": request.GET.get("greeting") == "1",
        })
