"""Panels other apps add to the home page and the organization page, without those pages knowing them.

An app registers in AppConfig.ready():
    register_organization_panel(my_panel, order=20)
where `my_panel(request, org)` returns None (nothing to show) or (template_name, context). The page
renders the panels in order. Each panel must issue a fixed number of queries.
"""
from __future__ import annotations

from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

_home: list = []
_organization: list = []
_member: list = []


def _register(registry, func, order):
    if all(f is not func for _, f in registry):
        registry.append((order, func))
        registry.sort(key=lambda p: p[0])


def register_home_panel(func, *, order: int = 100):
    _register(_home, func, order)


def register_organization_panel(func, *, order: int = 100):
    _register(_organization, func, order)


def register_member_panel(func, *, order: int = 100):
    _register(_member, func, order)


def _render(registry, request, *args) -> list[str]:
    html = []
    for _, func in registry:
        result = func(request, *args)
        if result:
            template, context = result
            html.append(mark_safe(render_to_string(template, context, request=request)))
    return html


def home_panels(request, ctx) -> list[str]:
    return _render(_home, request, ctx)


def organization_panels(request, org) -> list[str]:
    return _render(_organization, request, org)


def member_panels(request, member) -> list[str]:
    return _render(_member, request, member)
