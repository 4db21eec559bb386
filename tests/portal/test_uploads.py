"""portal.uploads: type from content, images re-encoded, hostile files refused, names never paths, safe serving."""
import errno
import io
import os
import zipfile
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.test import RequestFactory
from PIL import Image

from portal import uploads

CORPUS = Path(__file__).parent.parent / "security" / "corpus"   # the shared corpus of hostile inputs


def upload(name, data=None, content_type="application/octet-stream"):
    if data is None:
        data = (CORPUS / name).read_bytes()
    return SimpleUploadedFile(name, data, content_type=content_type)


def refused(f, **kwargs) -> str:
    with pytest.raises(ValidationError) as exc:
        uploads.check_upload(f, **kwargs)
    return exc.value.messages[0]


def msg(template, name, **kw):
    return template.format(name=name, **kw)


ALL = uploads.describe(uploads.FILE_TYPES)


@pytest.mark.parametrize("name,message", [
    ("page-renamed.jpg", msg(uploads.TYPE_REFUSED, "page-renamed.jpg", allowed=ALL)),      # HTML renamed .jpg
    ("drawing.svg", msg(uploads.TYPE_REFUSED, "drawing.svg", allowed=ALL)),                # SVG can carry script
    ("drawing-renamed.png", msg(uploads.TYPE_REFUSED, "drawing-renamed.png", allowed=ALL)),  # SVG renamed .png
    ("archive.zip", msg(uploads.TYPE_REFUSED, "archive.zip", allowed=ALL)),                # archives are not accepted
    ("archive-renamed.docx", msg(uploads.TYPE_REFUSED, "archive-renamed.docx", allowed=ALL)),  # a zip is not Word
    ("script.pdf", msg(uploads.TYPE_REFUSED, "script.pdf", allowed=ALL)),                  # a shell script renamed .pdf
    ("photo-renamed.pdf", msg(uploads.NAME_MISMATCH, "photo-renamed.pdf", actual="PNG 图片")),  # an image is no PDF
    ("bomb-dimensions.png", msg(uploads.IMAGE_TOO_MANY_PIXELS, "bomb-dimensions.png")),
    ("truncated.png", msg(uploads.IMAGE_BROKEN, "truncated.png")),
    ("empty.pdf", msg(uploads.EMPTY_FILE, "empty.pdf")),
])
def test_hostile_files_are_refused_with_a_chinese_message(name, message):
    # The browser's Content-Type is a lie too: it claims the type the name suggests.
    assert refused(upload(name, content_type="image/jpeg")) == message


PDF = (CORPUS / "minimal.pdf").read_bytes()
PHOTO = (CORPUS / "photo-renamed.pdf").read_bytes()   # a PNG with EXIF/GPS


@pytest.mark.parametrize("name", ["报告.exe", "报告", "报告.pdf.exe", "报告.html", "报告.svg", "报告.PDF "])
def test_extension_must_be_on_the_allow_list(name):
    if name == "报告.PDF ":   # trailing space and upper case are normalised, not refused
        assert uploads.check_upload(upload(name, PDF)).original_name == "报告.PDF"
        return
    assert "类型不支持" in refused(upload(name, PDF))


@pytest.mark.parametrize("name,data,actual", [
    ("纪要.docx", PDF, "PDF 文档"),
    ("纪要.jpg", PDF, "PDF 文档"),
    ("照片.pdf", PHOTO, "PNG 图片"),
])
def test_content_must_match_the_extension(name, data, actual):
    assert refused(upload(name, data)) == msg(uploads.NAME_MISMATCH, name, actual=actual)


def test_an_image_under_another_image_extension_is_reencoded_and_relabelled():
    checked = uploads.check_upload(upload("照片.png", _big_jpeg()))    # phones do this; the bytes are re-encoded anyway
    assert checked.content_type == "image/jpeg" and checked.original_name == "照片.jpg"


def test_allowed_types_narrow_the_list_and_the_message():
    only = {"image/jpeg", "application/pdf"}
    assert refused(upload("表.xlsx", _xlsx()), allowed_types=only) == msg(
        uploads.TYPE_REFUSED, "表.xlsx", allowed="JPG 图片和PDF 文档")
    assert uploads.check_upload(upload("纪要.pdf", PDF), allowed_types=only).kind == "document"
    assert "JPG、PNG、WEBP、GIF 图片" in refused(upload("纪要.pdf", PDF), images_only=True)


def _xlsx(extra=()):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
        for name, data in extra:
            z.writestr(name, data)
    return buf.getvalue()


