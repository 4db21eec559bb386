"""Where an API list page's time goes, layer by layer (run after `manage.py seed_scale --branches N`).

    DATABASE_URL=postgres://... python benchmarks/bench_api_layers.py [--runs 300] [--page-size 1,100,500]
        [--path /api/v1/organizations/]

In process (Django test Client, no network), as bench_api.py's superuser on the largest tree: for each page size,
the median over `--runs` requests of the whole request and of the DRF steps inside it — authentication (of which
the session load), the filter form (django-filter's `is_valid`, with its organization lookup), paging (the page's
SQL compiled, run and its rows fetched), serializing — and of the SQL statements' execution (every query of the
request, from the database wrapper). Prints one block per page size and the per-row cost between the sizes
(Python and SQL), the figures behind bench_api.py's ×SQL ratio (issue #23: 100-row lists ≤ 3× their SQL).

The timers wrap methods of the installed Django, DRF and django-filter for this process only.
"""
from __future__ import annotations

import argparse
import collections
import functools
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")
os.environ.setdefault("DJANGO_DEBUG", "0")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
# Throttling still runs (its cost is part of the request), at a rate ~1,000 requests a minute do not reach.
os.environ.setdefault("API_CLIENT_THROTTLE", "1000000/min")

import django  # noqa: E402

django.setup()

import django_filters.filterset as filterset  # noqa: E402
import rest_framework.generics as generics  # noqa: E402
import rest_framework.serializers as serializers  # noqa: E402
import rest_framework.views as views  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.sessions.backends import db as session_db  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from branches.models import Organization  # noqa: E402

LAYERS = (
    ("request", "the whole request (middleware, DRF, rendering)"),
    ("authentication", "DRF perform_authentication"),
    ("session load", "of which the session row read and decoded"),
    ("filter form", "django-filter is_valid (the organization lookup included)"),
    ("paging", "the page's SQL compiled, run, rows fetched and converted"),
    ("serializing", "rows to dicts"),
    ("sql", "every statement's execution, from the database wrapper"),
)
_spent: dict[str, float] = {}


def timed(owner, name, label):
    original = getattr(owner, name)

    @functools.wraps(original)
    def wrapper(*args, **kwargs):
        t0 = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            _spent[label] = _spent.get(label, 0.0) + time.perf_counter() - t0
    setattr(owner, name, wrapper)


def sql_timer(execute, sql, params, many, context):
    t0 = time.perf_counter()
    try:
        return execute(sql, params, many, context)
    finally:
        _spent["sql"] = _spent.get("sql", 0.0) + time.perf_counter() - t0


def measure(client, url, runs) -> dict[str, float]:
    for _ in range(20):   # warm-up
        assert client.get(url, HTTP_ACCEPT="application/json").status_code == 200
    samples = collections.defaultdict(list)
    for _ in range(runs):
        _spent.clear()
        with connection.execute_wrapper(sql_timer):
            t0 = time.perf_counter()
            response = client.get(url, HTTP_ACCEPT="application/json")
            _spent["request"] = time.perf_counter() - t0
        assert response.status_code == 200, response.content[:300]
        for label, _ in LAYERS:
            samples[label].append(_spent.get(label, 0.0))
    return {label: statistics.median(values) * 1000 for label, values in samples.items()}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--page-size", default="1,100,500")
    parser.add_argument("--path", default="/api/v1/organizations/")
    args = parser.parse_args()
    timed(views.APIView, "perform_authentication", "authentication")
    timed(session_db.SessionStore, "load", "session load")
    timed(filterset.BaseFilterSet, "is_valid", "filter form")
    timed(generics.GenericAPIView, "paginate_queryset", "paging")
    timed(serializers.ListSerializer, "to_representation", "serializing")

    user, _ = get_user_model().objects.get_or_create(username="bench", defaults={"is_superuser": True, "is_staff": True})
    client = Client()
    client.force_login(user)
    root = max(Organization.objects.filter(depth=1), key=lambda r: Organization.objects.within(r.path).count())
    sizes = [int(s) for s in args.page_size.split(",")]
    results = {}
    for size in sizes:
        url = f"{args.path}?organization={root.pk}&page_size={size}"
        results[size] = figures = measure(client, url, args.runs)
        print(f"{url}  (median of {args.runs}, load {os.getloadavg()[0]:.1f})")
        for label, meaning in LAYERS:
            print(f"  {label:<15} {figures[label]:7.2f} ms   {meaning}")
        python = figures["request"] - figures["sql"]
        print(f"  {'not SQL':<15} {python:7.2f} ms   request − sql;  request / sql = {figures['request'] / figures['sql']:.1f}×")
    for small, large in zip(sizes, sizes[1:], strict=False):
        rows = large - small
        a, b = results[small], results[large]
        per_python = ((b["request"] - b["sql"]) - (a["request"] - a["sql"])) / rows * 1000
        per_sql = (b["sql"] - a["sql"]) / rows * 1000
        print(f"per row, {small} → {large} rows: Python {per_python:5.1f} µs, SQL {per_sql:5.1f} µs")


if __name__ == "__main__":
    main()
