"""Uploads: checked by content, re-encoded, stored under generated names, served only after a permission check.

Domain-free. An app validates an upload, stores it, records it, and serves it like this:

    checked = check_upload(request.FILES["file"], images_only=False)        # ValidationError in Chinese
    with stored_upload(checked, prefix="activities") as name:               # file written, or nothing at all
                                                          # (inside an atomic_with_files block, see stored_files)
        Attachment.objects.create(activity=a, file=name, original_name=checked.original_name,
                                  content_type=checked.content_type, size=checked.size)
    ...
    obj = get_object_or_404(Attachment.objects.restrict(request.user, VIEW), pk=pk)   # the caller's check
    return protected_file_response(request, obj.file, obj.original_name, content_type=obj.content_type)

The one upload validator of the portal: practice, branches (organizational life) and evaluations all call
`check_upload`; nothing else inspects uploaded bytes.

- The name's extension must be on the allow-list, and the type read from the bytes (libmagic) must be allowed
  and match it (a PDF named .jpg, a zip named .docx, a script named .pdf are refused); the browser's
  Content-Type is ignored.
- Office files are zips: entry count, unpacked size and compression ratio are limited (zip bombs).
- Images are decoded and re-encoded by Pillow: EXIF/GPS and anything appended after the image data is
  dropped; decompression bombs (huge dimensions in a tiny file) are refused before decoding.
- SVG, HTML, scripts, archives and every type not allowed are refused.
- The uploaded file name is a label only; storage names are random (`<prefix>/<yyyy>/<mm>/<uuid>.<ext>`).
- A failed write (disk full, read-only volume) leaves no partial file; a failed record leaves no orphan file.
  Services store inside `portal.stored_files.atomic_with_files` (not plain transaction.atomic): then a later
  failure of the same transaction (the third file of a batch, a later step) removes the files stored before it.
"""
from __future__ import annotations

import io
import logging
import re
import unicodedata
import uuid
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass

import magic
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

from portal.stored_files import track

log = logging.getLogger(__name__)

MAX_IMAGE_BYTES = 10 * 1024 * 1024
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
MAX_IMAGE_PIXELS = 40_000_000          # ~ 7300 x 5500; more is refused before decoding
STORED_IMAGE_MAX_SIDE = 2400
THUMB_SIDE = 480
MAX_NAME_LENGTH = 120
# Office files (docx/xlsx/pptx) are zips: what they would unpack to is limited before anyone opens them.
MAX_ZIP_ENTRIES = 5000
MAX_ZIP_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_ZIP_RATIO = 100                    # per entry, for entries over 1 MB unpacked


@dataclass(frozen=True)
class FileType:
    kind: str                 # "image" or "document"
    extension: str            # the extension the stored file gets
    extensions: frozenset     # extensions a file of this type may carry (lower case, no dot)
    label: str                # for messages


