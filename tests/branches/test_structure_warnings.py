from datetime import date, timedelta

import pytest
from dateutil.relativedelta import relativedelta

from branches.models import Organization, SeatRole
from branches.selectors import structure_warnings, with_structure
from branches.services import term_start
from members.models import MemberStatus
from tests.members.factories import MemberFactory

pytestmark = pytest.mark.django_db
TODAY = date(2026, 6, 1)


def codes(org):
    annotated = with_structure(Organization.objects.filter(pk=org.pk)).get()
    return {w.code for w in structure_warnings(annotated, today=TODAY)}


def test_seven_full_members_without_committee(tree):
    MemberFactory.create_batch(7, branch=tree.a1)
    assert "no_committee" in codes(tree.a1)


def test_six_full_members_plus_probationary_need_no_committee(tree):
    """The threshold counts 正式党员 only."""
    MemberFactory.create_batch(6, branch=tree.a1)
    MemberFactory.create_batch(3, branch=tree.a1, status=MemberStatus.PROBATIONARY, confirmed_on=None,
                               joined_on=date(2026, 1, 1))
    assert "no_committee" not in codes(tree.a1)


@pytest.mark.parametrize("seats,warned", [(2, True), (3, False), (7, False), (8, True)])
def test_committee_size(tree, seats, warned):
    people = MemberFactory.create_batch(9, branch=tree.a1)
    roles = [SeatRole.SECRETARY] + [SeatRole.MEMBER] * (seats - 1)
    term_start(organization=tree.a1, started_on=TODAY - timedelta(days=30), seats=list(zip(people, roles, strict=False)))
    assert ("committee_size" in codes(tree.a1)) is warned


@pytest.mark.parametrize("count,warned", [(50, False), (51, True)])
def test_branch_over_fifty_members(tree, count, warned):
    MemberFactory.create_batch(count, branch=tree.a1, status=MemberStatus.PROBATIONARY, confirmed_on=None,
                               joined_on=date(2026, 1, 1))
    assert ("too_many_members" in codes(tree.a1)) is warned


@pytest.mark.parametrize("ends_in_days,code", [(-1, "term_overdue"), (0, "term_due"), (90, "term_due"), (91, None)])
def test_term_due_and_overdue(tree, ends_in_days, code):
    m = MemberFactory(branch=tree.a1)
    ends = TODAY + timedelta(days=ends_in_days)
    term_start(organization=tree.a1, started_on=ends - relativedelta(years=3), seats=[(m, SeatRole.SECRETARY)])
    found = codes(tree.a1) & {"term_overdue", "term_due"}
    assert found == ({code} if code else set())


def test_left_members_do_not_count(tree):
    MemberFactory.create_batch(7, branch=tree.a1, is_active=False, left_reason="转出")
    assert "no_committee" not in codes(tree.a1)


# --- the warned-branch list filters in SQL: it must pick exactly the branches the Python checks warn -------------
# (full, probationary, seats, term end in days from TODAY or None, kind)
CASES = [
    (0, 0, 0, None, "branch"),              # too few full members, no secretary
    (3, 0, 1, 200, "branch"),               # nothing
    (7, 0, 0, None, "branch"),              # no committee
    (7, 0, 2, 200, "branch"),               # committee too small
    (7, 0, 3, 200, "branch"),               # nothing
    (3, 5, 8, 200, "branch"),               # more than 7 seats
    (3, 0, 1, -1, "branch"),                # term overdue
    (3, 0, 1, 90, "branch"),                # term due
    (3, 0, 1, 91, "branch"),                # nothing
    (2, 0, 1, 200, "joint_branch"),         # too few full members only counts for a 党支部: nothing
    (0, 0, 0, None, "temporary_branch"),    # no secretary
    (3, 48, 1, 200, "branch"),              # 51 members
]


def make_cases(parent_of):
    """A branch for each of CASES (under parent_of(case)): its 正式/预备党员, committee seats and term end."""
    from tests.branches.factories import make_org

    for full, probationary, seats, ends_in, kind in CASES:
        org = make_org(parent_of((full, probationary, seats, ends_in, kind)), kind=kind)
        people = MemberFactory.create_batch(full, branch=org)
        people += MemberFactory.create_batch(probationary, branch=org, status=MemberStatus.PROBATIONARY,
                                             confirmed_on=None, joined_on=date(2026, 1, 1))
        if seats:
            roles = [SeatRole.SECRETARY] + [SeatRole.MEMBER] * (seats - 1)
            ends = TODAY + timedelta(days=ends_in)
            term_start(organization=org, started_on=ends - relativedelta(years=org.default_term_years),
                       seats=list(zip(people, roles, strict=False)))


