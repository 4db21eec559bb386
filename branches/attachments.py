"""Attachment checks: the type is read from the content (libmagic), never trusted from the name; images get thumbnails."""
from __future__ import annotations

import io
import os

import magic
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps

from .models import AttachmentKind

MAX_BYTES = getattr(settings, "ORGLIFE_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)
THUMB_SIZE = (480, 480)

# content type -> (kind, extensions that may carry it)
ALLOWED = {
    "image/jpeg": (AttachmentKind.IMAGE, {".jpg", ".jpeg"}),
    "image/png": (AttachmentKind.IMAGE, {".png"}),
    "image/webp": (AttachmentKind.IMAGE, {".webp"}),
    "application/pdf": (AttachmentKind.PDF, {".pdf"}),
    "application/msword": (AttachmentKind.WORD, {".doc"}),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (AttachmentKind.WORD, {".docx"}),
}

TOO_LARGE = _("文件“{name}”大小 {size:.1f} MB，超过 {limit:.0f} MB 的上限。")
BAD_TYPE = _("文件“{name}”不是允许的类型（照片 JPG/PNG/WEBP、PDF、Word）。")
NAME_LIES = _("文件“{name}”的扩展名与实际内容（{actual}）不符，请检查后重新上传。")
BROKEN_IMAGE = _("照片“{name}”无法读取，可能已损坏。")


def sniff(uploaded) -> str:
    uploaded.seek(0)
    head = uploaded.read(8192)
    uploaded.seek(0)
    content_type = magic.from_buffer(head, mime=True)
    if content_type in ("application/zip", "application/octet-stream") and _is_docx(uploaded):
        return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    return content_type


def _is_docx(uploaded) -> bool:
    import zipfile

    try:
        uploaded.seek(0)
        with zipfile.ZipFile(uploaded) as z:
            return "word/document.xml" in z.namelist()
    except zipfile.BadZipFile:
        return False
    finally:
        uploaded.seek(0)


def validate_upload(uploaded) -> tuple[str, str]:
    """(kind, content_type) of an acceptable upload, else ValidationError with a message in Chinese."""
    name = os.path.basename(uploaded.name or "")
    if uploaded.size > MAX_BYTES:
        raise ValidationError(TOO_LARGE.format(name=name, size=uploaded.size / 1024 / 1024, limit=MAX_BYTES / 1024 / 1024))
    content_type = sniff(uploaded)
    if content_type not in ALLOWED:
        raise ValidationError(BAD_TYPE.format(name=name))
    kind, extensions = ALLOWED[content_type]
    ext = os.path.splitext(name)[1].lower()
    if ext not in extensions:
        raise ValidationError(NAME_LIES.format(name=name, actual=content_type))
    if kind == AttachmentKind.IMAGE:
        try:
            with Image.open(uploaded) as img:
                img.verify()
        except Exception as exc:  # Pillow raises many types for broken files
            raise ValidationError(BROKEN_IMAGE.format(name=name)) from exc
        finally:
            uploaded.seek(0)
    return kind, content_type


def make_thumbnail(uploaded) -> ContentFile:
    uploaded.seek(0)
    with Image.open(uploaded) as img:
        img = ImageOps.exif_transpose(img)
        img = img.convert("RGB")
        img.thumbnail(THUMB_SIZE)
        out = io.BytesIO()
        img.save(out, "JPEG", quality=82)
    uploaded.seek(0)
    return ContentFile(out.getvalue())
