"""Push channels against a local HTTP receiver: the robots' JSON formats, a receiver that fails then recovers
(sent exactly once), the daily digest and quiet hours, and nothing personal in a push."""
from __future__ import annotations

import base64
import hashlib
import hmac
import urllib.parse
from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from inbox import services
from inbox.channels import dingtalk_signed_url
from inbox.models import ChannelConfig, Preference, PushKind
from notifications.models import Delivery, DeliveryState, Message
from notifications.services import deliveries_run
from tests.branches.factories import UserFactory
from tests.inbox.receiver import Receiver
from tests.members.factories import MemberFactory

TZ = timezone.get_current_timezone()
NOON = datetime(2026, 3, 10, 12, 0, tzinfo=TZ)
SECRET_TITLE = "王芳 身份证 110101198503120078 欠缴 12.34 元"    # must never leave the portal


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def person(tree):
    user = UserFactory(username="wangfang", email="")
    MemberFactory(branch=tree.a1, name="王芳", phone="13800001111", user=user)
    return user


def configure(tree, kind, url, **kw):
    return ChannelConfig.objects.create(organization=tree.root, kind=kind, url=url, **kw)


def run(now):
    return deliveries_run(now=now)


def send(user, kind="orglife.overdue", urgent=True, now=NOON, **kw):
    return services.notify(recipient=user, kind=kind, title=SECRET_TITLE, text=SECRET_TITLE, link="/mine/",
                           urgent=urgent, now=now, **kw)


@pytest.mark.django_db
class TestEachChannelFailsThenRecoversOnce:
    @pytest.mark.parametrize("kind,channel,failure", [
        (PushKind.WECOM, "wecom", "http"), (PushKind.WECOM, "wecom", "errcode"),
        (PushKind.DINGTALK, "dingtalk", "http"), (PushKind.DINGTALK, "dingtalk", "errcode"),
        (PushKind.SMS, "sms", "http"),
    ])
    def test_retried_with_backoff_and_accepted_exactly_once(self, tree, person, kind, channel, failure):
        r = Receiver(fail_first=2, failure=failure)
        try:
            configure(tree, kind, r.url + "/hook?key=abc")
            send(person, kind="members.arrears" if channel == "sms" else "orglife.overdue")
            delivery = Delivery.objects.get(channel=channel)
            run(NOON)
            delivery.refresh_from_db()
            assert delivery.state == DeliveryState.PENDING and delivery.attempts == 1 and delivery.last_error
            assert delivery.next_attempt_at > NOON                          # backoff: not retried at once
            run(NOON)
            assert len(r.requests) == 1
            run(delivery.next_attempt_at)                                   # second failure
            delivery.refresh_from_db()
            run(delivery.next_attempt_at)                                   # the receiver has recovered
            delivery.refresh_from_db()
            assert delivery.state == DeliveryState.SENT and delivery.attempts == 3 and delivery.last_error == ""
            for _ in range(3):
                run(delivery.next_attempt_at + timedelta(days=1))
            assert len(r.accepted) == 1 and len(r.requests) == 3           # exactly once
        finally:
            r.close()

    def test_wecom_markdown_format(self, tree, person, receiver):
        configure(tree, PushKind.WECOM, receiver.url + "/cgi-bin/webhook/send?key=k")
        send(person)
        run(NOON)
        path, body = receiver.accepted[0]
        assert path == "/cgi-bin/webhook/send?key=k"
        assert body["msgtype"] == "markdown" and "/mine/" in body["markdown"]["content"]

    def test_dingtalk_markdown_format_and_signature(self, tree, person, receiver):
        config = configure(tree, PushKind.DINGTALK, receiver.url + "/robot/send?access_token=t")
        config.set_secret("SECabc")
        config.save()
        send(person)
        run(NOON)
        path, body = receiver.accepted[0]
        assert body["msgtype"] == "markdown" and set(body["markdown"]) == {"title", "text"}
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(path).query)
        ts = query["timestamp"][0]
        expected = base64.b64encode(hmac.new(b"SECabc", f"{ts}\nSECabc".encode(), hashlib.sha256).digest()).decode()
        assert query["sign"][0] == expected and query["access_token"] == ["t"]

    def test_sms_template_is_filled_as_json(self, tree, person, receiver):
        configure(tree, PushKind.SMS, receiver.url + "/sms", sms_template='{"to": "{phone}", "content": "{text}", "sign": "党建"}')
        send(person, kind="members.arrears")
        run(NOON)
        _, body = receiver.accepted[0]
        assert body["to"] == "13800001111" and body["sign"] == "党建" and "/mine/" in body["content"]

    def test_a_permanent_refusal_fails_at_once_with_the_reason(self, tree, person):
        configure(tree, PushKind.WECOM, "http://127.0.0.1:9/closed")         # nothing listens: retried
        send(person)
        run(NOON)
        d = Delivery.objects.get(channel="wecom")
        assert d.state == DeliveryState.PENDING and "Error" in d.last_error


