"""Sidebar navigation registry: apps add their pages here from AppConfig.ready(); portal knows no domain model.

    from portal import navigation
    navigation.register("members", "党员名册", "members:list", order=20, section="党员管理", icon="users",
                        visible=lambda user: user.is_authenticated)

`items_for(request)` returns what the current user may see, in order, with the item for the current page flagged
`active` (longest URL prefix wins, so "/members/moves/" does not also light up "/members/").
Registering the same key again replaces the entry, so a repeated ready() (tests) is harmless.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse

logger = logging.getLogger(__name__)

Visibility = Callable[[object], bool]


def authenticated(user) -> bool:
    """Default visibility: any signed-in user."""
    return bool(getattr(user, "is_authenticated", False))


@dataclass(frozen=True)
class NavEntry:
    key: str
    label: str
    url_name: str
    order: int = 100
    visible: Visibility = authenticated
    section: str | None = None
    icon: str | None = None


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str
    url: str
    active: bool
    section: str | None
    icon: str | None


_registry: dict[str, NavEntry] = {}


def register(
    key: str,
    label: str,
    url_name: str,
    *,
    order: int = 100,
    visible: Visibility | None = None,
    section: str | None = None,
    icon: str | None = None,
) -> NavEntry:
    """Add (or replace) the navigation entry `key`; `visible(user)` decides who sees it (default: signed-in users)."""
    entry = NavEntry(
        key=key,
        label=label,
        url_name=url_name,
        order=order,
        visible=visible or authenticated,
        section=section,
        icon=icon,
    )
    _registry[key] = entry
    return entry


def unregister(key: str) -> None:
    _registry.pop(key, None)


def entries() -> list[NavEntry]:
    """All registered entries in display order (order, then label)."""
    return sorted(_registry.values(), key=lambda e: (e.order, e.label))


def _is_prefix(url: str, path: str) -> bool:
    if url == "/":
        return path == "/"
    return path == url or path.startswith(url if url.endswith("/") else url + "/")


def items_for(request) -> list[NavItem]:
    """Entries visible to request.user, with `active` set on the best URL-prefix match for request.path."""
    user = getattr(request, "user", None)
    if user is None:
        return []
    if getattr(user, "pk", None) is not None:
        from portal.views import has_page_access

        if not has_page_access(user):
            return []  # API-only accounts: every page but their landing page would answer 403
    path = getattr(request, "path", "") or ""
    visible: list[tuple[NavEntry, str]] = []
    for entry in entries():
        if not entry.visible(user):
            continue
        try:
            url = reverse(entry.url_name)
        except NoReverseMatch:
            # An app registered a page whose URL is not wired (yet); hide it rather than break every page.
            logger.warning("navigation: cannot reverse %r for item %r", entry.url_name, entry.key)
            continue
        visible.append((entry, url))

    matches = [url for _, url in visible if _is_prefix(url, path)]
    best = max(matches, key=len) if matches else None
    return [
        NavItem(key=e.key, label=e.label, url=url, active=url == best, section=e.section, icon=e.icon)
        for e, url in visible
    ]
