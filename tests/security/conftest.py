"""The walk world: the demo data set (every app's seed), users of every role scoped to one corner of it,
and canary records with unique names outside every role's scope.

Seeded once per module inside an outer transaction that is rolled back afterwards (like Django's
setUpTestData), so other test modules never see it.
"""
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.db import connections, transaction

CANARY_ORG = "金丝雀党支部Q7X9"
CANARY_MEMBER = "金丝雀党员K3W8"
CANARY_GROUP = "金丝雀党小组P2M5"
CANARIES = (CANARY_ORG, CANARY_MEMBER, CANARY_GROUP)


@pytest.fixture(scope="module")
def walk_world(django_db_setup, django_db_blocker):
    from branches.models import Organization, Role, RoleGrant
    from members.models import Member
    from tests.branches.factories import UserFactory

    with django_db_blocker.unblock():
        atomics = {alias: transaction.atomic(using=alias) for alias in connections}
        for a in atomics.values():
            a.__enter__()
        try:
            call_command("seed_demo", stdout=open("/dev/null", "w"))
            home_general = Organization.objects.get(code="JB01-Z1")
            home_branch = Organization.objects.get(code="JB01-Z1-01")
            canary = Organization.objects.get(code="JB01-Z3-01")
            Organization.objects.filter(pk=canary.pk).update(name=CANARY_ORG, short_name=CANARY_ORG)
            group = Organization.objects.filter(path__startswith=canary.path, depth=canary.depth + 1).first()
            if group is not None:
                Organization.objects.filter(pk=group.pk).update(name=CANARY_GROUP)
            Member.objects.filter(pk=Member.objects.filter(branch=canary).order_by("pk").first().pk).update(
                name=CANARY_MEMBER, work_unit=CANARY_MEMBER)

            def user(name, org=None, role=None, **extra):
                u = UserFactory(username=f"walk_{name}", first_name=f"巡检{name}", **extra)
                if org is not None:
                    RoleGrant.objects.create(user=u, organization=org, role=role)
                return u

            member_user = user("member")
            Member.objects.filter(pk=Member.objects.filter(branch=home_branch, is_active=True, user__isnull=True)
                                  .order_by("pk").first().pk).update(user=member_user)
            world = SimpleNamespace(
                home_general=home_general, home_branch=home_branch, canary=canary,
                roles={
                    "staff_other_subtree": user("staff", home_general, Role.STAFF),
                    "secretary_other_branch": user("secretary", home_branch, Role.SECRETARY),
                    "reviewer": user("reviewer", home_general, Role.REVIEWER),
                    "agency": user("agency", home_general, Role.AGENCY),
                    "member": member_user,
                    "plain_user": user("nobody"),
                },
                superuser=user("root", is_superuser=True, is_staff=True),
            )
            yield world
        finally:
            for alias, a in atomics.items():
                transaction.set_rollback(True, using=alias)
                a.__exit__(None, None, None)
