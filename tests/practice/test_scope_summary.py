"""The practice home page's scope summary counts branches and members from the heads' stored subtree figures: the
same figures as the committee report's subtree summary (which reads every branch), for every kind of scope."""
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from branches.models import Organization, OrganizationFigures
from branches.services import organization_dissolve
from practice import selectors
from tests.branches.factories import make_org
from tests.members.factories import MemberFactory

pytestmark = pytest.mark.django_db
Y0, Y1 = date(2026, 1, 1), date(2026, 12, 31)


def figures(summary):
    return {c: [(f["key"], f["value"]) for f in summary[c]["figures"]] for c in ("political", "leadership", "members",
                                                                                 "role")} | {"branches": summary["branches"]}


@pytest.fixture
def scopes(tree, members, study):
    MemberFactory(branch=tree.a1)
    MemberFactory(branch=tree.b1, is_active=False)                      # not counted
    study(members.a1, hours=Decimal("6"))
    study(members.b1, hours=Decimal("3"))
    gone = make_org(tree.gb, name="已撤销支部")
    organization_dissolve(organization=gone, on=date(2025, 6, 1), reason="合并")   # counted, as the report counts it
    second_root = make_org(name="第二党委")
    MemberFactory(branch=make_org(second_root))
    return {
        "one root": [tree.root.pk],
        "nested heads": [tree.root.pk, tree.ga.pk, tree.a1.pk],
        "disjoint": [tree.ga.pk, tree.b1.pk],
        "two roots": [tree.root.pk, second_root.pk],
        "a branch": [tree.a2.pk],
        "a group only": [tree.a1g.pk],
        "with the dissolved": [tree.gb.pk],
        "none": [],
    }


def test_the_scope_summary_is_the_report_summary_for_every_scope(scopes):
    for name, ids in scopes.items():
        qs = Organization.objects.filter(pk__in=ids)
        page = selectors.scope_practice_summary(organizations_qs=qs, start=Y0, end=Y1)
        report = selectors.subtree_practice_summary(organizations_qs=qs, start=Y0, end=Y1)
        assert figures(page) == figures(report), name


def test_branches_and_members_are_read_from_the_heads_not_every_branch(tree, scopes):
    qs = Organization.objects.filter(pk__in=scopes["nested heads"])
    with CaptureQueriesContext(connection) as ctx:
        counted = selectors._scope_branches_and_members(qs)
    assert counted == (4, 4)             # a1, a2, b1 and the dissolved one; members of a1 (2), a2, b1 — not the inactive
    figure_reads = [q["sql"] for q in ctx.captured_queries if "branches_organizationfigures" in q["sql"]]
    assert len(figure_reads) == 1 and "subtree_members" in figure_reads[0]


def test_a_head_without_its_figures_row_is_counted_from_the_branches(tree, scopes):
    OrganizationFigures.objects.filter(organization=tree.ga).delete()
    qs = Organization.objects.filter(pk__in=scopes["disjoint"])
    assert selectors._scope_branches_and_members(qs) is None
    page = selectors.scope_practice_summary(organizations_qs=qs, start=Y0, end=Y1)
    assert figures(page) == figures(selectors.subtree_practice_summary(organizations_qs=qs, start=Y0, end=Y1))
