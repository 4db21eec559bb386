"""Permission checks for templates, from branches.permissions: {% load org_perms %}.

Link an organization only when its viewer may open it: `{% if a|viewable_by:request.user %}<a …>{% endif %}`.
The user's granted paths are cached on the request's user, so a page of links costs no query per link.
"""
from django import template

from branches.permissions import can_view

register = template.Library()


@register.filter
def viewable_by(org, user) -> bool:
    """Whether `user` may open `org`'s page (the check OrganizationDetailView's scoping makes)."""
    return org is not None and can_view(user, org)