def test_real_office_files_pass():
    checked = uploads.check_upload(upload("名册.xlsx", _xlsx()))
    assert (checked.kind, checked.extension) == ("document", "xlsx")


@pytest.mark.parametrize("extra", [
    [("xl/worksheets/sheet1.xml", b"0" * (50 * 1024 * 1024))],                  # one entry, ratio ~1000:1
    [(f"xl/media/{i}.bin", b"") for i in range(uploads.MAX_ZIP_ENTRIES + 1)],   # too many entries
])
def test_office_zip_bombs_are_refused_before_unpacking(extra):
    data = _xlsx(extra)
    assert len(data) < 2 * 1024 * 1024
    assert refused(upload("名册.xlsx", data)) == msg(uploads.ZIP_BOMB, "名册.xlsx")


def test_office_zip_whose_total_unpacked_size_is_too_big_is_refused(monkeypatch):
    monkeypatch.setattr(uploads, "MAX_ZIP_UNPACKED_BYTES", 1000)
    assert refused(upload("名册.xlsx", _xlsx([("xl/a.xml", os.urandom(2000))]))) == msg(uploads.ZIP_BOMB, "名册.xlsx")


def test_images_get_a_thumbnail_when_asked():
    checked = uploads.check_upload(upload("现场.jpg", _big_jpeg()), thumbnail=True)
    with Image.open(io.BytesIO(checked.thumbnail.read())) as t:
        assert max(t.size) == uploads.THUMB_SIDE
    assert uploads.check_upload(upload("现场.jpg", _big_jpeg())).thumbnail is None
    assert uploads.check_upload(upload("纪要.pdf", PDF), thumbnail=True).thumbnail is None


def _big_jpeg():
    buf = io.BytesIO()
    Image.new("RGB", (1600, 1200), (10, 120, 200)).save(buf, "JPEG")
    return buf.getvalue()


def test_a_batch_with_one_bad_file_is_refused_as_a_whole():
    with pytest.raises(ValidationError, match="类型不支持"):
        uploads.check_uploads([upload("a.pdf", PDF), upload("b.svg", b"<svg/>")])


def test_images_are_reencoded_without_metadata_or_trailing_payload():
    original = (CORPUS / "exif-with-payload.jpg").read_bytes()
    assert b"SECRET-CAMERA-MAKER" in original and b"<script>" in original
    checked = uploads.check_upload(upload("exif-with-payload.jpg"))
    stored = checked.content.read()
    assert b"SECRET" not in stored and b"<script>" not in stored
    with Image.open(io.BytesIO(stored)) as img:
        assert img.size == (64, 48)
        assert not img.getexif()
    png = uploads.check_upload(upload("photo.png", PHOTO)).content.read()
    assert b"SECRET-GPS" not in png


def test_oversized_files_are_refused_before_reading_everything():
    big = SimpleUploadedFile("big.pdf", b"%PDF-1.4\n" + b"0" * (uploads.MAX_DOCUMENT_BYTES + 1))
    assert refused(big) == msg(uploads.TOO_LARGE, "big.pdf", kind="文档", limit="20 MB")
    small_limit = uploads.check_upload  # explicit per-call limits
    with pytest.raises(ValidationError, match="不能超过 1 MB"):
        small_limit(upload("minimal.pdf", b"%PDF-1.4\n" + b"0" * (1024 * 1024 + 1)), max_document_bytes=1024 * 1024)


def test_a_real_image_made_huge_is_refused_as_a_bomb():
    buf = io.BytesIO()
    Image.new("1", (8000, 6000)).save(buf, "PNG")   # 48 Mpx compresses to a few KB
    assert len(buf.getvalue()) < 200_000
    assert refused(upload("huge.png", buf.getvalue())) == msg(uploads.IMAGE_TOO_MANY_PIXELS, "huge.png")


def test_real_documents_pass():
    checked = uploads.check_upload(upload("minimal.pdf"))
    assert (checked.kind, checked.content_type, checked.extension) == ("document", "application/pdf", "pdf")


@pytest.mark.parametrize("name,expected", [
    ("../../etc/passwd", "passwd"),
    ("C:\\Windows\\system32\\evil.exe", "evil.exe"),
    ("报告\r\nSet-Cookie: x=1.pdf", "报告Set-Cookie_ x=1.pdf"),
    ('a"b<c>.pdf', "a_b_c_.pdf"),
    ("", "附件"),
    ("长" * 300 + ".pdf", "长" * 116 + ".pdf"),
])
def test_file_names_are_labels_never_paths(name, expected):
    assert uploads.clean_filename(name) == expected


