"""The stored organization figures (branches/figures.py) equal a recount after every write path, and the pages
that read them (tree, home, structure warnings) no longer count members or seats of the whole scope."""
from datetime import date, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from branches import figures
from branches.models import Organization, OrganizationFigures, OrganizationKind, SeatRole
from branches.selectors import TREE_TOP_CHILDREN, subtree_counts
from branches.services import organization_dissolve, term_start
from branches.views import TREE_PAGE_SIZE
from members.models import Member
from members.services.importing import import_members
from members.services.registry import member_deactivate, member_move, member_restore, member_update
from tests.branches.factories import make_org
from tests.members.factories import MemberFactory
from tests.members.test_import import row, xlsx

pytestmark = pytest.mark.django_db


def in_step():
    assert figures.differences() == []


def stored(org):
    return OrganizationFigures.objects.get(organization=org)


def test_every_write_path_keeps_the_figures_in_step(tree, users):
    in_step()
    people = MemberFactory.create_batch(3, branch=tree.a1, party_group=tree.a1g)
    MemberFactory(branch=tree.b1, status="probationary", confirmed_on=None)
    in_step()
    assert stored(tree.root).subtree_members == 4 and stored(tree.root).subtree_probationary == 1
    assert (stored(tree.a1).members, stored(tree.a1).full_members, stored(tree.ga).subtree_members) == (3, 3, 3)

    member_move(member=people[0], to_branch=tree.b1, on=date.today(), by=users.staff)
    in_step()
    assert (stored(tree.ga).subtree_members, stored(tree.gb).subtree_members) == (2, 2)
    member_update(member=people[1], status="probationary", confirmed_on=None)
    in_step()
    member_deactivate(member=people[2], on=date.today(), reason="去世", by=users.staff)
    in_step()
    member_restore(member=Member.objects.get(pk=people[2].pk), on=date.today(), reason="误操作", by=users.staff)
    in_step()
    Member.objects.get(pk=people[1].pk).delete()
    in_step()

    term_start(organization=tree.a1, started_on=tree.a1.established_on, ends_on=None,
               seats=[(Member.objects.get(pk=people[2].pk), SeatRole.SECRETARY)])
    in_step()
    assert stored(tree.a1).seats == 1 and stored(tree.a1).term_ends_on is not None

    new = make_org(tree.gb, name="新支部")
    in_step()
    assert stored(tree.root).subtree_branches == 4
    organization_dissolve(organization=new, on=date.today(), reason="合并", by=users.staff)
    in_step()
    assert stored(tree.root).subtree_branches == 3
    group = make_org(tree.b1, kind=OrganizationKind.PARTY_GROUP)
    group.delete()
    in_step()


def test_a_member_import_moves_the_figures(tree, users):
    import_members(fileobj=xlsx([row(tree, 1), row(tree, 2)]), by=users.staff)
    in_step()
    assert stored(tree.root).subtree_members == 2


def test_a_missing_row_is_counted_from_the_rows(tree):
    OrganizationFigures.objects.filter(organization=tree.ga).delete()
    MemberFactory(branch=tree.a1)
    in_step()


def test_the_check_command_fails_on_a_difference_and_rebuild_repairs_it(tree):
    MemberFactory(branch=tree.a1)
    call_command("organization_figures")
    OrganizationFigures.objects.filter(organization=tree.root).update(subtree_members=99)
    with pytest.raises(CommandError):
        call_command("organization_figures")
    call_command("organization_figures", "--rebuild")
    in_step()


def test_the_nightly_check_logs_a_write_that_went_around_the_figures_and_repairs_it(tree, caplog):
    from django_celery_beat.models import PeriodicTask

    from branches.tasks import check_organization_figures

    MemberFactory.create_batch(2, branch=tree.a1)
    assert check_organization_figures() == 0
    Member.objects.filter(branch=tree.a1).update(branch=tree.b1)   # around the signals, as raw SQL would be
    assert check_organization_figures() > 0
    assert "organization figures differ from the rows" in caplog.text and "rebuilt" in caplog.text
    in_step()
    assert (stored(tree.a1).members, stored(tree.b1).members, stored(tree.root).subtree_members) == (0, 2, 2)
    assert PeriodicTask.objects.filter(task="branches.tasks.check_organization_figures", enabled=True).exists()


def _tables_read(fn) -> str:
    """The SQL `fn` ran, less the page shell's lookup of the viewer's own member record (one row by user)."""
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return " ".join(q["sql"] for q in ctx.captured_queries if '"members_member"."user_id" =' not in q["sql"])


def test_home_counts_read_the_stored_figures_not_every_member(tree, users):
    MemberFactory.create_batch(2, branch=tree.a1)
    MemberFactory(branch=tree.b1, status="probationary", confirmed_on=None)
    sql = _tables_read(lambda: subtree_counts(user=users.staff))
    assert "members_member" not in sql
    assert subtree_counts(user=users.staff) == {"branches": 3, "groups": 1, "general": 2, "members": 3,
                                                "probationary": 1}
    assert subtree_counts(user=users.staff_a)["members"] == 2


def test_tree_and_warnings_pages_count_no_member_and_no_seat(client, tree, users):
    MemberFactory.create_batch(8, branch=tree.a1)
    client.force_login(users.staff)
    for url in (reverse("branches:tree"), reverse("branches:tree") + f"?parent={tree.ga.pk}",
                reverse("branches:warnings")):
        sql = _tables_read(lambda url=url: client.get(url))
        assert "members_member" not in sql and "branches_committeeseat" not in sql, url


