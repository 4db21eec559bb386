"""The cycle list's 参评 / 已发布 counts per cycle: equal to counting each cycle's evaluations, and read from the
(cycle, step) index rather than by sorting every evaluation of every cycle (140 ms at N=50,000)."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from evaluations.models import BranchEvaluation, Step
from evaluations.selectors import cycle_list
from tests.evaluations.factories import make_cycle

pytestmark = pytest.mark.django_db


def test_cycle_counts_equal_a_count_of_each_cycles_evaluations(tree, users, cycle, standard):
    other = make_cycle(tree.ga, standard[0], users.staff, year=2024)
    evaluations = list(cycle.evaluations.order_by("organization__path"))
    assert len(evaluations) >= 3
    BranchEvaluation.objects.filter(pk=evaluations[0].pk).update(step=Step.EXCLUDED)
    BranchEvaluation.objects.filter(pk=evaluations[1].pk).update(step=Step.RESULT)
    rows = {c.pk: c for c in cycle_list(user=users.staff)}
    assert set(rows) == {cycle.pk, other.pk}
    for each in (cycle, other):
        mine = BranchEvaluation.objects.filter(cycle=each)
        assert rows[each.pk].branch_count == mine.exclude(step=Step.EXCLUDED).count()
        assert rows[each.pk].published_count == mine.filter(step=Step.RESULT).count()
    assert (rows[cycle.pk].branch_count, rows[cycle.pk].published_count) == (len(evaluations) - 1, 1)


def test_a_cycle_without_evaluations_counts_zero(tree, users, standard):
    empty = make_cycle(tree.b1, standard[0], users.staff, year=2023)
    BranchEvaluation.objects.filter(cycle=empty).delete()
    row = cycle_list(user=users.staff).get(pk=empty.pk)
    assert (row.branch_count, row.published_count) == (0, 0)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the plan is PostgreSQL's: set DATABASE_URL")
def test_cycle_list_counts_from_the_cycle_step_index(client, users, cycle):
    client.force_login(users.staff)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("evaluations:cycle_list")).status_code == 200
    sql = next(q["sql"] for q in ctx.captured_queries if q["sql"].startswith('SELECT "evaluations_cycle"'))
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "using evaluation_cycle_step on evaluations_branchevaluation" in plan, plan
    assert "GroupAggregate" not in plan.split("SubPlan")[0] and "HashAggregate" not in plan.split("SubPlan")[0], plan
