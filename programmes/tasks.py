"""Thin tasks: expiry reminders of designated titles (beat runs `remind_expiring_titles` daily)."""
from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mass_mail
from django.utils.translation import gettext_lazy as _

from branches.models import Role, RoleGrant
from practice.models import Honour

EXPIRY_SUBJECT = _("【创建活动】{who}“{title}”称号即将到期")
EXPIRY_BODY = _("{who} 的“{title}”称号（{issuer}命名）有效期至 {until:%Y年%m月%d日}。请按要求做好复查复核或重新申报。\n")


@shared_task(acks_late=True)
def remind_expiring_titles() -> int:
    from .services import remind_expiring

    return remind_expiring()


@shared_task(acks_late=True)
def notify_expiry(honour_id: int) -> int:
    """Default reminder hook: e-mail the branch's secretaries and the staff above it."""

    honour = Honour.objects.select_related("organization", "member").filter(pk=honour_id).first()
    if honour is None:
        return 0
    branch = honour.organization
    emails = (RoleGrant.objects.filter(organization__path__in=branch.ancestor_paths(),
                                       role__in=[Role.SECRETARY, Role.STAFF])
              .exclude(user__email="").values_list("user__email", flat=True).distinct())
    who = honour.member.name if honour.member_id else branch.name
    subject = str(EXPIRY_SUBJECT).format(who=who, title=honour.display_title)
    body = str(EXPIRY_BODY).format(who=who, title=honour.display_title, issuer=honour.issuer, until=honour.valid_until)
    messages = [(subject, body, settings.DEFAULT_FROM_EMAIL, [e]) for e in emails]
    return send_mass_mail(messages, fail_silently=True) if messages else 0


def _default_hook(honour_id: int) -> None:
    notify_expiry.delay(honour_id)
