"""Every page of each demo persona, on a laptop (1366×768) and a phone (390×844), in Chinese and in English.

Each page is screenshotted into var/test-artifacts/every-page/<language>/<persona>-<viewport>/ and the test fails on
- horizontal overflow of the page (the document wider than the window);
- a wide table that is not inside a scrolling .table-wrap marked as scrollable (portal.js: has-overflow + hint);
- untranslated interface text: English words in the Chinese UI, Chinese in the English UI's headings, labels,
  buttons, menus and table headers (data such as names is Chinese in both and is not checked).
Pages are the home page and every menu item the persona is shown (the demo data of `manage.py seed_demo`).
"""
import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from tests.e2e.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(django_settings.BASE_DIR) / "var" / "test-artifacts" / "every-page"
PERSONAS = ("staff", "secretary", "reviewer", "member", "agency")
VIEWPORTS = {"laptop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}
# ASCII words allowed in the Chinese UI: names of formats, standards and protocols people use as they are.
ALLOWED_ASCII = {"API", "OpenAPI", "Excel", "XLSX", "xlsx", "PDF", "DOCX", "Word", "CSV", "Bearer", "Authorization",
                 "curl", "ID", "QR", "Redis", "JSON", "URL", "HTTP", "HTTPS", "Swagger", "UI", "Token", "SQL", "MB",
                 "KB", "GB", "OK", "min"}  # "min": rate limits written as 600/min
CHROME = "th, label, button, .page-title, .nav-link, .card-title, .stat-label, legend, summary, .btn, .empty, .help"

PAGE_FACTS = """() => {
  const doc = document.documentElement;
  const wide = [];
  document.querySelectorAll("table").forEach((t) => {
    const box = t.parentElement;
    if (t.scrollWidth <= box.clientWidth + 1) return;
    const style = getComputedStyle(box);
    const scrolls = ["auto", "scroll"].includes(style.overflowX);
    if (!(box.classList.contains("table-wrap") && scrolls && box.classList.contains("has-overflow")))
      wide.push((t.querySelector("th") || t).innerText.slice(0, 30));
  });
  const visible = (el) => el.offsetParent !== null || el.getClientRects().length > 0;
  const chrome = Array.from(document.querySelectorAll("%CHROME%"))
    .filter(visible).map((el) => el.innerText.trim()).filter(Boolean);
  const options = Array.from(document.querySelectorAll("select[name=ordering] option")).map((o) => o.textContent);
  return {overflow: doc.scrollWidth - window.innerWidth, wide, chrome, options,
          text: document.body.innerText};
}""".replace("%CHROME%", CHROME)


def english_leaks(texts):
    words = set()
    for text in texts:
        for word in re.findall(r"[A-Za-z]{3,}", text):
            if word not in ALLOWED_ASCII:
                words.add(word)
    return words


def chinese_leaks(texts, data_names):
    """Interface text with Chinese left once the data in it (organization, member and user names) is taken out."""
    leaks = set()
    for text in texts:
        for name in data_names:
            if name in text:
                text = text.replace(name, "")
        if re.search(r"[\u4e00-\u9fff]", text):
            leaks.add(text)
    return leaks


def data_names():
    from django.contrib.auth import get_user_model

    from branches.models import Organization
    from members.models import Member

    names = set(Organization.objects.values_list("name", flat=True)) | set(Member.objects.values_list("name", flat=True))
    names |= {u.get_full_name() for u in get_user_model().objects.all()} - {""}
    return sorted(names, key=len, reverse=True)  # longest first: "区委办公室党支部" before "区委办公室"


@pytest.fixture
def demo(transactional_db):
    from django.core.management import call_command

    call_command("seed_demo", stdout=open("/dev/null", "w"))
    from members.demo import DEMO_PASSWORD

    assert_no_anachronisms()

    return DEMO_PASSWORD


def assert_no_anachronisms():
    """Nothing in the demo studies the 二十届四中全会 before it was held (2025-10-20..23)."""
    from datetime import date

    from orglife.models import Activity
    from practice.models import StudyPlanItem, StudyRecord

    held = date(2025, 10, 23)
    assert not Activity.objects.filter(title__contains="四中全会", held_on__lte=held).exists()
    assert not StudyRecord.objects.filter(topic__contains="四中全会", studied_on__lte=held).exists()
    assert not StudyPlanItem.objects.filter(topic__contains="四中全会", planned_on__lte=held).exists()


def menu_urls(page):
    urls = ["/"]
    for href in page.eval_on_selector_all("a.nav-link", "els => els.map(e => e.getAttribute('href'))"):
        if href and href not in urls:
            urls.append(href)
    return urls


def walk(browser, live_server, persona, viewport, password, language, names=()):
    ctx = browser.new_context(viewport=VIEWPORTS[viewport], locale="zh-CN", is_mobile=viewport == "phone",
                              has_touch=viewport == "phone")
    page = ctx.new_page()
    page.set_default_timeout(30_000)
    folder = ARTIFACTS / language / f"{persona}-{viewport}"
    folder.mkdir(parents=True, exist_ok=True)
    problems = []
    try:
        login(page, live_server, persona, password)
        for n, url in enumerate(menu_urls(page), 1):
            response = page.goto(live_server.url + url)
            page.wait_for_load_state("networkidle")
            name = re.sub(r"[^\w]+", "_", url).strip("_") or "home"
            page.screenshot(path=str(folder / f"{n:02d}-{name}.png"), full_page=True)
            where = f"{language} {persona} {viewport} {url}"
            if response.status != 200:
                problems.append(f"{where}: HTTP {response.status}")
                continue
            facts = page.evaluate(PAGE_FACTS)
            if facts["overflow"] > 1:
                problems.append(f"{where}: page {facts['overflow']} px wider than the window")
            if facts["wide"]:
                problems.append(f"{where}: wide table without a visible scroll container: {facts['wide']}")
            if language == "zh":
                leaks = english_leaks(facts["chrome"] + facts["options"])
                if leaks:
                    problems.append(f"{where}: English in the Chinese UI: {sorted(leaks)}")
            else:
                leaks = chinese_leaks(facts["chrome"], names)
                if leaks:
                    problems.append(f"{where}: Chinese in the English UI: {sorted(leaks)[:8]}")
    finally:
        ctx.close()
    return problems


@pytest.mark.parametrize("language", ["zh", "en"])
def test_every_page_fits_and_speaks_one_language(browser, live_server, demo, settings, language):
    if language == "en":
        settings.LANGUAGE_CODE = "en"
    problems, names = [], data_names()
    for persona in PERSONAS:
        for viewport in VIEWPORTS:
            problems += walk(browser, live_server, persona, viewport, demo, language, names)
    assert not problems, "\n".join(problems)
