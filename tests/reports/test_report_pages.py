"""Reports pages and API: who sees, requests and downloads what; htmx polling; denials are 404."""
from pathlib import Path

import pytest
from django.urls import reverse

from reports.models import JobStatus, ReportJob, ReportPlan

pytestmark = pytest.mark.django_db


@pytest.fixture
def done_jobs(run_request, tree, branch_data):
    a1 = run_request(organization=tree.a1, kind="branch-monthly", period="2025-09", fmt="xlsx").job
    b1 = run_request(organization=tree.b1, kind="branch-monthly", period="2025-09", fmt="xlsx").job
    assert a1.status == b1.status == JobStatus.DONE
    return a1, b1


def test_secretary_requests_a_report_on_the_page(client, users, tree, branch_data, eager,
                                                  django_capture_on_commit_callbacks):
    client.force_login(users.secretary)
    url = reverse("reports:organization", args=[tree.a1.pk])
    page = client.get(url)
    assert page.status_code == 200 and "年度党支部工作报告" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"kind": "branch-monthly", "period": "2025-09", "format": "xlsx"})
    assert response.status_code == 302
    job = ReportJob.objects.get()
    assert job.status == JobStatus.DONE and job.requested_by == users.secretary
    html = client.get(url).content.decode()
    assert reverse("reports:download", args=[job.pk]) in html and "已完成" in html


def test_bad_period_shows_the_form_error(client, users, tree):
    client.force_login(users.secretary)
    response = client.post(reverse("reports:organization", args=[tree.a1.pk]),
                           {"kind": "branch-monthly", "period": "2025", "format": "pdf"})
    assert response.status_code == 400 and "2025-09" in response.content.decode()
    assert not ReportJob.objects.exists()