IMAGE, DOCUMENT = "image", "document"
FILE_TYPES = {
    "image/jpeg": FileType(IMAGE, "jpg", frozenset({"jpg", "jpeg"}), "JPG"),
    "image/png": FileType(IMAGE, "png", frozenset({"png"}), "PNG"),
    "image/webp": FileType(IMAGE, "webp", frozenset({"webp"}), "WEBP"),
    "image/gif": FileType(IMAGE, "gif", frozenset({"gif"}), "GIF"),
    "application/pdf": FileType(DOCUMENT, "pdf", frozenset({"pdf"}), "PDF"),
    "application/msword": FileType(DOCUMENT, "doc", frozenset({"doc"}), "Word"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document":
        FileType(DOCUMENT, "docx", frozenset({"docx"}), "Word"),
    "application/vnd.ms-excel": FileType(DOCUMENT, "xls", frozenset({"xls"}), "Excel"),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":
        FileType(DOCUMENT, "xlsx", frozenset({"xlsx"}), "Excel"),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation":
        FileType(DOCUMENT, "pptx", frozenset({"pptx"}), "PPT"),
}
IMAGE_TYPES = {mime: t.extension for mime, t in FILE_TYPES.items() if t.kind == IMAGE}
DOCUMENT_TYPES = {mime: t.extension for mime, t in FILE_TYPES.items() if t.kind == DOCUMENT}
# Office files some libmagic versions see only as a zip: told apart by the part that makes them what they are.
_OOXML_MARKERS = {
    "word/document.xml": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xl/workbook.xml": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt/presentation.xml": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
# Types a browser may show inline; everything else is always a download.
INLINE_TYPES = {"image/jpeg", "image/png", "image/webp", "image/gif", "application/pdf"}

EMPTY_FILE = _("文件“{name}”为空，请重新选择。")
TOO_LARGE = _("文件“{name}”过大：{kind}不能超过 {limit}。")
TYPE_REFUSED = _("文件“{name}”的类型不支持：此处仅可上传{allowed}（不接受 SVG、网页、压缩包、程序等文件）。")
NAME_MISMATCH = _("文件“{name}”的扩展名与实际内容（{actual}）不符，请检查后重新上传。")
IMAGE_BROKEN = _("图片“{name}”已损坏或无法识别。")
IMAGE_TOO_MANY_PIXELS = _("图片“{name}”尺寸过大（超过 4000 万像素），请缩小后再上传。")
ZIP_BOMB = _("文件“{name}”解压后过大或结构异常（疑似压缩炸弹），已拒绝。")
STORAGE_FAILED = _("文件保存失败（存储空间不足或不可写），附件未保存，请稍后重试或联系管理员。")
FILE_MISSING = _("文件不存在或已被移除。")


@dataclass
class CheckedUpload:
    kind: str                          # "image" or "document"
    content_type: str                  # from the content, not the name
    extension: str                     # from the content type
    content: ContentFile               # what is stored (re-encoded for images)
    original_name: str                 # a label for display and downloads, never a path
    size: int
    thumbnail: ContentFile | None = None   # JPEG, THUMB_SIDE px, for images when asked


def clean_filename(name: str, *, default: str = "附件") -> str:
    """A safe display/download label: no directories, control characters or quotes; length limited."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in unicodedata.normalize("NFC", name) if unicodedata.category(c)[0] != "C")
    name = re.sub(r'["<>|:*?]+', "_", name).strip(" .")
    if len(name) > MAX_NAME_LENGTH:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: MAX_NAME_LENGTH - len(ext) - 1] + "." + ext) if dot and len(ext) <= 8 else name[:MAX_NAME_LENGTH]
    return name or default


def generated_name(prefix: str, extension: str) -> str:
    """Where a file is stored: never derived from what the user called it."""
    now = timezone.now()
    parts = [re.sub(r"[^a-z0-9_-]+", "", p) for p in prefix.lower().split("/")]
    prefix = "/".join(p for p in parts if p) or "uploads"
    extension = re.sub(r"[^a-z0-9]", "", (extension or "").lower())[:8] or "bin"
    return f"{prefix}/{now:%Y}/{now:%m}/{uuid.uuid4().hex}.{extension}"


def upload_to(prefix: str):
    """For FileField(upload_to=...): a random name under `prefix`, extension taken from the stored name."""
    def _upload_to(instance, filename):
        return generated_name(prefix, filename.rsplit(".", 1)[-1] if "." in filename else "bin")
    _upload_to.__name__ = f"upload_to_{re.sub(r'[^a-z0-9_]', '_', prefix)}"
    return _upload_to


def describe(types) -> str:
    """“JPG、PNG 图片和 PDF、Word 文档” for a set of content types."""
    parts = []
    for kind, noun in ((IMAGE, gettext("图片")), (DOCUMENT, gettext("文档"))):
        labels = list(dict.fromkeys(FILE_TYPES[m].label for m in FILE_TYPES if m in types and FILE_TYPES[m].kind == kind))
        if labels:
            parts.append(gettext("、").join(labels) + " " + noun)
    return gettext("和").join(parts)


def _human(limit: int) -> str:
    if limit >= 1024 * 1024:
        return f"{limit / (1024 * 1024):g} MB"
    if limit >= 1024:
        return f"{limit / 1024:g} KB"
    return gettext("{n} 字节").format(n=limit)


def _extension(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def check_zip(data: bytes, *, name: str = "") -> set[str]:
    """The member names of a zip, after refusing what would unpack too big (zip bombs) or is broken.

    zipfile never inflates an entry past its declared size, so limiting the declared sizes limits the work.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError):
        raise ValidationError(ZIP_BOMB.format(name=name), code="zip") from None
    if len(infos) > MAX_ZIP_ENTRIES:
        raise ValidationError(ZIP_BOMB.format(name=name), code="zip")
    total = 0
    for info in infos:
        total += info.file_size
        if info.flag_bits & 0x1:  # encrypted entries cannot be checked
            raise ValidationError(ZIP_BOMB.format(name=name), code="zip")
        if info.file_size > 1024 * 1024 and info.file_size > MAX_ZIP_RATIO * max(info.compress_size, 1):
            raise ValidationError(ZIP_BOMB.format(name=name), code="zip")
    if total > MAX_ZIP_UNPACKED_BYTES:
        raise ValidationError(ZIP_BOMB.format(name=name), code="zip")
    return {info.filename for info in infos}


def detect_type(data: bytes, *, name: str = "") -> str:
    """The content type read from the bytes. Zips are checked for bombs before their members are listed."""
    mime = magic.from_buffer(data[:8192], mime=True)
    if data[:2] == b"PK" and (mime in ("application/zip", "application/octet-stream") or mime in FILE_TYPES):
        names = check_zip(data, name=name)
        for marker, office_type in _OOXML_MARKERS.items():
            if marker in names:
                return office_type
        return "application/zip"
    return mime


def _read(upload, limit: int, name: str, kind: str = _("文件")) -> bytes:
    size = getattr(upload, "size", None)
    too_large = ValidationError(TOO_LARGE.format(name=name, kind=kind, limit=_human(limit)), code="too_large")
    if size is not None and size > limit:
        raise too_large
    upload.seek(0)
    data = upload.read(limit + 1)
    upload.seek(0)
    if not data:
        raise ValidationError(EMPTY_FILE.format(name=name), code="empty")
    if len(data) > limit:
        raise too_large
    return data


def reencode_image(data: bytes, *, name: str = "", max_side: int = STORED_IMAGE_MAX_SIDE,
                   thumbnail: bool = False) -> tuple[bytes, str, bytes | None]:
    """Decode and re-encode: metadata and trailing bytes are gone. Returns (bytes, content type, thumbnail)."""
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.width * probe.height > MAX_IMAGE_PIXELS:
                raise ValidationError(IMAGE_TOO_MANY_PIXELS.format(name=name), code="bomb")
            probe.verify()
        with Image.open(io.BytesIO(data)) as img:
            img.load()
            img = ImageOps.exif_transpose(img)
            has_alpha = img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info)
            img = img.convert("RGBA" if has_alpha else "RGB")
            img.thumbnail((max_side, max_side))
            out = io.BytesIO()
            if has_alpha:
                img.save(out, "PNG", optimize=True)
                content_type = "image/png"
            else:
                img.save(out, "JPEG", quality=85, optimize=True)
                content_type = "image/jpeg"
            thumb = None
            if thumbnail:
                small = img.convert("RGB")
                small.thumbnail((THUMB_SIDE, THUMB_SIDE))
                thumb_out = io.BytesIO()
                small.save(thumb_out, "JPEG", quality=80)
                thumb = thumb_out.getvalue()
            return out.getvalue(), content_type, thumb
    except ValidationError:
        raise
    except Image.DecompressionBombError:
        raise ValidationError(IMAGE_TOO_MANY_PIXELS.format(name=name), code="bomb") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise ValidationError(IMAGE_BROKEN.format(name=name), code="broken") from None


