"""Demo: today's reminder messages for everyone (the member, the secretary and staff see what the demo's overdue
items ask of them), and a 企业微信 robot configured for the whole tree against a local receiver — disabled, so
nothing leaves the machine until someone runs `manage.py push_receiver` and enables it in admin."""
from __future__ import annotations

from branches.models import Organization

from .models import ChannelConfig, PushKind
from .reminders import reminders_run

DEMO_RECEIVER = "http://127.0.0.1:8765/cgi-bin/webhook/send?key=demo"


def seed(stdout=None):
    root = Organization.objects.filter(depth=1).order_by("path").first()
    if root is not None:
        ChannelConfig.objects.get_or_create(organization=root, kind=PushKind.WECOM,
                                            defaults={"url": DEMO_RECEIVER, "is_enabled": False})
    counts = reminders_run()
    if stdout:
        stdout.write(f"消息：{sum(counts.values())} 条提醒（{', '.join(f'{k} {v}' for k, v in sorted(counts.items()))}）")
