"""站内消息: one's own messages only, unread count in the header, read marks; notices with read receipts;
reminders for the people who must act."""
from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from inbox import reminders, services
from members.models import DuesRecord
from notifications.models import Message
from practice import services as practice_services
from practice.models import Audience, NoticeReceipt
from tests.branches.factories import UserFactory
from tests.members.factories import MemberFactory
from tests.members.lifecycle_helpers import login


@pytest.fixture
def people(tree, users):
    from types import SimpleNamespace

    alice = UserFactory(username="alice")
    MemberFactory(branch=tree.a1, name="甲支部王芳", user=alice)
    bob = UserFactory(username="bob")
    MemberFactory(branch=tree.b1, name="乙支部李强", user=bob)
    return SimpleNamespace(alice=alice, bob=bob, secretary=users.secretary, staff=users.staff)


@pytest.mark.django_db
class TestInbox:
    def test_lists_only_her_messages_with_the_unread_count_in_the_header(self, client, people):
        services.notify(recipient=people.alice, kind="members.arrears", title="给王芳的消息", link="/mine/dues/")
        services.notify(recipient=people.bob, kind="members.arrears", title="给李强的消息", link="/mine/dues/")
        login(client, people.alice)
        body = client.get(reverse("inbox:list")).content.decode()
        assert "给王芳的消息" in body and "给李强的消息" not in body
        assert reverse("inbox:badge") in client.get(reverse("mine:home")).content.decode()    # the bell asks
        assert 'data-testid="unread-count">1<' in client.get(reverse("inbox:badge")).content.decode()

    def test_opening_marks_read_and_follows_the_link(self, client, people):
        m = services.notify(recipient=people.alice, kind="members.arrears", title="t", link="/mine/dues/")
        login(client, people.alice)
        response = client.post(reverse("inbox:open", args=[m.pk]))
        assert response.status_code == 302 and response["Location"] == "/mine/dues/"
        m.refresh_from_db()
        assert m.read_at is not None
        assert 'data-testid="unread-count"' not in client.get(reverse("inbox:badge")).content.decode()

    def test_someone_elses_message_is_404_and_stays_unread(self, client, people):
        m = services.notify(recipient=people.bob, kind="members.arrears", title="t", link="/mine/")
        login(client, people.alice)
        assert client.post(reverse("inbox:open", args=[m.pk])).status_code == 404
        m.refresh_from_db()
        assert m.read_at is None

    def test_an_outside_link_is_not_followed(self, client, people):
        m = services.notify(recipient=people.alice, kind="members.arrears", title="t", link="https://evil.example/")
        login(client, people.alice)
        assert client.post(reverse("inbox:open", args=[m.pk]))["Location"] == reverse("inbox:list")

    def test_mark_all_read_touches_only_her_messages(self, client, people):
        for user in (people.alice, people.alice, people.bob):
            services.notify(recipient=user, kind="members.arrears", title="t")
        login(client, people.alice)
        client.post(reverse("inbox:read_all"))
        assert not Message.objects.filter(recipient=people.alice, read_at__isnull=True).exists()
        assert Message.objects.filter(recipient=people.bob, read_at__isnull=True).count() == 1

    def test_preferences_are_per_person(self, client, people):
        login(client, people.alice)
        client.post(reverse("inbox:preferences"), {"email": "on"})          # sms, wecom, dingtalk unchecked
        from inbox.models import Preference

        assert set(Preference.objects.filter(user=people.alice, is_enabled=False).values_list("channel", flat=True)) \
            == {"sms", "wecom", "dingtalk"}
        assert not Preference.objects.filter(user=people.bob).exists()


# The notice fans out on commit: the test runs those callbacks (not a transactional test, whose flush and
# serialized rollback collide with content types re-created by an earlier flush in the same worker).
@pytest.mark.django_db
def test_a_notice_reaches_each_recipient_and_reading_it_marks_the_message(client, tree, users,
                                                                          django_capture_on_commit_callbacks):
    alice = UserFactory(username="alice")
    MemberFactory(branch=tree.a1, name="甲支部王芳", user=alice)
    bob = UserFactory(username="bob")
    MemberFactory(branch=tree.b1, name="乙支部李强", user=bob)
    with django_capture_on_commit_callbacks(execute=True):
        notice = practice_services.notice_publish(organization=tree.ga, audience=Audience.MEMBERS, title="学习通知",
                                                  body="请学习。", by=users.staff)
    assert Message.objects.filter(recipient=alice, key=f"notice:{notice.pk}").exists()
    assert not Message.objects.filter(recipient=bob).exists()                 # another 党总支
    login(client, alice)
    client.get(notice.get_absolute_url())
    assert NoticeReceipt.objects.filter(notice=notice, user=alice).exists()
    assert Message.objects.get(recipient=alice, key=f"notice:{notice.pk}").read_at is not None


@pytest.mark.django_db
class TestReminders:
    def test_member_secretary_and_staff_each_get_their_part_once(self, tree, users, people):
        today = timezone.localdate()
        first = today.replace(day=1)
        from dateutil.relativedelta import relativedelta

        alice_member = people.alice.member
        for back in range(1, 5):
            DuesRecord.objects.create(member=alice_member, branch=tree.a1, month=first - relativedelta(months=back),
                                      amount_due=Decimal("10"))
        counts = reminders.reminders_run(today=today)
        assert Message.objects.filter(recipient=people.alice, kind="members.arrears").exists()
        assert Message.objects.filter(recipient=people.secretary, kind="members.arrears").exists()
        assert not Message.objects.filter(recipient=people.bob, kind="members.arrears").exists()
        total = Message.objects.count()
        assert sum(counts.values()) == total
        assert reminders.reminders_run(today=today) == {}                     # idempotent
        assert Message.objects.count() == total

    def test_overdue_org_life_goes_to_the_secretary_and_staff_above_not_to_members(self, tree, people):
        later = date(timezone.localdate().year + 1, 3, 15)      # January and February have ended with nothing held
        counter = defaultdict(int)
        reminders.orglife(counter, later)
        overdue = Message.objects.filter(kind="orglife.overdue")
        assert overdue.filter(recipient=people.secretary, title__startswith=tree.a1.name).exists()
        assert overdue.filter(recipient=people.staff, title__contains="组织生活逾期").exists()
        assert not overdue.filter(recipient=people.secretary, title__startswith=tree.b1.name).exists()
        assert not overdue.filter(recipient__in=[people.alice, people.bob]).exists()
        assert sum(counter.values()) == Message.objects.count()
        reminders.orglife(counter, later)                        # the same shortfall: nothing new
        assert sum(counter.values()) == Message.objects.count()

    def test_political_birthday_goes_to_the_member_in_her_month(self, tree, people):
        people.alice.member.joined_on = date(2010, timezone.localdate().month, 1)
        people.alice.member.save()
        reminders.reminders_run()
        assert Message.objects.filter(recipient=people.alice, kind="members.birthday").count() == 1
