"""站内消息: a person's own messages (never anyone else's: every query is by recipient = the signed-in user)."""
from __future__ import annotations

from django.contrib import messages as flash
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views import View

from notifications import channels as registry
from notifications.models import Message
from portal.views import PortalPageMixin

from . import services
from .channels import PushChannel
from .kinds import kind_of
from .models import Preference


class MessageListView(PortalPageMixin, View):
    def get(self, request):
        qs = services.inbox_for(request.user)
        if request.GET.get("unread") == "1":
            qs = qs.filter(read_at__isnull=True)
        page = Paginator(qs, 30).get_page(request.GET.get("page"))
        for m in page:
            m.kind_label = kind_of(m.kind).label
        return render(request, "inbox/list.html", {"page_obj": page, "unread_only": request.GET.get("unread") == "1"})


class MessageOpenView(PortalPageMixin, View):
    """Opening a message marks it read and follows its link (a link inside the portal only)."""

    def post(self, request, pk):
        message = get_object_or_404(Message, recipient=request.user, pk=pk)
        services.mark_read(user=request.user, pk=message.pk)
        if message.link and url_has_allowed_host_and_scheme(message.link, allowed_hosts={request.get_host()}):
            return redirect(message.link)
        return redirect("inbox:list")


class MarkAllReadView(PortalPageMixin, View):
    def post(self, request):
        n = services.mark_all_read(user=request.user)
        flash.success(request, _("已将 %(n)s 条消息标为已读。") % {"n": n})
        return redirect("inbox:list")


class PreferencesView(PortalPageMixin, View):
    """接收设置: each channel on or off for oneself (the portal's own 站内消息 are always on)."""

    def _rows(self, request):
        off = set(Preference.objects.filter(user=request.user, is_enabled=False).values_list("channel", flat=True))
        rows = []
        for channel in registry.all_channels():
            available = (channel.config_for(request.user) is not None if isinstance(channel, PushChannel)
                         else channel.accepts(request.user, ""))
            rows.append({"name": channel.name, "label": channel.label, "on": channel.name not in off,
                         "available": available})
        return rows

    def get(self, request):
        return render(request, "inbox/preferences.html", {"rows": self._rows(request)})

    def post(self, request):
        names = [c.name for c in registry.all_channels()]
        services.preferences_set(user=request.user, enabled={n: request.POST.get(n) == "on" for n in names})
        flash.success(request, _("接收设置已保存。"))
        return redirect("inbox:preferences")


class BadgeView(PortalPageMixin, View):
    """The header bell's unread count, fetched by htmx after the page loads (pages themselves run no query)."""

    def get(self, request):
        return render(request, "inbox/_badge.html", {"unread": services.unread_count(request.user)})
