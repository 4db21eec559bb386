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


@pytest.mark.django_db
def test_a_year_of_dues_for_every_member_with_some_in_arrears_by_the_rule():
    """The dues pages and home's 欠缴 counts are measured on a province's year of records, not the demo's few."""
    from datetime import date

    from django.contrib.auth import get_user_model
    from django.db.models import Count

    from members.models import DuesRecord, Member
    from members.services.dues import arrears_counts

    call_command("seed_scale", "--branches", "20", stdout=io.StringIO())
    members = Member.objects.filter(is_active=True).count()
    this_month = date.today().replace(day=1)
    assert DuesRecord.objects.count() == 12 * members
    assert set(DuesRecord.objects.values("member_id").annotate(n=Count("id")).values_list("n", flat=True)) == {12}
    assert DuesRecord.objects.filter(month=this_month).count() == members
    assert 0 < DuesRecord.objects.filter(month=this_month, paid_on__isnull=True).count() < members
    superuser = get_user_model().objects.create(username="root", is_superuser=True)
    owing, committee = arrears_counts(user=superuser)
    assert 0 < committee < owing < 0.1 * members, (owing, committee, members)
