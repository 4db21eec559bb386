"""Presentation helpers shared by every page: {% load portal_tags %}."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template

register = template.Library()

EMPTY = "—"


@register.simple_tag(takes_context=True)
def query_replace(context, **changes) -> str:
    """The current query string with `changes` applied: {% query_replace page=3 %} -> "?status=full&page=3".

    A value of None removes the parameter. Repeated parameters (?kind=a&kind=b) are kept. Output is
    autoescaped by simple_tag, so it can go straight into an href.
    """
    request = context.get("request")
    params = request.GET.copy() if request is not None else None
    if params is None:
        from django.http import QueryDict

        params = QueryDict(mutable=True)
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.simple_tag
def elided_pages(page_obj, on_each_side: int = 2, on_ends: int = 1) -> list:
    """Page numbers for a pagination bar, with Paginator.ELLIPSIS where pages are skipped."""
    return list(page_obj.paginator.get_elided_page_range(page_obj.number, on_each_side=on_each_side, on_ends=on_ends))


@register.filter
def mask_phone(value) -> str:
    """13812345678 -> 138****5678; short or odd values keep at most their last 4 characters visible."""
    if value is None:
        return ""
    s = str(value).strip()
    if not s:
        return ""
    if len(s) >= 11:
        return s[:3] + "*" * (len(s) - 7) + s[-4:]
    if len(s) > 4:
        return "*" * (len(s) - 4) + s[-4:]
    return "*" * len(s)


@register.filter
def stars(value, out_of: int = 5) -> str:
    """3 -> ★★★☆☆ (clamped to 0..out_of); empty for None/invalid."""
    try:
        n = int(value)
        total = int(out_of)
    except (TypeError, ValueError):
        return ""
    n = max(0, min(n, total))
    return "★" * n + "☆" * (total - n)


def _to_decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


@register.filter
def percent(value, digits: int = 1) -> str:
    """A fraction as a percentage: 0.834 -> 83.4%; None -> —."""
    d = _to_decimal(value)
    if d is None:
        return EMPTY
    try:
        places = max(0, int(digits))
    except (TypeError, ValueError):
        places = 1
    quantum = Decimal(1).scaleb(-places)
    return f"{(d * 100).quantize(quantum, rounding=ROUND_HALF_UP):f}%"


@register.filter
def width_class(value) -> str:
    """A fraction 0..1 as the nearest width utility class (.w-0 … .w-100 in steps of 5): 0.834 -> "w-85"."""
    d = _to_decimal(value)
    if d is None:
        return "w-0"
    pct = max(Decimal(0), min(Decimal(100), d * 100))
    step = int((pct / 5).quantize(Decimal(1), rounding=ROUND_HALF_UP)) * 5
    return f"w-{step}"


@register.inclusion_tag("includes/star_rating.html")
def star_rating(value, out_of: int = 5) -> dict:
    """Accessible ★ display: {% star_rating member_branch.stars %}."""
    try:
        n = max(0, min(int(value), int(out_of)))
    except (TypeError, ValueError):
        n = None
    total = int(out_of)
    return {"n": n, "total": total, "on": "★" * (n or 0), "off": "☆" * (total - (n or 0))}
