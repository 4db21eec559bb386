"""Benchmark the compliance table on a large tree (run after `manage.py seed_scale --branches N` and `migrate`).

    DATABASE_URL=postgres://... python benchmarks/bench_compliance.py [--runs 5] [--no-extra-records] [--check]

Unless --no-extra-records, adds synthetic submitted records once (several per branch per month, some branches
missing some: ~357,000 at N=5000) and rebuilds the monthly counts they bypassed. Then times `compliance_table`
for the whole tree (a quarter, a month, a year) and for a 50-row page (the first 50 branches with their 党小组),
each with wall time, process CPU time, the bare SQL time (the captured statements re-run on a raw cursor) and the
query count, next to the 1-minute load average. --check first compares ActivityCount with the records.
Writes benchmarks/results/compliance.json.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.db.models import Q  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from branches.models import BRANCH_KINDS, Organization, OrganizationKind  # noqa: E402
from orglife import counts as activity_counts  # noqa: E402
from orglife.compliance import compliance_table  # noqa: E402
from orglife.models import Activity, ActivityType  # noqa: E402


def ensure_records(year: int, months: int) -> int:
    if Activity.objects.filter(title="bench").exists():
        return Activity.objects.filter(title="bench").count()
    rng = random.Random(7)
    types = {t.code: t for t in ActivityType.objects.all()}
    orgs = list(Organization.objects.filter(kind__in=[*BRANCH_KINDS, "party_group"]).only("pk", "kind"))
    rows, n = [], 0
    for o in orgs:
        codes = ["group_meeting"] if o.kind == "party_group" else ["theme_day", "committee_meeting", "lecture",
                                                                    "general_meeting"]
        for m in range(1, months + 1):
            for code in codes:
                if rng.random() < 0.85:
                    n += 1
                    rows.append(Activity(organization_id=o.pk, activity_type=types[code], title="bench",
                                         held_on=date(year, m, rng.randint(1, 28)), status="submitted",
                                         checkin_code=f"B{n:07d}"))
    Activity.objects.bulk_create(rows, batch_size=5000)
    activity_counts.rebuild()  # bulk_create bypasses the services
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE" if not connection.in_atomic_block else "ANALYZE")
    return len(rows)


def bare_sql(captured) -> float:
    t0 = time.perf_counter()
    with connection.cursor() as cur:
        for q in captured:
            cur.execute(q["sql"])  # captured SQL has parameters inlined by the backend
            if cur.description:
                cur.fetchall()
    return time.perf_counter() - t0


def run_case(name: str, fn, runs: int, target_ms: float | None) -> dict:
    fn()  # warm-up (caches, plans)
    walls, cpus, sqls, queries, rows = [], [], [], 0, 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as ctx:
            c0, t0 = time.process_time(), time.perf_counter()
            rows = len(fn())
            walls.append(time.perf_counter() - t0)
            cpus.append(time.process_time() - c0)
        queries = len(ctx.captured_queries)
        sqls.append(bare_sql(ctx.captured_queries))
    med = statistics.median(walls) * 1000
    out = {"rows": rows, "queries": queries, "median_ms": round(med, 1), "min_ms": round(min(walls) * 1000, 1),
           "cpu_ms": round(statistics.median(cpus) * 1000, 1), "bare_sql_ms": round(statistics.median(sqls) * 1000, 1),
           "load_1min": round(os.getloadavg()[0], 2), "runs": runs, "target_ms": target_ms}
    verdict = "" if target_ms is None else (" OK" if med <= target_ms else f" MISS (target ≤ {target_ms} ms)")
    print(f"{name:<34} {rows:6d} rows {queries:2d} queries  median {med:7.1f} ms  min {out['min_ms']:7.1f} ms  "
          f"process CPU {out['cpu_ms']:7.1f} ms  bare SQL {out['bare_sql_ms']:6.1f} ms  load {out['load_1min']:.2f}"
          f"{verdict}", flush=True)
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-extra-records", action="store_true")
    parser.add_argument("--check", action="store_true", help="compare ActivityCount with the records first")
    args = parser.parse_args()
    records = 0 if args.no_extra_records else ensure_records(args.year, args.months)
    if args.check:
        t0 = time.perf_counter()
        found = activity_counts.differences()
        print(f"ActivityCount vs records: {len(found)} differences ({time.perf_counter() - t0:.1f} s)")
        if found:
            sys.exit(1)
    branches = Organization.objects.filter(kind__in=BRANCH_KINDS).count()
    today = date(args.year + 1, 1, 15)
    first50 = list(Organization.objects.filter(kind=OrganizationKind.BRANCH).order_by("path")
                   .values_list("path", flat=True)[:50])
    page_q = Q()
    for p in first50:
        page_q |= Q(path__startswith=p)

    def table(period, qs=None):
        return lambda: compliance_table(organizations_qs=qs if qs is not None else Organization.objects.all(),
                                        period=period, today=today)

    cases = [
        (f"whole tree, quarter {args.year}-Q3", table(f"{args.year}-Q3"), args.runs, 500),
        (f"whole tree, month {args.year}-09", table(f"{args.year}-09"), args.runs, None),
        (f"whole tree, year {args.year}", table(str(args.year)), args.runs, None),
        (f"50-row page, quarter {args.year}-Q3", table(f"{args.year}-Q3", Organization.objects.filter(page_q)),
         args.runs * 4, 150),
    ]
    results = {name: run_case(name, fn, runs, target) for name, fn, runs, target in cases}
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    out = {"at": datetime.now(UTC).isoformat(), "commit": commit, "vendor": connection.vendor, "branches": branches,
           "activities": Activity.objects.count(), "extra_records": records, "results": results}
    print(f"branches {branches}, activities {out['activities']}, commit {commit}, load {os.getloadavg()[0]:.2f}")
    (ROOT / "benchmarks" / "results").mkdir(exist_ok=True)
    (ROOT / "benchmarks" / "results" / "compliance.json").write_text(json.dumps(out, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
