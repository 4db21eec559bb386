"""The member list's first, middle and last pages for whole-tree staff (issue #23: offset 149,900 took 673 ms).

    DATABASE_URL=postgres://... python benchmarks/bench_member_list.py [--runs 5]

Uses bench_every_page.py's whole-tree 党务工作者 (created if absent). The pages are reached the way a person
reaches them: page 1, then the pager's links ("末页" and, for the middle, "?page=N/2" while the list is paged by
number; the keyset pager's `rel="last"` link and a jump to the middle of the name order once it is paged by key).
Per page: median process CPU, median wall (includes PostgreSQL's time: an OFFSET scan is the database's cost),
queries, HTML kB. Prints the load average beside the figures.
"""
from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from html import unescape
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")
os.environ.setdefault("DJANGO_DEBUG", "0")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from benchmarks.bench_every_page import principals  # noqa: E402

LIST = "/members/"


def measure(client, url, runs):
    client.get(url)
    cpu, wall = [], []
    for _ in range(runs):
        with CaptureQueriesContext(connection) as ctx:
            c0, w0 = time.process_time(), time.perf_counter()
            response = client.get(url)
            cpu.append((time.process_time() - c0) * 1000)
            wall.append((time.perf_counter() - w0) * 1000)
    assert response.status_code == 200, (url, response.status_code)
    return statistics.median(cpu), statistics.median(wall), len(ctx.captured_queries), len(response.content), response


def link(html: str, rel: str) -> str | None:
    m = re.search(r'href="([^"]+)"[^>]*rel="' + rel + '"', html)
    return unescape(m.group(1)) if m else None


def main(runs: int) -> None:
    client = Client()
    client.force_login(principals()["whole-tree staff"])
    first = client.get(LIST).content.decode()
    pages = {"first": LIST}
    last = link(first, "last")
    if last:  # keyset pager
        pages["last"] = LIST + last
        after_first = link(first, "next")
        pages["second (after the first)"] = LIST + after_first
        last_html = client.get(LIST + last).content.decode()
        pages["before the last"] = LIST + link(last_html, "prev")
        pages["name order, jump to 王"] = f"{LIST}?ordering=name&from=王"
        pages["name order, last"] = f"{LIST}?ordering=name&last=1"
    else:
        n = int(re.search(r"/(\d+) 页", first).group(1))
        pages["middle"] = f"{LIST}?page={n // 2}"
        pages["last"] = f"{LIST}?page={n}"
        pages["name order, middle"] = f"{LIST}?ordering=name&page={n // 2}"
    for label, url in pages.items():
        cpu, wall, q, size, _ = measure(client, url, runs)
        print(f"{label:28} cpu {cpu:7.1f} ms  wall {wall:7.1f} ms  q {q:2}  {size / 1000:5.1f} kB  {url[:70]}")
    print("load average {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    main(parser.parse_args().runs)
