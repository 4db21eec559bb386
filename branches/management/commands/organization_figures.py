"""Compare the stored organization figures (member counts, committees, subtree counts) with the rows, or rebuild.

    manage.py organization_figures            # check: exit status 1 and the differences when they disagree
    manage.py organization_figures --rebuild  # replace the whole table by a recount (after a bulk load)
"""
import time

from django.core.management.base import BaseCommand, CommandError

from branches import figures


class Command(BaseCommand):
    help = "核对或重建组织统计（党员数、委员会、下级组织数）"

    def add_arguments(self, parser):
        parser.add_argument("--rebuild", action="store_true", help="按现有数据重建整张统计表")

    def handle(self, *args, rebuild, **options):
        t0 = time.perf_counter()
        if rebuild:
            n = figures.rebuild()
            self.stdout.write(f"重建完成：{n} 行，用时 {time.perf_counter() - t0:.1f} 秒")
            return
        found = figures.differences()
        if not found:
            self.stdout.write(f"统计与数据一致（用时 {time.perf_counter() - t0:.1f} 秒）")
            return
        for d in found[:20]:
            self.stdout.write(f"  组织 {d.organization_id} {d.field}：统计 {d.table}，实际 {d.rows}")
        raise CommandError(f"统计与数据不一致：{len(found)} 处（--rebuild 重建）")
