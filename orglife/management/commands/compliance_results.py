"""Compare the stored compliance results (what the compliance summaries add up) with a recount, or rebuild them.

    manage.py compliance_results                  # check every stored year: exit status 1 and the differences
    manage.py compliance_results --repair         # check, then refresh the organizations that differ
    manage.py compliance_results --rebuild 2026   # store a year whole (after a bulk load, or to start storing it)
"""
import time

from django.core.management.base import BaseCommand, CommandError

from orglife import results


class Command(BaseCommand):
    help = "核对、修正或重建落实情况的存储结果（与引擎重算比较）"

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--rebuild", type=int, metavar="YEAR", help="重建该年度（并开始存储该年度）")
        group.add_argument("--repair", action="store_true", help="核对后重算不一致的组织")

    def handle(self, *args, rebuild, repair, **options):
        t0 = time.perf_counter()
        if rebuild:
            n = results.rebuild(rebuild)
            self.stdout.write(f"{rebuild} 年重建完成：{n} 行，用时 {time.perf_counter() - t0:.1f} 秒")
            return
        total = 0
        for year in sorted(results.stored_years()):
            found = results.differences(year)
            total += len(found)
            for key, stored, recounted in found[:20]:
                self.stdout.write(f"  {year} 组织 {key[0]} {key[1]} 至 {key[2]}：存储 {stored}，重算 {recounted}")
            if found and repair:
                results.repair(year, found)
                self.stdout.write(f"{year} 年：已重算 {len({key[0] for key, _s, _r in found})} 个组织")
        if not total:
            self.stdout.write(f"存储结果与重算一致（用时 {time.perf_counter() - t0:.1f} 秒）")
        elif not repair:
            raise CommandError(f"存储结果与重算不一致：{total} 处（--repair 修正，--rebuild 重建）")
