"""Language: Chinese by default (unchanged), English via LANGUAGE; the English catalog covers every template string.

The Chinese source texts are the msgids, so the default pages are the source; locale/en holds the English catalog.
"""

import ast
import gettext
import html
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils.translation.template import templatize

from branches.models import Organization
from members.models import Member
from portal.settings.base import site_language

ROOT = Path(settings.BASE_DIR)
PO = ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
TEMPLATES = ROOT / "templates"
# Sample content of a PDF layout test (a fixed Chinese document), not UI.
NOT_UI_TEMPLATES = {"reports/pdf/sample.html"}
HAN = re.compile(r"[\u3400-\u9fff]+")


# --- the catalog ------------------------------------------------------------------------------------------------

def read_po(path: Path) -> list[dict]:
    """Entries of a .po file as dicts: msgctxt, msgid, msgstr, flags, obsolete."""
    entries, cur, key = [], None, None
    for raw in path.read_text(encoding="utf-8").splitlines() + [""]:
        line = raw.strip()
        if not line:
            cur, key = None, None
            continue
        if cur is None:
            cur = {"flags": set(), "obsolete": line.startswith("#~"), "msgctxt": None}
            entries.append(cur)
        if line.startswith("#~"):
            line = line[2:].strip()
        if line.startswith("#,"):
            cur["flags"] |= {f.strip() for f in line[2:].split(",")}
            continue
        if line.startswith("#"):
            continue
        m = re.match(r"^(msgctxt|msgid|msgstr) (\".*\")$", line)
        if m:
            key = m.group(1)
            cur[key] = ast.literal_eval(m.group(2))
        elif line.startswith('"') and key:
            cur[key] += ast.literal_eval(line)
    return [e for e in entries if "msgid" in e]


@pytest.fixture(scope="module")
def catalog():
    entries = [e for e in read_po(PO) if e["msgid"] and not e["obsolete"]]
    return {(e["msgctxt"], e["msgid"]): e for e in entries}


def template_paths():
    return sorted(p for p in TEMPLATES.rglob("*.html") if str(p.relative_to(TEMPLATES)) not in NOT_UI_TEMPLATES)


def template_msgids(path: Path) -> set[str]:
    """The msgids makemessages extracts from a template (same templatize() it uses)."""
    code = templatize(path.read_text(encoding="utf-8"), origin=str(path))
    ids = set()
    for m in re.finditer(r"""\b(?:gettext|_)\(u?('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")\)""", code):
        ids.add(ast.literal_eval(m.group(1)))
    return ids


def test_catalog_has_no_empty_or_fuzzy_entries(catalog):
    assert len(catalog) > 1000
    empty = [k for k, e in catalog.items() if not e["msgstr"].strip()]
    fuzzy = [k for k, e in catalog.items() if "fuzzy" in e["flags"]]
    assert not empty, f"untranslated: {empty[:10]}"
    assert not fuzzy, f"fuzzy: {fuzzy[:10]}"


def test_every_string_of_every_template_is_translated(catalog):
    """A new {% translate %}/{% blocktranslate %} string without an English msgstr fails here."""
    missing = []
    for path in template_paths():
        for msgid in template_msgids(path):
            entry = catalog.get((None, msgid))
            if entry is None or not entry["msgstr"].strip() or "fuzzy" in entry["flags"]:
                missing.append((str(path.relative_to(TEMPLATES)), msgid))
    assert not missing, f"run makemessages -l en and translate: {missing[:10]}"