def test_warned_branches_filtered_in_sql_match_the_python_checks(tree, users):
    from branches.selectors import branches_with_warnings
    from branches.services import organization_dissolve
    from tests.branches.factories import make_org

    make_cases(lambda case: tree.ga)
    gone = make_org(tree.ga)  # dissolved: never listed, though it would be warned
    organization_dissolve(organization=gone, on=date(2026, 1, 1), reason="撤销")

    everything = with_structure(Organization.objects.active().branches()).order_by("path")
    expected = [(o.pk, [w.code for w in structure_warnings(o, today=TODAY)]) for o in everything]
    expected = [(pk, ws) for pk, ws in expected if ws]
    got = [(o.pk, [w.code for w in ws]) for o, ws in branches_with_warnings(user=users.superuser, today=TODAY)]
    assert got == expected
    assert len(got) >= 9  # the cases above warn 9 new branches, besides the fixture's
    assert gone.pk not in {pk for pk, _ in got}
    assert branches_with_warnings(user=users.superuser, today=TODAY, limit=3) == \
        branches_with_warnings(user=users.superuser, today=TODAY)[:3]
    # Scope still applies: a 党总支's staff sees only warned branches of her subtree.
    scoped = {o.pk for o, _ in branches_with_warnings(user=users.staff_a, today=TODAY)}
    assert scoped == {pk for pk, _ in got if Organization.objects.get(pk=pk).path.startswith(tree.ga.path)}


def test_warnings_page_shows_a_page_of_the_warned_branches(client, tree, users, monkeypatch):
    """The page lists the warned branches a page at a time, in tree order; the pages together list each once."""
    from django.urls import reverse

    from branches import views
    from branches.selectors import branches_with_warnings
    from tests.branches.factories import make_org

    for _ in range(5):
        make_org(tree.ga)  # no members: too few full members, no secretary
    monkeypatch.setattr(views, "WARNINGS_PAGE_SIZE", 2)
    client.force_login(users.superuser)
    expected = [o.pk for o, _ in branches_with_warnings(user=users.superuser)]
    assert len(expected) >= 5
    seen = []
    for page in range(1, (len(expected) + 1) // 2 + 1):
        response = client.get(reverse("branches:warnings"), {"page": page})
        assert response.status_code == 200
        rows = response.context["rows"]
        assert len(rows) <= 2
        seen += [o.pk for o, _ in rows]
    assert seen == expected
    assert f"共 {len(expected)} 条" in response.content.decode()


def test_warned_since_is_the_first_day_the_checks_warn(tree):
    """For every combination of the figures the checks read, on days around a term's end: stored warned_since ≤ day
    exactly when structure_warnings_of gives a warning that day."""
    from itertools import product

    from branches.models import BRANCH_KINDS, OrganizationKind
    from branches.selectors import TERM_DUE_WARNING_DAYS, structure_warnings_of, warned_since_of

    kinds = [*BRANCH_KINDS, OrganizationKind.GENERAL_BRANCH, OrganizationKind.PARTY_GROUP]
    days = [TODAY + timedelta(days=d) for d in (-400, -1, 0, 1, 89, 90, 91, 400)]
    ends_choices = [None, TODAY, TODAY + timedelta(days=TERM_DUE_WARNING_DAYS), TODAY + timedelta(days=200)]
    checked = 0
    for kind, active, full, extra, seats, ends in product(kinds, (True, False), (0, 2, 3, 6, 7, 8), (0, 1, 44, 45),
                                                          (0, 1, 2, 3, 7, 8), ends_choices):
        since = warned_since_of(kind=kind, is_active=active, full=full, total=full + extra, seats=seats, ends=ends)
        for day in days:
            warned = bool(structure_warnings_of(kind=kind, is_active=active, full=full, total=full + extra,
                                                seats=seats, ends=ends, today=day))
            assert (since is not None and since <= day) == warned, (kind, active, full, extra, seats, ends, day)
            checked += 1
    assert checked > 20000


def test_the_stored_count_is_the_count_of_the_listed_branches_for_every_principal(tree, users):
    from branches.models import OrganizationKind, Role
    from branches.selectors import branches_with_warnings, warned_branches_count
    from branches.services import organization_dissolve
    from tests.branches.factories import UserFactory, grant, make_org

    make_cases(lambda case: tree.ga if case[0] % 2 else tree.gb)
    organization_dissolve(organization=make_org(tree.ga), on=date(2026, 1, 1), reason="撤销")
    other = make_org(name="另一党委")
    make_org(make_org(other, kind=OrganizationKind.GENERAL_BRANCH))
    scopes = {"superuser": users.superuser, "staff": users.staff, "staff_a": users.staff_a,
              "secretary": users.secretary, "reviewer": users.reviewer, "nobody": users.nobody}
    for name, grants in [("two generals", [(tree.ga, Role.STAFF), (tree.gb, Role.STAFF)]),
                         ("nested", [(tree.root, Role.STAFF), (tree.ga, Role.STAFF)]),
                         ("branch and other root", [(tree.a1, Role.STAFF), (other, Role.STAFF)])]:
        user = UserFactory(username=f"warned {name}")
        for org, role in grants:
            grant(user, org, role)
        scopes[name] = user
    for day in (TODAY - timedelta(days=800), TODAY, TODAY + timedelta(days=100), TODAY + timedelta(days=3000)):
        for name, user in scopes.items():
            assert warned_branches_count(user=user, today=day) == len(branches_with_warnings(user=user, today=day)), \
                (name, day)
    assert warned_branches_count(user=users.superuser, today=TODAY) > warned_branches_count(user=users.staff_a,
                                                                                          today=TODAY) > 0
