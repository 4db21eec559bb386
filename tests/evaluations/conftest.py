import pytest

from tests.evaluations.factories import make_cycle, small_standard


@pytest.fixture
def standard(tree, users):
    return small_standard(tree.root, users.staff)


@pytest.fixture
def cycle(tree, users, standard):
    return make_cycle(tree.root, standard[0], users.staff)


@pytest.fixture
def ev_a1(cycle, tree):
    return cycle.evaluations.get(organization=tree.a1)
