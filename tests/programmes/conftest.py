from datetime import date

import pytest

from evaluations.models import Step
from programmes import services
from programmes.models import Programme
from tests.evaluations.factories import make_cycle, small_standard

APPLY, RECOMMEND, DECIDE = date(2026, 3, 31), date(2026, 4, 15), date(2026, 4, 30)
ON_TIME = date(2026, 3, 20)


@pytest.fixture
def cycle(tree, users):
    st, _ = small_standard(tree.root, users.staff)
    return make_cycle(tree.root, st, users.staff)


def publish(cycle, org, *, stars=5, four_strong=True):
    ev = cycle.evaluations.get(organization=org)
    ev.step, ev.stars, ev.four_strong, ev.proposed_stars, ev.proposed_four_strong = (Step.RESULT, stars, four_strong,
                                                                                      stars, four_strong)
    ev.save()
    return ev


@pytest.fixture
def four_round(tree, users, cycle):
    return services.round_create(organization=tree.root, programme=Programme.FOUR_STRONG, year=2025,
                                 name="2025 年度四强党支部创建", by=users.staff, cycle=cycle, apply_closes_on=APPLY,
                                 recommend_closes_on=RECOMMEND, decide_closes_on=DECIDE, higher_body="市直机关工委")


@pytest.fixture
def red_round(tree, users):
    return services.round_create(organization=tree.root, programme=Programme.RED_FLAG, year=2026,
                                 name="2026 年度红旗党支部创建", by=users.staff, apply_closes_on=APPLY,
                                 recommend_closes_on=RECOMMEND, decide_closes_on=DECIDE)


@pytest.fixture
def star_round(tree, users):
    return services.round_create(organization=tree.root, programme=Programme.FIVE_STAR, year=2025,
                                 name="2025 年度五星党员评选", by=users.staff, apply_closes_on=APPLY,
                                 recommend_closes_on=RECOMMEND, decide_closes_on=DECIDE)
