"""Benchmark report generation on the database in DATABASE_URL (demo data or `manage.py seed_scale`).

    python benchmarks/bench_reports.py [--runs 10] [--warmup 2] [--branch CODE] [--committee CODE]
                                       [--committee-runs 1] [--reports 200] [--concurrency 2]

Cases (after warm-up; median and p95 of wall time, median of process CPU time):
  branch_annual_total   build the 年度党支部工作报告 from the database (same selectors as the pages) + PDF
  branch_annual_collect the figures alone (queries + document model)
  branch_annual_render  template + WeasyPrint + file, on the collected document
  weasyprint_only       WeasyPrint on the very same HTML with the shared fonts/CSS (the floor for rendering)
  committee_summary     四强 report for a 党委: per-branch figures in fan-out chunks (run here one after another,
                        i.e. one worker) + summary + PDF
The overhead of our rendering over WeasyPrint alone is (render - weasyprint_only) / weasyprint_only.

Through real Celery workers (only when REDIS_URL or CELERY_BROKER_URL is set: the script starts
`celery -A portal worker -c 2` itself on that broker, purges its queue first, and stops it at the end):
  workers_branch_annual  --reports branch annual reports (every k-th branch of the tree, so the sample spans it)
                         requested the way the schedule does (services.report_request, regenerate) after a warm-up
                         of 2 per pool process; reports per minute, and the whole tree's time EXTRAPOLATED from
                         the sample's rate (all 5,000 PDFs would take too long for one run)
  workers_committee      the committee's 四强 report requested once: fan-out of the per-branch collect tasks over
                         the same workers, then the summary PDF; request to done
Worker CPU time (all pool processes) is given beside the wall time. Report files go to a temporary MEDIA_ROOT;
the jobs the benchmark created are deleted at the end.
Prints one line per case and writes benchmarks/results/reports.json.
"""
from __future__ import annotations

import argparse
import json
import logging
import math
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks._proc import proc_cpu  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")
os.environ.setdefault("DJANGO_DEBUG", "0")  # DEBUG would keep every query in memory and time it

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
from reports.models import JobStatus, ReportJob, ReportKind, ReportPlan  # noqa: E402
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


BROKER = os.environ.get("CELERY_BROKER_URL") or os.environ.get("REDIS_URL") or ""
FINISHED = (JobStatus.DONE, JobStatus.FAILED)


def pool_pids(pid) -> list[int]:
    try:
        return [pid, *(int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split())]
    except FileNotFoundError:
        return [pid]


