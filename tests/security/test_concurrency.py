"""Two people editing one record never silently overwrite each other; a double-submitted form creates once."""
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.urls import reverse

from branches.models import Organization
from branches.services import organization_update
from members.models import Member
from members.services.registry import member_update
from portal import concurrency
from tests.branches.factories import UserFactory, grant
from tests.members.factories import valid_id_number

from .helpers import form_values

pytestmark = pytest.mark.django_db


def org_form_data(client, org):
    data = form_values(client.get(reverse("branches:edit", args=[org.pk])))
    data["units"] = org.units
    return data


def test_organization_edit_refuses_a_stale_version_and_shows_the_other_change(client, tree, users):
    users.staff.first_name = "王主任"
    users.staff.save()
    client.force_login(users.staff_a)
    data = org_form_data(client, tree.a1)
    assert data[concurrency.VERSION_FIELD]
    # Meanwhile someone else renames the branch.
    organization_update(organization=Organization.objects.get(pk=tree.a1.pk), by=users.staff, name="甲一支部（新）")

    data.update(short_name="我的简称", name="我的名字")
    response = client.post(reverse("branches:edit", args=[tree.a1.pk]), data)

    assert response.status_code == 200
    page = response.content.decode()
    assert "保存未成功" in page and "王主任" in page
    assert "“甲一支部”改为“甲一支部（新）”" in page
    assert 'value="我的名字"' in page  # the user's input is kept
    tree.a1.refresh_from_db()
    assert tree.a1.name == "甲一支部（新）" and tree.a1.short_name != "我的简称"

    # The re-rendered form carries the current version: saving again is a deliberate overwrite.
    again = form_values(response)
    again["units"] = ""
    response = client.post(reverse("branches:edit", args=[tree.a1.pk]), again)
    assert response.status_code == 302
    tree.a1.refresh_from_db()
    assert tree.a1.name == "我的名字"


def test_organization_edit_with_current_version_saves(client, tree, users):
    client.force_login(users.staff)
    data = org_form_data(client, tree.a1)
    data["name"] = "改名成功"
    assert client.post(reverse("branches:edit", args=[tree.a1.pk]), data).status_code == 302
    tree.a1.refresh_from_db()
    assert tree.a1.name == "改名成功"


def test_member_edit_refuses_a_stale_version(client, tree, users, members):
    client.force_login(users.secretary)
    data = form_values(client.get(reverse("members:edit", args=[members.a1.pk])))
    member_update(member=Member.objects.get(pk=members.a1.pk), by=users.staff, phone="13900000001")

    data["work_unit"] = "秘书填写的单位"
    response = client.post(reverse("members:edit", args=[members.a1.pk]), data)

    assert response.status_code == 200
    page = response.content.decode()
    assert "保存未成功" in page and users.staff.first_name in page and "13900000001" in page
    assert 'value="秘书填写的单位"' in page
    members.a1.refresh_from_db()
    assert members.a1.phone == "13900000001" and members.a1.work_unit != "秘书填写的单位"


def test_conflict_message_without_history_still_refuses(tree):
    # A change made with queryset.update() leaves no history row: the save is still refused.
    org = Organization.objects.get(pk=tree.a1.pk)
    seen = concurrency.version_of(org)
    Organization.objects.filter(pk=org.pk).update(updated_at=datetime(2030, 1, 1, tzinfo=UTC))
    assert concurrency.current_version(org) != seen
    assert concurrency.conflict_message(org, seen) == concurrency.CONFLICT_UNKNOWN


def member_create_data(client, tree, n=1):
    data = form_values(client.get(reverse("members:create")))
    data.update(name=f"防重{n}", gender="male" if n % 2 else "female", ethnicity="汉族", birth_date="1985-03-12", phone="",
                id_number=valid_id_number(700 + n), category="in_service", status="full", joined_on="2010-07-01",
                confirmed_on="2011-07-01", branch=str(tree.a1.pk), party_group="")
    return data


