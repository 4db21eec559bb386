"""我的: a member sees her own record, meetings, dues and points — and nobody else's, whatever she asks for."""
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from members.models import AppraisalEntry, DuesRecord, PiiAccess
from orglife import compliance
from orglife import services as svc
from orglife.models import ActivityStatus, AttendanceStatus
from tests.branches.factories import UserFactory
from tests.members.factories import MemberFactory, valid_id_number
from tests.members.lifecycle_helpers import login
from tests.orglife.activity_factories import activity_type, attend, log

MINE_PAGES = ["mine:home", "mine:profile", "mine:orglife", "mine:dues", "mine:study"]


@pytest.fixture
def two(tree):
    """Two members with logins in branches of different 党总支, each with records that name her."""
    from types import SimpleNamespace

    alice = MemberFactory(branch=tree.a1, party_group=tree.a1g, name="甲支部王芳", user=UserFactory(username="alice"),
                          with_id=valid_id_number(7))
    bob = MemberFactory(branch=tree.b1, name="乙支部李强", user=UserFactory(username="bob"), with_id=valid_id_number(8))
    year = timezone.localdate().year
    for m, branch, title in ((alice, tree.a1, "甲支部三月主题党日"), (bob, tree.b1, "乙支部三月主题党日")):
        a = log(branch, "theme_day", date(year, 1, 5), title=title)
        attend(a, m, AttendanceStatus.PRESENT)
        DuesRecord.objects.create(member=m, branch=branch, month=date(year, 1, 1), amount_due=Decimal("12.34"))
    return SimpleNamespace(alice=alice, bob=bob)


@pytest.mark.django_db
class TestOnlyHerself:
    @pytest.mark.parametrize("name", MINE_PAGES)
    def test_each_page_shows_her_and_never_the_other_member(self, client, two, name):
        login(client, two.alice.user)
        body = client.get(reverse(name)).content.decode()
        assert "甲支部王芳" in body or name in ("mine:orglife", "mine:dues", "mine:study")
        assert "乙支部李强" not in body and "乙支部三月主题党日" not in body
        login(client, two.bob.user)
        body = client.get(reverse(name)).content.decode()
        assert "甲支部王芳" not in body and "甲支部三月主题党日" not in body

    @pytest.mark.parametrize("name", MINE_PAGES)
    def test_an_id_in_the_query_does_not_switch_the_person(self, client, two, name):
        login(client, two.alice.user)
        body = client.get(reverse(name), {"member": two.bob.pk, "pk": two.bob.pk, "id": two.bob.pk}).content.decode()
        assert "乙支部" not in body

    @pytest.mark.parametrize("name", MINE_PAGES)
    def test_people_without_a_member_record_are_refused(self, client, users, name):
        login(client, users.staff)
        assert client.get(reverse(name)).status_code == 403

    @pytest.mark.parametrize("name", MINE_PAGES)
    def test_anonymous_is_sent_to_log_in(self, client, db, name):
        assert client.get(reverse(name)).status_code == 302

    def test_her_member_page_in_the_registry_stays_closed(self, client, two):
        login(client, two.alice.user)
        assert client.get(two.alice.get_absolute_url()).status_code in (403, 404)


@pytest.mark.django_db
class TestProfile:
    def test_masked_until_she_asks_and_the_view_is_logged(self, client, two):
        login(client, two.alice.user)
        full = valid_id_number(7)
        body = client.get(reverse("mine:profile")).content.decode()
        assert full not in body and two.alice.id_number_masked in body
        assert not PiiAccess.objects.exists()
        body = client.get(reverse("mine:profile"), {"show_id": "1"}).content.decode()
        assert full in body
        row = PiiAccess.objects.get()
        assert (row.user, row.member, row.action) == (two.alice.user, two.alice, PiiAccess.Action.VIEW_ID)

    def test_political_birthday_party_age_group_and_moves(self, client, two, tree):
        from members.services import registry as member_services

        login(client, two.alice.user)
        body = client.get(reverse("mine:profile")).content.decode()
        assert tree.a1g.name in body                       # 党小组
        assert str(two.alice.party_age) in body            # 党龄
        assert "-07-01" in body                            # joined 2010-07-01 → 政治生日 on 1 July
        member_services.member_move(member=two.alice, to_branch=tree.a2, on=timezone.localdate(), by=None)
        body = client.get(reverse("mine:profile")).content.decode()
        assert "甲一支部 → 甲二支部" in body


