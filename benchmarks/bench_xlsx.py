"""Benchmark the member XLSX export and import (run after `manage.py seed_scale --branches N`).

    DATABASE_URL=postgres://... python benchmarks/bench_xlsx.py [--export-rows 150000] [--import-rows 10000] [--runs 3]

Each run is a fresh child process, so peak memory is that run's alone: wall and CPU seconds, the process's peak
RSS growth (resource.getrusage) and, in one extra run per case, the peak of Python allocations (tracemalloc; it
slows the code, so its time is not counted). Cases:

- export: `members_xlsx_response` over the first N members by id (masked, as most staff see it), the file fully
  written and streamed. Read-only: it runs on `bench5000` itself (seed_scale --branches 5000 makes 150,000
  members); the run stops with a message if the database has fewer than N members.
- import: `import_members` of an N-row file of new members into existing branches, inside a transaction that is
  rolled back afterwards (the database does not grow); then the same file with one bad last row must be rejected
  with nothing saved (all-or-nothing), timed too. The file is built with openpyxl's ordinary workbook, which
  stores it the way Excel/WPS save a filled-in template (shared strings, a <dimension>). It writes (rolled back,
  plus a `bench-import` superuser if there is none): run it on a copy, e.g. CREATE DATABASE x TEMPLATE bench5000.

Targets (issue 9, N = 5,000): export of 150,000 members ≤ 30 s and ≤ 250 MB; import of 10,000 ≤ 20 s.
Prints one line per case with the 1-minute load average before and after, and writes
benchmarks/results/xlsx-<cases>.json (e.g. xlsx-export-import.json).
"""
from __future__ import annotations

import argparse
import io
import json
import os
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")

TARGETS = {"export": {"seconds": 30, "peak_mb": 250}, "import": {"seconds": 20}}


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _setup():
    import django

    django.setup()


