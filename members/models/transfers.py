"""组织关系转接: transfers between branches and to/from outside the system."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.scoping import CHANGE, RestrictedQuerySet, scope_for
from portal.tracking import TrackedModel

__all__ = ["TransferKind", "TransferStatus", "TransferQuerySet", "Transfer"]


# ============================================================================================
# Transfers (组织关系转接) and status changes
# ============================================================================================
class TransferKind(models.TextChoices):
    INTERNAL = "internal", _("系统内转接")
    OUT = "out", _("转出到系统外")
    IN = "in", _("从系统外转入")


class TransferStatus(models.TextChoices):
    PENDING = "pending", _("待转入支部接收")
    ACCEPTED = "accepted", _("已接收")
    RETURNED = "returned", _("已退回")
    CANCELLED = "cancelled", _("已撤回")
    COMPLETED = "completed", _("已办结")


class TransferQuerySet(RestrictedQuerySet):
    """Scoped on either side: the out-branch and the in-branch both see the transfer."""

    def restrict(self, user, action="view"):

        scope = scope_for(user)
        return self.filter(scope.q(action, "from_branch__path") | scope.q(action, "to_branch__path"))

    def incoming(self, user):
        """Transfers into a branch `user` may change (to accept or refuse)."""
        return self.filter(scope_for(user).q(CHANGE, "to_branch__path"))

    def outgoing(self, user):
        """Transfers out of a branch `user` may change (to follow up or withdraw)."""
        return self.filter(scope_for(user).q(CHANGE, "from_branch__path"))


class Transfer(TrackedModel):
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="transfers")
    kind = models.CharField(_("类型"), max_length=12, choices=TransferKind.choices)
    status = models.CharField(_("状态"), max_length=12, choices=TransferStatus.choices, default=TransferStatus.PENDING)
    from_branch = models.ForeignKey("branches.Organization", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("转出党支部"))
    to_branch = models.ForeignKey("branches.Organization", on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+", verbose_name=_("转入党支部"))
    counterpart = models.CharField(_("系统外组织"), max_length=120, blank=True)
    letter_no = models.CharField(_("介绍信编号"), max_length=60, blank=True)
    initiated_on = models.DateField(_("发起日期"))
    initiated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                     related_name="+")
    decided_on = models.DateField(_("办理日期"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    reason = models.CharField(_("转接原因"), max_length=200, blank=True)
    return_reason = models.CharField(_("退回原因"), max_length=200, blank=True)

    objects = TransferQuerySet.as_manager()

    class Meta:
        verbose_name = _("组织关系转接")
        verbose_name_plural = _("组织关系转接")
        ordering = ["-initiated_on", "-id"]
        constraints = [models.UniqueConstraint(fields=["member"], condition=models.Q(status="pending"),
                                               name="one_pending_transfer_per_member")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.member_id} {self.get_status_display()}"
