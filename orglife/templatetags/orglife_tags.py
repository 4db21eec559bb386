from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.filter
def pct(value, digits: int = 0) -> str:
    """0.834 -> "83%" ("—" for None)."""
    if value is None:
        return "—"
    return f"{value * 100:.{digits}f}%"


@register.filter
def pct_num(value) -> str:
    return "0" if value is None else f"{value * 100:.1f}"


@register.filter
def rate_class(value) -> str:
    if value is None:
        return "muted"
    return "ok" if value >= 0.9 else "warn" if value >= 0.7 else "danger"


@register.filter
def get_field(form, name):
    return form[name]
