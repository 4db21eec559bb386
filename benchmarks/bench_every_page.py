"""Every page of the site, timed on the data set in DATABASE_URL, as three kinds of user.

    DATABASE_URL=postgres://... python benchmarks/bench_every_page.py --label n5000 [--runs 5]
    (data set: manage.py seed_demo, then manage.py seed_scale --beside --branches N, as the growth test builds it)
    python benchmarks/bench_every_page.py --compare n500 n5000        # the growth table from two saved runs
    ... --pages home,practice:home --label after-n5000                 # re-measure some pages only

Pages come from the URL resolver (tests/perf/pages.py, shared with the growth test and the permission walk): a page
that is routed is in the table; one no user here can open is listed as missing, which fails the run (exit 1).
Users (created if absent, with grants only): whole-tree 党务工作者 (STAFF on every root), the first 党总支's 党务工作者,
the 支部书记 of its first 党支部. Per page: median server CPU (this process), median wall, queries, HTML bytes. Through
Django's test Client with DEBUG off: the page's own cost, no network. Targets (issue #23): at N=5,000 whole-tree staff
≤ 300 ms and secretary ≤ 150 ms median, ≤ 300 KB HTML, ≤ ×1.5 from N=500.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")
os.environ.setdefault("DJANGO_DEBUG", "0")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")

RESULTS = ROOT / "benchmarks" / "results"
TARGET_MS = {"whole-tree staff": 300, "general-branch staff": 300, "reviewer": 300, "secretary": 150}


def principals():
    from django.contrib.auth import get_user_model

    from branches.models import Organization, OrganizationKind, Role, RoleGrant

    User = get_user_model()
    roots = list(Organization.objects.filter(depth=1).order_by("path"))
    general = (Organization.objects.filter(kind=OrganizationKind.GENERAL_BRANCH).order_by("path").first()
               or Organization.objects.filter(depth=2).order_by("path").first())
    branch = Organization.objects.filter(path__startswith=general.path, kind=OrganizationKind.BRANCH).order_by("path").first()
    plan = {"whole-tree staff": [(r, Role.STAFF) for r in roots], "general-branch staff": [(general, Role.STAFF)],
            "secretary": [(branch, Role.SECRETARY)]}
    users = {}
    # On the demo + seed_scale data set (how the growth test builds its tree, and what reaches every page: elections,
    # 我的, practice records), the demo's 支部书记 is a member too, so her own pages (我的) are measured as well.
    demo_secretary = User.objects.filter(username="secretary").first()
    if demo_secretary is not None:
        users["secretary"] = demo_secretary
        plan.pop("secretary")
    demo_reviewer = User.objects.filter(username="reviewer").first()
    if demo_reviewer is not None:   # a reviewer with score sheets to open
        users["reviewer"] = demo_reviewer
    for label, grants in plan.items():
        user, _ = User.objects.get_or_create(username=f"bench_page_{label.split()[0]}")
        for org, role in grants:
            RoleGrant.objects.get_or_create(user=user, organization=org, role=role)
        users[label] = user
    return users


def run(label: str, runs: int, only: set[str] | None = None) -> int:
    import django

    django.setup()
    from django.test import Client

    from tests.perf import pages

    started = datetime.now(UTC)
    table, measured, post_only = {}, set(), set()
    for who, user in principals().items():
        client = Client()
        client.force_login(user)
        rows = {}
        for name, url in sorted(pages.page_urls(client, user).items()):
            if only and name not in only:
                continue
            cost = pages.measure(client, name, url, runs=runs)
            if cost.status == 405:
                post_only.add(name)
            if cost.status == 200:
                rows[name] = asdict(cost)
                measured.add(name)
                print(f"{who:21} {name:44} cpu {cost.cpu_ms:7.1f} ms  wall {cost.wall_ms:7.1f} ms  "
                      f"q {cost.queries:3}  {cost.html_bytes / 1000:6.1f} kB", flush=True)
        table[who] = rows
    missing = [] if only else sorted(pages.uncovered(measured | post_only))
    load = os.getloadavg()
    target = RESULTS / f"pages-all-{label}.json"
    if only and target.exists():  # re-measured rows replace theirs in the run they belong to; the rest is kept
        earlier = json.loads(target.read_text())
        for who, rows in table.items():
            earlier["pages"].setdefault(who, {}).update(rows)
        table, missing = earlier["pages"], [m for m in earlier.get("missing", []) if m not in measured]
    out = {"label": label, "started": started.isoformat(), "load_avg": load, "runs": runs, "pages": table,
           "missing": missing, "commit": os.popen("git rev-parse --short HEAD").read().strip()}
    RESULTS.mkdir(exist_ok=True)
    target.write_text(json.dumps(out, ensure_ascii=False, indent=1))
    print(f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}; pages measured {len(measured)}; missing {missing}")
    return 1 if missing else 0


def compare(a: str, b: str) -> int:
    small = json.loads((RESULTS / f"pages-all-{a}.json").read_text())
    large = json.loads((RESULTS / f"pages-all-{b}.json").read_text())
    print(f"| user | page | CPU {a} ms | CPU {b} ms | ×growth | queries | HTML {b} kB | within target |")
    print("|---|---|---|---|---|---|---|---|")
    over = 0
    for who, rows in large["pages"].items():
        for name, row in sorted(rows.items()):
            before = small["pages"].get(who, {}).get(name)
            growth = row["cpu_ms"] / before["cpu_ms"] if before and before["cpu_ms"] else float("nan")
            ok = row["cpu_ms"] <= TARGET_MS[who] and row["html_bytes"] <= 300_000 and not growth > 1.5
            over += not ok
            queries = f"{before['queries']}→{row['queries']}" if before else str(row["queries"])
            print(f"| {who} | {name} | {before['cpu_ms'] if before else '—'} | {row['cpu_ms']:.1f} | {growth:.2f} | "
                  f"{queries} | {row['html_bytes'] / 1000:.1f} | {'yes' if ok else '**no**'} |")
    print(f"\npages over target: {over}; loads {small['load_avg'][0]:.1f} / {large['load_avg'][0]:.1f}; "
          f"commits {small['commit']} / {large['commit']}")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--label", default="current")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--compare", nargs=2, metavar=("SMALL", "LARGE"))
    parser.add_argument("--pages", help="comma-separated page names: measure only these (re-measuring fixed rows)")
    args = parser.parse_args()
    only = set(args.pages.split(",")) if args.pages else None
    sys.exit(compare(*args.compare) if args.compare else run(args.label, args.runs, only))
