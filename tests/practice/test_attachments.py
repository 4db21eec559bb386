"""Uploads are checked by content; images are re-encoded; SVG/HTML refused; files only via a checked view."""
import io
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from portal.uploads import check_upload
from practice import services
from practice.models import Attachment

pytestmark = pytest.mark.django_db


def png(size=(800, 600), color=(200, 20, 20)):
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, "PNG")
    return buf.getvalue()


def upload(data, name="a.png", ct="image/png"):
    return SimpleUploadedFile(name, data, content_type=ct)


@pytest.fixture
def brand(tree, users):
    return services.brand_create(organization=tree.a1, name="品牌", launched_on=date(2024, 1, 1), by=users.staff)


def test_image_is_reencoded_with_thumbnail(brand, users):
    exif_trailer = png() + b"<script>alert(1)</script>"
    att = services.attachment_add(owner=brand, upload=upload(exif_trailer, name="../../etc/passwd.png"), by=users.staff)
    assert att.kind == "image" and att.content_type == "image/jpeg"
    data = att.file.read()
    assert b"<script>" not in data
    assert "passwd" not in att.file.name and ".." not in att.file.name
    assert att.original_name == "passwd.jpg"   # the label follows what is stored (re-encoded as JPEG)
    with Image.open(att.thumbnail) as t:
        assert max(t.size) <= 480


@pytest.mark.parametrize("data,name", [
    (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "logo.png"),
    (b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>", "page.pdf"),
    (b"MZ\x90\x00" + b"\x00" * 100, "tool.docx"),
])
def test_svg_html_and_executables_are_refused_whatever_the_name(brand, users, data, name):
    with pytest.raises(ValidationError) as exc:
        services.attachment_add(owner=brand, upload=upload(data, name=name), by=users.staff)
    assert "类型不支持" in exc.value.messages[0] or "扩展名与实际内容" in exc.value.messages[0]
    assert not Attachment.objects.exists()


def test_broken_image_and_size_limits(brand, users, monkeypatch):
    with pytest.raises(ValidationError, match="已损坏"):
        services.attachment_add(owner=brand, upload=upload(png()[:120]), by=users.staff)
    with pytest.raises(ValidationError, match="图片不能超过 100 字节"):
        check_upload(upload(png()), max_image_bytes=100, max_document_bytes=10 * 1024 * 1024)
    with pytest.raises(ValidationError, match="为空"):
        services.attachment_add(owner=brand, upload=upload(b"", name="empty.pdf"), by=users.staff)
    assert not Attachment.objects.exists()


def test_pdf_is_kept_as_document(brand, users):
    pdf = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"
    with pytest.raises(ValidationError, match="类型不支持"):
        services.attachment_add(owner=brand, upload=upload(pdf, name="x.exe"), by=users.staff)
    att = services.attachment_add(owner=brand, upload=upload(pdf, name="方案.pdf"), by=users.staff)
    assert att.kind == "document" and att.content_type == "application/pdf" and not att.thumbnail
    assert att.file.name.startswith("practice/files/") and att.file.name.endswith(".pdf")


def test_served_only_to_users_in_scope(client, brand, users, tree):
    att = services.attachment_add(owner=brand, upload=upload(png()), by=users.staff)
    url = reverse("practice:attachment", args=[att.pk])
    client.force_login(users.secretary)
    resp = client.get(url)
    assert resp.status_code == 200 and resp["Content-Type"] == "image/jpeg"
    assert resp["X-Content-Type-Options"] == "nosniff"
    from branches.models import Role
    from tests.branches.factories import UserFactory, grant

    client.force_login(grant(UserFactory(username="sec_b1"), tree.b1, Role.SECRETARY))
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302


def test_upload_page_rejects_svg_with_a_message(client, brand, users):
    client.force_login(users.secretary)
    resp = client.post(reverse("practice:brand_detail", args=[brand.pk]),
                       {"action": "attach", "file": upload(b'<svg xmlns="http://www.w3.org/2000/svg"/>', "a.svg")})
    assert resp.status_code == 400 and "类型不支持" in resp.content.decode()
    client.force_login(users.reviewer)  # can view, cannot upload
    resp = client.post(reverse("practice:brand_detail", args=[brand.pk]), {"action": "attach", "file": upload(png())})
    assert resp.status_code == 403
