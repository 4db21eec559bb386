"""Builders for lifecycle tests: a candidate walked to a given stage with real services."""
from datetime import date

from dateutil.relativedelta import relativedelta

from members.models import MilestoneKind as K
from members.services.development import candidate_create, milestone_record
from tests.members.factories import MemberFactory


def applicant(branch, *, applied_on=date(2023, 1, 10), birth_date=date(1995, 5, 5), by=None, **kw):
    return candidate_create(branch=branch, name=kw.pop("name", "申请人甲"), gender="male", birth_date=birth_date,
                            applied_on=applied_on, by=by, **kw)


def activist(branch, *, decided_on=date(2023, 3, 1), by=None, **kw):
    c = applicant(branch, by=by, **kw)
    milestone_record(candidate=c, kind=K.FIRST_TALK, on=c.applied_on + relativedelta(days=10), by=by)
    milestone_record(candidate=c, kind=K.ACTIVIST_DECISION, on=decided_on, by=by)
    c.refresh_from_db()
    return c


def development_target(branch, *, decided_on=date(2024, 3, 1), by=None, **kw):
    c = activist(branch, by=by, **kw)
    milestone_record(candidate=c, kind=K.CANDIDATE_DECISION, on=decided_on, by=by)
    c.refresh_from_db()
    return c


def voted(branch, *, vote_on=date(2024, 6, 1), by=None, **kw):
    c = development_target(branch, by=by, **kw)
    intro = [MemberFactory(branch=branch), MemberFactory(branch=branch)]
    milestone_record(candidate=c, kind=K.TRAINING, on=vote_on - relativedelta(days=30), hours=24, by=by)
    milestone_record(candidate=c, kind=K.POLITICAL_REVIEW, on=vote_on - relativedelta(days=20), by=by)
    milestone_record(candidate=c, kind=K.INTRODUCERS, on=vote_on - relativedelta(days=10), people=intro, by=by)
    milestone_record(candidate=c, kind=K.BRANCH_VOTE, on=vote_on, meeting_ref="党大〔2024〕3号", by=by)
    c.refresh_from_db()
    return c


def probationary(branch, *, vote_on=date(2024, 6, 1), approved_on=None, by=None, **kw):
    c = voted(branch, vote_on=vote_on, by=by, **kw)
    milestone_record(candidate=c, kind=K.UPPER_APPROVAL, on=approved_on or vote_on + relativedelta(months=1), by=by)
    c.refresh_from_db()
    return c


def login(client, user):
    """force_login through the model backend (the first configured backend is axes', which loads no users).
    The factory's password is not saved (skip_postgeneration_save), so reload the user first or the session's
    password hash would not match the database and the session would be dropped."""
    user.refresh_from_db()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client
