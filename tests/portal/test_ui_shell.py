"""The UI shell: base.html navigation, CSP-safe markup, shared includes and presentation template tags."""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.models import AnonymousUser, User
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core.paginator import Paginator
from django.forms.utils import ErrorDict
from django.template import Context, Template, engines
from django.template.loader import render_to_string
from django.test import RequestFactory

from portal import navigation
from portal.context_processors import navigation as navigation_context
from portal.templatetags.portal_tags import mask_phone, percent, stars, width_class

pytestmark = pytest.mark.urls("tests.portal.urls")

PAGE = """{% extends "base.html" %}
{% block title %}党员名册{% endblock %}
{% block page_title %}党员名册{% endblock %}
{% block page_actions %}<a class="btn btn-primary" href="#">新增</a>{% endblock %}
{% block content %}<p id="body">正文</p>{{ chart|json_script:"chart-data" }}{% endblock %}
"""


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def find(self, tag, **attrs):
        return [a for t, a in self.tags if t == tag and all(a.get(k) == v for k, v in attrs.items())]


def parse(html: str) -> _Tags:
    p = _Tags()
    p.feed(html)
    return p


@pytest.fixture
def nav(monkeypatch):
    """An empty navigation registry for the test, restored afterwards."""
    monkeypatch.setattr(navigation, "_registry", {})
    navigation.register("members", "党员名册", "members-list", order=20, section="组织建设", icon="users")
    navigation.register("moves", "组织关系转接", "members-moves", order=30, section="组织建设")
    navigation.register("tree", "组织架构", "branches-tree", order=10, section="组织建设", icon="tree")
    navigation.register("admin", "系统管理", "admin-only", order=90, visible=lambda user: user.is_superuser)
    return navigation


@pytest.fixture
def member_user():
    return User(username="zhangwei", first_name="张伟", is_active=True)


def make_request(path="/members/", user=None, query=None):
    request = RequestFactory().get(path, query or {})
    request.user = user if user is not None else AnonymousUser()
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


def render_page(request, source=PAGE, **context):
    return engines["django"].from_string(source).render({"chart": {"a": 1}, **context}, request)


# --- navigation registry -----------------------------------------------------------------------


def test_anonymous_sees_no_navigation_and_a_login_link(nav):
    html = render_page(make_request())
    tags = parse(html)
    assert 'id="sidebar"' not in html
    assert "党员名册</span>" not in html
    assert tags.find("a", href="/accounts/login/")
    assert not tags.find("form", action="/accounts/logout/")


def test_signed_in_user_sees_permitted_items_in_order_with_the_current_one_active(nav, member_user):
    html = render_page(make_request("/members/", member_user))
    tags = parse(html)
    links = [a for a in tags.find("a") if "data-nav-key" in a]
    assert [a["data-nav-key"] for a in links] == ["tree", "members", "moves"]
    assert "系统管理" not in html  # visible() said no
    active = [a["data-nav-key"] for a in links if a.get("aria-current") == "page"]
    assert active == ["members"]
    assert html.count('class="nav-section"') == 1  # one heading for the shared section
    assert "张伟" in html


def test_superuser_sees_admin_only_item(nav):
    admin = User(username="root", is_superuser=True, is_active=True)
    keys = [i.key for i in navigation.items_for(make_request("/", admin))]
    assert "admin" in keys


def test_longest_url_prefix_wins_the_active_flag(nav, member_user):
    items = navigation.items_for(make_request("/members/moves/12/", member_user))
    assert {i.key: i.active for i in items} == {"tree": False, "members": False, "moves": True}


def test_root_url_is_active_only_on_the_root(nav, member_user):
    navigation.register("home", "工作台", "home", order=1)
    assert [i.key for i in navigation.items_for(make_request("/", member_user)) if i.active] == ["home"]
    assert [i.key for i in navigation.items_for(make_request("/members/", member_user)) if i.active] == ["members"]


def test_unresolvable_url_name_is_skipped_not_fatal(nav, member_user):
    navigation.register("broken", "未接线页面", "no-such-url")
    keys = [i.key for i in navigation.items_for(make_request("/", member_user))]
    assert "broken" not in keys and "members" in keys


