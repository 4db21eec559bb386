"""Benchmark the compliance table on a large tree (run after `manage.py seed_scale --branches N`).

    DATABASE_URL=postgres://... python benchmarks/bench_compliance.py [--months 12] [--runs 3]

Adds synthetic submitted records (once; several per branch per month, some branches missing some) for the
branches seed_scale made, then times `compliance_table` for the whole tree for a year and a month and counts
queries. Writes benchmarks/results/compliance.json.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
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
from django.test.utils import CaptureQueriesContext  # noqa: E402

from branches.compliance import compliance_table  # noqa: E402
from branches.models import BRANCH_KINDS, Activity, ActivityType, Organization  # noqa: E402


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
    return len(rows)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    records = ensure_records(args.year, args.months)
    branches = Organization.objects.filter(kind__in=BRANCH_KINDS).count()
    results = {}
    for period in (str(args.year), f"{args.year}-09"):
        times = []
        for _ in range(args.runs):
            with CaptureQueriesContext(connection) as ctx:
                t0 = time.perf_counter()
                rows = compliance_table(organizations_qs=Organization.objects.all(), period=period,
                                        today=date(args.year + 1, 1, 15))
                times.append(time.perf_counter() - t0)
        results[period] = {"rows": len(rows), "queries": len(ctx.captured_queries),
                           "median_s": round(statistics.median(times), 3), "min_s": round(min(times), 3)}
        print(f"{period}: {len(rows)} rows, {len(ctx.captured_queries)} queries, median {statistics.median(times):.3f}s")
    out = {"at": datetime.now(UTC).isoformat(), "vendor": connection.vendor, "branches": branches,
           "records": records, "results": results}
    (ROOT / "benchmarks" / "results").mkdir(exist_ok=True)
    (ROOT / "benchmarks" / "results" / "compliance.json").write_text(json.dumps(out, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
