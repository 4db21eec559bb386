"""Compare the monthly activity counts (what the compliance table reads) and the attendance counts (what the
attendance page reads, orglife.attendance_counts) with the records, or rebuild them.

    manage.py activity_counts            # check: exit status 1 and the differences when they disagree
    manage.py activity_counts --repair   # check, then set the keys that differ from the records
    manage.py activity_counts --rebuild  # replace the whole table from the records (after a bulk load)
"""
import time

from django.core.management.base import BaseCommand, CommandError

from orglife import attendance_counts
from orglife import counts as activity_counts


class Command(BaseCommand):
    help = "核对或重建组织生活记录月度计数（落实情况统计所用）"

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--rebuild", action="store_true", help="按记录重建整张计数表")
        group.add_argument("--repair", action="store_true", help="核对后修正不一致的月份")

    def handle(self, *args, rebuild, repair, **options):
        t0 = time.perf_counter()
        if rebuild:
            n = activity_counts.rebuild()
            n_attendance = attendance_counts.rebuild()
            self.stdout.write(f"重建完成：{n} 行，出席计数 {n_attendance} 行，用时 {time.perf_counter() - t0:.1f} 秒")
            return
        found = activity_counts.differences()
        found_attendance = attendance_counts.differences()
        if not found and not found_attendance:
            self.stdout.write(f"计数与记录一致（用时 {time.perf_counter() - t0:.1f} 秒）")
            return
        for d in found[:20]:
            org, atype, year, month = d.key
            self.stdout.write(f"  组织 {org} 类型 {atype} {year}-{month:02d}：计数 {d.table}，记录 {d.records}")
        for (org, year, month), have, want in found_attendance[:20]:
            self.stdout.write(f"  出席计数 组织 {org} {year}-{month:02d}：计数 {have}，记录 {want}")
        n = len(found) + len(found_attendance)
        if repair:
            activity_counts.repair(found)
            attendance_counts.repair(found_attendance)
            self.stdout.write(f"已修正 {n} 处不一致")
            return
        raise CommandError(f"计数与记录不一致：{n} 处（--repair 修正，--rebuild 重建）")
