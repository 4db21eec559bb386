"""A generic walk over every URL pattern of the site and API, for the scope tests.

Nothing here names an app: new apps' URLs are walked as soon as they are included in portal/urls.py.
Path parameters are filled from the model the view serves, found from (in order) a DRF viewset's queryset,
a Django view's `model`/`queryset`, or a detail page route (`get_absolute_url`) sharing the URL's prefix.
Unknown parameters get an id that does not exist (the page must answer 404, not 500).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404
from django.utils.regex_helper import normalize

from portal.scoping import VIEW

MISSING_ID = 987_654_321


@dataclass
class Endpoint:
    name: str                  # "namespace:name" or the route when unnamed
    fmt: str                   # "members/%(pk)s/edit/"
    params: list[str]
    converters: dict
    callback: object
    route: str                 # "members/<int:pk>/edit/" (routes joined; regex for re_path)
    models: dict = field(default_factory=dict)   # param -> model class (or None)

    @property
    def object_params(self) -> list[str]:
        """Parameters naming something (a `.json` format suffix does not)."""
        return [p for p in self.params if p != "format"]

    @property
    def is_api(self) -> bool:
        return self.fmt.startswith("api/")

    @property
    def is_admin(self) -> bool:
        return self.fmt.startswith("admin/")

    def url(self, values: dict) -> str:
        return "/" + self.fmt % {k: values[k] for k in self.params}


def _piece(pattern):
    """(format string, params, converters, route text) of one pattern piece."""
    regex = pattern.pattern.regex.pattern
    fmt, params = normalize(regex)[0]
    return fmt, list(params), dict(getattr(pattern.pattern, "converters", {})), str(pattern.pattern)


def endpoints() -> list[Endpoint]:
    """Every reachable URL pattern once (a pattern shadowed by an earlier identical one is never served)."""
    seen, out = set(), []
    for ep in collect():
        if ep.fmt not in seen:
            seen.add(ep.fmt)
            out.append(ep)
    assign_models(out)
    return out


def collect(resolver=None, prefix=("", [], {}, ""), namespace=None) -> list[Endpoint]:
    resolver = resolver or get_resolver()
    out = []
    for p in resolver.url_patterns:
        fmt, params, convs, route = _piece(p)
        full = (prefix[0] + fmt, prefix[1] + params, {**prefix[2], **convs}, prefix[3] + route)
        if isinstance(p, URLResolver):
            ns = p.namespace if p.namespace else namespace
            if namespace and p.namespace:
                ns = f"{namespace}:{p.namespace}"
            out.extend(collect(p, full, ns))
        elif isinstance(p, URLPattern):
            name = f"{namespace}:{p.name}" if namespace and p.name else (p.name or full[3])
            out.append(Endpoint(name, full[0], full[1], full[2], p.callback, full[3]))
    return out


# --- which model a URL parameter names -----------------------------------------------------------------

def restricted_models() -> list:
    return [m for m in apps.get_models() if hasattr(m._default_manager.all(), "restrict")]


def _view_model(callback):
    cls = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    if cls is None:
        return None
    qs = getattr(cls, "queryset", None)
    if qs is not None:
        return qs.model
    return getattr(cls, "model", None)


def detail_routes() -> dict[str, object]:
    """route of each restricted model's detail page ("members/<int:pk>/") -> model."""
    routes = {}
    for model in restricted_models():
        if not hasattr(model, "get_absolute_url"):
            continue
        obj = model._default_manager.order_by("pk").first()
        if obj is None:
            continue
        try:
            match = resolve(obj.get_absolute_url())
        except (Resolver404, Exception):  # noqa: B014 - a model's URL may need data we do not have
            continue
        routes[match.route] = model
    return routes


def assign_models(endpoints: list[Endpoint]) -> None:
    routes = detail_routes()
    for ep in endpoints:
        view_model = _view_model(ep.callback)
        for param in ep.params:
            model = None
            if param in ("pk", "id") and view_model is not None:
                model = view_model
            else:
                m = re.search(rf"<(?:\w+:)?{re.escape(param)}>", ep.route)
                if m:
                    prefix = ep.route[: m.end()]
                    for route, candidate in routes.items():
                        if route.startswith(prefix) and route[len(prefix):] in ("", "/"):
                            model = candidate
            ep.models[param] = model


# --- values ----------------------------------------------------------------------------------------------

def outside(model, user):
    """An object of `model` the user may not view (None when every row is in scope)."""
    mgr = model._default_manager
    return mgr.exclude(pk__in=mgr.all().restrict(user, VIEW).values("pk")).order_by("pk").first()


def inside(model, user):
    return model._default_manager.all().restrict(user, VIEW).order_by("pk").first()


def fill(ep: Endpoint, user, *, in_scope: bool) -> dict | None:
    """Values for every parameter; None when the walk has nothing sensible for this user and mode."""
    values = {}
    for param in ep.params:
        model = ep.models.get(param)
        conv = ep.converters.get(param)
        if param == "format":
            values[param] = ".json" if getattr(conv, "regex", "").startswith("\\.") else "json"
            continue
        if model is not None:
            obj = inside(model, user) if in_scope else outside(model, user)
            if obj is None:
                return None
            values[param] = obj.pk
        elif in_scope:
            return None  # nothing known to be in scope for this parameter
        elif conv is not None and type(conv).__name__ in ("IntConverter",):
            values[param] = MISSING_ID
        else:
            values[param] = str(MISSING_ID)
    return values
