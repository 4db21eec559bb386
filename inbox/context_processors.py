from django.utils.functional import SimpleLazyObject

from portal.views import has_page_access


def unread(request):
    """`inbox_shown`: whether the header draws the bell (the user may use pages); computed only when drawn. The
    unread count itself is fetched by htmx from inbox:badge, so pages run no query for it."""
    user = getattr(request, "user", None)

    def shown():
        return bool(user is not None and user.is_authenticated and user.pk is not None and has_page_access(user))

    return {"inbox_shown": SimpleLazyObject(shown)}
