"""Checking attachments by their content: an image (PNG, JPEG, GIF, WebP) or a PDF, at most
10 MB, whose name says what it is. A file named .pdf that is not a PDF is refused."""

from __future__ import annotations

import io
import os

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_BYTES = 10 * 1024 * 1024

KINDS = {
    "application/pdf": {".pdf"},
    "image/png": {".png"},
    "image/jpeg": {".jpg", ".jpeg"},
    "image/gif": {".gif"},
    "image/webp": {".webp"},
}


def sniff(head: bytes) -> str | None:
    """The type the first bytes of a file show, or None when it is none of ours."""
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def check_attachment(name: str, content: bytes) -> str:
    """The content type of an acceptable attachment; a ValidationError otherwise."""
    if len(content) > MAX_BYTES:
        raise ValidationError({"attachments": _("“%(name)s” is larger than 10 MB.")
                               % {"name": name}})
    if not content:
        raise ValidationError({"attachments": _("“%(name)s” is empty.") % {"name": name}})
    kind = sniff(content[:16])
    extension = os.path.splitext(name or "")[1].lower()
    if kind is None or extension not in KINDS[kind]:
        raise ValidationError({"attachments": _(
            "“%(name)s” is not what its name says: attach images (PNG, JPEG, GIF, WebP) or "
            "PDF files.") % {"name": name}})
    if kind.startswith("image/"):
        from PIL import Image, UnidentifiedImageError

        try:
            with Image.open(io.BytesIO(content)) as image:
                image.verify()
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError,
                Image.DecompressionBombError):  # a few bytes claiming gigapixels
            raise ValidationError({"attachments": _("“%(name)s” is not a readable image.")
                                   % {"name": name}}) from None
    elif b"%%EOF" not in content[-2048:]:
        raise ValidationError({"attachments": _("“%(name)s” is not a complete PDF.")
                               % {"name": name}})
    return kind