def test_page_polls_only_while_a_job_is_active(client, users, tree, branch_data, django_capture_on_commit_callbacks):
    client.force_login(users.staff)
    with django_capture_on_commit_callbacks(execute=False):
        from reports.services import report_request

        job = report_request(organization=tree.a1, kind="branch-annual", period="2025").job
    ReportJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, progress=40, stage="读取党建实践记录")
    fragment = client.get(reverse("reports:jobs", args=[tree.a1.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 2s"' in fragment and 'data-width="40"' in fragment and "读取党建实践记录" in fragment
    ReportJob.objects.filter(pk=job.pk).update(status=JobStatus.FAILED, error="报告模板有误，无法排版：x")
    fragment = client.get(reverse("reports:jobs", args=[tree.a1.pk])).content.decode()
    assert "hx-trigger" not in fragment and "报告模板有误" in fragment


def test_pages_have_no_inline_script(client, users, tree, done_jobs):
    client.force_login(users.staff)
    html = client.get(reverse("reports:organization", args=[tree.a1.pk])).content.decode()
    import re

    inline = [s for s in re.findall(r"<script([^>]*)>", html) if "src=" not in s and "json" not in s]
    assert inline == []


@pytest.mark.parametrize(("who", "branch", "status"), [
    ("staff", "a1", 200), ("staff", "b1", 200), ("staff_a", "a1", 200), ("staff_a", "b1", 404),
    ("secretary", "a1", 200), ("secretary", "b1", 404), ("reviewer", "b1", 200), ("nobody", "a1", 403),
])
def test_download_is_scoped(client, users, tree, done_jobs, who, branch, status):
    a1, b1 = done_jobs
    job = a1 if branch == "a1" else b1
    client.force_login(getattr(users, who))
    response = client.get(reverse("reports:download", args=[job.pk]))
    assert response.status_code == status
    if status == 200:
        assert response["Content-Disposition"].startswith("attachment;")
        assert b"".join(response.streaming_content) == Path(job.file.path).read_bytes()


def test_agency_accounts_have_no_pages(client, users, tree, done_jobs):
    client.force_login(users.agency)
    assert client.get(reverse("reports:download", args=[done_jobs[1].pk])).status_code == 403


def test_pages_outside_scope_are_404(client, users, tree, done_jobs):
    client.force_login(users.secretary)
    assert client.get(reverse("reports:organization", args=[tree.b1.pk])).status_code == 404
    assert client.get(reverse("reports:job", args=[done_jobs[1].pk])).status_code == 404
    assert client.post(reverse("reports:regenerate", args=[done_jobs[1].pk])).status_code == 404
    assert client.get(reverse("reports:index") + f"?organization={tree.b1.pk}").status_code == 404
    html = client.get(reverse("reports:organization", args=[tree.a1.pk])).content.decode()
    assert tree.b1.name not in html


def test_staff_page_lists_subtree_jobs(client, users, tree, done_jobs):
    client.force_login(users.staff)
    html = client.get(reverse("reports:organization", args=[tree.root.pk])).content.decode()
    assert tree.a1.name in html and tree.b1.name in html
    assert "四强党支部建设工作汇报" in html  # committee kinds offered at the top


def test_unfinished_job_has_no_download(client, users, tree, branch_data, django_capture_on_commit_callbacks):
    from reports.services import report_request

    with django_capture_on_commit_callbacks(execute=False):
        job = report_request(organization=tree.a1, kind="branch-annual", period="2025").job
    client.force_login(users.staff)
    assert client.get(reverse("reports:download", args=[job.pk])).status_code == 404


def test_regenerate_creates_a_new_job(client, users, tree, done_jobs, eager, django_capture_on_commit_callbacks):
    client.force_login(users.secretary)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reports:regenerate", args=[done_jobs[0].pk]))
    assert response.status_code == 302
    assert ReportJob.objects.filter(organization=tree.a1).count() == 2


def test_index_redirects_to_the_users_organization(client, users, tree):
    client.force_login(users.secretary)
    response = client.get(reverse("reports:index"))
    assert response.status_code == 302 and response.url == reverse("reports:organization", args=[tree.a1.pk])


def test_secretary_fills_the_plan_reviewer_cannot(client, users, tree):
    url = reverse("reports:plan", args=[tree.a1.pk, 2025])
    client.force_login(users.secretary)
    response = client.post(url, {"next_year_plan": "一、加强学习\n二、规范组织生活", "highlights": ""})
    assert response.status_code == 302
    plan = ReportPlan.objects.get(organization=tree.a1, year=2025)
    assert plan.plan_lines() == ["一、加强学习", "二、规范组织生活"] and plan.updated_by == users.secretary
    client.force_login(users.reviewer)
    assert client.get(url).status_code == 404
    client.force_login(users.secretary)
    assert client.get(reverse("reports:plan", args=[tree.b1.pk, 2025])).status_code == 404


def test_organization_page_shows_the_reports_panel(client, users, tree, done_jobs):
    client.force_login(users.secretary)
    html = client.get(tree.a1.get_absolute_url()).content.decode()
    assert 'data-panel="reports"' in html and reverse("reports:organization", args=[tree.a1.pk]) in html


def test_navigation_has_reports(client, users, tree):
    client.force_login(users.secretary)
    html = client.get(reverse("reports:organization", args=[tree.a1.pk])).content.decode()
    assert 'data-nav-key="reports"' in html


# --- API -------------------------------------------------------------------------------------------------


def test_api_request_poll_and_download(client, users, tree, branch_data, eager, django_capture_on_commit_callbacks):
    client.force_login(users.staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/report-jobs/", {"organization_code": tree.a1.code, "kind": "branch-annual",
                                                        "period": "2025", "format": "xlsx"},
                               content_type="application/json")
    assert response.status_code == 201, response.content
    job_id = response.json()["id"]
    status = client.get(f"/api/v1/report-jobs/{job_id}/").json()
    assert status["status"] == "done" and status["file_url"].endswith(f"/api/v1/report-jobs/{job_id}/file/")
    file = client.get(f"/api/v1/report-jobs/{job_id}/file/")
    assert file.status_code == 200 and file["Content-Type"].startswith("application/vnd.openxmlformats")
    # The page's download and the API's are one response: same bytes, headers and validator.
    page = client.get(reverse("reports:download", args=[job_id]))
    assert b"".join(page.streaming_content) == b"".join(file.streaming_content)
    for header in ("Content-Type", "Content-Disposition", "Cache-Control", "ETag", "X-Content-Type-Options"):
        assert page[header] == file[header], header
    assert file["ETag"] == f'"{ReportJob.objects.get(pk=job_id).checksum}"'
    again = client.post("/api/v1/report-jobs/", {"organization": tree.a1.pk, "kind": "branch-annual",
                                                 "period": "2025", "format": "xlsx"}, content_type="application/json")
    assert again.status_code == 200 and again.json()["id"] == job_id


def test_api_bad_input_is_400_with_field_errors(client, users, tree):
    client.force_login(users.staff)
    response = client.post("/api/v1/report-jobs/", {"organization": tree.a1.pk, "kind": "branch-monthly",
                                                    "period": "2025"}, content_type="application/json")
    assert response.status_code == 400 and "period" in response.json()["fields"]
    response = client.post("/api/v1/report-jobs/", {"organization": tree.b1.pk, "kind": "nope", "period": "2025"},
                           content_type="application/json")
    assert response.status_code == 400


def test_api_is_scoped(client, users, tree, done_jobs):
    a1, b1 = done_jobs
    client.force_login(users.secretary)
    ids = [j["id"] for j in client.get("/api/v1/report-jobs/").json()["results"]]
    assert ids == [a1.pk]
    assert client.get(f"/api/v1/report-jobs/{b1.pk}/").status_code == 404
    assert client.get(f"/api/v1/report-jobs/{b1.pk}/file/").status_code == 404
    response = client.post("/api/v1/report-jobs/", {"organization": tree.b1.pk, "kind": "branch-annual",
                                                    "period": "2025"}, content_type="application/json")
    assert response.status_code == 400  # another branch is not a choice for this user
    client.force_login(users.agency)  # agency (gb) sees b1's report through the API
    assert client.get(f"/api/v1/report-jobs/{b1.pk}/file/").status_code == 200
    assert client.get(f"/api/v1/report-jobs/{a1.pk}/").status_code == 404
    client.logout()
    assert client.get("/api/v1/report-jobs/").status_code in (401, 403)


def test_api_token_client_needs_the_reports_grant(tree, branch_data, eager, django_capture_on_commit_callbacks):
    from rest_framework.test import APIClient

    from branches.api_clients import api_client_create

    _, with_grant = api_client_create(organization=tree.ga, name="甲总支平台", grants=["reports"])
    _, without = api_client_create(organization=tree.ga, name="只读平台")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {without}")
    body = {"organization_code": tree.a1.code, "kind": "branch-monthly", "period": "2025-09", "format": "pdf"}
    assert api.post("/api/v1/report-jobs/", body, format="json").status_code == 403
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {with_grant}")
    with django_capture_on_commit_callbacks(execute=True):
        created = api.post("/api/v1/report-jobs/", body, format="json")
    assert created.status_code == 201, created.content
    job_id = created.json()["id"]
    assert api.get(f"/api/v1/report-jobs/{job_id}/").json()["status"] == "done"
    file = api.get(f"/api/v1/report-jobs/{job_id}/file/")
    assert file.status_code == 200 and b"".join(file.streaming_content)[:5] == b"%PDF-"
    outside = {**body, "organization_code": tree.b1.code}
    response = api.post("/api/v1/report-jobs/", outside, format="json")
    assert response.status_code == 400 and "organization_code" in response.json()["fields"]


def test_read_only_roles_view_and_download_but_do_not_request(client, users, tree, done_jobs):
    client.force_login(users.reviewer)
    url = reverse("reports:organization", args=[tree.a1.pk])
    html = client.get(url).content.decode()
    assert "您可以查看和下载" in html and 'name="kind"' not in html and "重新生成" not in html
    assert client.post(url, {"kind": "branch-annual", "period": "2025", "format": "pdf"}).status_code == 403
    assert client.post(reverse("reports:regenerate", args=[done_jobs[0].pk])).status_code == 403
    response = client.post("/api/v1/report-jobs/", {"organization": tree.a1.pk, "kind": "branch-annual",
                                                    "period": "2025"}, content_type="application/json")
    assert response.status_code == 403
    assert ReportJob.objects.count() == 2
    assert client.get(reverse("reports:download", args=[done_jobs[0].pk])).status_code == 200