def check_upload(upload, *, images_only: bool = False, allowed_types=None, thumbnail: bool = False,
                 max_image_bytes: int = MAX_IMAGE_BYTES, max_document_bytes: int = MAX_DOCUMENT_BYTES) -> CheckedUpload:
    """Validate an uploaded file and return what to store. Raises ValidationError with a Chinese message.

    In order: the name's extension must be one the allowed types carry; the size is limited; the type is read
    from the content and must be allowed and match the extension (an image may carry any image extension: it is
    re-encoded anyway); zips are checked for bombs; images are decoded, re-encoded and optionally thumbnailed.
    """
    allowed = set(FILE_TYPES if allowed_types is None else allowed_types) & set(FILE_TYPES)
    if images_only:
        allowed &= set(IMAGE_TYPES)
    original_name = clean_filename(getattr(upload, "name", "") or "")
    refused = ValidationError(TYPE_REFUSED.format(name=original_name, allowed=describe(allowed)), code="type")
    ext = _extension(original_name)
    claimed = [FILE_TYPES[m] for m in allowed if ext in FILE_TYPES[m].extensions]
    if not claimed:
        raise refused
    limits = [max_image_bytes if t.kind == IMAGE else max_document_bytes for t in claimed]
    kinds = {t.kind for t in claimed}
    data = _read(upload, max(limits), original_name, kind=gettext("图片") if kinds == {IMAGE} else gettext("文档") if kinds == {DOCUMENT} else gettext("文件"))
    mime = detect_type(data, name=original_name)
    if mime not in allowed:
        raise refused
    actual = FILE_TYPES[mime]
    if ext not in actual.extensions and not (actual.kind == IMAGE and claimed[0].kind == IMAGE):
        raise ValidationError(NAME_MISMATCH.format(name=original_name, actual=f"{actual.label} {gettext('图片') if actual.kind == IMAGE else gettext('文档')}"),
                              code="mismatch")
    limit = max_image_bytes if actual.kind == IMAGE else max_document_bytes
    if len(data) > limit:
        raise ValidationError(TOO_LARGE.format(name=original_name, kind=gettext("图片") if actual.kind == IMAGE else gettext("文档"),
                                               limit=_human(limit)), code="too_large")
    if actual.kind == IMAGE:
        stored, content_type, thumb = reencode_image(data, name=original_name, thumbnail=thumbnail)
        ext = IMAGE_TYPES[content_type]
        return CheckedUpload(IMAGE, content_type, ext, ContentFile(stored, name=f"upload.{ext}"),
                             _with_extension(original_name, ext), len(stored),
                             ContentFile(thumb, name="thumb.jpg") if thumb is not None else None)
    return CheckedUpload(DOCUMENT, mime, actual.extension, ContentFile(data, name=f"upload.{actual.extension}"),
                         original_name, len(data))