def test_registering_a_key_again_replaces_it(nav, member_user):
    navigation.register("members", "党员", "members-list", order=20)
    labels = [i.label for i in navigation.items_for(make_request("/", member_user)) if i.key == "members"]
    assert labels == ["党员"]


def test_context_processor_survives_a_request_without_user(nav):
    request = RequestFactory().get("/")
    assert list(navigation_context(request)["nav_items"]) == []


# --- base.html: CSP, CSRF, logout, messages ----------------------------------------------------


@pytest.mark.parametrize("signed_in", [False, True])
def test_no_inline_script_or_style_attribute(nav, member_user, signed_in):
    html = render_page(make_request(user=member_user if signed_in else None))
    tags = parse(html)
    scripts = tags.find("script")
    assert scripts, "base.html loads its scripts"
    for attrs in scripts:
        assert attrs.get("src") or attrs.get("type") == "application/json", attrs
    assert all("style" not in attrs for _, attrs in tags.tags)
    assert tags.find("script", type="application/json", id="chart-data")


def test_scripts_are_deferred_and_htmx_comes_first(nav, member_user):
    srcs = [a for a in parse(render_page(make_request(user=member_user))).find("script") if a.get("src")]
    assert [s["src"] for s in srcs] == ["/static/vendor/htmx.min.js", "/static/js/portal.js", "/static/js/picker.js"]
    assert all("defer" in s for s in srcs)


def test_csrf_meta_tag_carries_the_token_and_logout_is_a_post_form(nav, member_user):
    html = render_page(make_request(user=member_user))
    tags = parse(html)
    meta = tags.find("meta", name="csrf-token")
    assert meta and len(meta[0]["content"]) >= 32
    assert tags.find("html", lang="zh-hans")
    logout = tags.find("form", action="/accounts/logout/")
    assert logout and logout[0]["method"] == "post"
    assert tags.find("input", name="csrfmiddlewaretoken")


def test_messages_render_as_alerts_by_level(nav, member_user):
    request = make_request(user=member_user)
    messages.success(request, "已保存")
    messages.error(request, "保存失败")
    messages.warning(request, "请注意")
    html = render_page(request)
    assert 'class="alert alert-success' in html and "已保存" in html
    assert 'class="alert alert-error' in html and "保存失败" in html
    assert 'class="alert alert-warn' in html


def test_templates_contain_no_inline_style_or_script_blocks():
    """CSP (script-src/style-src 'self') would silently block these in the browser."""
    for path in Path(settings.BASE_DIR, "templates").rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"\sstyle\s*=", text), path
        assert not re.search(r"<style[\s>]", text, re.IGNORECASE), path
        assert not re.search(r"\son[a-z]+\s*=\s*[\"']", text), f"inline event handler in {path}"
        for head in re.findall(r"<script([^>]*)>", text, re.IGNORECASE):
            assert "src=" in head or "application/json" in head, path


# --- includes ------------------------------------------------------------------------------------


class _MemberForm(forms.Form):
    name = forms.CharField(label="姓名")
    phone = forms.CharField(label="手机号", required=False, help_text="11 位手机号码")
    agree = forms.BooleanField(label="已核对", required=False)

    def clean(self):
        raise forms.ValidationError("转入日期不能早于入党日期。")


def test_form_include_shows_summary_field_errors_help_and_required_marker():
    form = _MemberForm(data={"name": ""})
    form.is_valid()
    html = Template('{% include "includes/form.html" with form=form %}').render(Context({"form": form}))
    assert "请修正以下问题：" in html
    assert "转入日期不能早于入党日期。" in html
    assert 'id="field-name"' in html and "has-error" in html.split('id="field-name"')[0].rsplit("<div", 1)[1]
    assert 'aria-invalid="true"' in html
    assert 'id="id_phone_helptext"' in html
    assert html.count('class="req"') == 1  # only 姓名 is required


def test_form_include_without_errors_has_no_summary():
    html = Template('{% include "includes/form.html" with form=form %}').render(Context({"form": _MemberForm()}))
    assert "请修正以下问题" not in html