def _import_file(rows: int) -> tuple[bytes, bytes]:
    """(good file, same file with a bad last row) of `rows` new members spread over existing branches."""
    from openpyxl import Workbook

    from branches.models import Organization, OrganizationKind
    from members.services.importing import COLUMNS
    from members.validators import id_check_digit

    codes = list(Organization.objects.filter(kind=OrganizationKind.BRANCH, dissolved_on__isnull=True)
                 .order_by("path").values_list("code", flat=True)[:500])
    headers = [h for h, _, _ in COLUMNS]

    def row(i: int) -> dict:
        birth = date(1970, 1, 1) + timedelta(days=i // 1000)
        first17 = f"99{i % 10000:04d}{birth:%Y%m%d}{i % 1000:03d}"  # region 99xxxx: never one seed_scale uses
        return {"姓名": f"导入{i}", "性别": "男" if i % 2 else "女", "民族": "汉族", "出生日期": birth.isoformat(),
                "手机号": f"139{i:08d}", "身份证号": first17 + id_check_digit(first17), "学历": "大学本科",
                "工作单位": "基准单位", "职务/岗位": "科员", "党员类别": "在职", "党员身份": "正式党员",
                "入党日期": "2010-07-01", "转正日期": "2011-07-01", "党支部编码": codes[i % len(codes)], "党小组编码": ""}

    def save(data: list[dict]) -> bytes:
        wb = Workbook()  # not write-only: shared strings and a <dimension>, as Excel/WPS save files
        ws = wb.active
        ws.title = "党员"
        ws.append(headers)
        for d in data:
            ws.append([d[h] for h in headers])
        buf = io.BytesIO()
        wb.save(buf)
        return buf.getvalue()

    data = [row(i) for i in range(rows)]
    return save(data), save([*data[:-1], {**data[-1], "出生日期": "不是日期"}])


def child(case: str, rows: int, trace: bool) -> dict:
    _setup()
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from members.models import Member

    out: dict = {}
    if case == "export":
        from members.views.exporting import members_xlsx_response

        available = Member.objects.count()
        if available < rows:
            raise SystemExit(f"only {available} members in this database, {rows} asked: seed more branches "
                             "(seed_scale --branches 5000 makes 150,000)")
        qs = Member.objects.order_by("id")[:rows]
        base = _rss_mb()
        if trace:
            tracemalloc.start()
        w0, c0 = time.perf_counter(), time.process_time()
        response = members_xlsx_response(qs)
        size = sum(len(chunk) for chunk in response.streaming_content)
        response.close()
        out.update(seconds=time.perf_counter() - w0, cpu=time.process_time() - c0, bytes=size)
    else:
        from members.services.importing import ImportRejected, import_members

        user = get_user_model().objects.filter(is_superuser=True).first() or get_user_model().objects.create(
            username="bench-import", is_superuser=True, is_staff=True)
        good, bad = _import_file(rows)
        before = Member.objects.count()
        base = _rss_mb()
        if trace:
            tracemalloc.start()
        w0, c0 = time.perf_counter(), time.process_time()
        with transaction.atomic():
            result = import_members(fileobj=io.BytesIO(good), by=user)
            out["created"] = result.created
            transaction.set_rollback(True)  # measure, don't keep
        out.update(seconds=time.perf_counter() - w0, cpu=time.process_time() - c0)
        w1 = time.perf_counter()
        try:
            with transaction.atomic():
                import_members(fileobj=io.BytesIO(bad), by=user)
                transaction.set_rollback(True)
            out["rejected"] = False
        except ImportRejected as exc:
            out["rejected"] = True
            out["errors"] = len(exc.result.errors)
        out["reject_seconds"] = time.perf_counter() - w1
        out["saved_after_reject"] = Member.objects.count() - before
    out["rss_growth_mb"] = _rss_mb() - base
    out["rss_peak_mb"] = _rss_mb()
    if trace:
        out["tracemalloc_peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    return out


def _spawn(case: str, rows: int, trace: bool) -> dict:
    cmd = [sys.executable, __file__, "--child", case, "--rows", str(rows)] + (["--trace"] if trace else [])
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=os.environ.copy())
    if proc.returncode:
        raise SystemExit(f"{case} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--export-rows", type=int, default=150_000)
    parser.add_argument("--import-rows", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--cases", default="export,import", help="comma-separated: export, import")
    parser.add_argument("--child")
    parser.add_argument("--rows", type=int)
    parser.add_argument("--trace", action="store_true")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.rows, args.trace)))
        return

    results = {}
    for case, rows in (("export", args.export_rows), ("import", args.import_rows)):
        if case not in args.cases.split(","):
            continue
        load_before = os.getloadavg()[0]
        runs = [_spawn(case, rows, False) for _ in range(args.runs)]
        traced = _spawn(case, rows, True)
        load = (load_before, os.getloadavg()[0])
        med = {k: statistics.median(r[k] for r in runs) for k in ("seconds", "cpu", "rss_peak_mb", "rss_growth_mb")}
        target = TARGETS[case]
        ok = med["seconds"] <= target["seconds"] and med["rss_peak_mb"] <= target.get("peak_mb", float("inf"))
        extra = ""
        if case == "import":
            extra = (f"  created {runs[0].get('created')}  bad file rejected {runs[0].get('rejected')}"
                     f" in {statistics.median(r['reject_seconds'] for r in runs):.1f} s, saved {runs[0].get('saved_after_reject')}")
        print(f"xlsx {case} {rows} rows  median {med['seconds']:.1f} s (cpu {med['cpu']:.1f} s)  peak RSS "
              f"{med['rss_peak_mb']:.0f} MB (+{med['rss_growth_mb']:.0f})  tracemalloc peak "
              f"{traced.get('tracemalloc_peak_mb', 0):.0f} MB{extra}  load {load[0]:.1f}→{load[1]:.1f}  "
              f"{'OK' if ok else 'MISS'} (target {target})",
              flush=True)
        results[case] = {"rows": rows, "runs": runs, "traced": traced, "median": med, "target": target, "ok": ok,
                         "load_1min": load}

    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    out = {"at": datetime.now(UTC).isoformat(), "commit": commit, "load": os.getloadavg(), "results": results}
    (ROOT / "benchmarks" / "results").mkdir(exist_ok=True)
    (ROOT / "benchmarks" / "results" / f"xlsx-{'-'.join(sorted(results))}.json").write_text(json.dumps(out, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
