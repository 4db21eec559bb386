"""One test per finding of issue #17 (an outside test's scope and PII holes); each failed on main before the fix."""
from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from openpyxl import load_workbook

from branches.models import Role
from evaluations import services as ev_services
from evaluations.models import Standard, StandardStatus
from tests.branches.factories import UserFactory, grant
from tests.evaluations.factories import entries, make_cycle, small_standard

pytestmark = pytest.mark.django_db


def login(client, user):
    client.force_login(get_user_model().objects.get(pk=user.pk))


def xlsx_text(response) -> str:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    wb = load_workbook(io.BytesIO(body), read_only=True)
    return "\n".join(" ".join("" if v is None else str(v) for v in row)
                     for ws in wb.worksheets for row in ws.iter_rows(values_only=True))


# --- 1. cycle export is scoped ------------------------------------------------------------------------------------

@pytest.fixture
def root_cycle(tree, users):
    st, ind = small_standard(tree.root, users.staff)
    cycle = make_cycle(tree.root, st, users.staff)
    other_sec = grant(UserFactory(username="sec_b1", first_name="乙一书记"), tree.b1, Role.SECRETARY)
    for org, sec in ((tree.a1, users.secretary), (tree.b1, other_sec)):
        ev = cycle.evaluations.get(organization=org)
        ev_services.self_assessment_save(evaluation=ev, by=sec, entries=entries(ind, P1=20), submit=True)
    return cycle


def test_cycle_export_holds_only_the_branches_the_viewer_manages(client, users, tree, root_cycle):
    login(client, users.staff_a)     # staff of 甲党总支; the cycle belongs to the 党委
    response = client.get(reverse("evaluations:cycle_export", args=[root_cycle.pk]))
    assert response.status_code == 200
    text = xlsx_text(response)
    assert tree.a1.name in text                   # her own branch's self-assessment
    assert tree.b1.name not in text and "乙一书记" not in text   # another 党总支's branch and its scorer


def test_cycle_export_of_the_owner_still_has_every_branch(client, users, tree, root_cycle):
    login(client, users.staff)
    text = xlsx_text(client.get(reverse("evaluations:cycle_export", args=[root_cycle.pk])))
    assert tree.a1.name in text and tree.b1.name in text


def test_cycle_export_refused_without_a_managed_branch(client, users, root_cycle):
    login(client, users.reviewer)
    assert client.get(reverse("evaluations:cycle_export", args=[root_cycle.pk])).status_code == 404


# --- 2. an ancestor's standards and cycles are read-only -----------------------------------------------------------

def test_ancestor_standard_is_visible_but_not_writable(client, users, tree):
    draft, _ = small_standard(tree.root, users.staff, publish=False)
    url = draft.get_absolute_url()
    login(client, users.staff_a)
    assert client.get(url).status_code == 200                      # sees the 党委's standard
    assert client.post(url, {"action": "publish"}).status_code == 404
    assert client.post(url, {"action": "copy", "year": 2026}).status_code == 404
    draft.refresh_from_db()
    assert draft.status == StandardStatus.DRAFT
    assert Standard.objects.filter(organization=tree.root).count() == 1
    assert not Standard.objects.restrict(users.staff_a, "manage").filter(pk=draft.pk).exists()
    assert Standard.objects.restrict(users.staff_a, "view").filter(pk=draft.pk).exists()


def test_ancestor_cycle_cannot_be_recomputed_from_below(client, users, root_cycle):
    login(client, users.staff_a)
    assert client.get(root_cycle.get_absolute_url()).status_code == 200
    assert client.post(reverse("evaluations:cycle_refresh", args=[root_cycle.pk])).status_code == 404
    login(client, users.staff)
    assert client.post(reverse("evaluations:cycle_refresh", args=[root_cycle.pk])).status_code == 302


def test_own_subtree_standard_stays_manageable(client, users, tree):
    own, _ = small_standard(tree.ga, users.staff_a, publish=False)
    login(client, users.staff_a)
    assert client.post(own.get_absolute_url(), {"action": "publish"}).status_code == 302
    own.refresh_from_db()
    assert own.status == StandardStatus.PUBLISHED


# --- 3. a duplicate 身份证号 outside the uploader's scope is reported anonymously -----------------------------------

def _import_file(tree, id_number):
    from datetime import date

    from tests.members.test_import import row, xlsx

    return xlsx([row(tree, 1, 身份证号=id_number, 出生日期=date(1988, 4, 2).isoformat())])


