"""Compare the stored yearly 党员积分 totals (what the points page ranks by) with a recount, and the branch figures
(PointsBranchTotal, what the branch ranking orders by) with a recount of those totals; or rebuild both.

    manage.py points_totals                 # check this year: exit status 1 and the differences when they disagree
    manage.py points_totals --year 2025     # another year
    manage.py points_totals --repair        # check, then store the recount of every member and every branch
"""
from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from members.services import points


class Command(BaseCommand):
    help = "核对（或重建）党员年度积分汇总"

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, default=date.today().year)
        parser.add_argument("--repair", action="store_true")

    def handle(self, *args, year, repair, **options):
        found = points.points_totals_differences(year=year)
        for d in found[:50]:
            self.stdout.write(f"member {d.member_id}: stored {d.stored} counted {d.counted}")
        branches = points.points_branch_totals_differences(year=year)
        for d in branches[:50]:
            self.stdout.write(f"branch {d.organization_id}: stored {d.stored} counted {d.counted}")
        if repair:
            self.stdout.write(f"rebuilt {points.points_totals_rebuild(year=year)} totals of {year}")
            return
        if found or branches:
            raise CommandError(f"{len(found)} stored points totals and {len(branches)} branch figures of {year} "
                               "differ from the recount")
        self.stdout.write(f"points totals and branch figures of {year} agree with the recount")
