"""Two people editing one record never silently overwrite each other; a double-submitted form creates once."""
from datetime import UTC, datetime

import pytest
from django.core.cache import cache
from django.urls import reverse

from branches.models import Organization
from branches.services import organization_update
from members.models import Member
from members.services import member_update
from portal import concurrency
from tests.branches.factories import UserFactory, grant
from tests.members.factories import valid_id_number

from .helpers import form_values

pytestmark = pytest.mark.django_db


def org_form_data(client, org):
    data = form_values(client.get(reverse("branches:edit", args=[org.pk])))
    data["units"] = org.units
    return data


def test_organization_edit_refuses_a_stale_version_and_shows_the_other_change(client, tree, users):
    users.staff.first_name = "王主任"
    users.staff.save()
    client.force_login(users.staff_a)
    data = org_form_data(client, tree.a1)
    assert data[concurrency.VERSION_FIELD]
    # Meanwhile someone else renames the branch.
    organization_update(organization=Organization.objects.get(pk=tree.a1.pk), by=users.staff, name="甲一支部（新）")

    data.update(short_name="我的简称", name="我的名字")
    response = client.post(reverse("branches:edit", args=[tree.a1.pk]), data)

    assert response.status_code == 200
    page = response.content.decode()
    assert "保存未成功" in page and "王主任" in page
    assert "“甲一支部”改为“甲一支部（新）”" in page
    assert 'value="我的名字"' in page  # the user's input is kept
    tree.a1.refresh_from_db()
    assert tree.a1.name == "甲一支部（新）" and tree.a1.short_name != "我的简称"

    # The re-rendered form carries the current version: saving again is a deliberate overwrite.
    again = form_values(response)
    again["units"] = ""
    response = client.post(reverse("branches:edit", args=[tree.a1.pk]), again)
    assert response.status_code == 302
    tree.a1.refresh_from_db()
    assert tree.a1.name == "我的名字"


def test_organization_edit_with_current_version_saves(client, tree, users):
    client.force_login(users.staff)
    data = org_form_data(client, tree.a1)
    data["name"] = "改名成功"
    assert client.post(reverse("branches:edit", args=[tree.a1.pk]), data).status_code == 302
    tree.a1.refresh_from_db()
    assert tree.a1.name == "改名成功"


def test_member_edit_refuses_a_stale_version(client, tree, users, members):
    client.force_login(users.secretary)
    data = form_values(client.get(reverse("members:edit", args=[members.a1.pk])))
    member_update(member=Member.objects.get(pk=members.a1.pk), by=users.staff, phone="13900000001")

    data["work_unit"] = "秘书填写的单位"
    response = client.post(reverse("members:edit", args=[members.a1.pk]), data)

    assert response.status_code == 200
    page = response.content.decode()
    assert "保存未成功" in page and users.staff.first_name in page and "13900000001" in page
    assert 'value="秘书填写的单位"' in page
    members.a1.refresh_from_db()
    assert members.a1.phone == "13900000001" and members.a1.work_unit != "秘书填写的单位"


def test_conflict_message_without_history_still_refuses(tree):
    # A change made with queryset.update() leaves no history row: the save is still refused.
    org = Organization.objects.get(pk=tree.a1.pk)
    seen = concurrency.version_of(org)
    Organization.objects.filter(pk=org.pk).update(updated_at=datetime(2030, 1, 1, tzinfo=UTC))
    assert concurrency.current_version(org) != seen
    assert concurrency.conflict_message(org, seen) == concurrency.CONFLICT_UNKNOWN


def member_create_data(client, tree, n=1):
    data = form_values(client.get(reverse("members:create")))
    data.update(name=f"防重{n}", gender="male", ethnicity="汉族", birth_date="1985-03-12", phone="",
                id_number=valid_id_number(700 + n), category="in_service", status="full", joined_on="2010-07-01",
                confirmed_on="2011-07-01", branch=str(tree.a1.pk), party_group="")
    return data


def test_double_submitted_member_form_creates_one_record(client, tree, users):
    client.force_login(users.secretary)
    data = member_create_data(client, tree)
    assert data[concurrency.TOKEN_FIELD]
    first = client.post(reverse("members:create"), data)
    second = client.post(reverse("members:create"), data)
    assert first.status_code == second.status_code == 302
    assert Member.objects.filter(name="防重1").count() == 1
    assert second["Location"] == first["Location"]  # the repeat lands on the record the first one created
    page = client.get(second["Location"]).content.decode()
    assert concurrency.DUPLICATE_SUBMIT in page


def test_a_rejected_submission_releases_its_token(client, tree, users):
    client.force_login(users.secretary)
    data = member_create_data(client, tree)
    bad = {**data, "id_number": "123"}
    assert client.post(reverse("members:create"), bad).status_code == 200
    assert client.post(reverse("members:create"), data).status_code == 302
    assert Member.objects.filter(name="防重1").count() == 1


def test_a_new_form_creates_a_second_record(client, tree, users):
    client.force_login(users.secretary)
    client.post(reverse("members:create"), member_create_data(client, tree, 1))
    client.post(reverse("members:create"), member_create_data(client, tree, 2))
    assert Member.objects.filter(name__startswith="防重").count() == 2


def test_tokens_are_per_user(client, tree, users):
    """Another user replaying someone's token is not redirected to their record; their own create runs."""
    other = grant(UserFactory(), tree.a1, "secretary")
    client.force_login(users.secretary)
    data = member_create_data(client, tree)
    client.post(reverse("members:create"), data)
    client.force_login(other)
    response = client.post(reverse("members:create"), {**data, "name": "他人", "id_number": valid_id_number(799)})
    assert response.status_code == 302
    assert Member.objects.filter(name="他人").exists()


def test_double_submitted_organization_form_creates_one(client, tree, users):
    client.force_login(users.staff)
    url = reverse("branches:create") + f"?parent={tree.ga.pk}"
    data = form_values(client.get(url))
    data.update(name="新支部", kind="branch", code="NEW-01", established_on="2020-01-01", units="", term_years="3")
    responses = [client.post(reverse("branches:create"), data) for _ in range(3)]
    assert {r.status_code for r in responses} == {302}
    assert Organization.objects.filter(code="NEW-01").count() == 1


def test_repeat_while_first_is_running_does_not_create(client, tree, users, monkeypatch):
    """A repeat arriving while the first is still saving waits, then never runs the create itself."""
    monkeypatch.setattr(concurrency, "WAIT_FOR_FIRST", 0.2)
    client.force_login(users.secretary)
    data = member_create_data(client, tree)
    key = f"formtoken:{users.secretary.pk}:{reverse('members:create')}:{data[concurrency.TOKEN_FIELD]}"
    cache.add(key, concurrency.PENDING, 60)  # the first request claimed it and is still running
    response = client.post(reverse("members:create"), data)
    assert response.status_code == 302
    assert not Member.objects.filter(name="防重1").exists()
    cache.delete(key)


def test_form_tokens_survive_the_cache_being_down(client, tree, users, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": "redis://127.0.0.1:1/0"}}
    client.force_login(users.secretary)
    data = member_create_data(client, tree)
    first = client.post(reverse("members:create"), data)
    second = client.post(reverse("members:create"), data)
    assert first.status_code == second.status_code == 302
    assert Member.objects.filter(name="防重1").count() == 1