def test_templates_have_no_unmarked_chinese():
    """Chinese text in a template must sit inside {% translate %}/{% blocktranslate %} (or _("...") in a tag)."""
    offenders = []
    for path in template_paths():
        src = path.read_text(encoding="utf-8")
        src = re.sub(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}|{#.*?#}", "", src, flags=re.S)
        src = re.sub(r"{%\s*blocktranslate\b.*?{%\s*endblocktranslate\s*%}", "", src, flags=re.S)
        src = re.sub(r"{%\s*translate\s+(\"[^\"]*\"|'[^']*')[^%]*%}", "", src)
        src = re.sub(r"""_\(("[^"]*"|'[^']*')\)""", "", src)
        for m in HAN.finditer(src):
            offenders.append((str(path.relative_to(TEMPLATES)), m.group(0)))
    assert not offenders, offenders[:10]


def test_placeholders_survive_translation(catalog):
    for (_ctxt, msgid), e in catalog.items():
        if "python-format" in e["flags"]:
            assert sorted(re.findall(r"%\(\w+\)s", msgid)) == sorted(re.findall(r"%\(\w+\)s", e["msgstr"])), msgid
        if "python-brace-format" in e["flags"]:
            assert set(re.findall(r"{\w*}", e["msgstr"])) <= set(re.findall(r"{\w*}", msgid)), msgid


def test_compiled_catalog_matches_the_po(catalog):
    """The committed .mo is what Django loads: it must be compiled from the current .po."""
    with MO.open("rb") as f:
        mo = gettext.GNUTranslations(f)._catalog
    for (ctxt, msgid), e in catalog.items():
        key = f"{ctxt}\x04{msgid}" if ctxt else msgid
        assert mo.get(key) == e["msgstr"], f"stale django.mo for {msgid!r}: run manage.py compilemessages"
    assert len([k for k in mo if k]) == len(catalog)


# --- choosing the language --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "code"), [
    ("", "zh-hans"), ("zh-hans", "zh-hans"), ("zh_CN.UTF-8", "zh-hans"), ("fr", "zh-hans"),
    ("en", "en"), ("EN", "en"), ("en_US.UTF-8", "en"), ("en_US:en", "en"), ("en-gb", "en"),
])
def test_language_variable(value, code):
    assert site_language(value) == code


@pytest.mark.django_db
def test_browser_language_does_not_switch_the_site(client):
    r = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    body = r.content.decode()
    assert '<html lang="zh-hans">' in body and "请使用您的工作账号登录。" in body
    assert r["Content-Language"] == "zh-hans"


# --- pages ------------------------------------------------------------------------------------------------------

UI_PARTS = re.compile(
    r"<(title|h1|h2|h3|th|label|button|dt|summary|legend)\b[^>]*>(.*?)</\1>"
    r"|<nav\b[^>]*>(.*?)</nav>"
    r"|class=\"(?:card-title|stat-label|page-title|nav-section|btn\b[^\"]*)\"[^>]*>(.*?)</",
    re.S,
)


def ui_chinese(body: str, user_data: set[str]) -> set[str]:
    """Chinese runs in titles, navigation, headings, labels and buttons that are not user data."""
    body = re.sub(r"<select\b.*?</select>", "", body, flags=re.S)  # options list organizations and people
    found = set()
    for m in UI_PARTS.finditer(body):
        text = html.unescape(re.sub(r"<[^>]+>", " ", next(g for g in m.groups()[1:] if g is not None)))
        for datum in sorted(user_data, key=len, reverse=True):
            text = text.replace(datum, " ")
        found |= set(HAN.findall(text))
    return found


def user_data() -> set[str]:
    names = set(Organization.objects.values_list("name", flat=True))
    names |= set(Organization.objects.exclude(short_name="").values_list("short_name", flat=True))
    names |= set(Member.objects.values_list("name", flat=True))
    return names


