"""Personal data: key rotation keeps every ID number readable; full-ID views and exports are logged and
visible to staff within their scope only."""
from datetime import date

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from members.models import Member, PiiAccess
from members.services.registry import member_create
from portal import crypto
from tests.members.factories import MemberFactory, valid_id_number

pytestmark = pytest.mark.django_db
OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()


def test_rotation_reencrypts_with_the_new_key_and_the_old_key_can_go(settings, tree):
    settings.FIELD_ENCRYPTION_KEYS = [OLD]
    numbers = [valid_id_number(300 + i) for i in range(3)]
    people = [MemberFactory(branch=tree.a1, with_id=n) for n in numbers]
    before = {m.pk: Member.objects.get(pk=m.pk).id_number_encrypted for m in people}
    versions = {m.pk: Member.objects.get(pk=m.pk).updated_at for m in people}
    history = Member.history.count()

    settings.FIELD_ENCRYPTION_KEYS = [NEW, OLD]
    call_command("rotate_pii_key", stdout=open("/dev/null", "w"))
    settings.FIELD_ENCRYPTION_KEYS = [NEW]          # the old key is dropped
    call_command("rotate_pii_key", stdout=open("/dev/null", "w"))   # digests follow the remaining key

    for m, number in zip(people, numbers, strict=True):
        fresh = Member.objects.get(pk=m.pk)
        assert fresh.id_number_encrypted != before[m.pk]
        assert fresh.get_id_number() == number
        assert fresh.id_number_digest == crypto.digest(number)
        assert fresh.updated_at == versions[m.pk]        # no edit conflict for people with a form open
        with pytest.raises(InvalidToken):
            Fernet(OLD.encode()).decrypt(fresh.id_number_encrypted.encode())
    assert Member.history.count() == history            # no history rows with ciphertexts
    # Duplicate detection still works after the rotation.
    with pytest.raises(ValidationError, match="重复"):
        member_create(name="重复", gender="male", birth_date=date(1985, 3, 12), id_number=numbers[0],
                      category="in_service", status="full", joined_on=date(2010, 7, 1),
                      confirmed_on=date(2011, 7, 1), branch=tree.a1)


def test_rotation_refuses_when_the_old_key_was_dropped_too_early(settings, tree):
    settings.FIELD_ENCRYPTION_KEYS = [OLD]
    m = MemberFactory(branch=tree.a1, with_id=valid_id_number(321))
    settings.FIELD_ENCRYPTION_KEYS = [NEW]
    with pytest.raises(CommandError, match="无法用当前任何密钥解密"):
        call_command("rotate_pii_key", stdout=open("/dev/null", "w"))
    settings.FIELD_ENCRYPTION_KEYS = [OLD]
    assert Member.objects.get(pk=m.pk).get_id_number() == valid_id_number(321)   # nothing half-written


def test_full_id_view_is_logged_and_shown_to_staff_in_scope(client, tree, users, members):
    members.a1.set_id_number(valid_id_number(42))
    members.a1.save()
    client.force_login(users.staff_a)
    page = client.get(reverse("members:detail", args=[members.a1.pk]), {"show_id": "1"})
    assert valid_id_number(42) in page.content.decode()
    access = PiiAccess.objects.get()
    assert (access.user, access.member, access.action) == (users.staff_a, members.a1, PiiAccess.Action.VIEW_ID)

    log = client.get(reverse("members:pii_log")).content.decode()
    assert "查看完整身份证号" in log and members.a1.name in log and users.staff_a.first_name in log


def test_pii_log_is_scoped_and_staff_only(client, tree, users, members):
    PiiAccess.objects.create(user=users.staff, member=members.b1, action=PiiAccess.Action.VIEW_ID)
    PiiAccess.objects.create(user=users.superuser, action=PiiAccess.Action.EXPORT, detail="status=full")
    client.force_login(users.staff_a)   # staff of 甲党总支: b1 is outside, exports are superuser business
    page = client.get(reverse("members:pii_log")).content.decode()
    assert members.b1.name not in page and "status=full" not in page
    client.force_login(users.staff)
    assert members.b1.name in client.get(reverse("members:pii_log")).content.decode()
    for role in ("secretary", "reviewer", "agency", "nobody"):
        client.force_login(getattr(users, role))
        assert client.get(reverse("members:pii_log")).status_code == 403
    client.force_login(users.superuser)
    assert "status=full" in client.get(reverse("members:pii_log")).content.decode()


def test_pii_export_is_logged(client, tree, users, members):
    client.force_login(users.superuser)
    response = client.get(reverse("members:export_pii"), {"status": "full"})
    assert response.status_code == 200
    access = PiiAccess.objects.get()
    assert access.action == PiiAccess.Action.EXPORT and access.user == users.superuser
    assert "status=full" in access.detail


def test_full_id_is_refused_and_not_logged_without_the_grant(client, tree, users, members):
    client.force_login(users.secretary)
    response = client.get(reverse("members:detail", args=[members.a1.pk]), {"show_id": "1"})
    assert response.status_code == 403
    assert not PiiAccess.objects.exists()


def test_pii_log_scope_is_each_rows_member_or_organization(tree, users, members):
    """The log's scope as a condition on each row (its member's branch, or for a multi-member row its organization)
    lists exactly the rows the membership definition does — a member of the MANAGE scope, or no member and an
    organization of the scope — for narrow principals on different subtrees."""
    from django.db.models import Q

    from branches.models import Organization, Role
    from members.views.pii_log import pii_log
    from portal.scoping import MANAGE
    from tests.branches.factories import UserFactory, grant

    for member in (members.a1, members.a2, members.b1):
        PiiAccess.objects.create(user=users.superuser, member=member, action=PiiAccess.Action.VIEW_ID)
    for org in (tree.a1, tree.b1, tree.ga):
        PiiAccess.objects.create(user=users.superuser, organization=org, member_ids=[members.a1.pk],
                                 action=PiiAccess.Action.API)
    PiiAccess.objects.create(user=users.superuser, action=PiiAccess.Action.EXPORT)   # no member, no organization
    disjoint = grant(grant(UserFactory(username="disjoint"), tree.a2, Role.STAFF), tree.b1, Role.STAFF)
    for user in (users.staff, users.staff_a, users.secretary, users.agency, users.nobody, disjoint,
                 users.superuser):
        expected = PiiAccess.objects.all() if user.is_superuser else PiiAccess.objects.filter(
            Q(member__in=Member.objects.restrict(user, MANAGE))
            | Q(member__isnull=True, organization__in=Organization.objects.restrict(user, MANAGE)))
        assert sorted(a.pk for a in pii_log(user=user)) == sorted(expected.values_list("pk", flat=True)), user
    assert {a.pk for a in pii_log(user=disjoint)} == set(PiiAccess.objects.filter(
        Q(member__in=[members.a2, members.b1]) | Q(organization=tree.b1)).values_list("pk", flat=True))
