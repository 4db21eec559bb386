"""Load test: gunicorn serving the portal with production settings, mixed page and API reads over loopback.

    DATABASE_URL=postgres://... python benchmarks/bench_load.py [--seconds 60] [--connections 16]
                                                               [--warmup 10] [--runs 1] [--workers 3]

What runs:
  gunicorn portal.wsgi with portal.settings.production (DEBUG off, static files collected with the manifest
  storage and served by whitenoise, persistent DB connections), 3 sync workers as in the Dockerfile, behind
  `X-Forwarded-Proto: https` as a TLS-terminating proxy would send it. Throwaway DJANGO_SECRET_KEY and
  FIELD_ENCRYPTION_KEYS are generated per run: the pages and the API without the pii grant read the masked
  身份证号 column, so nothing here decrypts. REDIS_URL (cache: API throttle counters) is passed through when set.
  The load generator is wrk (C, one event loop per thread): on a 2-core box a Python generator (locust) would take
  a whole core away from the server it measures, and wrk's Lua hook is enough for a weighted mix with headers.
  wrk is a closed loop: 16 connections each send the next request when the previous answer arrived.

The mix (weights in MIX): pages of a 党总支's 党务工作者 (session cookie made with Django's session engine) and of
a 支部书记, API reads of an agency client (Bearer token of an ApiClient on the whole tree, throttle raised for
the benchmark: the default 600/min per client would turn most of the load into 429s), and one static file.
Every request is drawn at random from the weighted list; branch-level URLs rotate over 20 branches.

Figures: requests/s, client-side latency p50/p95/p99 (wrk, includes queueing at the workers), errors (socket
errors, timeouts and any status other than 200), then per kind of request the server-side time from gunicorn's
access log (median/p95/p99, count, non-200). Targets: zero errors, p99 ≤ 1 s. Also the CPU time the gunicorn
workers used per request. A warm-up run (--warmup seconds, not counted) comes first; with --runs > 1 the
median run (by requests/s) is reported. JSON to benchmarks/results/load.json.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks._proc import proc_cpu  # noqa: E402

if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
    print("bench_load: set DATABASE_URL to a seeded PostgreSQL database (manage.py seed_scale)", file=sys.stderr)
    raise SystemExit(1)
if shutil.which("wrk") is None:
    print("bench_load: wrk not found (Debian package `wrk`; `scripts/bootstrap.sh bench` installs it)", file=sys.stderr)
    raise SystemExit(1)

from cryptography.fernet import Fernet  # noqa: E402

TMP = Path(tempfile.mkdtemp(prefix="bench_load-"))
# The server and this process share the settings: the session auth hash is keyed with SECRET_KEY.
SERVER_ENV = {
    # Kept between runs (collectstatic post-processes every file: a minute or more on a busy box).
    "STATIC_ROOT": str(ROOT / "var" / "bench_load_static"),
    "MEDIA_ROOT": str(TMP / "media"),
    "DJANGO_SETTINGS_MODULE": "portal.settings.production",
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
    "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
    "LOG_LEVEL": "WARNING",
}
os.environ.update(SERVER_ENV)

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils.module_loading import import_string  # noqa: E402

from branches.api_clients import api_client_create, api_client_revoke  # noqa: E402
from branches.models import ApiClient, Organization, OrganizationKind, Role  # noqa: E402
from branches.services import role_grant  # noqa: E402
from members.models import Member  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "load.json"
CLIENT_NAME = "bench_load（基准测试）"
TARGET_P99_S = 1.0
BRANCHES_IN_MIX = 20
# kind -> weight (percent of requests). Pages 55 %, API 40 %, static 5 %.
MIX = {
    "page home (staff)": 8,
    "page org tree (staff)": 5,
    "page branch detail": 10,
    "page branch org life": 8,
    "page member list (branch)": 8,
    "page member detail": 6,
    "page branch reports": 5,
    "page home (secretary)": 5,
    "api organizations (subtree)": 8,
    "api organization detail": 8,
    "api members (branch)": 10,
    "api activities (branch, quarter)": 7,
    "api compliance (branch, quarter)": 7,
    "static css": 5,
}

LUA = r"""
-- generated by benchmarks/bench_load.py: weighted random GETs; counts statuses per thread
local REQUESTS = %(requests)s
local threads = {}
function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end
function init(args)
  math.randomseed(os.time() * 1000 + id)
  formatted = {}
  for i, r in ipairs(REQUESTS) do
    formatted[i] = wrk.format("GET", r[1], r[2])
  end
  statuses = {}
