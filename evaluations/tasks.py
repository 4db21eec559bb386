"""Thin tasks: look the row up, hand it to a function that does the work."""
from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mass_mail
from django.utils.translation import gettext_lazy as _

from branches.models import Role, RoleGrant

ADJUSTMENT_SUBJECT = _("【四强评星】{branch} 评定结果调整通知")
ADJUSTMENT_BODY = _("{branch}：{kind}。\n调整前：{before}；调整后：{after}。\n原因：{reason}\n决定日期：{on:%Y年%m月%d日}\n")


def _stars(n, four_strong=None):
    return _("{n} 星").format(n=n) if n is not None else _("无星级")


@shared_task(acks_late=True)
def notify_adjustment(adjustment_id: int) -> int:
    """Tell the branch's secretaries (and staff above it) by e-mail that its result was lowered or revoked."""

    from .models import ResultAdjustment

    adj = ResultAdjustment.objects.select_related("evaluation__organization").filter(pk=adjustment_id).first()
    if adj is None:
        return 0
    branch = adj.evaluation.organization
    users = (RoleGrant.objects.filter(organization__path__in=branch.ancestor_paths(), role__in=[Role.SECRETARY, Role.STAFF])
             .exclude(user__email="").values_list("user__email", flat=True).distinct())
    body = ADJUSTMENT_BODY.format(branch=branch.name, kind=adj.get_kind_display(), before=_stars(adj.from_stars),
                                  after=_stars(adj.to_stars), reason=adj.reason, on=adj.decided_on)
    subject = ADJUSTMENT_SUBJECT.format(branch=branch.name)
    messages = [(subject, body, settings.DEFAULT_FROM_EMAIL, [email]) for email in users]
    return send_mass_mail(messages, fail_silently=True) if messages else 0
