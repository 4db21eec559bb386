from django.utils.functional import SimpleLazyObject


def unread(request):
    """The header's bell: `inbox_unread` (one query) and `inbox_shown` (the user may use pages), both computed
    only when a page draws them."""
    user = getattr(request, "user", None)

    def shown():
        from portal.views import has_page_access

        return bool(user is not None and user.is_authenticated and has_page_access(user))

    def count():
        if not shown():
            return 0
        from .services import unread_count

        return unread_count(user)

    return {"inbox_unread": SimpleLazyObject(count), "inbox_shown": SimpleLazyObject(shown)}
