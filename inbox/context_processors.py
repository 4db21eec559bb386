from django.utils.functional import SimpleLazyObject


def unread(request):
    """{"inbox_unread": n} for the header's bell; counted only when a page draws it (one query)."""
    user = getattr(request, "user", None)

    def count():
        if user is None or not user.is_authenticated:
            return 0
        from .services import unread_count

        return unread_count(user)

    return {"inbox_unread": SimpleLazyObject(count)}
