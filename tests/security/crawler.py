"""Follow the links a user is shown, breadth-first from the home page, for the dead-link test.

GET only, internal links only, bounded: at most MAX_PER_ROUTE distinct URLs per route and query shape
(objects of one kind render alike; a kind slug makes a different page), at most MAX_PAGES pages. Downloads and exports are not followed.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urldefrag, urljoin, urlsplit

from django.test import Client
from django.urls import Resolver404, resolve

# Links not followed, and why.
SKIP_PREFIXES = {
    "/accounts/logout/": "would end the session",
    "/admin/": "Django admin: its own permission system, walked by test_url_walk",
    "/api/": "the REST API: walked by test_url_walk",
    "/static/": "files, not pages",
    "/media/": "files, not pages",
}
SKIP_URL_NAMES = {
    "members:export_pii": "export (heavy)",
    "evaluations:cycle_export": "export (heavy)",
    "evaluations:standard_export": "export (heavy)",
    "reports:download": "file download",
}
SKIP_QUERY_KEYS = {
    "format": "?format=xlsx/csv: the page's own export (heavy)",
    "export": "?export=…: the page's own export (heavy)",
}
MAX_PAGES = 400
MAX_PER_ROUTE = 4
DEAD = {403, 404}


class _Links(HTMLParser):
    """Anchors' href, and hx-get (a fragment the page loads or polls: it must answer too)."""

    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for href in (a.get("href") if tag == "a" else None, a.get("hx-get")):
            if href:
                self.hrefs.append(href)


def links(html: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    return parser.hrefs


@dataclass
class Crawl:
    dead: list[str] = field(default_factory=list)   # "url -> status (linked from page)"
    fetched: int = 0
    bounded: bool = False                           # stopped at MAX_PAGES with links left


def _internal(base: str, href: str) -> str | None:
    """The link as 'path?query', or None when it leaves the site or is not a page link."""
    target, _ = urldefrag(urljoin(base, href))
    parts = urlsplit(target)
    if parts.scheme not in ("", "http") or parts.netloc not in ("", "testserver"):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def crawl(client: Client, start: str = "/") -> Crawl:
    result = Crawl()
    queue = deque([(start, "")])
    seen = {start}
    per_route: dict[tuple, int] = {}
    while queue:
        if result.fetched >= MAX_PAGES:
            result.bounded = True
            break
        url, source = queue.popleft()
        response = client.get(url)
        result.fetched += 1
        status = response.status_code
        if status in DEAD or status >= 500:
            result.dead.append(f"{url} -> {status} (linked from {source or 'start'})")
            continue
        if status in (301, 302):
            target = _internal(url, response["Location"])
            if target and target not in seen:
                seen.add(target)
                queue.appendleft((target, source))
            continue
        if "text/html" not in response.get("Content-Type", ""):
            continue
        for href in links(response.content.decode("utf-8", "replace")):
            target = _internal(url, href)
            if target is None or target in seen:
                continue
            seen.add(target)
            parts = urlsplit(target)
            if any(parts.path.startswith(p) for p in SKIP_PREFIXES):
                continue
            keys = tuple(sorted({k for k, _ in parse_qsl(parts.query, keep_blank_values=True)}))
            if SKIP_QUERY_KEYS.keys() & set(keys):
                continue
            try:
                match = resolve(parts.path)
            except Resolver404:
                result.dead.append(f"{target} -> no such URL (linked from {url})")
                continue
            if match.view_name in SKIP_URL_NAMES:
                continue
            # Integer path parameters name objects (alike); others (a kind slug, a year) name different pages.
            named = tuple(sorted((k, str(v)) for k, v in match.kwargs.items() if not isinstance(v, int)))
            shape = (match.route, named, keys)
            per_route[shape] = per_route.get(shape, 0) + 1
            if per_route[shape] <= MAX_PER_ROUTE:
                queue.append((target, url))
    return result