def check_uploads(uploads, **kwargs) -> list[CheckedUpload]:
    """Check every file before any is stored: one bad file in a batch stores none."""
    return [check_upload(u, **kwargs) for u in uploads]


def _with_extension(name: str, ext: str) -> str:
    """The label keeps its stem but gets the extension of what the content really is."""
    stem = name.rsplit(".", 1)[0] if "." in name else name
    return f"{stem}.{ext}"


# --- storing -------------------------------------------------------------------------------------------

def write_file(content, *, name: str, storage=None) -> str:
    """Write `content` under `name`; on any failure nothing stays behind and ValidationError is raised."""
    storage = storage or default_storage
    saved = None
    try:
        saved = storage.save(name, content)
        track(saved, storage)        # removed again if the enclosing atomic_with_files block rolls back
        return saved
    except Exception as exc:
        log.error("upload write failed for %s: %s", name, exc)
        for candidate in {saved, name} - {None}:
            try:
                if storage.exists(candidate):
                    storage.delete(candidate)
            except Exception:  # the volume may be gone entirely
                log.exception("could not remove partial file %s", candidate)
        raise ValidationError(STORAGE_FAILED, code="storage") from exc


@contextmanager
def stored_upload(checked: CheckedUpload, *, prefix: str, storage=None):
    """Write the file, then run the block that records it; if the block fails, the file is removed.

    So a record never points to a missing file (the write happens first and must succeed) and a failed
    record leaves no orphan file. Put the whole write transaction inside the block (call the service there).
    """
    storage = storage or default_storage
    name = write_file(checked.content, name=generated_name(prefix, checked.extension), storage=storage)
    try:
        yield name
    except BaseException:
        try:
            storage.delete(name)
        except Exception:
            log.exception("could not remove orphan file %s", name)
        raise


@contextmanager
def stored_thumbnail(checked: CheckedUpload, *, prefix: str, storage=None):
    """Like stored_upload for the thumbnail of an image; yields "" when there is none."""
    if checked.thumbnail is None:
        yield ""
        return
    thumb = CheckedUpload(checked.kind, "image/jpeg", "jpg", checked.thumbnail, checked.original_name,
                          checked.thumbnail.size)
    with stored_upload(thumb, prefix=prefix, storage=storage) as name:
        yield name


# --- serving -------------------------------------------------------------------------------------------

def protected_file_response(request, fieldfile, filename: str, *, content_type: str | None = None,
                            as_attachment: bool | None = None, cache_seconds: int = 0) -> FileResponse:
    """Stream a stored file AFTER the caller has checked the user may see the record it belongs to.

    Content type comes from the stored record (or the bytes); only images and PDF may open inline, and even
    then inside a sandbox with nosniff. Everything else downloads. A missing file answers 404, never 500.
    """
    if not fieldfile:
        raise Http404(FILE_MISSING)
    try:
        handle = fieldfile.open("rb") if hasattr(fieldfile, "open") else fieldfile
        if content_type is None:
            head = handle.read(8192)
            handle.seek(0)
            content_type = detect_type(head)
    except (FileNotFoundError, OSError):
        raise Http404(FILE_MISSING) from None
    inline_ok = content_type in INLINE_TYPES
    if as_attachment is None:
        as_attachment = not inline_ok
    elif not inline_ok:
        as_attachment = True
    response = FileResponse(handle, as_attachment=as_attachment, filename=clean_filename(filename),
                            content_type=content_type if inline_ok or as_attachment else "application/octet-stream")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; object-src 'self'; frame-ancestors 'self'"
    response["Cache-Control"] = f"private, max-age={cache_seconds}" if cache_seconds else "private, no-store"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response
