"""Who may do what in 四强 evaluation: the one place these rights are spelled out.

- secretary (CHANGE on the branch): self-assesses own branch, reports 整改 progress, sees own results;
- reviewer (REVIEW): scores only the branches they are assigned to, inside their scope; verifies 整改;
- staff (MANAGE): manage standards and cycles on their subtree, assign reviewers, decide, publish, adjust;
- a member with a login: sees the publicity list of cycles over their branch and may object;
- anyone else: 404 (rows outside `restrict` are missing rows).
"""
from __future__ import annotations

from portal.scoping import CHANGE, MANAGE, REVIEW, VIEW, can

from .models import BranchEvaluation, Rectification, ScoreSheet, SheetKind, SheetStatus, Step


def visible_evaluations(user):
    return BranchEvaluation.objects.restrict(user, VIEW)


def can_manage_path(user, path: str) -> bool:
    return can(user, MANAGE, path)


def can_self_assess(user, evaluation: BranchEvaluation) -> bool:
    return evaluation.step == Step.SELF and can(user, CHANGE, evaluation.organization.path)


def can_score(user, sheet: ScoreSheet) -> bool:
    return (sheet.kind == SheetKind.REVIEW and sheet.reviewer_id == user.pk
            and can(user, REVIEW, sheet.evaluation.organization.path))


def can_verify_rectification(user, rect: Rectification) -> bool:
    """Reviewers and staff above the branch verify; the branch itself does not close its own items."""
    return can(user, REVIEW, rect.organization.path)


def can_report_rectification(user, rect: Rectification) -> bool:
    return can(user, CHANGE, rect.organization.path)


def reviewer_scores_visible(user, evaluation: BranchEvaluation, sheets) -> bool:
    """Independence: nobody sees reviewers' scores until every assigned reviewer has submitted."""
    reviews = [s for s in sheets if s.kind == SheetKind.REVIEW]
    return bool(reviews) and all(s.status == SheetStatus.SUBMITTED for s in reviews)


def results_visible(user, evaluation: BranchEvaluation) -> bool:
    """The proposed result is shown to the branch from 公示 on; staff above see it from 党委审定."""
    if evaluation.step in (Step.PUBLICITY, Step.RESULT):
        return True
    return evaluation.step == Step.COMMITTEE and can(user, MANAGE, evaluation.organization.path)
