"""Build a province-sized data set for benchmarks: `manage.py seed_scale --branches 5000`.

Deterministic (seeded) and bulk-inserted; each app contributes a `scale.seed(*, ctx)` step, in order.
"""
import random
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils.module_loading import import_string

STEPS = [
    "branches.scale.seed_tree",
    "members.scale.seed_members",
    "members.scale.seed_committees",
    "branches.scale.seed_figures",
    "orglife.scale.seed_activities",
    "orglife.scale.seed_activity_counts",
    "members.scale.seed_dues",
    "members.scale.seed_points_totals",
    "evaluations.scale.seed_cycle",
]


class ScaleContext:
    def __init__(self, *, branches: int, seed: int, stdout):
        self.branches = branches
        self.rng = random.Random(seed)
        self.stdout = stdout
        self.data: dict = {}

    def organizations(self):
        """The organizations this seed made (its own root's subtree): steps never touch a tree already there."""
        from branches.models import Organization

        return Organization.objects.filter(path__startswith=self.data["root_path"])


class Command(BaseCommand):
    help = "生成大规模测试数据（基准测试用）"

    def add_arguments(self, parser):
        parser.add_argument("--branches", type=int, default=500)
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--flush", action="store_true", help="先清空数据库中的业务数据")
        parser.add_argument("--beside", action="store_true",
                            help="在已有数据（如演示数据）旁再加一棵规模树（页面基准与增长测试的数据集）")

    def handle(self, *args, branches, seed, flush, beside=False, **options):
        from branches.models import Organization

        if Organization.objects.exists() and not beside:
            if not flush:
                raise CommandError("数据库中已有组织数据；如需重建请加 --flush，或加 --beside 在旁边再加一棵树。")
            from django.core.management import call_command

            call_command("flush", "--noinput", verbosity=0)
        ctx = ScaleContext(branches=branches, seed=seed, stdout=self.stdout)
        started = time.perf_counter()
        for dotted in STEPS:
            step = import_string(dotted)
            t0 = time.perf_counter()
            step(ctx=ctx)
            self.stdout.write(f"{dotted}: {time.perf_counter() - t0:.1f} s")
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                # VACUUM sets the visibility map, so the count subqueries can use index-only scans from the
                # start (autovacuum would get there later); ANALYZE gives the planner the new row counts.
                # VACUUM cannot run inside a transaction (a test calling the command): ANALYZE only there.
                cur.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")
        self.stdout.write(self.style.SUCCESS(f"完成：{branches} 个党支部，用时 {time.perf_counter() - started:.1f} 秒"))