def test_import_duplicate_outside_scope_names_nobody_and_inside_is_logged(tree, users):
    from datetime import date

    from members.models import PiiAccess
    from members.services.importing import ImportRejected, import_members
    from tests.members.factories import MemberFactory, valid_id_number

    outside_id, inside_id = valid_id_number(105, date(1988, 4, 2)), valid_id_number(107, date(1988, 4, 2))  # odd: 男
    MemberFactory(branch=tree.b1, name="域外持有人", with_id=outside_id)
    MemberFactory(branch=tree.a1, name="域内持有人", with_id=inside_id)
    with pytest.raises(ImportRejected) as exc:
        import_members(fileobj=_import_file(tree, outside_id), by=users.secretary)   # secretary of 甲一支部
    text = " ".join(m for e in exc.value.result.errors for m in e.messages)
    assert "重复" in text and "域外持有人" not in text and tree.b1.name not in text
    assert not PiiAccess.objects.exists()
    with pytest.raises(ImportRejected) as exc:
        import_members(fileobj=_import_file(tree, inside_id), by=users.secretary)
    text = " ".join(m for e in exc.value.result.errors for m in e.messages)
    assert "域内持有人" in text
    logged = PiiAccess.objects.get()
    assert logged.user_id == users.secretary.pk and logged.member.name == "域内持有人"


def test_member_form_duplicate_outside_scope_names_nobody(client, tree, users):
    from members.models import PiiAccess
    from tests.members.factories import MemberFactory, valid_id_number

    MemberFactory(branch=tree.b1, name="域外持有人", with_id=valid_id_number(7))
    mine = MemberFactory(branch=tree.a1, name="本支部党员", with_id=valid_id_number(8))
    login(client, users.secretary)
    page = client.get(reverse("members:edit", args=[mine.pk]))
    from tests.security.helpers import form_values

    data = form_values(page)
    data["id_number"] = valid_id_number(7)
    response = client.post(reverse("members:edit", args=[mine.pk]), data)
    body = response.content.decode()
    assert response.status_code == 200 and "重复" in body
    assert "域外持有人" not in body and tree.b1.name not in body
    assert not PiiAccess.objects.exists()
    data["id_number"] = valid_id_number(8)   # unchanged: no clash with oneself
    MemberFactory(branch=tree.a1, name="域内持有人", with_id=valid_id_number(9))
    data["id_number"] = valid_id_number(9)
    body = client.post(reverse("members:edit", args=[mine.pk]), data).content.decode()
    assert "域内持有人" in body
    assert PiiAccess.objects.filter(user=users.secretary, member__name="域内持有人").count() == 1


# --- 4. 修改记录 masks what the page masks ---------------------------------------------------------------------------

def test_history_masks_phone_for_read_only_roles(client, tree, users):
    from members.services import registry as member_services
    from tests.members.factories import MemberFactory

    m = MemberFactory(branch=tree.a1, name="改号党员", phone="18045669541")
    m.history.all().delete()
    m.save()                                    # a creation record to diff against
    member_services.member_update(member=m, by=users.staff, phone="18045669999")
    login(client, users.reviewer)               # read-only over the whole tree: the page masks the phone
    body = client.get(m.get_absolute_url()).content.decode()
    assert "18045669541" not in body and "18045669999" not in body
    assert "180****9999" in body                # the change is still shown, masked
    login(client, users.secretary)              # keeps the branch's registry: sees it in full, as on the page
    body = client.get(m.get_absolute_url()).content.decode()
    assert "18045669541" in body and "18045669999" in body


# --- 5. one search rule for page, export and API: no phone digits without the PII right ---------------------------

def test_member_search_matches_phone_only_with_the_pii_right(client, tree, users):
    from tests.members.factories import MemberFactory

    MemberFactory(branch=tree.a1, name="号码甲某", phone="13912345678")
    url = reverse("members:list")
    login(client, users.staff)                   # staff of the whole tree, without the PII (export) right
    assert "号码甲某" in client.get(url, {"q": "号码"}).content.decode()          # name search works
    assert "号码甲某" not in client.get(url, {"q": "2345"}).content.decode()
    assert "号码甲某" not in xlsx_text(client.get(url, {"q": "2345", "format": "xlsx"}))
    assert client.get("/api/v1/members/", {"q": "2345"}).json()["results"] == []
    login(client, users.superuser)               # holds the right: phone search works on page and export alike
    assert "号码甲某" in client.get(url, {"q": "2345"}).content.decode()
    assert "号码甲某" in xlsx_text(client.get(url, {"q": "2345", "format": "xlsx"}))


def test_member_list_export_link_has_one_question_mark(client, users, tree):
    login(client, users.staff)
    body = client.get(reverse("members:list"), {"status": "full"}).content.decode()
    assert "??" not in body and "?status=full&amp;format=xlsx" in body


# --- 6. one address locks nobody else out -----------------------------------------------------------------------

@pytest.fixture
def throttle(settings):
    from django.core.cache import cache

    settings.API_FAILED_AUTH_LIMIT = 5
    settings.API_FAILED_AUTH_ADDRESS_LIMIT = 8
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]     # the documented reverse proxy
    cache.clear()
    yield settings
    cache.clear()


