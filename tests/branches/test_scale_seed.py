"""seed_scale's organizational-life step: bulk-loaded, deterministic, and usable by the compliance code."""
import io

import pytest
from django.core.management import call_command

from branches.models import Organization, OrganizationKind
from orglife.models import Activity, Attendance


def _seed(seed=2026):
    call_command("seed_scale", "--branches", "2", "--seed", str(seed), stdout=io.StringIO())


@pytest.mark.django_db
def test_every_branch_and_group_gets_a_year_of_records_with_attendance():
    _seed()
    branches = Organization.objects.filter(kind=OrganizationKind.BRANCH).count()
    groups = Organization.objects.filter(kind=OrganizationKind.PARTY_GROUP).count()
    assert branches == 2 and groups == 6
    activities = Activity.objects.count()
    # ~70 a branch a year (34 branch-level + 3 groups × 12), a few skipped on purpose.
    assert 0.8 * 70 * branches <= activities <= 70 * branches
    assert set(Activity.objects.values_list("status", flat=True)) == {"submitted"}
    assert Activity.objects.filter(organization__kind=OrganizationKind.PARTY_GROUP, activity_type__code="group_meeting").exists()
    assert Attendance.objects.count() > 10 * activities
    # The monthly counts the compliance engine reads are filled by the seed (COPY bypasses the services).
    from orglife.counts import differences
    from orglife.models import ActivityCount

    assert ActivityCount.objects.exists() and differences() == []
    # Attendance points at members of the activity's own branch.
    att = Attendance.objects.select_related("activity__organization", "member__branch").first()
    assert att.activity.organization.path.startswith(att.member.branch.path)


@pytest.mark.django_db(transaction=True)  # seed_scale --flush truncates tables: no surrounding transaction
def test_seed_is_deterministic_and_checkin_codes_do_not_clash_with_service_codes():
    _seed()
    first = list(Activity.objects.order_by("id").values_list("held_on", "activity_type__code", "checkin_code")[:50])
    call_command("seed_scale", "--branches", "2", "--flush", stdout=io.StringIO())
    again = list(Activity.objects.order_by("id").values_list("held_on", "activity_type__code", "checkin_code")[:50])
    assert [r[:2] for r in first] == [r[:2] for r in again]
    assert all(len(code) == 8 for _, _, code in again)


@pytest.mark.django_db
def test_beside_adds_a_second_tree_and_keeps_the_first(tree):
    """The page benchmark's data set: the demo (here the test tree) and a scale tree beside it."""
    from django.core.management.base import CommandError

    before = set(Organization.objects.values_list("pk", flat=True))
    with pytest.raises(CommandError, match="--beside"):
        _seed()
    call_command("seed_scale", "--branches", "2", "--beside", stdout=io.StringIO())
    assert before < set(Organization.objects.values_list("pk", flat=True))
    assert Organization.objects.filter(depth=1).count() == 2
    assert Organization.objects.filter(pk=tree.a1.pk).exists()