def test_storage_names_are_generated():
    name = uploads.generated_name("Activities/../x", "jpg")
    assert name.startswith("activities/x/") and name.endswith(".jpg") and ".." not in name
    assert uploads.upload_to("practice")(None, "../../我的照片.JPG").startswith("practice/")


class _FullDisk(FileSystemStorage):
    """Writes the first chunk, then the disk is full."""

    def _save(self, name, content):
        class Exploding:
            def __init__(self, inner):
                self.inner = inner

            def chunks(self, chunk_size=None):
                yield b"x" * 1000
                raise OSError(errno.ENOSPC, "No space left on device")

            def __getattr__(self, item):
                return getattr(self.inner, item)

        return super()._save(name, Exploding(content))


class _ReadOnly(FileSystemStorage):
    def _save(self, name, content):
        raise OSError(errno.EROFS, "Read-only file system")


@pytest.mark.django_db
@pytest.mark.parametrize("storage_class", [_FullDisk, _ReadOnly])
def test_storage_failure_leaves_no_partial_file_and_no_record(tmp_path, storage_class):
    from members.models import PiiAccess  # any model: the block below stands for "create the attachment record"

    storage = storage_class(location=tmp_path)
    checked = uploads.check_upload(upload("exif-with-payload.jpg"))
    with pytest.raises(ValidationError) as exc:
        with uploads.stored_upload(checked, prefix="activities", storage=storage) as name:
            PiiAccess.objects.create(action="export", detail=name)
    assert exc.value.messages == [uploads.STORAGE_FAILED]
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]   # no partial file
    assert not PiiAccess.objects.exists()                         # no record pointing to a missing file


@pytest.mark.django_db
def test_a_failed_record_leaves_no_orphan_file(tmp_path):
    storage = FileSystemStorage(location=tmp_path)
    checked = uploads.check_upload(upload("minimal.pdf"))
    with pytest.raises(RuntimeError):
        with uploads.stored_upload(checked, prefix="docs", storage=storage) as name:
            assert storage.exists(name)
            raise RuntimeError("database refused the record")
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]


def test_stored_files_are_written_under_generated_names(tmp_path):
    storage = FileSystemStorage(location=tmp_path)
    checked = uploads.check_upload(upload("photo.png", PHOTO))
    with uploads.stored_upload(checked, prefix="docs", storage=storage) as name:
        pass
    assert name.startswith("docs/") and "photo" not in name and name.endswith(".jpg")
    assert storage.exists(name)


def _served(tmp_path, data, filename, **kwargs):
    storage = FileSystemStorage(location=tmp_path)
    name = storage.save("f/x.bin", io.BytesIO(data))
    fieldfile = storage.open(name, "rb")
    response = uploads.protected_file_response(RequestFactory().get("/"), fieldfile, filename, **kwargs)
    body = b"".join(response.streaming_content)
    return response, body


def test_protected_response_downloads_with_nosniff_and_utf8_name(tmp_path):
    response, body = _served(tmp_path, b"%PDF-1.4 abc", "三会一课\n记录.pdf", as_attachment=True)
    assert body == b"%PDF-1.4 abc"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''" in response["Content-Disposition"].lower()
    assert "\n" not in response["Content-Disposition"]
    assert response["Cache-Control"] == "private, no-store"


def test_protected_response_never_serves_html_inline(tmp_path):
    response, _ = _served(tmp_path, b"<html><script>alert(1)</script></html>", "a.jpg", as_attachment=False)
    assert response["Content-Disposition"].startswith("attachment;")
    assert "default-src 'none'" in response["Content-Security-Policy"]


def test_protected_response_for_a_missing_file_is_404():
    with pytest.raises(Http404):
        uploads.protected_file_response(RequestFactory().get("/"), None, "x.pdf")


@pytest.mark.django_db
def test_media_files_are_never_served_straight_from_storage(client, users, settings, tmp_path):
    from django.core.files.storage import default_storage

    settings.MEDIA_ROOT = str(tmp_path)
    name = default_storage.save("activities/1/x.pdf", io.BytesIO(PDF))
    assert (tmp_path / name).exists()
    client.force_login(users.superuser)   # not even for someone who may see everything
    for prefix in (settings.MEDIA_URL, "/media/"):
        assert client.get(prefix + name).status_code == 404
