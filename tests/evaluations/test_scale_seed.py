"""seed_scale's evaluation step: a completed cycle whose published results obey the standard's own rules."""
import io
from decimal import Decimal

import pytest
from django.core.management import call_command

from branches.models import Organization, OrganizationKind
from evaluations import scoring
from evaluations.models import BranchEvaluation, Cycle, Step
from evaluations.services import rules_of


@pytest.mark.django_db
def test_every_branch_gets_a_published_result_consistent_with_bands_and_the_four_strong_rule():
    call_command("seed_scale", "--branches", "30", stdout=io.StringIO())
    cycle = Cycle.objects.get()
    assert cycle.year == 2025 and cycle.closed_at is not None and cycle.standard.is_frozen
    branches = set(Organization.objects.filter(kind=OrganizationKind.BRANCH).values_list("id", flat=True))
    evaluations = list(BranchEvaluation.objects.filter(cycle=cycle))
    assert {e.organization_id for e in evaluations} == branches
    rules = rules_of(cycle.standard)
    published = [e for e in evaluations if e.step == Step.RESULT]
    assert published, "at least one branch must have a published result"
    for e in published:
        assert e.published_at and e.committee_decided_on and e.stars == e.proposed_stars
        assert e.stars == scoring.stars_for(e.total, rules, vetoed=e.vetoed)
        criterion = {k: Decimal(v) for k, v in e.criterion_scores.items()}
        assert set(criterion) == set(scoring.CRITERIA) and all(v > 0 for v in criterion.values())
        assert Decimal(30) <= e.total <= Decimal(100)
        if e.four_strong:
            assert e.stars >= rules.four_strong_min_stars and not e.vetoed
    # A plausible spread: not every branch in one band.
    assert len({e.stars for e in published}) >= 3
