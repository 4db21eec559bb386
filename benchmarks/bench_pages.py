"""Per-page cost of the load test's pages, in-process: process CPU, queries and SQL time per request.

    DATABASE_URL=postgres://... python benchmarks/bench_pages.py [--runs 5] [--sql] [--only branch]

The same users, grants and URLs as bench_load.py (a 党总支's 党务工作者 `bench_load_staff` on the first
党总支 in tree order, a 支部书记 `bench_load_secretary` on its first 党支部; branch pages rotate over its first 20
branches), through Django's test Client with DEBUG off: no network, no gunicorn, so the figures are the page's own
CPU and SQL. Per page: median process CPU (time.process_time), median wall, queries per request and the SQL time
PostgreSQL reports for them (the wall time of each captured statement, as Django's debug cursor measures it).
--sql prints every statement of the last request with its time (the place to look for N+1s).
Writes to the database only the two bench users and their grants (as bench_load.py does).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")
os.environ.setdefault("DJANGO_DEBUG", "0")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from branches.models import Organization, OrganizationKind, Role  # noqa: E402
from branches.services import role_grant  # noqa: E402
from members.models import Member  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "pages.json"
BRANCHES = 20


def prepare():
    User = get_user_model()
    general = (Organization.objects.filter(depth=2, kind=OrganizationKind.GENERAL_BRANCH).order_by("path").first()
               or Organization.objects.filter(depth=2).order_by("path").first())
    if general is None:
        raise SystemExit("bench_pages: no organization tree in the database (run manage.py seed_scale)")
    branches = list(Organization.objects.filter(path__startswith=general.path, kind=OrganizationKind.BRANCH,
                                                 dissolved_on__isnull=True).order_by("path")[:BRANCHES])
    staff, _ = User.objects.get_or_create(username="bench_load_staff")
    role_grant(user=staff, organization=general, role=Role.STAFF)
    secretary, _ = User.objects.get_or_create(username="bench_load_secretary")
    role_grant(user=secretary, organization=branches[0], role=Role.SECRETARY)
    members = dict(Member.objects.filter(branch__in=branches, is_active=True).order_by("branch_id", "pk")
                   .distinct("branch_id").values_list("branch_id", "pk"))
    staff_pages = {
        "branch detail": [f"/org/{b.pk}/" for b in branches],
        "branch org life": [f"/org/{b.pk}/life/" for b in branches],
        "member list (branch)": [f"/members/?organization={b.pk}" for b in branches],
        "member detail": [f"/members/{members[b.pk]}/" for b in branches if b.pk in members],
        "branch reports": [f"/reports/org/{b.pk}/" for b in branches],
        "home (staff)": ["/"],
        "org tree (staff)": ["/org/"],
    }
    return staff, secretary, staff_pages


def measure(client, urls, runs, show_sql):
    for url in urls[:2]:  # warm-up: templates, translations, connection
        assert client.get(url).status_code == 200, url
    cpu, wall, sql, queries = [], [], [], []
    last = None
    for i in range(runs):
        url = urls[i % len(urls)]
        with CaptureQueriesContext(connection) as ctx:
            c0, w0 = time.process_time(), time.perf_counter()
            response = client.get(url)
            cpu.append(time.process_time() - c0)
            wall.append(time.perf_counter() - w0)
        assert response.status_code == 200, (url, response.status_code)
        queries.append(len(ctx.captured_queries))
        sql.append(sum(float(q["time"]) for q in ctx.captured_queries))
        last = ctx.captured_queries
    if show_sql:
        for q in last:
            print(f"    {float(q['time']) * 1000:7.1f} ms  {q['sql'][:300]}")
    return {"cpu_ms": round(statistics.median(cpu) * 1000, 1), "wall_ms": round(statistics.median(wall) * 1000, 1),
            "sql_ms": round(statistics.median(sql) * 1000, 1), "queries_min": min(queries), "queries_max": max(queries),
            "runs": runs}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sql", action="store_true", help="print the statements of each page's last request")
    parser.add_argument("--only", default="", help="only pages whose name contains this")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    staff, secretary, staff_pages = prepare()
    connection.force_debug_cursor = True  # statement times without DEBUG's other costs
    staff_client, secretary_client = Client(), Client()
    staff_client.force_login(staff)
    secretary_client.force_login(secretary)
    cases = [(name, staff_client, urls) for name, urls in staff_pages.items()]
    cases.append(("home (secretary)", secretary_client, ["/"]))
    out = {}
    load = os.getloadavg()[0]
    for name, client, urls in cases:
        if args.only and args.only not in name:
            continue
        r = measure(client, urls, args.runs, args.sql)
        out[name] = r
        q = f"{r['queries_min']}" if r["queries_min"] == r["queries_max"] else f"{r['queries_min']}–{r['queries_max']}"
        print(f"{name:<24} CPU {r['cpu_ms']:7.1f} ms  wall {r['wall_ms']:7.1f} ms  queries {q:>6}  SQL {r['sql_ms']:7.1f} ms",
              flush=True)
    load_after = os.getloadavg()[0]
    print(f"load average (1 min) {load:.1f} → {load_after:.1f}; medians of {args.runs} requests per page")
    import subprocess
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    if not args.only:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(json.dumps({"generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
                                           "commit": commit, "load_average_1m": [round(load, 2), round(load_after, 2)],
                                           "pages": out}, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
