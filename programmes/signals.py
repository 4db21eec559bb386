"""Keep a 四强 title in step with evaluations' 动态管理: when a result loses its 四强 standing (撤销 or 降级 below the
四强 level, recorded in evaluations without going through programmes), the title it carried ends the same day."""
from __future__ import annotations

from django.db.models.signals import post_save
from django.dispatch import receiver

from evaluations.models import AdjustmentKind, ResultAdjustment


@receiver(post_save, sender=ResultAdjustment, dispatch_uid="programmes_title_follows_adjustment")
def title_follows_adjustment(sender, instance: ResultAdjustment, created: bool, **kwargs):

    if not created or instance.kind == AdjustmentKind.RAISE_STARS or instance.evaluation.four_strong:
        return
    from .models import Candidacy, Programme
    from .services import _revoke

    ev = instance.evaluation
    for cand in (Candidacy.objects.filter(round__programme=Programme.FOUR_STRONG, round__cycle_id=ev.cycle_id,
                                          organization_id=ev.organization_id)
                 .select_related("title", "higher_title")):
        _revoke(cand.title, on=instance.decided_on, reason=instance.reason, by=instance.by)
        _revoke(cand.higher_title, on=instance.decided_on, reason=instance.reason, by=instance.by)