def pages(tree, members):
    org = tree.a1
    return {
        "staff": [
            ("home", [], ["Dashboard", "Organization tree", "Member registry", "General party branch"]),
            ("branches:tree", [], ["Organization tree", "Show party groups"]),
            ("branches:detail", [org.pk], ["Members on registry", "Committee (current)", "Register a member"]),
            ("branches:warnings", [], ["Organization warnings"]),
            ("members:list", [], ["Member registry", "Export Excel", "Date of birth"]),
            ("members:detail", [members.a1.pk], ["Member details", "Membership status"]),
            ("members:create", [], ["Register a member", "Date of birth"]),
            ("orglife:activity_create", [], ["Log organizational life", "Activity type"]),
            ("orglife:compliance", [], ["Organizational life compliance", "Export Excel"]),
            ("orglife:attendance", [], ["Attendance statistics"]),
            ("evaluations:cycle_list", [], ["Star rating", "No evaluation cycles yet"]),
            ("evaluations:standard_list", [], ["Evaluation standards"]),
            ("evaluations:rectification_list", [], ["Rectifications"]),
            ("reports:organization", [tree.root.pk], ["Work reports", "Generate a report"]),
            ("members:development", [], ["Member development"]),
            ("members:transfers", [], ["Membership transfers"]),
            ("practice:home", [], ["Practice overview", "Strong political function"]),
        ],
        "secretary": [
            ("home", [], ["Shortcuts", "Branch page", "Members on registry"]),
            ("branches:detail", [org.pk], ["Overview", "Organization code"]),
            ("members:list", [], ["Member registry"]),
            ("orglife:orglife", [org.pk], ["organizational life", "Heart-to-heart talks"]),
            ("orglife:due", [], ["Organizational life to-do"]),
        ],
        "reviewer": [
            ("home", [], ["Dashboard"]),
            ("evaluations:worklist", [], ["My reviews"]),
        ],
    }


@pytest.mark.django_db
def test_main_pages_of_each_role_in_english(client, settings, tree, users, members):
    settings.LANGUAGE_CODE = "en"
    data = user_data()
    problems = []
    for role, role_pages in pages(tree, members).items():
        client.force_login(getattr(users, role))
        for name, args, expected in role_pages:
            r = client.get(reverse(name, args=args))
            assert r.status_code == 200, (role, name, r.status_code)
            body = r.content.decode()
            assert '<html lang="en">' in body
            for text in expected:
                if text not in body:
                    problems.append((role, name, f"missing {text!r}"))
            left = ui_chinese(body, data)
            if left:
                problems.append((role, name, sorted(left)))
    assert not problems, problems


@pytest.mark.django_db
def test_login_and_error_pages_in_english(client, settings, users):
    settings.LANGUAGE_CODE = "en"
    r = client.get(reverse("login"))
    assert "Sign in with your work account." in r.content.decode()
    assert not HAN.search(r.content.decode())
    client.force_login(users.secretary)
    r = client.get("/org/999999/")
    main = r.content.decode().split('<main id="main"', 1)[1]  # the top bar shows the user's (Chinese) name
    assert r.status_code == 404 and "The page does not exist or you may not access it" in main
    assert not HAN.search(main)
    r = client.get(reverse("branches:grants"))
    assert r.status_code == 403 and "Access denied" in r.content.decode()


@pytest.mark.django_db
def test_choices_and_model_labels_follow_the_language(settings):
    from django.utils import translation

    from branches.models import OrganizationKind

    with translation.override("en"):
        assert str(OrganizationKind.GENERAL_BRANCH.label) == "General party branch"
        assert str(Member._meta.get_field("birth_date").verbose_name) == "Date of birth"
    with translation.override("zh-hans"):
        assert str(OrganizationKind.GENERAL_BRANCH.label) == "党总支"


@pytest.mark.django_db
def test_default_language_keeps_the_chinese_texts(client, tree, users, members):
    assert settings.LANGUAGE_CODE == "zh-hans"
    client.force_login(users.staff)
    body = client.get(reverse("home")).content.decode()
    assert '<html lang="zh-hans">' in body
    for text in ["工作台", "组织架构", "党员名册", "组织建设提醒", "四强党支部建设门户", "在册党员（预备党员 "]:
        assert text in body
    body = client.get(reverse("members:list")).content.decode()
    for text in ["<title>党员名册 - 四强党支部建设门户</title>", "导出 Excel", "出生日期", "没有符合条件的党员。"
                 if not Member.objects.exists() else "共 3 人"]:
        assert text in body
    body = client.get(reverse("branches:detail", args=[tree.a1.pk])).content.decode()
    for text in ["基本信息", "组织编码", "委员会（现任）", "查看党员名册 ›"]:
        assert text in body
    assert not re.search(r"\b(Dashboard|Member registry|Sign out)\b", body)