def test_warnings_page_lists_what_the_stored_figures_say(client, tree, users):
    MemberFactory.create_batch(8, branch=tree.a1)              # ≥7 正式党员, no committee
    client.force_login(users.staff)
    rows = client.get(reverse("branches:warnings")).context["rows"]
    codes = {org.pk: {w.code for w in ws} for org, ws in rows}
    assert "no_committee" in codes[tree.a1.pk]


# --- the tree page, a level at a time and a page at a time -----------------------------------------------------


@pytest.fixture
def wide(tree):
    """甲党总支 with more children than one page of the tree shows."""
    return [make_org(tree.ga, name=f"宽{i:03d}支部") for i in range(TREE_PAGE_SIZE + 5)]


def test_opening_an_organization_shows_its_children_a_page_at_a_time(client, tree, users, wide):
    client.force_login(users.staff)
    first = client.get("/org/", {"parent": tree.ga.pk}).context
    second = client.get("/org/", {"parent": tree.ga.pk, "page": 2}).context
    children = [tree.a1.pk, tree.a2.pk, *(o.pk for o in wide)]
    assert [o.pk for o in first["orgs"]] == [tree.ga.pk, *children[:TREE_PAGE_SIZE]]
    assert [o.pk for o in second["orgs"]] == [tree.ga.pk, *children[TREE_PAGE_SIZE:]]
    assert first["page_obj"].paginator.count == len(children)


def test_the_first_page_shows_a_few_children_of_each_top_organization_and_links_to_the_rest(client, tree, users, wide):
    client.force_login(users.staff_a)                          # 甲党总支: its children are the wide level
    response = client.get("/org/")
    rows = response.context["orgs"]
    assert rows[0].pk == tree.ga.pk and len(rows) == 1 + TREE_TOP_CHILDREN
    left = len(wide) + 2 - TREE_TOP_CHILDREN
    assert f"另有 {left} 个下级，查看全部".encode() in response.content
    assert f'href="?parent={tree.ga.pk}"'.encode() in response.content


def test_tree_page_work_does_not_follow_the_levels_below(client, tree, users, wide):
    """Adding organizations and members below the shown rows changes neither the rows nor the queries."""
    client.force_login(users.staff)

    def measure():
        with CaptureQueriesContext(connection) as ctx:
            response = client.get("/org/", {"parent": tree.root.pk})
        return len(ctx.captured_queries), [o.pk for o in response.context["orgs"]]

    before = measure()
    for o in wide[:10]:
        MemberFactory.create_batch(2, branch=o)
        make_org(o, kind=OrganizationKind.PARTY_GROUP)
    assert measure() == before


def test_structure_warnings_follow_term_dates(tree, users):
    people = MemberFactory.create_batch(3, branch=tree.a1)
    today = date.today()
    term_start(organization=tree.a1, started_on=today - timedelta(days=3 * 365 - 30),
               seats=[(people[0], SeatRole.SECRETARY)])
    a1 = Organization.objects.get(pk=tree.a1.pk)
    assert stored(a1).term_ends_on <= today + timedelta(days=90)


def test_the_migration_fills_the_joined_month_figures_from_the_rows(tree):
    """branches 0017_organization_figures_joined_months fills the 入党-month figures of a database that had none (its own copy of the recount)."""
    from importlib import import_module
    from types import SimpleNamespace

    from django.apps import apps

    from branches.models import JOINED_MONTH_FIELDS, SUBTREE_JOINED_MONTH_FIELDS

    for i in range(14):
        MemberFactory(branch=(tree.a1, tree.b1)[i % 2], joined_on=date(2001 + i, 1 + i % 12, 3))
    OrganizationFigures.objects.update(**dict.fromkeys((*JOINED_MONTH_FIELDS, *SUBTREE_JOINED_MONTH_FIELDS), 0))
    assert figures.differences() != []
    editor = SimpleNamespace(connection=connection, quote_name=connection.ops.quote_name)
    import_module("branches.migrations.0017_organization_figures_joined_months").fill(apps, editor)
    in_step()
    assert stored(tree.root).subtree_joined_month_01 == 2 and stored(tree.a1).joined_month_03 == 1


def test_a_kind_change_and_a_dissolution_move_warned_since(tree, users):
    from branches.models import OrganizationKind

    a2 = Organization.objects.get(pk=tree.a2.pk)
    assert stored(a2).warned_since == date.min            # no members: too few 正式党员
    a2.kind = OrganizationKind.JOINT_BRANCH
    a2.save()
    in_step()
    assert stored(a2).warned_since == date.min            # still: no secretary
    organization_dissolve(organization=a2, on=date.today(), reason="合并", by=users.staff)
    in_step()
    assert stored(a2).warned_since is None and stored(a2).path == a2.path


def test_the_migration_fills_path_and_warned_since(tree):
    from importlib import import_module
    from types import SimpleNamespace

    from django.apps import apps

    MemberFactory.create_batch(8, branch=tree.a1)
    OrganizationFigures.objects.update(path="", warned_since=None)
    assert figures.differences() != []
    editor = SimpleNamespace(connection=connection, quote_name=connection.ops.quote_name)
    import_module("branches.migrations.0018_organization_figures_warned_since").fill(apps, editor)
    in_step()
    assert stored(tree.a1).warned_since == date.min and stored(tree.ga).warned_since is None
