"""Notice targeting by subtree and role, home panel, read receipts and the list of who has not read."""
import pytest
from django.urls import reverse

from practice import selectors, services
from practice.models import Audience, NoticeReceipt

pytestmark = pytest.mark.django_db


def publish(org, audience, users, title="通知"):
    return services.notice_publish(organization=org, audience=audience, title=title, body="正文", by=users.staff)


def test_subtree_targeting(tree, users, member_user):
    n = publish(tree.ga, Audience.ALL, users)
    assert set(selectors.notice_recipients(notice=n)) == {users.staff_a, users.secretary, member_user}
    assert selectors.notices_for_user(user=users.secretary).filter(pk=n.pk).exists()
    assert selectors.notices_for_user(user=member_user).filter(pk=n.pk).exists()
    # staff on the root stand above the subtree; agency and people outside get nothing
    for outsider in (users.staff, users.agency, users.nobody):
        assert not selectors.notices_for_user(user=outsider).filter(pk=n.pk).exists()


def test_role_targeting(tree, users, member_user):
    to_secretaries = publish(tree.root, Audience.SECRETARIES, users)
    to_members = publish(tree.root, Audience.MEMBERS, users)
    assert set(selectors.notice_recipients(notice=to_secretaries)) == {users.secretary}
    assert set(selectors.notice_recipients(notice=to_members)) == {member_user}
    assert list(selectors.notices_for_user(user=member_user)) == [to_members]
    assert list(selectors.notices_for_user(user=users.secretary)) == [to_secretaries]


def test_withdrawn_notice_disappears(tree, users):
    n = publish(tree.root, Audience.ALL, users)
    services.record_deactivate(obj=n, reason="发错", by=users.staff)
    assert not selectors.notices_for_user(user=users.secretary).exists()


def test_opening_marks_read_once_and_staff_see_who_has_not(client, tree, users, member_user):
    n = publish(tree.root, Audience.ALL, users)
    client.force_login(member_user)
    assert client.get(reverse("practice:notice_detail", args=[n.pk])).status_code == 200
    first = NoticeReceipt.objects.get(notice=n, user=member_user).read_at
    client.get(reverse("practice:notice_detail", args=[n.pk]))
    assert NoticeReceipt.objects.get(notice=n, user=member_user).read_at == first
    receipts, unread = selectors.notice_read_status(notice=n)
    assert [r.user for r in receipts] == [member_user]
    assert member_user not in unread and users.secretary in unread
    client.force_login(users.staff)
    page = client.get(reverse("practice:notice_detail", args=[n.pk])).content.decode()
    assert "未读（" in page and users.secretary.username in page or users.secretary.get_full_name() in page
    # the member does not see the read list
    client.force_login(member_user)
    assert "未读（" not in client.get(reverse("practice:notice_detail", args=[n.pk])).content.decode()


def test_outsider_gets_404(client, tree, users):
    n = publish(tree.ga, Audience.ALL, users)
    client.force_login(users.nobody)
    assert client.get(reverse("practice:notice_detail", args=[n.pk])).status_code in (403, 404)
    from branches.models import Role
    from tests.branches.factories import UserFactory, grant

    other = grant(UserFactory(username="sec_b1"), tree.b1, Role.SECRETARY)
    client.force_login(other)
    assert client.get(reverse("practice:notice_detail", args=[n.pk])).status_code == 404


def test_home_panel_shows_unread(client, tree, users):
    publish(tree.root, Audience.ALL, users, title="年度创建通知")
    client.force_login(users.secretary)
    page = client.get(reverse("home")).content.decode()
    assert "年度创建通知" in page and "未读" in page


def test_only_staff_publish(client, tree, users):
    client.force_login(users.secretary)
    resp = client.post(reverse("practice:create", args=["notice"]),
                       {"organization": tree.a1.pk, "audience": "all", "title": "t", "body": "b"})
    assert resp.status_code == 403
    client.force_login(users.staff_a)
    resp = client.post(reverse("practice:create", args=["notice"]),
                       {"organization": tree.b1.pk, "audience": "all", "title": "t", "body": "b"})
    assert resp.status_code == 200  # b1 is not a valid choice for staff of 甲党总支
    resp = client.post(reverse("practice:create", args=["notice"]),
                       {"organization": tree.ga.pk, "audience": "all", "title": "t", "body": "b"})
    assert resp.status_code == 302
