"""What writing an API list page's rows as JSON in PostgreSQL would cost the database, beside what it would save
Python (run after `manage.py seed_scale --branches N`).

    DATABASE_URL=postgres://... python benchmarks/bench_api_sql_json.py [--runs 300] [--page-size 100]

The organizations list of the largest tree, ordered by path, one page (`--page-size` + 1 rows, as the cursor
pagination reads): the page's own SQL run on a raw cursor and its rows fetched, then the same SQL as the subquery of
one that writes the row's plain fields (the 20 that need no Python: numbers, text, dates, booleans) as JSON text —
`row_to_json` of a sub-select (compact, the API's key order), `json_build_object`, `jsonb_build_object` — beside
the 9 columns the app would still need (labels, the 支部工作条例 checks, the time in the site's zone). Against it,
Python's side of the same page today: the rows fetched through the ORM (value rows) and built by the serializer.
Alternated, medians of `--runs`.

Issue #23 asked for 100-row lists at ≤ 3× their own SQL. Session 17 built this as a product change (rows as
`orjson.Fragment`s): the ratio fell from 4.1–4.6× to 2.8–3.5× with the request's wall time unchanged (A/B
alternated in process: 12.09 vs 12.12 ms at 100 rows, 25.58 vs 25.81 ms at 500) — the work moved from the web
process, of which a site runs as many as it needs, into the one PostgreSQL. This script keeps the figures behind
that decision measurable without the change.
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")
os.environ.setdefault("DJANGO_DEBUG", "0")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from branches.api.serializers import OrganizationSerializer  # noqa: E402
from branches.api.views import OrganizationViewSet  # noqa: E402
from branches.models import Organization  # noqa: E402
from branches.selectors import ORGANIZATION_API_COLUMNS, organization_api_rows  # noqa: E402

# The fields PostgreSQL could write (key: SQL over the page's columns), and what the app would still read.
PLAIN = {
    "id": "id", "code": "code", "name": "name", "short_name": "short_name", "kind": "kind", "parent": "parent_id",
    "parent_code": "parent_code", "path": "path", "depth": "depth", "established_on": "established_on",
    "dissolved_on": "dissolved_on", "dissolution_reason": "dissolution_reason", "is_active": "{dissolved_on} IS NULL",
    "units": "units", "locality": "locality", "term_years": "term_years", "member_count": "member_count",
    "full_member_count": "full_member_count", "seat_count": "seat_count", "term_ends_on": "term_ends_on",
}
STILL_IN_PYTHON = ("kind", "locality", "dissolved_on", "full_member_count", "member_count", "seat_count",
                   "term_ends_on", "updated_at", "path")


def median_ms(fn, runs: int) -> tuple[float, float]:
    """Median wall time and median process CPU time of `fn`, in ms."""
    walls, cpus = [], []
    for _ in range(runs):
        c0, t0 = time.process_time(), time.perf_counter()
        fn()
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    return statistics.median(walls) * 1000, statistics.median(cpus) * 1000


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--page-size", type=int, default=100)
    args = parser.parse_args()
    rows_n = args.page_size + 1
    root = max(Organization.objects.filter(depth=1), key=lambda r: Organization.objects.within(r.path).count())

    def page():
        ordered = OrganizationViewSet.queryset.filter(path__startswith=root.path).order_by("path")
        return organization_api_rows(ordered)[:rows_n]

    compiler = page().query.get_compiler(connection.alias)
    sql, params = compiler.as_sql()
    names = [alias for _, _, alias in compiler.select]
    assert names == list(ORGANIZATION_API_COLUMNS), names
    columns = {name: f't."{name}"' for name in names}

    def expression(source: str) -> str:
        return source.format(**columns) if "{" in source else columns[source]

    fields = ", ".join(f'{expression(source)} AS "{key}"' for key, source in PLAIN.items())
    pairs = ", ".join(f"'{key}', {expression(source)}" for key, source in PLAIN.items())
    extras = "".join(f", {columns[name]}" for name in STILL_IN_PYTHON)
    variants = {
        "page SQL, all 20 columns": sql,
        "the 9 columns Python still needs": f"SELECT 1{extras} FROM ({sql}) t",
        "+ row_to_json (sub-select)": f"SELECT (SELECT row_to_json(j) FROM (SELECT {fields}) j)::text{extras} FROM ({sql}) t",
        "+ json_build_object": f"SELECT json_build_object({pairs})::text{extras} FROM ({sql}) t",
        "+ jsonb_build_object": f"SELECT jsonb_build_object({pairs})::text{extras} FROM ({sql}) t",
    }

    def run(query):
        def fn():
            with connection.cursor() as cursor:
                cursor.execute(query, params)
                assert len(cursor.fetchall()) == rows_n
        return fn

    serializer = OrganizationSerializer()
    fetched = list(page())

    cases = {name: run(query) for name, query in variants.items()}
    cases["Python: page through the ORM (value rows)"] = lambda: list(page())
    cases["Python: rows built by the serializer"] = lambda: [serializer.represent_row(r) for r in fetched]
    for fn in cases.values():   # warm-up
        for _ in range(20):
            fn()
    figures = {name: [] for name in cases}
    for _ in range(3):   # alternated thirds: a drifting load touches every case alike
        for name, fn in cases.items():
            figures[name].append(median_ms(fn, max(1, args.runs // 3)))
    print(f"organizations of the largest tree, {rows_n} rows a page, medians of {args.runs} "
          f"(load {os.getloadavg()[0]:.1f}, peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MB)")
    result = {}
    for name, values in figures.items():
        wall = statistics.median(v[0] for v in values)
        cpu = statistics.median(v[1] for v in values)
        result[name] = wall
        print(f"  {name:<45} {wall:7.3f} ms wall  {cpu:7.3f} ms CPU (this process)")
    base = result["the 9 columns Python still needs"]
    for name in ("+ row_to_json (sub-select)", "+ json_build_object", "+ jsonb_build_object"):
        print(f"  database cost of writing the JSON, {name[2:]:<22} {(result[name] - base) / rows_n * 1000:6.1f} µs a row")
    python = result["Python: page through the ORM (value rows)"] - result["page SQL, all 20 columns"] \
        + result["Python: rows built by the serializer"]
    print(f"  Python cost of the rows today (ORM beyond the raw fetch + serializer)   {python / rows_n * 1000:6.1f} µs a row")


if __name__ == "__main__":
    main()