class Workers:
    """`celery -A portal worker -c N` on BROKER, with the same DATABASE_URL; a temporary MEDIA_ROOT."""

    def __init__(self, concurrency: int):
        from portal.celery import app

        self.app, self.concurrency = app, concurrency
        self.media = Path(tempfile.mkdtemp(prefix="bench_reports-media-"))
        env = {**os.environ, "CELERY_BROKER_URL": BROKER, "REDIS_URL": os.environ.get("REDIS_URL", BROKER),
               "DJANGO_DEBUG": "0", "MEDIA_ROOT": str(self.media), "LOG_LEVEL": "WARNING"}
        app.control.purge()  # stale messages of an earlier, interrupted run
        started = time.perf_counter()
        self.proc = subprocess.Popen(
            [str(Path(sys.executable).with_name("celery")), "-A", "portal", "worker", "-c", str(concurrency),
             "-l", "warning", "-n", f"bench_reports-{os.getpid()}@%h", "--without-gossip", "--without-mingle"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=open(self.media / "worker.log", "wb"),
            start_new_session=True)
        while not app.control.ping(timeout=1.0):
            if self.proc.poll() is not None or time.perf_counter() - started > 120:
                raise SystemExit("bench_reports: the Celery worker did not start:\n"
                                 + (self.media / "worker.log").read_text(errors="replace")[-3000:])
        self.startup_s = time.perf_counter() - started

    def cpu(self) -> float:
        return proc_cpu(pool_pids(self.proc.pid))

    def stop(self):
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
        shutil.rmtree(self.media, ignore_errors=True)


def wait_jobs(ids, timeout_s: float) -> list[dict]:
    deadline = time.perf_counter() + timeout_s
    while True:
        rows = list(ReportJob.objects.filter(pk__in=ids).values("pk", "status", "error", "collect_ms", "render_ms",
                                                                "page_count", "started_at", "finished_at"))
        if all(r["status"] in FINISHED for r in rows):
            return rows
        if time.perf_counter() > deadline:
            raise SystemExit(f"bench_reports: {sum(r['status'] not in FINISHED for r in rows)} jobs still unfinished "
                             f"after {timeout_s:.0f}s")
        time.sleep(0.25)


def request_branch_reports(branches, year: int) -> list[int]:
    return [services.report_request(organization=b, kind=ReportKind.BRANCH_ANNUAL, period=str(year),
                                    regenerate=True, scheduled=True, schedule_name="bench_reports").job.pk
            for b in branches]


def measure_workers(args, report: dict) -> None:
    """Branch annual reports and the committee report through real workers (see the module docstring)."""
    branches = list(Organization.objects.active().branches().order_by("path"))
    sample = branches[::max(1, len(branches) // args.reports)][:args.reports] if args.reports else []
    workers = Workers(args.concurrency)
    created: list[int] = []
    load = os.getloadavg()[0]
    try:
        out = report["workers"] = {"concurrency": args.concurrency, "startup_s": round(workers.startup_s, 2),
                                   "broker_db": BROKER.rsplit("/", 1)[-1], "load_average_at_start": round(load, 2)}
        if sample:
            warm = request_branch_reports(sample[:2 * args.concurrency], args.year)
            created += warm
            wait_jobs(warm, 600)
            cpu0, start = workers.cpu(), time.perf_counter()
            ids = request_branch_reports(sample, args.year)
            requested = time.perf_counter() - start
            created += ids
            rows = wait_jobs(ids, args.worker_timeout)
            wall, cpu = time.perf_counter() - start, workers.cpu() - cpu0
            failed = [r for r in rows if r["status"] != JobStatus.DONE]
            per_min = len(rows) / wall * 60
            whole = len(branches) / per_min * 60
            collect = statistics.median(r["collect_ms"] or 0 for r in rows) / 1000
            render_ = statistics.median(r["render_ms"] or 0 for r in rows) / 1000
            out["branch_annual"] = {
                "reports": len(rows), "failed": len(failed), "errors": sorted({r["error"] for r in failed})[:5],
                "branches_in_tree": len(branches), "request_s": round(requested, 2), "wall_s": round(wall, 2),
                "reports_per_minute": round(per_min, 1), "worker_cpu_s": round(cpu, 1),
                "worker_cpu_per_report_s": round(cpu / len(rows), 3),
                "job_collect_median_s": round(collect, 3), "job_render_median_s": round(render_, 3),
                "pages_median": statistics.median(r["page_count"] or 0 for r in rows),
                "whole_tree_extrapolated_s": round(whole, 1), "extrapolated": True}
            print(f"{'workers_branch_annual':<22} {len(rows)} reports in {wall:.1f}s ({failed and f'{len(failed)} FAILED, ' or ''}"
                  f"requesting {requested:.1f}s) = {per_min:.1f} reports/min on {args.concurrency} worker processes; "
                  f"per job collect {collect:.2f}s + render {render_:.2f}s; worker CPU {cpu / len(rows):.2f}s/report; "
                  f"load {load:.1f}")
            print(f"{'workers_whole_tree':<22} EXTRAPOLATED from that rate: {len(branches)} branch annual reports ≈ "
                  f"{whole / 60:.1f} min ({whole:.0f}s)")
        committee = pick_committee(args.committee)
        if committee is not None and args.committee_runs > 0:
            load = os.getloadavg()[0]
            cpu0, start = workers.cpu(), time.perf_counter()
            job = services.report_request(organization=committee, kind=ReportKind.COMMITTEE_FOUR_STRONG,
                                          period=str(args.year), regenerate=True).job
            created.append(job.pk)
            row = wait_jobs([job.pk], args.worker_timeout)[0]
            wall, cpu = time.perf_counter() - start, workers.cpu() - cpu0
            job.refresh_from_db()
            out["committee"] = {"code": committee.code, "branches": job.parts_total, "status": row["status"],
                                "error": row["error"], "wall_s": round(wall, 2), "worker_cpu_s": round(cpu, 1),
                                "summary_collect_ms": row["collect_ms"], "summary_render_ms": row["render_ms"],
                                "pages": row["page_count"], "load_average_at_start": round(load, 2)}
            status = "" if row["status"] == JobStatus.DONE else f" {row['status'].upper()}: {row['error'][:200]}"
            print(f"{'workers_committee':<22} {wall:.1f}s request → done ({job.parts_total} branches, fan-out over "
                  f"{args.concurrency} worker processes; summary {(row['collect_ms'] or 0) / 1000:.1f}s + PDF "
                  f"{(row['render_ms'] or 0) / 1000:.1f}s, {row['page_count']} pages; worker CPU {cpu:.1f}s; "
                  f"load {load:.1f})  target ≤ 60s{status}")
    finally:
        workers.stop()
        ReportJob.objects.filter(pk__in=created).delete()


def measure_in_process(args, report: dict) -> None:
    """The branch annual report cases and the committee summary in this process (one after another)."""
    pdf.ensure_harfbuzz_subsetting()
    branch = pick_branch(args.branch)
    if branch is None:
        raise SystemExit("bench_reports: no branch in the database (run manage.py seed_demo or seed_scale)")
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
    cpu = {name: [] for name in cases}  # process CPU time: far less sensitive than wall time to a busy machine
    for run in range(args.runs):
        order = list(cases.items()) if run % 2 == 0 else list(reversed(cases.items()))
        for name, fn in order:
            start, start_cpu = time.perf_counter(), time.process_time()
            fn()
            samples[name].append(time.perf_counter() - start)
            cpu[name].append(time.process_time() - start_cpu)

    report.update({
        "branch": {"code": branch.code, "name": branch.name, "pages": pages, "year": args.year,
                   "orglife": sources.has_orglife(), "evaluations": sources.has_evaluations(),
                   "practice": sources.has_practice()},
        "first_report_in_process_s": round(cold, 3), "runs": args.runs, "warmup": args.warmup, "cases": {},
    })
    print(f"branch annual report of {branch.name} ({branch.code}) {args.year}: {pages} pages; first in process "
          f"(fonts + CSS + report) {cold:.2f}s; {connection.vendor}; load {os.getloadavg()[0]:.1f}/{os.cpu_count()} CPUs")
    for name, values in samples.items():
        median, p95 = statistics.median(values), percentile(values, 95)
        cpu_median = statistics.median(cpu[name])
        report["cases"][name] = {"median_s": round(median, 4), "p95_s": round(p95, 4), "min_s": round(min(values), 4),
                                 "cpu_median_s": round(cpu_median, 4), "samples_s": [round(v, 4) for v in values]}
        target = f"  target ≤ {TARGETS[name]:.1f}s" if name in TARGETS else ""
        print(f"{name:<22} median {median:.3f}s  p95 {p95:.3f}s  CPU {cpu_median:.3f}s  (n={len(values)}){target}")
    wp = report["cases"]["weasyprint_only"]["median_s"]
    overhead = (report["cases"]["branch_annual_render"]["median_s"] - wp) / wp if wp else 0
    wp_cpu = report["cases"]["weasyprint_only"]["cpu_median_s"]
    overhead_cpu = (report["cases"]["branch_annual_render"]["cpu_median_s"] - wp_cpu) / wp_cpu if wp_cpu else 0
    report["render_overhead_over_weasyprint"] = round(overhead, 4)
    report["render_overhead_over_weasyprint_cpu"] = round(overhead_cpu, 4)
    print(f"{'render_overhead':<22} {overhead * 100:.1f}% beyond WeasyPrint alone (CPU: {overhead_cpu * 100:.1f}%) "
          "(target ≤ 20%)")

    committee = pick_committee(args.committee)
    if committee is not None and args.committee_runs > 0:
        branch_ids = sources.branches_under(committee)
        times, collect_times, cpu_times = [], [], []
        for _ in range(args.committee_runs):
            start, start_cpu = time.perf_counter(), time.process_time()
            parts = []
            for chunk in services.chunks(branch_ids):
                parts.extend(collect_parts(org=committee, branch_ids=chunk, period=period,
                                           today=timezone.localdate()).values())
            collected = time.perf_counter()
            parts.sort(key=lambda p: p["path"])
            doc = build_committee(ctx(committee), parts)
            render(doc)
            times.append(time.perf_counter() - start)
            cpu_times.append(time.process_time() - start_cpu)
            collect_times.append(collected - start)
        report["committee"] = {"code": committee.code, "branches": len(branch_ids),
                               "chunks": len(services.chunks(branch_ids)),
                               "median_s": round(statistics.median(times), 3),
                               "collect_median_s": round(statistics.median(collect_times), 3),
                               "cpu_median_s": round(statistics.median(cpu_times), 3),
                               "samples_s": [round(t, 3) for t in times]}
        print(f"{'committee_summary':<22} median {statistics.median(times):.2f}s  ({len(branch_ids)} branches in "
              f"{report['committee']['chunks']} chunks, collecting {statistics.median(collect_times):.2f}s; "
              f"one process; its CPU {statistics.median(cpu_times):.1f}s, the rest is PostgreSQL and waiting)  "
              f"target ≤ 60s")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--year", type=int, default=timezone.localdate().year - 1)
    parser.add_argument("--branch")
    parser.add_argument("--committee")
    parser.add_argument("--committee-runs", type=int, default=1)
    parser.add_argument("--reports", type=int, default=200,
                        help="branch annual reports through the real workers (0: skip); the whole tree is extrapolated")
    parser.add_argument("--concurrency", type=int, default=2, help="worker pool processes (celery -c)")
    parser.add_argument("--worker-timeout", type=float, default=1800)
    parser.add_argument("--skip-in-process", action="store_true", help="only the worker cases")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    report = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": connection.vendor, "python": platform.python_version(), "cpus": os.cpu_count(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()], "targets_s": TARGETS,
    }
    pdf.ensure_harfbuzz_subsetting()
    if not args.skip_in_process:
        measure_in_process(args, report)
    if BROKER:
        measure_workers(args, report)
    else:
        print(f"{'workers_*':<22} skipped: set REDIS_URL (or CELERY_BROKER_URL) to a Redis database the script may "
              "purge, e.g. redis://127.0.0.1:6379/5")
    report["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.output.relative_to(ROOT) if args.output.is_relative_to(ROOT) else args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
