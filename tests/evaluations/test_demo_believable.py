"""The demo's 2025 cycle reads like one a 党务工作者 ran (issue #22): steps over weeks, by the personas who do them,
and at least one branch named 四强."""
import pytest

from evaluations.models import BranchEvaluation, SheetKind, Step, TransitionLog

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    """seed_demo's steps up to the evaluations (reports left out): automatic indicators read the activities."""
    from django.utils.module_loading import import_string

    from portal.management.commands.seed_demo import SEEDERS

    for dotted in SEEDERS[: SEEDERS.index("evaluations.demo.seed") + 1]:
        import_string(dotted)()


def test_2025_steps_are_spread_over_weeks_by_the_right_people(demo):
    evs = BranchEvaluation.objects.filter(cycle__year=2025).exclude(step=Step.EXCLUDED)
    submitted = {ev.self_submitted_at.date() for ev in evs}
    assert len(submitted) >= 5 and min(submitted).isoformat() >= "2026-01-05" and max(submitted).isoformat() <= "2026-01-20"
    home = evs.get(organization__code="JB01-Z1-01")
    assert home.sheets.get(kind=SheetKind.SELF).reviewer.username == "secretary"
    reviews = home.sheets.filter(kind=SheetKind.REVIEW)
    assert {s.reviewer.username for s in reviews} >= {"reviewer"}
    assert all("2026-01-21" <= s.submitted_at.date().isoformat() <= "2026-02-10" for s in reviews)
    days = TransitionLog.objects.filter(evaluation__in=evs).dates("at", "day")
    assert len(days) >= 10  # not all in the second seed_demo ran
    published = TransitionLog.objects.filter(evaluation=home, to_step=Step.RESULT).get()
    assert published.by.username == "staff" and published.at.date().isoformat() == "2026-02-19"


def test_at_least_one_branch_is_four_strong_in_2025(demo):
    results = BranchEvaluation.objects.filter(cycle__year=2025).values_list("organization__code", "stars", "four_strong")
    assert any(four_strong for _, _, four_strong in results), list(results)


def test_2025_has_practice_records(demo):
    from practice.models import Honour, KnowledgeContest, VanguardPost

    assert VanguardPost.objects.filter(starts_on__year=2025).exists()
    assert Honour.objects.filter(year=2025).count() >= 5
    assert KnowledgeContest.objects.filter(held_on__year=2025).exists()