@pytest.mark.django_db
class TestNothingSensitiveIsPushed:
    @pytest.mark.parametrize("kind", [PushKind.WECOM, PushKind.DINGTALK, PushKind.SMS])
    def test_push_says_what_to_do_and_links_back_only(self, tree, person, receiver, kind):
        configure(tree, kind, receiver.url + "/x")
        send(person, kind="members.arrears" if kind == PushKind.SMS else "orglife.overdue")
        run(NOON)
        raw = str(receiver.accepted[0][1])
        for secret in ("王芳", "110101198503120078", "12.34", SECRET_TITLE):
            assert secret not in raw
        assert "http" in raw or "/mine/" in raw or "/inbox/" in raw

    def test_personal_matters_never_go_to_a_group_robot(self, tree, person, receiver):
        configure(tree, PushKind.WECOM, receiver.url + "/x")
        send(person, kind="members.arrears")
        assert not Delivery.objects.filter(channel="wecom").exists()
        assert Message.objects.filter(recipient=person, kind="members.arrears").exists()    # still in the portal


@pytest.mark.django_db
class TestDigestAndQuietHours:
    def test_non_urgent_messages_wait_for_one_digest_a_day(self, tree, person, receiver):
        configure(tree, PushKind.SMS, receiver.url + "/sms", digest_at=time(8, 30))
        for i in range(3):
            send(person, kind="members.arrears", urgent=False, key=f"k{i}")
        slot = datetime(2026, 3, 11, 8, 30, tzinfo=TZ)
        assert set(Delivery.objects.filter(channel="sms").values_list("next_attempt_at", flat=True)) == {slot}
        run(NOON)
        assert receiver.requests == []                                     # nothing before the slot
        run(slot)
        assert len(receiver.accepted) == 1                                 # one digest for three messages
        assert "3" in receiver.accepted[0][1]["text"]
        assert set(Delivery.objects.filter(channel="sms").values_list("state", flat=True)) == {DeliveryState.SENT}
        send(person, kind="members.arrears", urgent=False, key="later", now=slot + timedelta(hours=1))
        assert Delivery.objects.get(message__key="later").next_attempt_at == slot + timedelta(days=1)

    def test_urgent_goes_at_once_even_after_todays_digest(self, tree, person, receiver):
        configure(tree, PushKind.SMS, receiver.url + "/sms")
        send(person, kind="members.arrears", urgent=False, key="a")
        send(person, kind="urgent", urgent=True, key="b")
        run(NOON)
        assert len(receiver.accepted) == 1
        assert Delivery.objects.get(message__key="a").state == DeliveryState.PENDING

    def test_a_digest_slot_in_quiet_hours_moves_to_their_end(self, tree):
        config = ChannelConfig(digest_at=time(22, 0), quiet_start=time(21, 0), quiet_end=time(7, 30))
        at = services.push_time(now=NOON, urgent=False, config=config)
        assert timezone.localtime(at) == datetime(2026, 3, 11, 7, 30, tzinfo=TZ)
        assert services.in_quiet_hours(datetime(2026, 3, 10, 23, 0, tzinfo=TZ), time(21, 0), time(7, 30))
        assert not services.in_quiet_hours(datetime(2026, 3, 10, 12, 0, tzinfo=TZ), time(21, 0), time(7, 30))

    def test_personal_preference_switches_a_channel_off(self, tree, person, receiver):
        configure(tree, PushKind.SMS, receiver.url + "/sms")
        Preference.objects.create(user=person, channel="sms", is_enabled=False)
        send(person, kind="members.arrears")
        assert not Delivery.objects.filter(channel="sms").exists()

    def test_nearest_configuration_wins_and_disabled_is_skipped(self, tree, person, receiver):
        configure(tree, PushKind.SMS, "http://127.0.0.1:9/root")
        ChannelConfig.objects.create(organization=tree.a1, kind=PushKind.SMS, url=receiver.url + "/branch")
        send(person, kind="members.arrears")
        run(NOON)
        assert receiver.accepted[0][0] == "/branch"
        ChannelConfig.objects.filter(organization=tree.a1).update(is_enabled=False)
        ChannelConfig.objects.filter(organization=tree.root).update(is_enabled=False)
        send(person, kind="members.arrears", key="x")
        assert Delivery.objects.filter(channel="sms").count() == 1


def test_dingtalk_sign_matches_the_documented_algorithm():
    url = dingtalk_signed_url("https://oapi.dingtalk.com/robot/send?access_token=T", "SEC1", timestamp_ms=1700000000000)
    digest = hmac.new(b"SEC1", b"1700000000000\nSEC1", hashlib.sha256).digest()
    assert url.endswith("&timestamp=1700000000000&sign=" + urllib.parse.quote_plus(base64.b64encode(digest)))


@pytest.mark.django_db
def test_a_group_robot_gets_one_digest_for_everyone_in_its_organization(tree, person, receiver):
    other = UserFactory(username="lisi")
    MemberFactory(branch=tree.a2, name="李四", user=other)
    configure(tree, PushKind.WECOM, receiver.url + "/group", digest_at=time(8, 30))
    for user in (person, other, person):
        services.notify(recipient=user, kind="orglife.overdue", title=SECRET_TITLE, link="/org/life/", urgent=False,
                        now=NOON, key=f"{user.pk}-{Message.objects.count()}")
    slot = datetime(2026, 3, 11, 8, 30, tzinfo=TZ)
    run(slot)
    assert len(receiver.accepted) == 1 and "3" in receiver.accepted[0][1]["markdown"]["content"]
    assert set(Delivery.objects.filter(channel="wecom").values_list("state", flat=True)) == {DeliveryState.SENT}