@pytest.mark.django_db
def test_service_refusals_follow_the_language(tree, users):
    """Errors raised in services (shown on forms and in API 400s) are English under LANGUAGE=en, Chinese by default."""
    from django.core.exceptions import ValidationError
    from django.utils import translation

    from evaluations import services
    from tests.evaluations.factories import make_cycle, small_standard

    ev = make_cycle(tree.root, small_standard(tree.root, users.staff)[0], users.staff).evaluations.get(
        organization=tree.a1)
    with translation.override("en"), pytest.raises(ValidationError) as en:
        services.review_close(evaluation=ev, by=users.staff)
    assert en.value.messages == [
        "The current step is “Self-assessment”; “Submit for Party committee approval” is not possible now."]
    with pytest.raises(ValidationError) as zh:
        services.review_close(evaluation=ev, by=users.staff)
    assert zh.value.messages == ["当前环节为“自评”，不能执行“提交党委审定”。"]
    with translation.override("en"):   # module-level messages are lazy: rendered in the language of the response
        with pytest.raises(ValidationError) as en:
            services.committee_return(evaluation=ev, by=users.staff, reason=" ")
        assert en.value.message_dict == {"reason": ["Please give the reason."]}
    with pytest.raises(ValidationError) as zh:
        services.committee_return(evaluation=ev, by=users.staff, reason=" ")
    assert zh.value.message_dict == {"reason": ["请填写原因。"]}


# --- texts from views, services, filters and report jobs (not templates) -----------------------------------------

CJK_OK_CALLS = {"Column", "Sheet", "xlsx_response", "members_xlsx_response",   # XLSX exchange formats and documents
                "extend_schema", "extend_schema_field", "OpenApiParameter"}    # OpenAPI description for the agencies
GETTEXT_CALLS = {"_", "gettext", "gettext_lazy", "pgettext", "pgettext_lazy", "ngettext", "ngettext_lazy",
                 "gettext_noop", "format_lazy"}
STORED_KEYWORDS = {"reason"}   # texts a view hands to a service that stores them (history), in the data language
SOURCE_EXCEPTIONS = {("branches/filters.py", "{description}；授权范围外的组织为 400。")}   # OpenAPI text only


