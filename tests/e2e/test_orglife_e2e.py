"""Phone-sized browser test: the demo secretary logs a 支委会 with two absences and a photo, submits it, and sees it
counted in "what is due"; staff see the branch move in the compliance table."""
import io
from pathlib import Path

import pytest
from django.utils import timezone
from PIL import Image

# serialized_rollback: put back the rows data migrations seeded (activity types, rules, beat schedules) afterwards.
pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "orglife"
PASSWORD = "portal-demo-2026"
HOME = "JB01-Z1-01"


@pytest.fixture
def demo(settings, tmp_path):
    from branches import demo as branches_demo
    from members import demo as members_demo
    from orglife import demo as orglife_demo

    settings.MEDIA_ROOT = str(tmp_path)
    branches_demo.seed()
    members_demo.seed()
    orglife_demo.seed_activities()


def login(make_page, base, username, *, phone=False):
    page = make_page(phone=phone)
    page.goto(base + "/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")
    return page


def photo_bytes() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (1200, 900), (190, 30, 40)).save(buf, "JPEG")
    return buf.getvalue()


def committee_missing(page, base, period) -> int:
    page.goto(f"{base}/org/life/compliance/?period={period}")
    return int(page.locator(f'tr[data-org="{HOME}"] [data-missing]').inner_text())


def test_secretary_logs_committee_meeting_on_phone_and_staff_sees_it(live_server, demo, make_page):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    base = live_server.url
    period = timezone.localdate().strftime("%Y-%m")

    staff = login(make_page, base, "staff")
    before = committee_missing(staff, base, period)
    staff.screenshot(path=str(ARTIFACTS / "01-staff-compliance-before.png"), full_page=True)

    page = login(make_page, base, "secretary", phone=True)
    page.goto(base + "/org/life/")
    item = page.locator(f'.due-card[data-org="{HOME}"] .due-item[data-type="committee_meeting"]')
    assert item.locator(".due-count").inner_text() == "0"
    page.screenshot(path=str(ARTIFACTS / "02-secretary-due-before.png"), full_page=True)
    item.locator(".due-log").click()
    page.wait_for_selector("[data-activity-form]")

    tiles = page.locator(".check-item")
    expected = tiles.count()
    assert expected >= 3
    tiles.nth(1).locator(".check-tile").tap()
    tiles.nth(2).locator(".check-tile").tap()
    assert page.locator("[data-count-absent]").inner_text() == "2"
    page.set_input_files("input[name=photos]", files=[{"name": "会议现场.jpg", "mimeType": "image/jpeg",
                                                       "buffer": photo_bytes()}])
    page.screenshot(path=str(ARTIFACTS / "03-secretary-form.png"), full_page=True)
    page.click("button[name=submit]")
    page.wait_for_selector("[data-status=submitted]")
    assert page.locator(".attachment img").count() == 1
    assert not page.errors, page.errors
    page.screenshot(path=str(ARTIFACTS / "04-secretary-submitted.png"), full_page=True)

    from orglife.models import Activity, AttendanceStatus

    a = Activity.objects.get(organization__code=HOME, activity_type__code="committee_meeting",
                             held_on=timezone.localdate())
    assert a.attendances.filter(status=AttendanceStatus.ABSENT).count() == 2
    assert a.attendances.count() == expected

    page.goto(base + "/org/life/")
    item = page.locator(f'.due-card[data-org="{HOME}"] .due-item[data-type="committee_meeting"]')
    assert item.locator(".due-count").inner_text() == "1"
    assert "已完成" in item.inner_text()
    page.screenshot(path=str(ARTIFACTS / "05-secretary-due-after.png"), full_page=True)

    after = committee_missing(staff, base, period)
    staff.screenshot(path=str(ARTIFACTS / "06-staff-compliance-after.png"), full_page=True)
    assert after == before - 1
