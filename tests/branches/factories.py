from datetime import date

import factory
from django.contrib.auth import get_user_model

from branches.models import Organization, OrganizationKind, RoleGrant
from branches.services import organization_create
from portal import scoping


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Sequence(lambda n: f"用户{n}")
    password = factory.django.Password("test-pass-123")


_seq = iter(range(1, 10**9))


def make_org(parent=None, *, kind=None, name=None, code=None, established_on=date(2010, 1, 1), **extra) -> Organization:
    """Organizations go through the service so treebeard paths are real."""
    n = next(_seq)
    if kind is None:
        kind = OrganizationKind.COMMITTEE if parent is None else (
            OrganizationKind.PARTY_GROUP if parent.is_branch else OrganizationKind.BRANCH)
    return organization_create(parent=parent, kind=kind, name=name or f"组织{n}", code=code or f"T{n:06d}",
                               established_on=established_on, **extra)


def grant(user, org, role):
    RoleGrant.objects.create(user=user, organization=org, role=role)
    scoping.forget(user)
    return user
