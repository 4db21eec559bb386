"""Reminders: secretaries' digests for due/overdue items, staff weekly digests, idempotent reruns, read/unread."""
from datetime import date

import pytest
from django.core import mail
from django.urls import reverse

from notifications.tasks import deliver_pending
from orglife.models import Reminder
from orglife.reminders import send_secretary_reminders, send_staff_digests
from orglife.tasks import send_orglife_reminders
from tests.orglife.activity_factories import log

TODAY = date(2026, 11, 25)  # November's 主题党日 is due within 7 days; October's was missed


@pytest.fixture
def mailboxes(users):
    users.secretary.email = "sec@example.org"
    users.secretary.save()
    users.staff.email = "staff@example.org"
    users.staff.save()
    return users


@pytest.mark.django_db
def test_secretary_digest_once_per_window(tree, mailboxes):
    log(tree.a1, "theme_day", date(2026, 9, 5))
    assert send_secretary_reminders(today=TODAY) == 1
    assert not mail.outbox   # queued in the outbox, sent by its worker
    deliver_pending()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["sec@example.org"]
    titles = list(Reminder.objects.filter(user=mailboxes.secretary).values_list("title", flat=True))
    assert any("主题党日" in t and "到期" in t for t in titles)
    assert all(r.emailed_at for r in Reminder.objects.filter(user=mailboxes.secretary))
    # only her branch and its groups
    assert not Reminder.objects.filter(user=mailboxes.secretary).exclude(
        organization__in=[tree.a1, tree.a1g]).exists()
    # rerun: nothing new, nothing sent
    assert send_secretary_reminders(today=TODAY) == 0
    deliver_pending()
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_nothing_due_soon_sends_nothing(tree, mailboxes):
    from orglife.models import FrequencyRule

    FrequencyRule.objects.update(min_count=0)
    assert send_secretary_reminders(today=TODAY) == 0
    deliver_pending()
    assert not mail.outbox


@pytest.mark.django_db
def test_staff_weekly_digest_is_idempotent_per_week(tree, mailboxes):
    assert send_staff_digests(today=TODAY) >= 1
    digest = Reminder.objects.get(user=mailboxes.staff)
    assert tree.a1.name in digest.body and tree.b1.name in digest.body
    assert send_staff_digests(today=date(2026, 11, 26)) == 0  # same ISO week
    assert send_staff_digests(today=date(2026, 12, 2)) >= 1   # next week
    # staff_a (甲党总支) sees only their subtree
    a_digest = Reminder.objects.get(user=mailboxes.staff_a, key__endswith="W48")
    assert tree.b1.name not in a_digest.body


@pytest.mark.django_db
def test_task_runs_the_service(tree, mailboxes, monkeypatch):
    monkeypatch.setattr("orglife.reminders.timezone.localdate", lambda: TODAY)
    assert send_orglife_reminders.apply().get() == 1


@pytest.mark.django_db
def test_in_portal_notices_read_unread(client, tree, mailboxes):
    send_secretary_reminders(today=TODAY)
    client.force_login(mailboxes.secretary)
    page = client.get(reverse("orglife:reminders"))
    assert "未读" in page.content.decode()
    first = Reminder.objects.filter(user=mailboxes.secretary).first()
    client.post(reverse("orglife:reminders"), {"id": first.pk})
    first.refresh_from_db()
    assert first.read_at
    client.post(reverse("orglife:reminders"))
    assert not Reminder.objects.filter(user=mailboxes.secretary, read_at__isnull=True).exists()
    # another user cannot mark hers read
    other = Reminder.objects.create(user=mailboxes.staff, key="x", kind="due", title="t", body="b")
    client.post(reverse("orglife:reminders"), {"id": other.pk})
    other.refresh_from_db()
    assert other.read_at is None


@pytest.mark.django_db
def test_beat_schedules_are_seeded_and_editable():
    from django_celery_beat.models import PeriodicTask

    tasks = set(PeriodicTask.objects.values_list("task", flat=True))
    assert {"orglife.tasks.send_orglife_reminders", "orglife.tasks.send_orglife_staff_digests"} <= tasks
