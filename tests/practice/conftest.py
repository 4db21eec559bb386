from datetime import date
from decimal import Decimal

import pytest

from practice import services
from practice.models import StudySource
from tests.branches.factories import UserFactory


@pytest.fixture
def member_user(members):
    """A login linked to the a1 member (no role grant)."""
    user = UserFactory(username="m_a1")
    members.a1.user = user
    members.a1.save(update_fields=["user"])
    return user


@pytest.fixture
def study(members, users):
    def make(member, **kw):
        data = dict(studied_on=date(2026, 3, 1), topic="党章", hours=Decimal("2"), source=StudySource.XUEXI)
        data.update(kw)
        return services.study_record_create(member=member, by=users.staff, **data)

    return make


@pytest.fixture
def client(client):
    """force_login through ModelBackend (the first configured backend is axes', which cannot load users).

    UserFactory sets the password after saving (skip_postgeneration_save), so the stored hash differs from the
    in-memory one and the session would be dropped; save it first."""
    original = client.force_login

    def force_login(user, backend="django.contrib.auth.backends.ModelBackend"):
        user.save(update_fields=["password"])
        return original(user, backend=backend)

    client.force_login = force_login
    return client
