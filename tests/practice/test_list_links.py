"""Pages link only what their viewer may open: a row whose target would answer 403/404 is plain text."""
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from practice import services
from practice.models import HonourKind, Level

pytestmark = pytest.mark.django_db


def honour(tree, users, org, year=2025):
    return services.honour_award(kind=HonourKind.RED_FLAG, level=Level.COUNTY, year=year, organization=org,
                                 by=users.staff, title="红旗")


def test_reviewer_sees_study_records_without_edit_links(client, users, members, study):
    record = study(members.a1)
    edit = reverse("practice:study_edit", args=[record.pk])
    client.force_login(users.reviewer)
    page = client.get(reverse("practice:list", args=["study"])).content.decode()
    assert "党章" in page and edit not in page
    assert client.get(edit).status_code == 403   # what the link would have led to

    client.force_login(users.secretary)   # keeps a1: may edit, so the row links
    assert edit in client.get(reverse("practice:list", args=["study"])).content.decode()


def test_member_links_her_own_study_record_only(client, member_user, members, study, users):
    own = study(members.a1)
    client.force_login(member_user)
    page = client.get(reverse("practice:list", args=["study"])).content.decode()
    assert reverse("practice:study_edit", args=[own.pk]) in page


def test_secretary_sees_honours_without_edit_links(client, tree, users):
    award = honour(tree, users, tree.a1)
    edit = reverse("practice:edit", args=["honour", award.pk])
    client.force_login(users.secretary)
    page = client.get(reverse("practice:list", args=["honour"])).content.decode()
    assert "红旗" in page and edit not in page
    assert client.get(edit).status_code == 404

    client.force_login(users.staff)
    assert edit in client.get(reverse("practice:list", args=["honour"])).content.decode()


@pytest.mark.parametrize("kind", ["study", "honour"])
def test_row_links_cost_no_query_per_row(client, tree, users, members, study, kind):
    def make(n):
        for i in range(n):
            study(members.a1, topic=f"学习{i}") if kind == "study" else honour(tree, users, tree.a1, year=2000 + i)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("practice:list", args=[kind])).status_code == 200
        return len(ctx)

    client.force_login(users.reviewer)
    make(1)
    one = count()
    make(9)
    assert count() == one


def test_brand_parent_outside_scope_is_plain_text(client, tree, users):
    parent = services.brand_create(organization=tree.ga, name="总支品牌", launched_on=date(2024, 1, 1), by=users.staff)
    child = services.brand_create(organization=tree.a1, name="支部品牌", launched_on=date(2024, 1, 1), by=users.staff,
                                  parent=parent)
    client.force_login(users.secretary)
    page = client.get(child.get_absolute_url()).content.decode()
    assert "总支品牌" in page and parent.get_absolute_url() not in page
    assert client.get(parent.get_absolute_url()).status_code == 404

    client.force_login(users.staff)
    assert parent.get_absolute_url() in client.get(child.get_absolute_url()).content.decode()
