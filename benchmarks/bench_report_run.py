"""The whole tree's branch annual reports through real Celery worker processes, measured — not extrapolated.

    REDIS_URL=redis://127.0.0.1:6379/5 python benchmarks/bench_report_run.py
        [--formats pdf,docx] [--hosts 1] [--concurrency 2] [--limit 0] [--year Y] [--output PATH]

Requests the 年度党支部工作报告 of every active branch in each format through the annual schedule's own code
(`reports.schedules.request_scheduled`: organization by organization, the formats side by side), or of every
k-th branch with --limit N (its per-organization step, `request_formats`), and waits for every job. The workers are `--hosts` separate `celery -A portal worker -c C` processes, each its
own node on the same broker — a simulated worker host each — started by this script (queue purged first) and
stopped at the end. Requesting and working overlap, as in production: the clock runs from the first request to
the last job done.

Prints: reports and wall time, reports per minute, worker CPU per report (all pool processes of all hosts),
PostgreSQL's CPU over the run, per-format collect and render medians, failures, and memory — each pool
process's peak RSS (VmHWM) and the largest sum of all workers' RSS sampled each second.
Writes benchmarks/results/report_run.json (or --output). Report files go to a temporary MEDIA_ROOT; the jobs
the run created are deleted at the end.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks._proc import proc_cpu  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")
os.environ.setdefault("DJANGO_DEBUG", "0")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from branches.models import Organization  # noqa: E402
from reports.models import JobStatus, ReportFormat, ReportJob, ReportKind  # noqa: E402
from reports.schedules import request_formats, request_scheduled  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "report_run.json"
BROKER = os.environ.get("CELERY_BROKER_URL") or os.environ.get("REDIS_URL") or ""
FINISHED = (JobStatus.DONE, JobStatus.FAILED)


def children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        return []


def status_kb(pid: int, field: str) -> int:
    """VmRSS / VmHWM of a process in kB (0 if it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except FileNotFoundError:
        pass
    return 0


def postgres_cpu() -> float:
    """CPU seconds of the PostgreSQL server on this machine: the postmaster's own and its reaped children's
    (cutime/cstime: backends of closed connections) plus every live backend's. Read at two moments, the
    difference is what the server spent in between, however many connections came and went."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if (entry / "comm").read_text().strip() != "postgres":
                continue
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, PermissionError, ProcessLookupError):
            continue
        parent_is_postgres = False
        try:
            parent_is_postgres = Path(f"/proc/{fields[1]}/comm").read_text().strip() == "postgres"
        except FileNotFoundError:
            pass
        total += int(fields[11]) + int(fields[12])
        if not parent_is_postgres:  # the postmaster: add its reaped backends
            total += int(fields[13]) + int(fields[14])
    return total / tick


class Host:
    """One simulated worker host: `celery -A portal worker -c C` with its own node name and MEDIA_ROOT."""

    def __init__(self, index: int, concurrency: int, media: Path):
        env = {**os.environ, "CELERY_BROKER_URL": BROKER, "REDIS_URL": os.environ.get("REDIS_URL", BROKER),
               "DJANGO_DEBUG": "0", "MEDIA_ROOT": str(media), "LOG_LEVEL": "WARNING"}
        self.log = media / f"worker-{index}.log"
        self.proc = subprocess.Popen(
            [str(Path(sys.executable).with_name("celery")), "-A", "portal", "worker", "-c", str(concurrency),
             "-l", "warning", "-n", f"bench_run{index}-{os.getpid()}@%h", "--without-gossip", "--without-mingle"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=open(self.log, "wb"), start_new_session=True)

    def pool(self) -> list[int]:
        return children(self.proc.pid)

    def pids(self) -> list[int]:
        return [self.proc.pid, *self.pool()]

    def stop(self):
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


class MemorySampler(threading.Thread):
    """Each second: the sum of RSS over all worker processes; keeps the largest, and each pool process's VmHWM."""

    def __init__(self, hosts: list[Host]):
        super().__init__(daemon=True)
        self.hosts, self.stop_event = hosts, threading.Event()
        self.max_total_kb, self.hwm_kb = 0, {}

    def run(self):
        while not self.stop_event.wait(1.0):
            self.sample()

    def sample(self):
        total = 0
        for host in self.hosts:
            for pid in host.pids():
                total += status_kb(pid, "VmRSS")
            for pid in host.pool():
                self.hwm_kb[pid] = max(self.hwm_kb.get(pid, 0), status_kb(pid, "VmHWM"))
        self.max_total_kb = max(self.max_total_kb, total)


def request_all(branches, formats, year: int, whole_tree: bool) -> list[int]:
    """What the annual schedule (`reports.scheduled_reports`) does for `year`: every branch, each format side by
    side (schedules.request_scheduled; for a sample, its per-organization step on the sample's branches)."""
    first = ReportJob.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    if whole_tree:
        request_scheduled(kind=ReportKind.BRANCH_ANNUAL, schedule_name="bench_report_run", formats=formats,
                          today=date(year + 1, 1, 15))
    else:
        for branch in branches:
            request_formats(organization=branch, kind=ReportKind.BRANCH_ANNUAL, period=str(year), formats=formats,
                            schedule_name="bench_report_run")
    return list(ReportJob.objects.filter(pk__gt=first, schedule_name="bench_report_run").values_list("pk", flat=True))


def wait_done(ids: list[int], timeout_s: float, started: float) -> None:
    deadline, last_print = time.perf_counter() + timeout_s, 0.0
    while True:
        done = ReportJob.objects.filter(pk__in=ids, status__in=FINISHED).count()
        now = time.perf_counter()
        if done >= len(ids):
            return
        if now - last_print > 60:
            print(f"  {done}/{len(ids)} done after {now - started:.0f}s", flush=True)
            last_print = now
        if now > deadline:
            raise SystemExit(f"bench_report_run: {len(ids) - done} jobs unfinished after {timeout_s:.0f}s")
        time.sleep(1.0)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--formats", default="pdf,docx")
    parser.add_argument("--hosts", type=int, default=1, help="separate worker processes (simulated hosts)")
    parser.add_argument("--concurrency", type=int, default=2, help="pool processes per host (celery -c)")
    parser.add_argument("--limit", type=int, default=0, help="every k-th branch, this many (0: the whole tree)")
    parser.add_argument("--year", type=int, default=timezone.localdate().year - 1)
    parser.add_argument("--timeout", type=float, default=3 * 3600)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    if not BROKER:
        raise SystemExit("bench_report_run: set REDIS_URL to a Redis database the script may purge, "
                         "e.g. redis://127.0.0.1:6379/5")
    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    for fmt in formats:
        if fmt not in ReportFormat.values:
            raise SystemExit(f"bench_report_run: unknown format {fmt!r}")

    from portal.celery import app

    branches = list(Organization.objects.active().branches().order_by("path"))
    if args.limit:
        branches = branches[::max(1, len(branches) // args.limit)][:args.limit]
    media = Path(tempfile.mkdtemp(prefix="bench_report_run-"))
    app.control.purge()
    load_start = os.getloadavg()
    hosts = [Host(i, args.concurrency, media) for i in range(args.hosts)]
    created: list[int] = []
    try:
        boot = time.perf_counter()
        while len(app.control.ping(timeout=1.0) or []) < args.hosts:
            if any(h.proc.poll() is not None for h in hosts) or time.perf_counter() - boot > 180:
                raise SystemExit("bench_report_run: a worker did not start:\n"
                                 + "\n".join(h.log.read_text(errors="replace")[-2000:] for h in hosts))
        # Warm-up: one report per pool process, so the clock does not include importing and font loading.
        warm = request_all(branches[:args.hosts * args.concurrency], formats[:1], args.year, whole_tree=False)
        created += warm
        wait_done(warm, 600, time.perf_counter())
        ReportJob.objects.filter(pk__in=warm).delete()  # else the run would reuse their files (unchanged data)
        stale = ReportJob.objects.filter(kind=ReportKind.BRANCH_ANNUAL, period=str(args.year), format__in=formats)
        if stale.exists():
            raise SystemExit(f"bench_report_run: {stale.count()} {args.year} branch annual jobs exist already; the "
                             "schedule would reuse their files. Delete them first.")
        sampler = MemorySampler(hosts)
        sampler.sample()
        cpu0, pg0 = sum(proc_cpu(h.pids()) for h in hosts), postgres_cpu()
        started = time.perf_counter()
        sampler.start()
        ids = request_all(branches, formats, args.year, whole_tree=not args.limit)
        requested_s = time.perf_counter() - started
        created += ids
        wait_done(ids, args.timeout, started)
        wall = time.perf_counter() - started
        sampler.stop_event.set()
        sampler.join()
        sampler.sample()
        cpu = sum(proc_cpu(h.pids()) for h in hosts) - cpu0
        pg_cpu = postgres_cpu() - pg0
        load_end = os.getloadavg()
        rows = list(ReportJob.objects.filter(pk__in=ids).values("format", "status", "error", "collect_ms",
                                                                "render_ms", "page_count", "size"))
    finally:
        for host in hosts:
            host.stop()
        ReportJob.objects.filter(pk__in=created).delete()
        shutil.rmtree(media, ignore_errors=True)

    failed = [r for r in rows if r["status"] != JobStatus.DONE]
    per_format = {}
    for fmt in formats:
        mine = [r for r in rows if r["format"] == fmt and r["status"] == JobStatus.DONE]
        per_format[fmt] = {
            "done": len(mine),
            "collect_median_ms": statistics.median(r["collect_ms"] or 0 for r in mine) if mine else None,
            "render_median_ms": statistics.median(r["render_ms"] or 0 for r in mine) if mine else None,
            "size_median_kb": round(statistics.median(r["size"] or 0 for r in mine) / 1024, 1) if mine else None,
            "pages_median": statistics.median(r["page_count"] or 0 for r in mine) if fmt == "pdf" and mine else None}
    hwm_mb = sorted(round(kb / 1024, 1) for kb in sampler.hwm_kb.values())
    result = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"), "database": connection.vendor,
        "commit": subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                 text=True).stdout.strip(),
        "cpus": os.cpu_count(), "year": args.year, "formats": formats, "hosts": args.hosts,
        "concurrency_per_host": args.concurrency, "branches": len(branches), "reports": len(rows),
        "failed": len(failed), "errors": sorted({r["error"] for r in failed})[:5],
        "request_s": round(requested_s, 1), "wall_s": round(wall, 1),
        "reports_per_minute": round(len(rows) / wall * 60, 1),
        "worker_cpu_s": round(cpu, 1), "worker_cpu_per_report_s": round(cpu / max(1, len(rows)), 3),
        "postgres_cpu_s": round(pg_cpu, 1), "postgres_cpu_per_report_s": round(pg_cpu / max(1, len(rows)), 3),
        "cpu_utilisation": round((cpu + pg_cpu) / wall / (os.cpu_count() or 1), 2),
        "per_format": per_format, "pool_peak_rss_mb": hwm_mb,
        "all_workers_peak_rss_mb": round(sampler.max_total_kb / 1024, 1),
        "load_average_at_start": [round(x, 2) for x in load_start],
        "load_average_at_end": [round(x, 2) for x in load_end],
    }
    print(f"{len(rows)} branch annual reports ({'+'.join(formats)}, {len(branches)} branches, year {args.year}) on "
          f"{args.hosts} host(s) × {args.concurrency} pool processes: {wall / 60:.1f} min wall ({wall:.0f}s; "
          f"requesting took {requested_s:.0f}s of it) = {result['reports_per_minute']} reports/min"
          f"{f'; {len(failed)} FAILED' if failed else ''}")
    print(f"  CPU: workers {cpu:.0f}s = {result['worker_cpu_per_report_s']:.3f}s/report, PostgreSQL {pg_cpu:.0f}s = "
          f"{result['postgres_cpu_per_report_s']:.3f}s/report; both cores {result['cpu_utilisation'] * 100:.0f}% busy")
    for fmt, row in per_format.items():
        print(f"  {fmt}: {row['done']} done, collect median {row['collect_median_ms']} ms, render median "
              f"{row['render_median_ms']} ms, {row['size_median_kb']} kB"
              + (f", {row['pages_median']} pages" if row["pages_median"] else ""))
    print(f"  memory: peak RSS per pool process {hwm_mb} MB; all worker processes together at most "
          f"{result['all_workers_peak_rss_mb']} MB")
    print(f"  load average {load_start[0]:.2f} at start, {load_end[0]:.2f} at end")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