def test_pagination_keeps_filters_and_marks_current_page():
    request = make_request("/members/", query={"status": "full", "page": "3"})
    page = Paginator(list(range(200)), 20).page(3)
    html = render_to_string("includes/pagination.html", {"page_obj": page}, request)
    assert 'href="?status=full&amp;page=2"' in html
    assert 'href="?status=full&amp;page=4"' in html
    assert 'aria-current="page">3<' in html
    assert "共 200 条" in html


def test_pagination_hidden_for_a_single_page():
    page = Paginator([1, 2], 20).page(1)
    html = render_to_string("includes/pagination.html", {"page_obj": page}, make_request())
    assert "page-link" not in html


def test_filters_include_has_submit_and_reset():
    class F(forms.Form):
        q = forms.CharField(label="关键词", required=False)

    html = render_to_string("includes/filters.html", {"form": F()}, make_request("/members/"))
    tags = parse(html)
    assert tags.find("form", method="get", **{"class": "filters"})
    assert "筛选" in html and tags.find("a", href="/members/")


def test_login_page_says_wrong_credentials_in_chinese():
    request = make_request("/accounts/login/")
    form = AuthenticationForm(request, data={"username": "x", "password": "y"})
    form._errors = ErrorDict()  # no DB: attach the error the view would produce
    form.cleaned_data = {}
    form.add_error(None, forms.ValidationError("wrong", code="invalid_login"))
    html = render_to_string("registration/login.html", {"form": form}, request)
    assert "用户名或密码不正确" in html
    assert "登录" in html and "密码" in html


def test_error_pages_render():
    assert "页面不存在或您无权访问" in render_to_string("404.html", {}, make_request("/x/"))
    assert "403" in render_to_string("403.html", {}, make_request("/x/"))
    assert "系统暂时出现问题" in render_to_string("500.html")  # no request, no context
    locked = render_to_string("registration/locked_out.html", {}, make_request("/accounts/login/"))
    assert "登录失败次数过多，请 30 分钟后再试或联系管理员。" in locked


# --- template tags ------------------------------------------------------------------------------


def render_tag(source, request):
    return Template("{% load portal_tags %}" + source).render(Context({"request": request}))


def test_query_replace_keeps_other_params_and_replaces_the_given_one():
    request = make_request("/members/", query={"status": "full", "kind": ["a", "b"], "page": "2"})
    out = render_tag("{% query_replace page=5 %}", request)
    assert out.startswith("?")
    params = out[1:].replace("&amp;", "&").split("&")
    assert sorted(params) == sorted(["status=full", "kind=a", "kind=b", "page=5"])


def test_query_replace_drops_a_param_given_none_and_escapes_values():
    request = make_request("/members/", query={"q": "张 三&x", "page": "2"})
    out = render_tag("{% query_replace page=None %}", request)
    assert "page=" not in out
    assert out == "?q=%E5%BC%A0+%E4%B8%89%26x"


def test_query_replace_without_a_request():
    assert Template("{% load portal_tags %}{% query_replace page=2 %}").render(Context({})) == "?page=2"


@pytest.mark.parametrize(
    ("value", "expected"),
    [(3, "★★★☆☆"), (0, "☆☆☆☆☆"), (5, "★★★★★"), (7, "★★★★★"), (-1, "☆☆☆☆☆"), ("4", "★★★★☆"), (None, ""), ("x", "")],
)
def test_stars(value, expected):
    assert stars(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0.834, "83.4%"), (1, "100.0%"), (0, "0.0%"), ("0.5", "50.0%"), (0.83456, "83.5%"), (None, "—"), ("abc", "—")],
)
def test_percent(value, expected):
    assert percent(value) == expected


def test_percent_digits_argument():
    assert percent(0.8345, 0) == "83%"
    assert percent(0.8345, 2) == "83.45%"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("13812345678", "138****5678"),
        ("+8613812345678", "+86*******5678"),
        ("8123456", "***3456"),
        ("12", "**"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_phone(value, expected):
    assert mask_phone(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"), [(0.834, "w-85"), (0.82, "w-80"), (0, "w-0"), (1.4, "w-100"), (None, "w-0")]
)
def test_width_class(value, expected):
    assert width_class(value) == expected


def test_star_rating_tag_is_accessible():
    html = Template("{% load portal_tags %}{% star_rating 3 %}").render(Context({}))
    assert 'aria-label="3 星（共 5 星）"' in html and "★★★" in html and "☆☆" in html
