"""The office profile printed on documents: its telephone and its seal image."""

from __future__ import annotations

import io
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from frontline.areas.models import Jurisdiction
from frontline.audit.models import ChangeAction
from frontline.audit.services import change_record, snapshot
from frontline.core.models import ensure_in_scope
from frontline.core.permissions import Action
from frontline.documents.models import OfficeProfile
from frontline.documents.services.common import require
from frontline.documents.services.preparing import clean_text

MAX_SEAL_BYTES = 1024 * 1024


def _seal_png(data: bytes) -> bytes:
    """The uploaded seal re-encoded as PNG (only PNG and JPEG are accepted)."""
    from PIL import Image, UnidentifiedImageError

    if len(data) > MAX_SEAL_BYTES:
        raise ValidationError({"seal": _("the image is larger than 1 MB")})
    if not (data.startswith(b"\x89PNG\r\n\x1a\n") or data.startswith(b"\xff\xd8\xff")):
        raise ValidationError({"seal": _("the seal must be a PNG or JPEG image")})
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > 4000 * 4000:
                raise ValidationError({"seal": _("the image is too large")})
            image = image.convert("RGBA")
            out = io.BytesIO()
            image.save(out, format="PNG")
            return out.getvalue()
    except Image.DecompressionBombError as exc:  # a few bytes claiming gigapixels
        raise ValidationError({"seal": _("the image is too large")}) from exc
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise ValidationError({"seal": _("the file is not a readable image")}) from exc


def office_profile_save(*, actor: Any, jurisdiction: Jurisdiction, phone: str = "",
                        seal: bytes | None = None, clear_seal: bool = False) -> OfficeProfile:
    """Set the telephone and the seal image an office prints on its documents."""
    require(actor, Action.CONFIGURE, jurisdiction.code, visible=False)
    png = _seal_png(seal) if seal else None
    with transaction.atomic():
        profile, created = OfficeProfile.objects.select_for_update().get_or_create(
            jurisdiction_code=jurisdiction.code, defaults={"jurisdiction": jurisdiction})
        before = None if created else snapshot(profile)
        profile.phone = clean_text(phone)[:40] if phone else ""
        if clear_seal and profile.seal:
            profile.seal.delete(save=False)
            profile.seal = ""
        if png is not None:
            from django.core.files.base import ContentFile

            if profile.seal:
                profile.seal.delete(save=False)
            profile.seal.save(f"seal-{jurisdiction.code}.png", ContentFile(png), save=False)
        profile.updated_by = actor if getattr(actor, "pk", None) else None
        profile.save()
        ensure_in_scope(actor, Action.CONFIGURE, profile)
        change_record(actor=actor, action=ChangeAction.CREATE if created else ChangeAction.UPDATE,
                      obj=profile, before=before, after=snapshot(profile))
    return profile