def test_double_submitted_member_form_creates_one_record(client, tree, users):
    client.force_login(users.secretary)
    data = member_create_data(client, tree)
    assert data[concurrency.TOKEN_FIELD]
    first = client.post(reverse("members:create"), data)
    second = client.post(reverse("members:create"), data)
    assert first.status_code == second.status_code == 302
    assert Member.objects.filter(name="防重1").count() == 1
    assert second["Location"] == first["Location"]  # the repeat lands on the record the first one created
    page = client.get(second["Location"]).content.decode()
    assert str(concurrency.DUPLICATE_SUBMIT) in page


def test_a_rejected_submission_releases_its_token(client, tree, users):
    client.force_login(users.secretary)
    data = member_create_data(client, tree)
    bad = {**data, "id_number": "123"}
    assert client.post(reverse("members:create"), bad).status_code == 200
    assert client.post(reverse("members:create"), data).status_code == 302
    assert Member.objects.filter(name="防重1").count() == 1


def test_a_new_form_creates_a_second_record(client, tree, users):
    client.force_login(users.secretary)
    client.post(reverse("members:create"), member_create_data(client, tree, 1))
    client.post(reverse("members:create"), member_create_data(client, tree, 2))
    assert Member.objects.filter(name__startswith="防重").count() == 2


def test_tokens_are_per_user(client, tree, users):
    """Another user replaying someone's token is not redirected to their record; their own create runs."""
    other = grant(UserFactory(), tree.a1, "secretary")
    client.force_login(users.secretary)
    data = member_create_data(client, tree)
    client.post(reverse("members:create"), data)
    client.force_login(other)
    response = client.post(reverse("members:create"), {**data, "name": "他人", "id_number": valid_id_number(799)})
    assert response.status_code == 302
    assert Member.objects.filter(name="他人").exists()


def test_double_submitted_organization_form_creates_one(client, tree, users):
    client.force_login(users.staff)
    url = reverse("branches:create") + f"?parent={tree.ga.pk}"
    data = form_values(client.get(url))
    data.update(name="新支部", kind="branch", code="NEW-01", established_on="2020-01-01", units="", term_years="3")
    responses = [client.post(reverse("branches:create"), data) for _ in range(3)]
    assert {r.status_code for r in responses} == {302}
    assert Organization.objects.filter(code="NEW-01").count() == 1


def test_repeat_while_first_is_running_does_not_create(client, tree, users, monkeypatch):
    """A repeat arriving while the first is still saving waits, then never runs the create itself."""
    monkeypatch.setattr(concurrency, "WAIT_FOR_FIRST", 0.2)
    client.force_login(users.secretary)
    data = member_create_data(client, tree)
    key = f"formtoken:{users.secretary.pk}:{reverse('members:create')}:{data[concurrency.TOKEN_FIELD]}"
    cache.add(key, concurrency.PENDING, 60)  # the first request claimed it and is still running
    response = client.post(reverse("members:create"), data)
    assert response.status_code == 302
    assert not Member.objects.filter(name="防重1").exists()
    cache.delete(key)