def test_bad_tokens_never_refuse_a_valid_token_from_the_same_address(client, tree, throttle):
    from branches.api_clients import api_client_create

    _, token = api_client_create(organization=tree.gb, name="有效客户端")
    proxy = {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.7"}
    for i in range(30):                       # many guesses, many and repeated tokens, one client address
        client.get("/api/v1/organizations/", HTTP_AUTHORIZATION=f"Bearer guess-{i % 6}", **proxy)
    assert client.get("/api/v1/organizations/", HTTP_AUTHORIZATION="Bearer guess-0", **proxy).status_code == 429
    assert client.get("/api/v1/organizations/", HTTP_AUTHORIZATION=f"Bearer {token}", **proxy).status_code == 200
    # Everyone else behind the same proxy is another client: not throttled by those failures.
    other = {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "198.51.100.9"}
    assert client.get("/api/v1/organizations/", HTTP_AUTHORIZATION="Bearer guess-0", **other).status_code == 401


def test_forwarded_for_is_believed_only_from_a_trusted_proxy(rf, throttle):
    from portal.netaddr import client_ip

    assert client_ip(rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 10.0.0.2")) == "1.2.3.4"
    assert client_ip(rf.get("/", REMOTE_ADDR="192.0.2.5", HTTP_X_FORWARDED_FOR="1.2.3.4")) == "192.0.2.5"
    assert client_ip(rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="junk")) == "10.0.0.1"
    throttle.TRUSTED_PROXIES = []
    assert client_ip(rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4")) == "10.0.0.1"


def test_login_lockout_behind_the_proxy_is_per_username_and_client(client, throttle):
    from django.conf import settings

    UserFactory(username="zhangsan").save()
    user = get_user_model().objects.get(username="zhangsan")
    user.set_password("test-pass-123")
    user.save()

    def attempt(password, client_address):
        return client.post(reverse("login"), {"username": "zhangsan", "password": password},
                           REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=client_address)

    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt("wrong", "203.0.113.7")                          # someone trying to lock zhangsan out
    assert attempt("test-pass-123", "203.0.113.7").status_code == 429
    assert attempt("test-pass-123", "198.51.100.9").status_code == 302   # zhangsan, from her own address


# --- 7. the schema says what the answers hold -------------------------------------------------------------------

RFC3339_TIME = r"^\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"


@pytest.fixture
def root_token(tree):
    from branches.api_clients import api_client_create

    return {"HTTP_AUTHORIZATION": f"Bearer {api_client_create(organization=tree.root, name='全树', grants=['pii'])[1]}"}


def _conforms(prop: dict, value) -> bool:
    import re

    if value is None:
        return bool(prop.get("nullable"))
    if prop.get("format") == "time" and not re.match(RFC3339_TIME, value):
        return False
    return not prop.get("pattern") or bool(re.search(prop["pattern"], value))


def test_activity_times_and_honour_member_conform_to_the_schema(client, tree, root_token):
    from datetime import date, time

    from practice.models import Honour
    from tests.orglife.activity_factories import log

    log(tree.a1, "general_meeting", date(2026, 3, 2), starts_at=time(14, 30), ends_at=None)
    Honour.objects.create(kind=Honour._meta.get_field("kind").choices[0][0], level="county", year=2026,
                          organization=tree.a1)
    schema = client.get("/api/schema/?format=json", **root_token).json()["components"]["schemas"]  # docs need a login or token
    row = client.get("/api/v1/activities/", **root_token).json()["results"][0]
    assert row["starts_at"] == "14:30:00"
    assert _conforms(schema["Activity"]["properties"]["starts_at"], row["starts_at"])
    assert _conforms(schema["Activity"]["properties"]["ends_at"], row["ends_at"])
    honour = client.get("/api/v1/practice/honours/", **root_token).json()["results"][0]
    assert honour["member_name"] is None
    assert _conforms(schema["Honour"]["properties"]["member_name"], honour["member_name"])


@pytest.mark.parametrize("url,query", [
    ("/api/v1/organizations/", "updated_since="),
    ("/api/v1/members/", "updated_since="),
    ("/api/v1/compliance/", "period="),
    ("/api/v1/evaluation-cycles/", "year=0.5"),
    ("/api/v1/branch-results/", "year=0.5"),
    ("/api/v1/evaluation-cycles/", "year="),
    ("/api/v1/activities/", "organization="),
])
def test_empty_or_fractional_typed_filters_are_400(client, tree, root_token, url, query):
    response = client.get(f"{url}?{query}", **root_token)
    assert response.status_code == 400, response.content
    assert query.split("=")[0] in response.json()["fields"]


# --- 8. hardening ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("cell", ["+1+1", "-2+3", "@SUM(A1)", "\t=1+1", "\r=1", " =1"])
def test_import_refuses_every_formula_prefix(tree, users, cell):
    from members.services.importing import ImportRejected, import_members
    from tests.members.test_import import row, xlsx

    with pytest.raises(ImportRejected) as exc:
        import_members(fileobj=xlsx([row(tree, 1, 工作单位=cell)]), by=users.staff)
    assert "不能是公式" in " ".join(exc.value.result.errors[0].messages)


def test_export_stores_formula_like_text_as_text(client, tree, users):
    from tests.members.factories import MemberFactory

    MemberFactory(branch=tree.a1, name="公式甲", work_unit="+1+1")
    MemberFactory(branch=tree.a1, name="公式乙", work_unit="@SUM(A1)")
    login(client, users.staff)
    response = client.get(reverse("members:list"), {"format": "xlsx"})
    body = b"".join(response.streaming_content) if response.streaming else response.content
    wb = load_workbook(io.BytesIO(body))
    cells = [c for row in wb.active.iter_rows() for c in row if c.value in ("+1+1", "@SUM(A1)")]
    assert len(cells) == 2 and all(c.data_type == "s" and c.quotePrefix for c in cells)


def test_tokens_expire_by_default_and_answers_warn_before(client, tree, settings):
    from datetime import timedelta

    from django.utils import timezone

    from branches.api_clients import api_client_create

    settings.API_TOKEN_DEFAULT_EXPIRY_DAYS = 365
    api_client, token = api_client_create(organization=tree.gb, name="默认有效期")
    assert api_client.expires_at is not None
    assert abs(api_client.expires_at - timezone.now() - timedelta(days=365)) < timedelta(minutes=1)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    response = client.get("/api/v1/organizations/", **auth)
    assert response.status_code == 200 and "Warning" not in response
    api_client.expires_at = timezone.now() + timedelta(days=10)
    api_client.save(update_fields=["expires_at"])
    response = client.get("/api/v1/organizations/", **auth)
    assert response.status_code == 200
    assert response["Warning"].startswith('299 - "API token expires at ') and "9 days left" in response["Warning"]
    assert response["Token-Expires"]


def test_demo_token_is_never_active_under_production_settings(client, tree, settings):
    from branches.api.authentication import DEMO_API_TOKEN
    from branches.api_clients import api_client_create

    settings.PORTAL_PRODUCTION = False
    api_client_create(organization=tree.root, name="演示", token=DEMO_API_TOKEN)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {DEMO_API_TOKEN}"}
    assert client.get("/api/v1/organizations/", **auth).status_code == 200
    settings.PORTAL_PRODUCTION = True      # a demo database under production settings
    assert client.get("/api/v1/organizations/", **auth).status_code == 401


def test_seed_never_issues_the_demo_token_under_production_settings(tree, settings):
    from branches import demo
    from branches.models import ApiClient

    settings.DEBUG, settings.PORTAL_DEMO, settings.PORTAL_PRODUCTION = False, True, True
    tree.root.code = demo.ROOT_CODE
    tree.root.save(update_fields=["code"])
    demo.seed_api_client()
    seeded = ApiClient.objects.get(name=demo.DEMO_API_CLIENT_NAME)
    from branches.api.authentication import hash_token

    assert seeded.token_hash != hash_token(demo.DEMO_API_TOKEN)


def test_users_change_their_own_password_in_chinese(client, tree):
    person = UserFactory(username="lisi")
    person.set_password("old-pass-2026x")
    person.save()
    client.force_login(person)
    page = client.get(reverse("password_change"))
    assert page.status_code == 200 and "修改密码" in page.content.decode()
    response = client.post(reverse("password_change"), {"old_password": "old-pass-2026x",
                                                        "new_password1": "new-pass-2026y",
                                                        "new_password2": "new-pass-2026y"})
    assert response.status_code == 302 and response["Location"] == reverse("password_change_done")
    person.refresh_from_db()
    assert person.check_password("new-pass-2026y")
    assert "修改密码" in client.get(reverse("home")).content.decode()    # reachable from every page


def test_forgotten_password_is_reset_by_mail(client, tree, mailoutbox):
    import re

    person = UserFactory(username="wangwu", email="wangwu@example.org")
    person.set_password("old-pass-2026x")
    person.save()
    assert client.post(reverse("password_reset"), {"email": "wangwu@example.org"}).status_code == 302
    link = re.search(r"https?://[^/]+(/accounts/password/reset/[^\s]+/)", mailoutbox[0].body).group(1)
    form = client.get(link, follow=True)
    assert "设置新密码" in form.content.decode()
    done = client.post(form.redirect_chain[-1][0], {"new_password1": "reset-pass-2026z",
                                                    "new_password2": "reset-pass-2026z"})
    assert done.status_code == 302
    person.refresh_from_db()
    assert person.check_password("reset-pass-2026z")
