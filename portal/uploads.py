"""Uploads: checked by content, re-encoded, stored under generated names, served only after a permission check.

Domain-free. An app validates an upload, stores it, records it, and serves it like this:

    checked = check_upload(request.FILES["file"], images_only=False)        # ValidationError in Chinese
    with stored_upload(checked, prefix="activities") as name:               # file written, or nothing at all
        Attachment.objects.create(activity=a, file=name, original_name=checked.original_name,
                                  content_type=checked.content_type, size=checked.size)
    ...
    obj = get_object_or_404(Attachment.objects.restrict(request.user, VIEW), pk=pk)   # the caller's check
    return protected_file_response(request, obj.file, obj.original_name, content_type=obj.content_type)

- The type is read from the bytes (libmagic), never from the name or the browser's Content-Type.
- Images are decoded and re-encoded by Pillow: EXIF/GPS and anything appended after the image data is
  dropped; decompression bombs (huge dimensions in a tiny file) are refused before decoding.
- SVG, HTML, scripts, archives and every type not allowed are refused.
- The uploaded file name is a label only; storage names are random (`<prefix>/<yyyy>/<mm>/<uuid>.<ext>`).
- A failed write (disk full, read-only volume) leaves no partial file; a failed record leaves no orphan file.
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
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

log = logging.getLogger(__name__)

MAX_IMAGE_BYTES = 10 * 1024 * 1024
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
MAX_IMAGE_PIXELS = 40_000_000          # ~ 7300 x 5500; more is refused before decoding
STORED_IMAGE_MAX_SIDE = 2400
MAX_NAME_LENGTH = 120

IMAGE_TYPES = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "image/gif": "gif"}
DOCUMENT_TYPES = {
    "application/pdf": "pdf",
    "application/msword": "doc",
    "application/vnd.ms-excel": "xls",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "pptx",
}
# Office files some libmagic versions see only as a zip: told apart by the part that makes them what they are.
_OOXML_MARKERS = {
    "word/document.xml": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xl/workbook.xml": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt/presentation.xml": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
# Types a browser may show inline; everything else is always a download.
INLINE_TYPES = {"image/jpeg", "image/png", "image/webp", "image/gif", "application/pdf"}

EMPTY_FILE = _("文件为空，请重新选择。")
TOO_LARGE = _("文件过大：{kind}不能超过 {mb} MB。")
TYPE_REFUSED = _("不支持该文件类型：仅可上传 JPG、PNG、WEBP、GIF 图片和 PDF、Word、Excel、PPT 文档（不接受 SVG、网页、压缩包等文件）。")
IMAGES_ONLY = _("此处只能上传图片（JPG、PNG、WEBP、GIF）。")
IMAGE_BROKEN = _("图片已损坏或无法识别。")
IMAGE_TOO_MANY_PIXELS = _("图片尺寸过大（超过 4000 万像素），请缩小后再上传。")
STORAGE_FAILED = _("文件保存失败（存储空间不足或不可写），附件未保存，请稍后重试或联系管理员。")
FILE_MISSING = _("文件不存在或已被移除。")


@dataclass
class CheckedUpload:
    kind: str               # "image" or "document"
    content_type: str       # from the content, not the name
    extension: str          # from the content type
    content: ContentFile    # what is stored (re-encoded for images)
    original_name: str      # a label for display and downloads, never a path
    size: int


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
    return f"{prefix}/{now:%Y}/{now:%m}/{uuid.uuid4().hex}.{extension}"


def upload_to(prefix: str):
    """For FileField(upload_to=...): a random name under `prefix`, extension taken from the stored name."""
    def _upload_to(instance, filename):
        ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
        return generated_name(prefix, re.sub(r"[^a-z0-9]", "", ext)[:8] or "bin")
    _upload_to.__name__ = f"upload_to_{re.sub(r'[^a-z0-9_]', '_', prefix)}"
    return _upload_to


def detect_type(data: bytes) -> str:
    mime = magic.from_buffer(data[:8192], mime=True)
    if mime in ("application/zip", "application/octet-stream") and data[:2] == b"PK":
        try:
            names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
        except zipfile.BadZipFile:
            return mime
        for marker, office_type in _OOXML_MARKERS.items():
            if marker in names:
                return office_type
    return mime


def _read(upload, limit: int) -> bytes:
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise ValidationError(TOO_LARGE.format(kind="文件", mb=limit // (1024 * 1024)), code="too_large")
    upload.seek(0)
    data = upload.read(limit + 1)
    if not data:
        raise ValidationError(EMPTY_FILE, code="empty")
    if len(data) > limit:
        raise ValidationError(TOO_LARGE.format(kind="文件", mb=limit // (1024 * 1024)), code="too_large")
    return data


def reencode_image(data: bytes, *, max_side: int = STORED_IMAGE_MAX_SIDE) -> tuple[bytes, str]:
    """Decode and re-encode: metadata and trailing bytes are gone. Returns (bytes, content type)."""
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.width * probe.height > MAX_IMAGE_PIXELS:
                raise ValidationError(IMAGE_TOO_MANY_PIXELS, code="bomb")
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
                return out.getvalue(), "image/png"
            img.save(out, "JPEG", quality=85, optimize=True)
            return out.getvalue(), "image/jpeg"
    except ValidationError:
        raise
    except Image.DecompressionBombError:
        raise ValidationError(IMAGE_TOO_MANY_PIXELS, code="bomb") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise ValidationError(IMAGE_BROKEN, code="broken") from None


def check_upload(upload, *, images_only: bool = False, allowed_documents: set[str] | None = None,
                 max_image_bytes: int = MAX_IMAGE_BYTES, max_document_bytes: int = MAX_DOCUMENT_BYTES) -> CheckedUpload:
    """Validate an uploaded file and return what to store. Raises ValidationError with a Chinese message."""
    original_name = clean_filename(getattr(upload, "name", "") or "")
    data = _read(upload, max(max_image_bytes, 0 if images_only else max_document_bytes))
    mime = detect_type(data)
    if mime in IMAGE_TYPES:
        if len(data) > max_image_bytes:
            raise ValidationError(TOO_LARGE.format(kind="图片", mb=max_image_bytes // (1024 * 1024)), code="too_large")
        stored, content_type = reencode_image(data)
        ext = IMAGE_TYPES[content_type]
        return CheckedUpload("image", content_type, ext, ContentFile(stored, name=f"upload.{ext}"),
                             _with_extension(original_name, ext), len(stored))
    if images_only:
        raise ValidationError(IMAGES_ONLY, code="type")
    documents = DOCUMENT_TYPES if allowed_documents is None else {k: v for k, v in DOCUMENT_TYPES.items()
                                                                  if k in allowed_documents}
    if mime in documents:
        if len(data) > max_document_bytes:
            raise ValidationError(TOO_LARGE.format(kind="文档", mb=max_document_bytes // (1024 * 1024)), code="too_large")
        ext = documents[mime]
        return CheckedUpload("document", mime, ext, ContentFile(data, name=f"upload.{ext}"),
                             _with_extension(original_name, ext), len(data))
    raise ValidationError(TYPE_REFUSED, code="type")


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


# --- serving -------------------------------------------------------------------------------------------

def protected_file_response(request, fieldfile, filename: str, *, content_type: str | None = None,
                            as_attachment: bool | None = None) -> FileResponse:
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
    response["Cache-Control"] = "private, no-store"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response