def unwrapped_chinese(path: Path) -> list[str]:
    """Chinese string literals outside gettext calls (docstrings and the allowed calls above excepted)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}

    def call_name(call):
        f = call.func
        return f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""

    name = str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else path.name
    found, seen = [], set()
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Constant) and isinstance(node.value, str) and HAN.search(node.value)):
            continue
        parent = parents.get(node)
        if isinstance(parent, ast.Expr):
            continue   # docstring
        if isinstance(parent, ast.JoinedStr):   # an f-string: one finding, shown with its placeholders
            if id(parent) in seen:
                continue
            seen.add(id(parent))
            text = ast.unparse(parent)[2:-1]
        else:
            text = node.value
        while parent is not None:
            if isinstance(parent, ast.Call) and call_name(parent) in GETTEXT_CALLS | CJK_OK_CALLS:
                break
            if isinstance(parent, ast.keyword) and parent.arg in STORED_KEYWORDS:
                break
            parent = parents.get(parent)
        else:
            if (name, text) not in SOURCE_EXCEPTIONS:
                found.append(f"{name}:{node.lineno}: {text[:50]}")
    return found


def test_unwrapped_chinese_finds_an_f_string(tmp_path):
    sample = tmp_path / "views.py"
    sample.write_text('from django.utils.translation import gettext as _\n"""文档。"""\n'
                      'A = _("已保存。")\nB = f"已登记 {n} 人。"\nC = Column("姓名", "name")\n'
                      'D = {"x": "未通过"}\n', encoding="utf-8")
    assert unwrapped_chinese(sample) == ["views.py:4: 已登记 {n} 人。", "views.py:6: 未通过"]


def test_views_forms_and_filters_have_no_unwrapped_chinese():
    """Flash and denial messages, page titles, form and filter labels all go through the catalog."""
    paths = {p for pattern in ("*/*views*.py", "*/*forms.py", "*/*filters.py", "*/pii_log.py") for p in ROOT.glob(pattern)}
    assert len(paths) > 20
    offenders = [o for p in sorted(paths) for o in unwrapped_chinese(p)]
    assert not offenders, offenders


LIFECYCLE_PAGES = [
    ("members:dues", [], ["Party dues"], ["党费收缴"]),
    ("members:appraisals", [], ["Democratic appraisal of members"], ["民主评议党员"]),
    ("members:points", [], ["Member points"], ["党员积分"]),
    ("members:points_entries", [], ["Points entry and review"], ["积分录入与审核"]),
    ("members:birthdays", [], ["Political birthdays"], ["政治生日"]),
    ("members:due", [], ["Member development items due"], ["发展党员到期事项"]),
    ("members:transfer_initiate", ["a1"], ["Membership transfer: 甲一党员"], ["组织关系转接："]),
    ("members:status_change", ["a1"], ["Change of membership status: 甲一党员"], ["党员身份变化："]),
    ("members:mobile", ["a1"], ["Mobile member: 甲一党员"], ["流动党员："]),
    ("members:edit", ["a1"], ["Edit 甲一党员"], ["编辑 "]),
    ("members:move", ["a1"], ["Change of branch: 甲一党员"], ["组织关系调整："]),
    ("members:deactivate", ["a1"], ["Leaving the registry: 甲一党员"], ["办理离开："]),
]


@pytest.mark.django_db
def test_member_lifecycle_pages_in_english(client, settings, tree, users, members):
    settings.LANGUAGE_CODE = "en"
    data = user_data()
    client.force_login(users.staff)
    problems = []
    for name, args, present, absent in LIFECYCLE_PAGES:
        r = client.get(reverse(name, args=[getattr(members, a).pk for a in args]))
        assert r.status_code == 200, name
        body = r.content.decode()
        problems += [(name, f"missing {t!r}") for t in present if t not in body]
        problems += [(name, f"still {t!r}") for t in absent if t in body]
        left = ui_chinese(body, data)
        if left:
            problems.append((name, sorted(left)))
    assert not problems, problems


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


@pytest.mark.django_db
def test_lifecycle_flash_messages_and_form_errors_in_english(client, settings, tree, users, members):
    from members.models import AppraisalRound

    settings.LANGUAGE_CODE = "en"
    client.force_login(users.secretary)
    r = client.post(reverse("members:transfer_initiate", args=[members.a1.pk]),
                    {"kind": "internal", "to_branch_code": tree.b1.code, "on": "2026-01-05", "reason": "调动"},
                    follow=True)
    assert _messages(r) == [f"Transfer initiated; waiting for {tree.b1.name} to accept."]

    r = client.post(reverse("members:appraisals"), {"branch": tree.a1.pk, "year": 2025}, follow=True)
    rnd = AppraisalRound.objects.get(branch=tree.a1, year=2025)
    body = r.content.decode()
    assert f"{tree.a1.name} democratic appraisal 2025" in body and "年度民主评议" not in body
    entry = rnd.entries.first()
    r = client.post(reverse("members:appraisal", args=[rnd.pk]), {f"excellent-{entry.pk}": "abc"})
    body = r.content.decode()
    assert "Peer votes must be whole numbers, zero or more." in body and "互评票数" not in body

    client.force_login(users.staff)
    r = client.post(reverse("members:dues_generate"), {"month": "2026-01"}, follow=True)
    assert len(_messages(r)) == 1 and _messages(r)[0].startswith("2026-01: ")
    assert "new dues records generated" in _messages(r)[0]
    settings.LANGUAGE_CODE = "zh-hans"
    r = client.post(reverse("members:dues_generate"), {"month": "2026-01"}, follow=True)
    assert _messages(r) == ["2026年01月：新生成 0 条党费记录（已有的不会重复生成）。"]


@pytest.mark.django_db
def test_filter_labels_and_validation_errors_follow_the_language(tree, members):
    from django.core.exceptions import ValidationError
    from django.utils import translation

    from members.filters import MemberFilterSet
    from orglife.filters import ActivityFilterSet

    with translation.override("en"):
        form = ActivityFilterSet(data={}).form
        assert form.fields["q"].label == "Subject / topics / place"
        assert dict(form.fields["active"].choices)["0"] == "Voided"
        assert "Branch" in dict(MemberFilterSet(data={}).form.fields["ordering"].choices).values()
        member = members.a1
        member.birth_date = member.joined_on
        with pytest.raises(ValidationError) as exc:
            member.full_clean()
        assert "A member must be at least 18 years old on joining." in exc.value.message_dict["joined_on"]
    with translation.override("zh-hans"):
        assert ActivityFilterSet(data={}).form.fields["q"].label == "主题/议题/地点"


@pytest.mark.django_db
def test_report_job_stage_is_shown_in_the_site_language(client, settings, tree, users):
    from reports.models import ReportJob, stage_label

    job = ReportJob.objects.create(kind="branch-monthly", organization=tree.a1, period="2026-01", format="pdf",
                                   status="running", progress=40, stage="读取组织生活记录", requested_by=users.staff)
    settings.LANGUAGE_CODE = "en"
    client.force_login(users.staff)
    body = client.get(reverse("reports:job", args=[job.pk])).content.decode()
    assert "Reading organizational-life records" in body and "读取组织生活记录" not in body
    from django.utils import translation

    with translation.override("en"):
        assert stage_label("分支部统计 3/12") == "Branch figures 3/12"
        assert stage_label("") == ""
    with translation.override("zh-hans"):
        assert stage_label("分支部统计 3/12") == "分支部统计 3/12"


@pytest.mark.django_db
def test_report_documents_are_built_in_chinese_and_failures_told_in_the_site_language(tree, users):
    """Report bodies are submitted upward in Chinese whatever LANGUAGE is; the failure shown on the page is not."""
    from django.core.exceptions import ValidationError
    from django.utils import translation

    from reports import periods, tasks
    from reports.models import ReportJob

    job = ReportJob.objects.create(kind="branch-monthly", organization=tree.a1, period="2026-01", format="pdf",
                                   status="running", requested_by=users.staff)
    seen = []

    def build():
        seen.append(translation.get_language())
        raise ValidationError(periods.PERIOD_FORMAT_ERROR)

    with translation.override("en"):
        tasks._guarded(job.pk, build)
        assert translation.get_language() == "en"
    job.refresh_from_db()
    assert seen == ["zh-hans"]
    assert job.status == "failed" and job.error == "The period must be written 2025, 2025-Q3 or 2025-09."


@pytest.mark.django_db
def test_api_errors_in_english(client, settings, users):
    settings.LANGUAGE_CODE = "en"
    r = client.get("/api/v1/no-such-thing/")
    assert r.status_code == 404 and r.json()["detail"] == "No such API endpoint."
    r = client.get("/api/v1/organizations/", HTTP_AUTHORIZATION="Bearer sz_not-a-real-token-at-all")
    assert r.status_code == 401 and r.json()["detail"] == "Invalid token."
    settings.LANGUAGE_CODE = "zh-hans"
    assert client.get("/api/v1/no-such-thing/").json()["detail"] == "接口地址不存在。"


@pytest.mark.django_db
def test_compliance_period_errors_follow_the_language(client, settings, users):
    """The period check sits in the compliance engine; its 400 answers in the site language."""
    client.force_login(users.staff)
    settings.LANGUAGE_CODE = "en"
    r = client.get("/api/v1/compliance/", {"period": "0000"})
    assert r.status_code == 400 and r.json()["fields"]["period"] == ["The period's year must be between 1921 and 2100."]
    settings.LANGUAGE_CODE = "zh-hans"
    r = client.get("/api/v1/compliance/", {"period": "0000"})
    assert r.json()["fields"]["period"] == ["期间年份应在 1921 至 2100 之间。"]
