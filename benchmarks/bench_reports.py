"""Benchmark report generation on the database in DATABASE_URL (demo data or `manage.py seed_scale`).

    python benchmarks/bench_reports.py [--runs 10] [--warmup 2] [--branch CODE] [--committee CODE]
                                       [--committee-runs 1]

Cases (after warm-up; median and p95):
  branch_annual_total   build the 年度党支部工作报告 from the database (same selectors as the pages) + PDF
  branch_annual_collect the figures alone (queries + document model)
  branch_annual_render  template + WeasyPrint + file, on the collected document
  weasyprint_only       WeasyPrint on the very same HTML with the shared fonts/CSS (the floor for rendering)
  committee_summary     四强 report for a 党委: per-branch figures in fan-out chunks (run here one after another,
                        i.e. one worker) + summary + PDF
The overhead of our rendering over WeasyPrint alone is (render - weasyprint_only) / weasyprint_only.
Prints one line per case and writes benchmarks/results/reports.json.
"""
from __future__ import annotations

import argparse
import json
import logging
import math
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")

import django  # noqa: E402

django.setup()
logging.getLogger("weasyprint").setLevel(logging.WARNING)

from django.db import connection  # noqa: E402
from django.db.models import Count, Q  # noqa: E402
from django.template.loader import render_to_string  # noqa: E402
from django.utils import timezone  # noqa: E402

from branches.models import BRANCH_KINDS, Organization  # noqa: E402
from reports import services, sources  # noqa: E402
from reports.builders.branch import BuildContext, build_branch_annual  # noqa: E402
from reports.builders.committee import build_committee, collect_parts  # noqa: E402
from reports.models import ReportPlan  # noqa: E402
from reports.periods import ReportPeriod  # noqa: E402
from reports.rendering import pdf  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "reports.json"
TARGETS = {"branch_annual_total": 1.0, "committee_summary": 60.0}


def percentile(samples, q):
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def pick_branch(code):
    if code:
        return Organization.objects.get(code=code)
    demo = Organization.objects.filter(code="JB01-Z1-01").first()
    if demo:
        return demo
    return (Organization.objects.filter(kind__in=BRANCH_KINDS, dissolved_on__isnull=True)
            .annotate(n=Count("members", filter=Q(members__is_active=True))).order_by("-n", "path").first())


def pick_committee(code):
    if code:
        return Organization.objects.get(code=code)
    return Organization.objects.filter(depth=1, kind="committee").order_by("path").first()


def html_of(document):
    return render_to_string(services.PDF_TEMPLATE, {
        "doc": document, "title": document.title, "organization": document.organization,
        "subtitle": document.subtitle, "cover_meta": document.cover_meta,
        "toc": document.toc_entries() if document.toc else None, "generated_at": timezone.localtime()})


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--year", type=int, default=timezone.localdate().year - 1)
    parser.add_argument("--branch")
    parser.add_argument("--committee")
    parser.add_argument("--committee-runs", type=int, default=1)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    pdf.ensure_harfbuzz_subsetting()
    branch = pick_branch(args.branch)
    if branch is None:
        print("bench_reports: no branch in the database (run manage.py seed_demo or seed_scale)", file=sys.stderr)
        return 1
    period = ReportPeriod.parse(str(args.year))
    plan = ReportPlan.objects.filter(organization=branch, year=args.year).first()

    def ctx(org):
        return BuildContext(org=org, period=period, today=timezone.localdate(), progress=None, plan=plan)

    def collect():
        return build_branch_annual(ctx(branch))

    tmp = Path(tempfile.mkdtemp()) / "bench.pdf"

    def render(document):
        return services.render_document(document, "pdf", tmp)

    cold_start = time.perf_counter()
    pdf.reset_renderer()
    document = collect()
    pages = render(document)
    cold = time.perf_counter() - cold_start
    html = html_of(document)

    cases = {
        "branch_annual_total": lambda: render(collect()),
        "branch_annual_collect": collect,
        "branch_annual_render": lambda: render(document),
        "weasyprint_only": lambda: pdf.render_pdf(html),
    }
    for fn in cases.values():
        for _ in range(args.warmup):
            fn()
    samples = {name: [] for name in cases}
    for run in range(args.runs):
        order = list(cases.items()) if run % 2 == 0 else list(reversed(cases.items()))
        for name, fn in order:
            start = time.perf_counter()
            fn()
            samples[name].append(time.perf_counter() - start)

    report = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": connection.vendor, "python": platform.python_version(), "cpus": os.cpu_count(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "branch": {"code": branch.code, "name": branch.name, "pages": pages, "year": args.year,
                   "orglife": sources.has_orglife(), "evaluations": sources.has_evaluations(),
                   "practice": sources.has_practice()},
        "first_report_in_process_s": round(cold, 3), "runs": args.runs, "warmup": args.warmup, "cases": {},
        "targets_s": TARGETS,
    }
    print(f"branch annual report of {branch.name} ({branch.code}) {args.year}: {pages} pages; first in process "
          f"(fonts + CSS + report) {cold:.2f}s; {connection.vendor}; load {os.getloadavg()[0]:.1f}/{os.cpu_count()} CPUs")
    for name, values in samples.items():
        median, p95 = statistics.median(values), percentile(values, 95)
        report["cases"][name] = {"median_s": round(median, 4), "p95_s": round(p95, 4), "min_s": round(min(values), 4),
                                 "samples_s": [round(v, 4) for v in values]}
        target = f"  target ≤ {TARGETS[name]:.1f}s" if name in TARGETS else ""
        print(f"{name:<22} median {median:.3f}s  p95 {p95:.3f}s  (n={len(values)}){target}")
    wp = report["cases"]["weasyprint_only"]["median_s"]
    overhead = (report["cases"]["branch_annual_render"]["median_s"] - wp) / wp if wp else 0
    report["render_overhead_over_weasyprint"] = round(overhead, 4)
    print(f"{'render_overhead':<22} {overhead * 100:.1f}% beyond WeasyPrint alone (target ≤ 20%)")

    committee = pick_committee(args.committee)
    if committee is not None and args.committee_runs > 0:
        branch_ids = sources.branches_under(committee)
        times, collect_times = [], []
        for _ in range(args.committee_runs):
            start = time.perf_counter()
            parts = []
            for chunk in services.chunks(branch_ids):
                parts.extend(collect_parts(org=committee, branch_ids=chunk, period=period,
                                           today=timezone.localdate()).values())
            collected = time.perf_counter()
            parts.sort(key=lambda p: p["path"])
            doc = build_committee(ctx(committee), parts)
            render(doc)
            times.append(time.perf_counter() - start)
            collect_times.append(collected - start)
        report["committee"] = {"code": committee.code, "branches": len(branch_ids),
                               "chunks": len(services.chunks(branch_ids)),
                               "median_s": round(statistics.median(times), 3),
                               "collect_median_s": round(statistics.median(collect_times), 3),
                               "samples_s": [round(t, 3) for t in times]}
        print(f"{'committee_summary':<22} median {statistics.median(times):.2f}s  ({len(branch_ids)} branches in "
              f"{report['committee']['chunks']} chunks, collecting {statistics.median(collect_times):.2f}s; "
              f"one process)  target ≤ 60s")
    report["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.output.relative_to(ROOT) if args.output.is_relative_to(ROOT) else args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
