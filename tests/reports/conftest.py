"""Fixtures for report jobs: tasks run in-process (eager), files go to a temporary MEDIA_ROOT."""
from datetime import date
from types import SimpleNamespace

import pytest

from branches.models import CommitteeSeat, CommitteeTerm, OrganizationKind
from tests.branches.factories import make_org
from tests.members.factories import MemberFactory


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture
def eager(settings):
    """Tasks run in the test process even when REDIS_URL points at a broker."""
    from portal.celery import app

    old = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield app
    app.conf.task_always_eager = old


@pytest.fixture
def run_request(eager, django_capture_on_commit_callbacks):
    """report_request + run its on_commit enqueue now; returns the refreshed job."""
    from reports.services import report_request

    def run(**kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            result = report_request(**kwargs)
        result.job.refresh_from_db()
        return result

    return run


@pytest.fixture
def branch_data(tree, members):
    """a1 with a committee of three and a few more members (one probationary, one admitted in 2025)."""
    term = CommitteeTerm.objects.create(organization=tree.a1, started_on=date(2024, 3, 1), ends_on=date(2027, 3, 1))
    secretary = MemberFactory(branch=tree.a1, name="张书记")
    deputy = MemberFactory(branch=tree.a1, name="李委员")
    CommitteeSeat.objects.create(term=term, member=secretary, role="secretary", started_on=date(2024, 3, 1))
    CommitteeSeat.objects.create(term=term, member=deputy, role="organization", started_on=date(2024, 3, 1))
    CommitteeSeat.objects.create(term=term, member=members.a1, role="propaganda", started_on=date(2024, 3, 1))
    MemberFactory(branch=tree.a1, name="王预备", status="probationary", confirmed_on=None,
                  joined_on=date(2025, 6, 1), birth_date=date(1998, 5, 1))
    MemberFactory(branch=tree.a2, name="甲二新党员", gender="female")
    return SimpleNamespace(term=term, secretary=secretary)


@pytest.fixture
def committee_tree(tree):
    """A second-level unit with extra branches so a committee report has several rows."""
    extra = [make_org(tree.gb, name=f"乙{n}支部", kind=OrganizationKind.BRANCH) for n in range(2, 5)]
    for n, org in enumerate(extra, 1):
        MemberFactory.create_batch(n, branch=org)
    return extra
