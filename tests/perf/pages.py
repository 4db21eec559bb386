"""Every page of the site, each with a representative URL, for the page benchmark and the growth test.

The pages come from the URL resolver (tests/security/walker.py, the permission walk's own list), so a new page
is measured as soon as it is routed. Each pattern gets its URL from the walker (the model its view serves) or
else from a crawl of the links the viewer is shown; a GET page that neither finds fails `uncovered()` until it is
reachable or named in NOT_PAGES with its reason.
"""
from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import Resolver404, resolve, reverse

from tests.security import crawler, walker

# URL patterns that are not pages a person opens, and why: they are measured elsewhere or not at all.
NOT_PAGES = {
    "logout": "POST only: ends the session",
    "login": "anonymous page, measured by the load test",
    "healthz": "health check, no data",
    "programmes:candidacy_action": "POST only: a programme step",
    "inbox:open": "marks a message read and redirects to its link (no page of its own)",
    "password_reset_confirm": "one-time link from a reset e-mail (token in the path)",
    "evaluations:self_assessment": "open only inside a cycle's self-assessment window with no extension; the demo's "
                                   "cycles are past it on the test date",
    "pick": "JSON search behind the organization/member pickers (tests/portal/test_pickers.py)",
    "favicon.ico": "redirect to a static file",
    "set_language": "POST only: switches the language",
    "orglife:activity_action": "POST only: submit/void a record",
    "orglife:attachment": "file download (bytes of a stored upload)",
    "orglife:attachment_thumb": "file download (thumbnail)",
    "orglife:checkin_code": "typed check-in code, one meeting: no list behind it",
    "branches:api_client_revoke": "POST only",
    "members:dues_unmark": "POST only",
    "members:transfer_decide": "POST only",
    "members:points_audit": "POST only",
    "members:dues_ledger": "export: one branch's yearly 党费 ledger (XLSX file)",
    "members:export_pii": "export: a job over the whole scope by design (bench_xlsx.py)",
    "evaluations:evaluation_action": "POST only: a workflow step",
    "evaluations:attachment": "file download",
    "evaluations:cycle_export": "export: the whole cycle by design (bench_xlsx.py)",
    "evaluations:standard_export": "export of one standard (file)",
    "practice:attachment": "file download",
    "practice:deactivate": "POST only",
    "reports:download": "file download of a finished report (bench_reports.py)",
}


def _first_visible(model_path: str, name: str, extra=(), **filters):
    def url_for(user):
        from django.apps import apps

        from portal.scoping import VIEW

        model = apps.get_model(model_path)
        rows = model._default_manager.filter(**filters)
        rows = rows.restrict(user, VIEW) if hasattr(rows, "restrict") else rows   # the page itself checks scope
        obj = rows.order_by("pk").first()
        return reverse(name, args=[obj.pk, *extra]) if obj is not None else None
    return url_for


# Pages the crawl may not meet (a script loads them, or only some objects link them), each with how to name one.
EXPLICIT_URLS = {
    "reports:jobs": _first_visible("branches.Organization", "reports:jobs"),   # polled by the reports page (htmx)
    "evaluations:score_sheet": _first_visible("evaluations.ScoreSheet", "evaluations:score_sheet"),
    "reports:plan": _first_visible("branches.Organization", "reports:plan", extra=(2026,), kind="branch"),
}


NOT_HTML = -1   # a file or JSON answer, not a page: must be named in NOT_PAGES


@dataclass
class PageCost:
    name: str
    url: str
    cpu_ms: float       # median process CPU per request
    wall_ms: float      # median wall time per request
    queries: int
    html_bytes: int
    status: int
    options: int = 0    # <option> elements drawn: a select of every organization or member grows with the tree


def _is_page(ep) -> bool:
    return not (ep.is_api or ep.is_admin or ep.name in NOT_PAGES)


def page_urls(client: Client, user) -> dict[str, str]:
    """pattern name -> one URL of it for `user`: the first link of that pattern the crawl met (a link the user is
    shown), else one naming an object the walker finds for the view's model, else EXPLICIT_URLS."""
    eps = [ep for ep in walker.endpoints() if _is_page(ep)]
    names = {ep.name for ep in eps}
    urls: dict[str, str] = {}
    for url in crawled(client):
        try:
            match = resolve(urlsplit(url).path)
        except Resolver404:
            continue
        if match.view_name in names:
            urls.setdefault(match.view_name, url)
    for ep in eps:
        if ep.name not in urls and (values := walker.fill(ep, user, in_scope=True)) is not None:
            urls[ep.name] = ep.url(values)
    for name, url_for in EXPLICIT_URLS.items():
        if name in names and name not in urls and (url := url_for(user)) is not None:
            urls[name] = url
    return urls


def crawled(client: Client) -> list[str]:
    """The URLs a crawl from the home page fetched, in order (one URL of each route shape is enough here)."""
    seen: list[str] = []
    original = client.get
    per_route = crawler.MAX_PER_ROUTE
    crawler.MAX_PER_ROUTE = 1

    def recording_get(path, *args, **kwargs):
        seen.append(path)
        return original(path, *args, **kwargs)

    client.get = recording_get
    try:
        crawler.crawl(client)
    finally:
        client.get = original
        crawler.MAX_PER_ROUTE = per_route
    return seen


def uncovered(measured: set[str]) -> set[str]:
    return {ep.name for ep in walker.endpoints() if _is_page(ep)} - measured


def measure(client: Client, name: str, url: str, runs: int = 3) -> PageCost:
    response = client.get(url)   # warm-up: templates, translations, caches of this URL
    if response.status_code == 200 and "text/html" not in response.get("Content-Type", ""):
        return PageCost(name=name, url=url, cpu_ms=0, wall_ms=0, queries=0, html_bytes=0, status=NOT_HTML)
    if response.status_code != 200:
        return PageCost(name=name, url=url, cpu_ms=0, wall_ms=0, queries=0, html_bytes=0, status=response.status_code)
    cpu, wall = [], []
    queries = 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as ctx:
            c0, w0 = time.process_time(), time.perf_counter()
            response = client.get(url)
            cpu.append((time.process_time() - c0) * 1000)
            wall.append((time.perf_counter() - w0) * 1000)
        queries = len(ctx.captured_queries)
    return PageCost(name=name, url=url, cpu_ms=statistics.median(cpu), wall_ms=statistics.median(wall),
                    queries=queries, html_bytes=len(response.content), status=response.status_code,
                    options=response.content.count(b"<option"))