@pytest.mark.django_db
class TestOrgLife:
    def test_rate_is_the_branch_definition_applied_to_her_rows(self, client, two, tree):
        year = timezone.localdate().year
        for day, status in ((6, AttendanceStatus.LATE), (7, AttendanceStatus.LEAVE), (8, AttendanceStatus.ABSENT)):
            attend(log(tree.a1, "theme_day", date(year, 1, day)), two.alice, status)
        draft = log(tree.a1, "theme_day", date(year, 1, 9), status=ActivityStatus.DRAFT, title="草稿活动")
        attend(draft, two.alice, AttendanceStatus.ABSENT)            # not submitted: shown, not counted
        login(client, two.alice.user)
        response = client.get(reverse("mine:orglife"))
        assert (response.context["attended"], response.context["expected"]) == (2, 4)
        assert response.context["counts"][AttendanceStatus.ABSENT] == 1
        assert "50%" in response.content.decode() and "草稿活动" in response.content.decode()
        # the same figure the branch page reads, for a branch where she is the only member
        branch_rate = compliance.attendance_rates(branch_ids=[tree.a1.pk], start=date(year, 1, 1),
                                                  end=date(year, 12, 31))[tree.a1.pk]
        assert branch_rate == response.context["rate"] == 0.5

    def test_upcoming_meeting_offers_check_in_in_its_window_and_counts_after(self, client, two, tree):
        today = timezone.localdate()
        a = svc.activity_create(organization=tree.a1, activity_type=activity_type("theme_day"), held_on=today,
                                title="今天的主题党日")
        svc.attendance_set(activity=a, marks={two.alice.pk: (AttendanceStatus.ABSENT, "")})
        later = svc.activity_create(organization=tree.a1, activity_type=activity_type("theme_day"),
                                    held_on=today + timedelta(days=10), title="下旬党课")
        other = svc.activity_create(organization=tree.b1, activity_type=activity_type("theme_day"), held_on=today,
                                    title="乙支部今天的活动")
        login(client, two.alice.user)
        ups = {u.activity.pk: u for u in client.get(reverse("mine:orglife")).context["upcoming"]}
        assert ups[a.pk].can_check_in and not ups[later.pk].can_check_in and other.pk not in ups
        done = client.get(reverse("orglife:checkin_code", args=[a.checkin_code]))
        assert reverse("mine:orglife") in done.content.decode()          # success page leads back to 我的
        ups = {u.activity.pk: u for u in client.get(reverse("mine:orglife")).context["upcoming"]}
        assert ups[a.pk].status == AttendanceStatus.PRESENT


@pytest.mark.django_db
class TestDuesAndStudy:
    def test_dues_months_and_arrears_by_the_registry_rule(self, client, two, tree):
        today = timezone.localdate()
        first = today.replace(day=1)
        from dateutil.relativedelta import relativedelta

        DuesRecord.objects.filter(member=two.alice).delete()
        for back in range(4):
            DuesRecord.objects.create(member=two.alice, branch=tree.a1, month=first - relativedelta(months=back),
                                      amount_due=Decimal("10.00"))
        DuesRecord.objects.create(member=two.alice, branch=tree.a1, month=first - relativedelta(months=4),
                                  amount_due=Decimal("10.00"), amount_paid=Decimal("10.00"),
                                  paid_on=first - relativedelta(months=4))
        login(client, two.alice.user)
        response = client.get(reverse("mine:dues"))
        assert response.context["arrear"].months == 4 and response.context["unpaid_amount"] == Decimal("40.00")
        assert 'data-testid="mine-arrear"' in response.content.decode()

    def test_self_assessment_only_while_the_round_is_open(self, client, two, tree):
        from members.services.appraisal import appraisal_open

        rnd = appraisal_open(branch=tree.a1, year=timezone.localdate().year)
        login(client, two.alice.user)
        assert client.get(reverse("mine:study")).context["appraisal"] is not None
        response = client.post(reverse("mine:study"), {"text": "", "grade": ""})
        assert response.status_code == 400 and "请填写个人自评" in response.content.decode()
        client.post(reverse("mine:study"), {"text": "认真学习，按时交纳党费。", "grade": "qualified"})
        entry = AppraisalEntry.objects.get(round=rnd, member=two.alice)
        assert (entry.self_assessment, entry.self_grade) == ("认真学习，按时交纳党费。", "qualified")
        rnd.is_closed = True
        rnd.save()
        assert client.get(reverse("mine:study")).context["appraisal"] is None
        client.post(reverse("mine:study"), {"text": "改写", "grade": "excellent"})
        entry.refresh_from_db()
        assert entry.self_assessment == "认真学习，按时交纳党费。"


@pytest.mark.django_db
class TestHome:
    def test_a_member_home_shows_mine_not_staff_tiles(self, client, two):
        login(client, two.alice.user)
        response = client.get(reverse("home"))
        body = response.content.decode()
        assert response.context["mode"] == "member"
        assert 'data-testid="mine-panel"' in body and "counts" not in response.context

    def test_staff_home_is_unchanged(self, client, users, two):
        login(client, users.staff)
        response = client.get(reverse("home"))
        assert response.context["mode"] == "staff" and 'data-testid="mine-panel"' not in response.content.decode()