end
function request()
  return formatted[math.random(#formatted)]
end
function response(status, headers, body)
  local key = tostring(status)
  statuses[key] = (statuses[key] or 0) + 1
end
function done(summary, latency, requests)
  local merged = {}
  for _, t in ipairs(threads) do
    for k, v in pairs(t:get("statuses")) do merged[k] = (merged[k] or 0) + v end
  end
  local parts = {}
  for k, v in pairs(merged) do table.insert(parts, string.format('"%%s": %%d', k, v)) end
  io.write(string.format(
    'BENCH_JSON {"requests": %%d, "duration_us": %%d, "bytes": %%d, "errors": {"connect": %%d, "read": %%d, ' ..
    '"write": %%d, "status": %%d, "timeout": %%d}, "latency_us": {"p50": %%d, "p90": %%d, "p95": %%d, "p99": %%d, ' ..
    '"max": %%d, "mean": %%.1f}, "statuses": {%%s}}\n',
    summary.requests, summary.duration, summary.bytes, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.status, summary.errors.timeout, latency:percentile(50),
    latency:percentile(90), latency:percentile(95), latency:percentile(99), latency.max, latency.mean,
    table.concat(parts, ", ")))
end
"""


def percentile(samples, q):
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)] if ordered else 0.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def session_cookie(user) -> str:
    """A logged-in session for `user`, stored by the configured session engine (what the login view does)."""
    store = import_string(f"{settings.SESSION_ENGINE}.SessionStore")()
    store[SESSION_KEY] = user._meta.pk.value_to_string(user)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return f"{settings.SESSION_COOKIE_NAME}={store.session_key}"


def prepare(year: int):
    """Users, grants, session cookies, an API token and the list of (kind, path, headers)."""
    User = get_user_model()
    root = Organization.objects.filter(depth=1).order_by("path").first()
    general = (Organization.objects.filter(depth=2, kind=OrganizationKind.GENERAL_BRANCH).order_by("path").first()
               or Organization.objects.filter(depth=2).order_by("path").first())
    branches = list(Organization.objects.filter(path__startswith=general.path, kind=OrganizationKind.BRANCH,
                                                 dissolved_on__isnull=True).order_by("path")[:BRANCHES_IN_MIX])
    if root is None or not branches:
        raise SystemExit("bench_load: no organization tree in the database (run manage.py seed_scale)")
    staff, _ = User.objects.get_or_create(username="bench_load_staff")
    role_grant(user=staff, organization=general, role=Role.STAFF)
    secretary, _ = User.objects.get_or_create(username="bench_load_secretary")
    role_grant(user=secretary, organization=branches[0], role=Role.SECRETARY)
    for old in ApiClient.objects.filter(name=CLIENT_NAME, revoked_at__isnull=True):
        api_client_revoke(client=old)
    _, token = api_client_create(organization=root, name=CLIENT_NAME, throttle_rate="1000000/min")
    staff_cookie, secretary_cookie = session_cookie(staff), session_cookie(secretary)
    members = dict(Member.objects.filter(branch__in=branches, is_active=True).order_by("branch_id", "pk")
                   .distinct("branch_id").values_list("branch_id", "pk"))
    from django.contrib.staticfiles.storage import staticfiles_storage
    css = staticfiles_storage.url("css/portal.css")

    proxy = {"X-Forwarded-Proto": "https"}
    page = lambda cookie: {**proxy, "Cookie": cookie}  # noqa: E731
    api = {**proxy, "Authorization": f"Bearer {token}", "Accept": "application/json"}
    quarter, q_from, q_to = f"{year}-Q3", f"{year}-07-01", f"{year}-09-30"
    rows = []
    for b in branches:
        m = members.get(b.pk)
        rows += [
            ("page branch detail", f"/org/{b.pk}/", page(staff_cookie)),
            ("page branch org life", f"/org/{b.pk}/life/", page(staff_cookie)),
            ("page member list (branch)", f"/members/?organization={b.pk}", page(staff_cookie)),
            ("page branch reports", f"/reports/org/{b.pk}/", page(staff_cookie)),
            ("api organization detail", f"/api/v1/organizations/{b.pk}/", api),
            ("api members (branch)", f"/api/v1/members/?organization={b.pk}", api),
            ("api activities (branch, quarter)",
             f"/api/v1/activities/?organization={b.pk}&held_on_after={q_from}&held_on_before={q_to}", api),
            ("api compliance (branch, quarter)", f"/api/v1/compliance/?organization={b.pk}&period={quarter}", api),
        ]
        if m:
            rows.append(("page member detail", f"/members/{m}/", page(staff_cookie)))
    rows += [
        ("page home (staff)", "/", page(staff_cookie)),
        ("page org tree (staff)", "/org/", page(staff_cookie)),
        ("page home (secretary)", "/", page(secretary_cookie)),
        ("api organizations (subtree)", f"/api/v1/organizations/?organization={general.pk}", api),
        ("static css", css, proxy),
    ]
    by_kind = defaultdict(list)
    for kind, path, headers in rows:
        by_kind[kind].append((path, {**headers, "X-Bench-Kind": kind.replace(" ", "_")}))
    # Expand to about 1,000 entries so that a uniform pick follows the weights.
    weighted = []
    for kind, weight in MIX.items():
        entries = by_kind[kind]
        n = max(1, round(weight * 10 / len(entries))) if entries else 0
        weighted += entries * n
    info = {"root": root.code, "general_branch": general.code, "branches": [b.code for b in branches],
            "staff_scope": general.name, "secretary_branch": branches[0].name}
    return by_kind, weighted, info


def lua_table(weighted) -> str:
    def s(v):
        return json.dumps(v, ensure_ascii=True)  # a JSON string literal is a valid Lua string literal (ASCII only)
    return "{\n" + ",\n".join("  {" + s(p) + ", {" + ", ".join(f"[{s(k)}] = {s(v)}" for k, v in h.items()) + "}}"
                              for p, h in weighted) + "\n}"


class PostgresCpu:
    """CPU time of the PostgreSQL server processes serving this database (the gunicorn workers' connections).

    Persistent connections are replaced every DB_CONN_MAX_AGE (60 s), so the backends are looked up once a
    second during the run: a backend that appears counts from zero, one that ends keeps the CPU last seen (up to a
    second of it is missed). Only when PostgreSQL runs on this machine (its processes visible in /proc): else 0."""

    def __init__(self):
        self.first: dict[int, float] = {}
        self.last: dict[int, float] = {}
        self.stop = threading.Event()
        self.thread = None

    def _backends(self, cur) -> list[int]:
        cur.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
        return [row[0] for row in cur.fetchall()]

    def _poll(self, cur, initial=False):
        for pid in self._backends(cur):
            cpu = proc_cpu([pid])
            self.first.setdefault(pid, cpu if initial else 0.0)
            self.last[pid] = cpu

    def start(self):
        with connection.cursor() as cur:
            self._poll(cur, initial=True)

        def loop():
            from django.db import connections
            try:
                with connections["default"].cursor() as cur:
                    while not self.stop.wait(1.0):
                        self._poll(cur)
            finally:
                connections.close_all()
        self.thread = threading.Thread(target=loop, daemon=True)
        self.thread.start()

    def finish(self) -> float:
        self.stop.set()
        self.thread.join()
        with connection.cursor() as cur:
            self._poll(cur)
        return sum(self.last[pid] - self.first[pid] for pid in self.last)


def children(pid) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        return []


def collectstatic(force: bool) -> float | None:
    """Collected once and kept in var/ (whitenoise compresses every file again on each run, minutes on a busy
    box); again when a file under static/ or pyproject.toml (package versions) is newer than the manifest."""
    manifest = Path(SERVER_ENV["STATIC_ROOT"]) / "staticfiles.json"
    if manifest.exists() and not force:
        newest = max(f.stat().st_mtime for f in [ROOT / "pyproject.toml", *(ROOT / "static").rglob("*")])
        if newest < manifest.stat().st_mtime:
            return None
    started = time.perf_counter()
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT,
                   env={**os.environ, **SERVER_ENV}, check=True)
    return time.perf_counter() - started


def start_server(args, tmp: Path, port: int):
    env = {**os.environ, **SERVER_ENV}
    access = tmp / "access.log"
    gunicorn = Path(sys.executable).with_name("gunicorn")
    proc = subprocess.Popen(
        [str(gunicorn), "portal.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", str(args.workers),
         "--timeout", "120", "--access-logfile", str(access),
         "--access-logformat", "%({x-bench-kind}i)s %(s)s %(D)s", "--error-logfile", str(tmp / "error.log")],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{port}/healthz/",
                                                          headers={"X-Forwarded-Proto": "https"}), timeout=5)
            break
        except (urllib.error.URLError, ConnectionError, OSError):
            if proc.poll() is not None:
                raise SystemExit(f"bench_load: gunicorn exited:\n{(tmp / 'error.log').read_text()[-3000:]}") from None
            time.sleep(0.3)
    else:
        raise SystemExit("bench_load: gunicorn did not answer /healthz/ within 60 s")
    return proc, access


def check_urls(port: int, by_kind) -> None:
    """Every kind answers 200 once before the load (a 302 to the login page would be a broken benchmark)."""
    bad = []
    opener = urllib.request.build_opener(NoRedirect)
    for kind, entries in by_kind.items():
        path, headers = entries[0]
        req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers)
        try:
            status = opener.open(req, timeout=120).status
        except urllib.error.HTTPError as exc:
            status = exc.code
        if status != 200:
            bad.append(f"{kind}: {path} -> {status}")
    if bad:
        raise SystemExit("bench_load: requests that do not answer 200:\n  " + "\n  ".join(bad))


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def run_wrk(port: int, script: Path, seconds: int, args) -> dict:
    cmd = ["wrk", "-t", str(args.threads), "-c", str(args.connections), "-d", f"{seconds}s", "--timeout", "10s",
           "-s", str(script), f"http://127.0.0.1:{port}"]
    before = os.times()
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    after = os.times()
    line = next((ln for ln in out.splitlines() if ln.startswith("BENCH_JSON ")), None)
    if line is None:
        raise SystemExit(f"bench_load: wrk printed no summary:\n{out}")
    result = json.loads(line[len("BENCH_JSON "):])
    result["wrk_cpu_s"] = round((after.children_user - before.children_user)
                                + (after.children_system - before.children_system), 2)
    return result


def access_stats(access: Path, offset: int) -> dict:
    per_kind = defaultdict(lambda: {"times": [], "non200": 0})
    with access.open(encoding="utf-8", errors="replace") as fh:
        fh.seek(offset)
        for line in fh:
            parts = line.split()
            if len(parts) != 3:
                continue
            kind, status, micros = parts
            entry = per_kind[kind.replace("_", " ")]
            entry["times"].append(int(micros) / 1e6)
            if status != "200":
                entry["non200"] += 1
    out = {}
    for kind in MIX:
        e = per_kind.get(kind, {"times": [], "non200": 0})
        t = e["times"]
        out[kind] = {"count": len(t), "non200": e["non200"], "median_ms": round(statistics.median(t) * 1000, 1) if t else None,
                     "p95_ms": round(percentile(t, 95) * 1000, 1), "p99_ms": round(percentile(t, 99) * 1000, 1)}
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=60, help="length of each measured run (default 60)")
    parser.add_argument("--warmup", type=int, default=10, help="seconds of unmeasured load first (default 10)")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn sync workers (Dockerfile: 3)")
    parser.add_argument("--year", type=int, default=2025, help="year of the activity/compliance quarter queried")
    parser.add_argument("--collectstatic", action="store_true", help="collect static files even if up to date")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    tmp = TMP
    collect_s = collectstatic(args.collectstatic)
    by_kind, weighted, info = prepare(args.year)
    connection.close()
    script = tmp / "mix.lua"
    script.write_text(LUA % {"requests": lua_table([(p, h) for p, h in weighted])}, encoding="utf-8")
    port = free_port()
    proc, access = start_server(args, tmp, port)
    try:
        check_urls(port, by_kind)
        if args.warmup > 0:
            run_wrk(port, script, args.warmup, args)
        runs = []
        for _ in range(args.runs):
            offset = access.stat().st_size
            pids, pg_cpu = children(proc.pid), PostgresCpu()
            cpu_before, load_before = proc_cpu(pids), os.getloadavg()[0]
            pg_cpu.start()
            result = run_wrk(port, script, args.seconds, args)
            result["postgres_cpu_s"] = round(pg_cpu.finish(), 2)
            time.sleep(0.5)  # let the workers flush the access log
            result["gunicorn_cpu_s"] = round(proc_cpu(pids) - cpu_before, 2)
            result["postgres_backends_seen"] = len(pg_cpu.last)
            result["load_average_1m"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
            result["per_kind"] = access_stats(access, offset)
            runs.append(result)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)

    def rps(r):
        return r["requests"] / (r["duration_us"] / 1e6)
    chosen = sorted(runs, key=rps)[len(runs) // 2]
    lat = chosen["latency_us"]
    non200 = sum(v for k, v in chosen["statuses"].items() if k != "200")
    socket_errors = sum(chosen["errors"][k] for k in ("connect", "read", "write", "timeout"))
    errors = non200 + socket_errors
    p99_s = lat["p99"] / 1e6
    ok = errors == 0 and p99_s <= TARGET_P99_S
    cpu_ms = chosen["gunicorn_cpu_s"] * 1000 / chosen["requests"] if chosen["requests"] else 0
    pg_ms = chosen["postgres_cpu_s"] * 1000 / chosen["requests"] if chosen["requests"] else 0
    print(f"gunicorn {args.workers} sync workers, portal.settings.production (DEBUG off, whitenoise manifest static; "
          f"collectstatic {'up to date' if collect_s is None else f'{collect_s:.1f}s'}); wrk {args.threads} threads × {args.connections} connections, "
          f"{args.seconds}s after {args.warmup}s warm-up; {connection.vendor}; {os.cpu_count()} CPUs")
    print(f"{'kind':<36} {'count':>6} {'non-200':>7} {'median':>9} {'p95':>9} {'p99':>9}   (server side, access log)")
    for kind, s in chosen["per_kind"].items():
        med = f"{s['median_ms']:.1f}" if s["median_ms"] is not None else "—"
        print(f"{kind:<36} {s['count']:>6} {s['non200']:>7} {med:>7}ms {s['p95_ms']:>7.1f}ms {s['p99_ms']:>7.1f}ms")
    print(f"{'TOTAL (client side, wrk)':<36} {chosen['requests']:>6} {non200:>7} {lat['p50'] / 1000:>7.1f}ms "
          f"{lat['p95'] / 1000:>7.1f}ms {lat['p99'] / 1000:>7.1f}ms")
    print(f"requests/s {rps(chosen):.1f}  p50 {lat['p50'] / 1000:.0f} ms  p95 {lat['p95'] / 1000:.0f} ms  "
          f"p99 {lat['p99'] / 1000:.0f} ms  max {lat['max'] / 1000:.0f} ms  errors {errors} (non-200 {non200}, socket "
          f"{socket_errors})  CPU per request: gunicorn {cpu_ms:.1f} ms, PostgreSQL {pg_ms:.1f} ms; wrk CPU {chosen['wrk_cpu_s']:.1f}s  "
          f"load {chosen['load_average_1m'][0]:.1f}→{chosen['load_average_1m'][1]:.1f}  "
          f"{'OK' if ok else 'MISS'} (target: 0 errors, p99 ≤ {TARGET_P99_S:.0f} s)")

    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    report = {"generated_at": datetime.now(UTC).isoformat(timespec="seconds"), "commit": commit,
              "cpus": os.cpu_count(), "server": {"workers": args.workers, "settings": "portal.settings.production",
                                                 "collectstatic_s": collect_s and round(collect_s, 1)},
              "load": {"seconds": args.seconds, "warmup_s": args.warmup, "connections": args.connections,
                       "threads": args.threads, "runs": len(runs)},
              "mix_weights_percent": MIX, "dataset": info,
              "requests_per_s": round(rps(chosen), 1), "errors": errors, "p99_ms": round(lat["p99"] / 1000, 1),
              "gunicorn_cpu_ms_per_request": round(cpu_ms, 2), "postgres_cpu_ms_per_request": round(pg_ms, 2), "target": {"errors": 0, "p99_s": TARGET_P99_S},
              "ok": ok, "chosen_run": chosen, "runs": runs}
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.output.relative_to(ROOT) if args.output.is_relative_to(ROOT) else args.output}")
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
