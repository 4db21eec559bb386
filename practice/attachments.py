"""Upload checks for brand photos/materials and notice attachments.

The type is decided by the file's content (libmagic), never by its name or the browser's header. Images are
decoded and re-encoded with Pillow (which drops metadata and anything hidden after the image data) and get a
thumbnail; SVG, HTML and every type not listed are refused. The uploaded name is kept only as a label.
"""
from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

import magic
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_IMAGE_BYTES = 10 * 1024 * 1024
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
MAX_IMAGE_PIXELS = 40_000_000          # refuse decompression bombs before decoding
STORED_IMAGE_MAX_SIDE = 2400
THUMB_SIDE = 480

IMAGE_TYPES = {"image/jpeg", "image/png", "image/webp", "image/gif"}
DOCUMENT_TYPES = {
    "application/pdf": "pdf",
    "application/msword": "doc",
    "application/vnd.ms-excel": "xls",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "pptx",
}
# Office files some libmagic versions only see as a zip: identified by the part that makes them what they are.
_OOXML_MARKERS = {
    "word/document.xml": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xl/workbook.xml": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt/presentation.xml": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}

TYPE_REFUSED = _("不支持该文件类型：仅可上传 JPG/PNG/WEBP/GIF 图片和 PDF、Word、Excel、PPT 文档（不接受 SVG、网页等文件）。")
EMPTY_FILE = _("文件为空。")
IMAGE_TOO_LARGE = _("图片不能超过 10 MB。")
DOCUMENT_TOO_LARGE = _("文档不能超过 20 MB。")
IMAGE_BROKEN = _("图片已损坏或无法识别。")
IMAGE_TOO_MANY_PIXELS = _("图片尺寸过大（超过 4000 万像素）。")
IMAGES_ONLY = _("此处只能上传图片。")


@dataclass
class CheckedFile:
    kind: str                 # "image" or "document"
    content_type: str
    content: ContentFile      # what is stored (re-encoded for images)
    thumbnail: ContentFile | None
    original_name: str
    size: int


def _read(upload) -> bytes:
    upload.seek(0)
    data = upload.read(MAX_DOCUMENT_BYTES + 1)
    if not data:
        raise ValidationError(EMPTY_FILE)
    return data


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


def _reencode(data: bytes) -> tuple[bytes, str, bytes]:
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.width * probe.height > MAX_IMAGE_PIXELS:
                raise ValidationError(IMAGE_TOO_MANY_PIXELS)
            probe.verify()
        with Image.open(io.BytesIO(data)) as img:
            img.load()
            img = ImageOps.exif_transpose(img)
            has_alpha = img.mode in ("RGBA", "LA") or (img.mode == "P" and "transparency" in img.info)
            img = img.convert("RGBA" if has_alpha else "RGB")
            img.thumbnail((STORED_IMAGE_MAX_SIDE, STORED_IMAGE_MAX_SIDE))
            out = io.BytesIO()
            if has_alpha:
                img.save(out, "PNG", optimize=True)
                ext = "png"
            else:
                img.save(out, "JPEG", quality=85, optimize=True)
                ext = "jpg"
            thumb = img.convert("RGB")
            thumb.thumbnail((THUMB_SIDE, THUMB_SIDE))
            thumb_out = io.BytesIO()
            thumb.save(thumb_out, "JPEG", quality=80)
            return out.getvalue(), ext, thumb_out.getvalue()
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationError(IMAGE_BROKEN) from None


def check_upload(upload, *, images_only: bool = False) -> CheckedFile:
    """Validate an uploaded file; return what to store. Raises ValidationError with a Chinese message."""
    original_name = (getattr(upload, "name", "") or "附件").replace("\\", "/").rsplit("/", 1)[-1][:200]
    data = _read(upload)
    mime = detect_type(data)
    if mime in IMAGE_TYPES:
        if len(data) > MAX_IMAGE_BYTES:
            raise ValidationError(IMAGE_TOO_LARGE)
        stored, ext, thumb = _reencode(data)
        return CheckedFile("image", "image/png" if ext == "png" else "image/jpeg", ContentFile(stored, name=f"f.{ext}"),
                           ContentFile(thumb, name="t.jpg"), original_name, len(stored))
    if images_only:
        raise ValidationError(IMAGES_ONLY)
    if mime in DOCUMENT_TYPES:
        if len(data) > MAX_DOCUMENT_BYTES:
            raise ValidationError(DOCUMENT_TOO_LARGE)
        return CheckedFile("document", mime, ContentFile(data, name=f"f.{DOCUMENT_TYPES[mime]}"), None, original_name,
                           len(data))
    raise ValidationError(TYPE_REFUSED)