def test_form_tokens_survive_the_cache_being_down(client, tree, users, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": "redis://127.0.0.1:1/0"}}
    client.force_login(users.secretary)
    data = member_create_data(client, tree)
    first = client.post(reverse("members:create"), data)
    second = client.post(reverse("members:create"), data)
    assert first.status_code == second.status_code == 302
    assert Member.objects.filter(name="防重1").count() == 1


# --- edit forms wired since: activity records, practice records, study records, self-assessment -------------

def test_activity_edit_refuses_a_stale_version_and_keeps_fields_and_marks(client, tree, users, members):
    from orglife import services as activity_services
    from orglife.models import Activity, ActivityStatus, AttendanceStatus
    from tests.orglife.activity_factories import attend, log

    activity = log(tree.a1, "theme_day", date(2025, 9, 10), status=ActivityStatus.DRAFT, title="原标题")
    attend(activity, members.a1, AttendanceStatus.PRESENT)
    url = reverse("orglife:activity_edit", args=[activity.pk])
    client.force_login(users.secretary)
    data = form_values(client.get(url))
    assert data[concurrency.VERSION_FIELD]
    activity_services.activity_update(activity=Activity.objects.get(pk=activity.pk), by=users.staff, title="他人改的标题")

    data.pop("present", None)                      # the secretary un-ticks the member …
    data[f"exception-{members.a1.pk}"] = "late"    # … and marks her late
    data.update(title="书记的标题", minutes="")
    response = client.post(url, {**data, "minutes": "书记写的纪要"})

    assert response.status_code == 200
    page = response.content.decode()
    assert "保存未成功" in page and "“原标题”改为“他人改的标题”" in page
    assert 'value="书记的标题"' in page and "书记写的纪要" in page
    assert f'value="{members.a1.pk}" checked' not in page and '<option value="late" selected>' in page
    activity.refresh_from_db()
    assert activity.title == "他人改的标题" and activity.minutes != "书记写的纪要"
    assert activity.attendances.get(member=members.a1).status == AttendanceStatus.PRESENT

    again = form_values(response)   # now carrying the current version: a deliberate overwrite saves
    again.update(title="书记的标题")
    assert client.post(url, again).status_code == 302
    activity.refresh_from_db()
    assert activity.title == "书记的标题"


def test_practice_record_edit_refuses_a_stale_version(client, tree, users):
    from practice import services as practice_services
    from practice.models import Brand

    brand = practice_services.brand_create(organization=tree.a1, name="红色引擎", launched_on=date(2024, 1, 1),
                                           by=users.staff)
    url = reverse("practice:edit", args=["brand", brand.pk])
    client.force_login(users.secretary)
    data = form_values(client.get(url))
    assert data[concurrency.VERSION_FIELD]
    practice_services.brand_update(brand=Brand.objects.get(pk=brand.pk), by=users.staff, slogan="他人的口号")

    data.update(name="书记改的名称", slogan="书记的口号")
    response = client.post(url, data)

    assert response.status_code == 200
    page = response.content.decode()
    assert "保存未成功" in page and "他人的口号" in page and 'value="书记改的名称"' in page
    brand.refresh_from_db()
    assert (brand.name, brand.slogan) == ("红色引擎", "他人的口号")
    assert client.post(url, form_values(response)).status_code == 302   # deliberate overwrite


def test_study_record_edit_refuses_a_stale_version(client, tree, users, members):
    from practice import services as practice_services
    from practice.models import StudyRecord

    record = practice_services.study_record_create(member=members.a1, studied_on=date(2025, 3, 1), topic="党章",
                                                   hours=Decimal("2"), source="xuexi", by=users.staff)
    url = reverse("practice:study_edit", args=[record.pk])
    client.force_login(users.secretary)
    data = form_values(client.get(url))
    practice_services.study_record_update(record=StudyRecord.objects.get(pk=record.pk), by=users.staff,
                                          hours=Decimal("3"))
    data.update(topic="书记改的内容")
    response = client.post(url, data)
    assert response.status_code == 200 and "保存未成功" in response.content.decode()
    record.refresh_from_db()
    assert (record.topic, record.hours) == ("党章", Decimal("3"))


@pytest.fixture
def self_assessment(tree, users):
    from tests.evaluations.factories import make_cycle, small_standard

    standard, indicators = small_standard(tree.root, users.staff)
    return make_cycle(tree.root, standard, users.staff).evaluations.get(organization=tree.a1), indicators


def test_self_assessment_refuses_a_save_made_since_the_page_was_shown(client, tree, users, self_assessment):
    from evaluations import services as ev_services
    from tests.evaluations.factories import entries

    ev_a1, ind = self_assessment
    url = reverse("evaluations:self_assessment", args=[ev_a1.pk])
    client.force_login(users.secretary)
    data = form_values(client.get(url))
    assert data[concurrency.VERSION_FIELD] == concurrency.NO_RECORD
    # A second secretary of the branch saves first: the sheet is created by her.
    other = grant(UserFactory(username="second_secretary"), tree.a1, "secretary")
    ev_services.self_assessment_save(evaluation=ev_a1, by=other, entries=entries(ind, P1=20), narrative="她的总结")

    response = client.post(url, {**data, f"p_{ind['P1'].pk}": "15", "narrative": "我的总结", "save": "1"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "保存未成功" in page and 'value="15"' in page and "我的总结" in page
    ev_a1.refresh_from_db()
    sheets = ev_a1.sheets.filter(kind="self")
    assert sheets.count() == 1 and ev_a1.narrative == "她的总结"
    assert sheets.get().lines.get(indicator=ind["P1"]).points == 20

    again = form_values(response)
    assert again[concurrency.VERSION_FIELD] not in ("", concurrency.NO_RECORD)
    response = client.post(url, {**again, f"p_{ind['P1'].pk}": "15", "narrative": "我的总结", "save": "1"})
    assert response.status_code == 302
    assert ev_a1.sheets.filter(kind="self").count() == 1   # one self-assessment per branch, whoever saves it
    assert ev_a1.sheets.get(kind="self").lines.get(indicator=ind["P1"]).points == 15


def test_double_submitted_activity_record_creates_one(client, tree, users):
    from orglife.models import Activity
    from tests.orglife.activity_factories import activity_type

    atype = activity_type("theme_day")
    client.force_login(users.secretary)
    url = reverse("orglife:activity_create")
    data = form_values(client.get(url, {"organization": tree.a1.pk, "type": atype.pk}))
    assert data[concurrency.TOKEN_FIELD]
    data.update(organization=str(tree.a1.pk), activity_type=str(atype.pk), title="防重主题党日", held_on="2025-09-10")
    first = client.post(url, data)
    second = client.post(url, data)
    assert first.status_code == second.status_code == 302 and first["Location"] == second["Location"]
    assert Activity.objects.filter(title="防重主题党日").count() == 1


def test_double_submitted_practice_record_creates_one(client, tree, users):
    from practice.models import Brand

    client.force_login(users.secretary)
    url = reverse("practice:create", args=["brand"])
    data = form_values(client.get(url))
    assert data[concurrency.TOKEN_FIELD]
    data.update(organization=str(tree.a1.pk), name="防重品牌", launched_on="2024-01-01")
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302
    assert Brand.objects.filter(name="防重品牌").count() == 1


# --- 民主评议 grading grid ------------------------------------------------------------------------

@pytest.fixture
def appraisal_round(tree):
    from members.models import MemberStatus
    from members.services.appraisal import appraisal_open
    from tests.members.factories import MemberFactory

    for i in range(6):
        MemberFactory(branch=tree.a1, name=f"评议{i}")
    MemberFactory(branch=tree.a1, name="评议预备", status=MemberStatus.PROBATIONARY, confirmed_on=None,
                  joined_on=date(2025, 9, 1))
    return appraisal_open(branch=tree.a1, year=2025, on=date(2026, 1, 10))


def _graded_entries(rnd):
    return [e for e in rnd.entries.select_related("member") if not e.is_probationary]


def test_appraisal_grid_refuses_a_stale_save_and_keeps_what_was_typed(client, tree, users, appraisal_round):
    from members.models import AppraisalEntry, AppraisalRound, Grade
    from members.services.appraisal import appraisal_decide

    users.staff.first_name = "王主任"
    users.staff.save()
    rnd = appraisal_round
    first, second = _graded_entries(rnd)[:2]
    url = reverse("members:appraisal", args=[rnd.pk])
    client.force_login(users.secretary)
    data = form_values(client.get(url))
    assert data[concurrency.VERSION_FIELD] == concurrency.version_of(rnd)
    # Meanwhile someone else saves the grid: the first member is graded 优秀.
    appraisal_decide(round=AppraisalRound.objects.get(pk=rnd.pk), grades={first.pk: Grade.EXCELLENT},
                     on=date(2026, 1, 15), close=False, by=users.staff)
    before = list(AppraisalEntry.objects.filter(round=rnd).order_by("pk").values())

    typed = {f"grade-{e.pk}": Grade.QUALIFIED for e in _graded_entries(rnd)}
    typed.update({f"excellent-{second.pk}": "7", f"self-{second.pk}": Grade.BASIC})
    response = client.post(url, {**data, **typed, "close": "0"})

    assert response.status_code == 200
    page = response.content.decode()
    assert "保存未成功" in page and "王主任" in page
    assert list(AppraisalEntry.objects.filter(round=rnd).order_by("pk").values()) == before   # nothing saved
    shown = form_values(response)
    assert shown[f"grade-{first.pk}"] == Grade.QUALIFIED           # the typed grades, not the saved 优秀
    assert all(shown[k] == v for k, v in typed.items())            # typed votes and self grades too
    assert shown[concurrency.VERSION_FIELD] == concurrency.version_of(AppraisalRound.objects.get(pk=rnd.pk))

    # The re-rendered page carries the current version: saving again is a deliberate overwrite.
    response = client.post(url, {**shown, "close": "0"})
    assert response.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.grade == Grade.QUALIFIED and second.peer_excellent == 7 and second.self_grade == Grade.BASIC


def test_appraisal_grid_fresh_save_saves_every_grade_and_moves_the_version(client, users, appraisal_round):
    from members.models import AppraisalRound, Grade

    rnd = appraisal_round
    url = reverse("members:appraisal", args=[rnd.pk])
    client.force_login(users.secretary)
    data = form_values(client.get(url))
    graded = _graded_entries(rnd)
    grades = {f"grade-{e.pk}": (Grade.EXCELLENT if i < 2 else Grade.QUALIFIED) for i, e in enumerate(graded)}

    response = client.post(url, {**data, **grades, "close": "0"})

    assert response.status_code == 302
    assert {e.pk: e.grade for e in _graded_entries(rnd)} == {e.pk: grades[f"grade-{e.pk}"] for e in graded}
    now = AppraisalRound.objects.get(pk=rnd.pk)
    assert concurrency.version_of(now) != data[concurrency.VERSION_FIELD]
    assert now.history.first().history_user == users.secretary
    # The same page posted a second time is now stale: refused, nothing changed.
    response = client.post(url, {**data, f"grade-{graded[0].pk}": Grade.BASIC, "close": "0"})
    assert response.status_code == 200 and "保存未成功" in response.content.decode()
    assert _graded_entries(rnd)[0].grade == grades[f"grade-{graded[0].pk}"]


def test_appraisal_grid_save_is_all_or_nothing(client, users, appraisal_round):
    from members.models import Grade

    rnd = appraisal_round
    url = reverse("members:appraisal", args=[rnd.pk])
    client.force_login(users.secretary)
    data = form_values(client.get(url))
    graded = _graded_entries(rnd)
    # Votes for one member, but three 优秀 out of six: over the one-third cap, so the whole save is refused.
    posted = {**data, f"qualified-{graded[0].pk}": "9", "close": "0",
              **{f"grade-{e.pk}": (Grade.EXCELLENT if i < 3 else Grade.QUALIFIED) for i, e in enumerate(graded)}}

    response = client.post(url, posted)

    assert response.status_code == 200 and "三分之一" in response.content.decode()
    graded[0].refresh_from_db()
    assert graded[0].peer_qualified == 0 and graded[0].grade == ""   # the votes were not half-saved
    assert form_values(response)[f"qualified-{graded[0].pk}"] == "9"
