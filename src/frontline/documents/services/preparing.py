"""Preparing a document for print: verification links, the values filled in, the texts and
seal of the office, serial numbers and where files are stored."""

from __future__ import annotations

import datetime
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from frontline.areas.models import CODE_RE
from frontline.core.crypto import mask, normalise_identifier
from frontline.documents import rendering
from frontline.documents.kinds import (
    DATE_PLACEHOLDERS,
    PLACEHOLDERS,
    SOURCE_LANGUAGE,
    KindSpec,
    target_languages,
)
from frontline.documents.models import (
    DocumentTemplate,
    IssuedDocument,
    OfficeProfile,
    SerialCounter,
    Translation,
)
from frontline.documents.services.common import ancestor_codes
from frontline.documents.textformat import substitute

logger = logging.getLogger(__name__)

VERIFY_SALT = "frontline.documents.verify"
MAX_VALUE_CHARS = 200
BABEL_LOCALES = {"zh-hans": "zh_Hans_CN", "zh-hant": "zh_Hant_TW", "en": "en_GB"}
EXTRA_CONTEXT = frozenset({"jurisdiction_code", "document_number", "valid_from", "valid_until",
                           "language"})


# -- verification links ----------------------------------------------------------------------

def verification_token(serial: str) -> str:
    """The serial signed with an HMAC of the site's secret: what the QR code carries."""
    return signing.Signer(salt=VERIFY_SALT).sign(serial)


def serial_from_token(token: str) -> str | None:
    """The serial of a genuine token; None for anything tampered with or made up."""
    try:
        return signing.Signer(salt=VERIFY_SALT).unsign(token)
    except signing.BadSignature:
        return None


def site_url() -> str:
    return (getattr(settings, "FRONTLINE_SITE_URL", "") or "http://localhost:8000").rstrip("/")


def verification_url(serial: str) -> str:
    return site_url() + reverse("documents:verify", kwargs={"token": verification_token(serial)})


# -- values ----------------------------------------------------------------------------------

def _as_date(value: Any) -> datetime.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value)[:10])
    except ValueError:
        raise ValidationError(_("“%(value)s” is not a date (YYYY-MM-DD)")
                              % {"value": str(value)[:40]}) from None


def format_date(value: datetime.date, language: str) -> str:
    from babel.dates import format_date as babel_format

    locale = BABEL_LOCALES.get(language, language.replace("-", "_"))
    return babel_format(value, format="long", locale=locale)


# The zero-width non-joiner and joiner are part of how Persian (and Indic) names are spelt;
# every other invisible format character, bidirectional overrides among them, is dropped.
_JOINERS = "\u200c\u200d"


def clean_text(value: Any) -> str:
    """A value as one line of printable text, at most MAX_VALUE_CHARS long."""
    text = " ".join(str(value).split())
    return "".join(ch for ch in text if ch.isprintable() or ch in _JOINERS)[:MAX_VALUE_CHARS]


def clean_context(spec: KindSpec, context: dict[str, Any]) -> dict[str, Any]:
    """The context reduced to what the kind uses, dates as ISO strings, text cleaned."""
    out: dict[str, Any] = {}
    for key, value in (context or {}).items():
        if key not in spec.placeholders and key not in EXTRA_CONTEXT:
            continue
        if value in (None, ""):
            continue
        if key in DATE_PLACEHOLDERS or key in ("valid_from", "valid_until"):
            out[key] = _as_date(value).isoformat()
        else:
            out[key] = clean_text(value)
    if "document_number" in out:
        if "document_masked" not in out:
            out["document_masked"] = mask(normalise_identifier(out["document_number"]))
        del out["document_number"]  # never stored: the masked form is enough to print
    missing = sorted(k for k in spec.required if not out.get(k))
    if missing:
        raise ValidationError(_("missing values: %(names)s")
                              % {"names": "; ".join(str(PLACEHOLDERS.get(k, k)) for k in missing)})
    if out.get("start_date") and out.get("end_date") and out["end_date"] < out["start_date"]:
        raise ValidationError(_("the last day is before the first day"))
    return out


def values_for(spec: KindSpec, context: dict[str, Any], language: str, *, serial: str,
               issued_on: datetime.date, office_phone: str) -> dict[str, str]:
    values: dict[str, str] = {}
    for key in spec.placeholders:
        raw: Any = context.get(key, "")
        if key == "serial":
            raw = serial
        elif key == "issue_date":
            raw = issued_on.isoformat()
        elif key == "office_phone" and not raw:
            raw = office_phone
        if raw and key in DATE_PLACEHOLDERS:
            raw = format_date(_as_date(raw), language)
        elif key == "nationality" and _COUNTRY_CODE.fullmatch(str(raw)):
            raw = _country_name(str(raw), language)
        values[key] = str(raw or "")
    return values


_COUNTRY_CODE = re.compile(r"[A-Z]{2}")


def _country_name(code: str, language: str) -> str:
    """A country given by its code, named in the document's language (each language part of
    a bilingual document names it in its own language, whoever issues it)."""
    from django.utils import translation
    from django_countries import countries

    with translation.override(language):
        return str(countries.name(code) or code)


# -- templates, translations and the seal -----------------------------------------------------

def template_for(kind: str, code: str) -> DocumentTemplate | None:
    """The template of `kind` of the nearest office above (or at) division `code`."""
    found = {t.jurisdiction_code: t for t in DocumentTemplate.objects.filter(  # scoped-ok
        kind=kind, jurisdiction_code__in=ancestor_codes(code))}
    return next((found[c] for c in ancestor_codes(code) if c in found), None)


def usable_translation(template: DocumentTemplate, language: str) -> Translation | None:
    """The translation to print, or None when the language has no complete text yet."""
    if language == SOURCE_LANGUAGE:
        return None
    translation = Translation.objects.filter(  # scoped-ok: read inside the issuing service
        template=template, language=language).first()
    if translation is None or not translation.title.strip() or len(
            translation.segments) != len(template.segments) or not all(
            s.strip() for s in translation.segments):
        raise ValidationError(_("the %(kind)s has no complete %(language)s translation yet")
                              % {"kind": template.get_kind_display(), "language": language})
    return translation


_seal_cache: dict[tuple[str, str], bytes] = {}


def office_seal(office_code: str) -> tuple[bytes, str]:
    """The office's uploaded seal (PNG), or the drawn demo seal (SVG): (content, mime)."""
    profile = OfficeProfile.objects.filter(  # scoped-ok: printed on the office's documents
        jurisdiction_code=office_code).first()
    if profile is None or not profile.seal:
        return rendering.demo_seal()
    key = (office_code, profile.updated_at.isoformat())
    if key not in _seal_cache:
        try:
            with profile.seal.open("rb") as fh:
                _seal_cache[key] = fh.read()
        except OSError:
            logger.warning("documents: seal image of %s is missing", office_code)
            return rendering.demo_seal()
    return _seal_cache[key], "image/png"


def _office_phone(office_code: str) -> str:
    profile = OfficeProfile.objects.filter(  # scoped-ok: printed on the office's documents
        jurisdiction_code=office_code).first()
    return profile.phone if profile else ""


@dataclass
class PreparedText:
    """A template and the translation to print, looked up once per batch and language."""

    template: DocumentTemplate
    translation: Translation | None
    official: bool
    phone: str
    seal: tuple[bytes, str]


def _prepared(template: DocumentTemplate, translation: Translation | None,
              official: bool) -> PreparedText:
    seal = office_seal(template.jurisdiction_code) if template.spec.sealed else (b"", "")
    return PreparedText(template, translation, official,
                        _office_phone(template.jurisdiction_code), seal)


def prepare_text(template: DocumentTemplate, language: str) -> PreparedText:
    translation = usable_translation(template, language)
    return _prepared(template, translation, translation is None or translation.is_official)


def render_item(prepared: PreparedText, *, language: str, bilingual: bool,
                context: dict[str, Any], serial: str, issued_on: datetime.date,
                verify: bool = True, specimen: bool = False) -> rendering.RenderItem:
    template, translation = prepared.template, prepared.translation
    spec = template.spec
    bilingual = bilingual and language != SOURCE_LANGUAGE
    show_zh = language == SOURCE_LANGUAGE or bilingual
    values_zh = values_for(spec, context, SOURCE_LANGUAGE, serial=serial, issued_on=issued_on,
                           office_phone=prepared.phone)
    values_tr = (values_for(spec, context, language, serial=serial, issued_on=issued_on,
                            office_phone=prepared.phone) if translation else values_zh)
    blocks = []
    for i, segment in enumerate(template.segments):
        zh = substitute(segment.text, values_zh) if show_zh else None
        tr = substitute(translation.segments[i], values_tr) if translation else None
        blocks.append(rendering.Block(segment.role, zh, tr))
    fixed = template.title + template.body
    if translation:
        fixed += translation.title + "".join(translation.segments)
    return rendering.RenderItem(
        page_format=rendering.page_format_of(spec.page_format), language=language,
        title_zh=template.title if show_zh else "",
        title_tr=translation.title if translation else "",
        blocks=blocks, official=prepared.official, specimen=specimen, serial=serial,
        verify_url=verification_url(serial) if serial and verify else "",
        seal=prepared.seal[0], seal_mime=prepared.seal[1], fixed_text=fixed)


# -- storage ---------------------------------------------------------------------------------

def media_path(relative: str) -> Path:
    return Path(settings.MEDIA_ROOT) / relative


def issued_relative_path(document: IssuedDocument) -> str:
    return f"documents/issued/{document.issued_at:%Y}/{document.serial}.pdf"


def _allocate_serials(office_code: str, count: int) -> list[str]:
    """`count` new serials of an office for this year; the counter row is locked."""
    key = f"{office_code}-{timezone.localdate().year}"
    counter, _ = SerialCounter.objects.select_for_update().get_or_create(key=key)
    start = counter.last + 1
    counter.last += count
    counter.save(update_fields=["last"])
    return [f"{key}-{n:07d}" for n in range(start, start + count)]


def _subject(person: Any, context: dict[str, Any]) -> tuple[str, ContentType | None, str]:
    code = getattr(person, "jurisdiction_code", "") if person is not None else ""
    code = code or str((context or {}).get("jurisdiction_code") or "")
    if not CODE_RE.match(code):
        raise ValidationError(_("the person has no jurisdiction: give context[\"jurisdiction_code\"]"))
    if person is None:
        return code, None, ""
    return code, ContentType.objects.get_for_model(type(person)), str(person.pk)


def _language(language: str) -> str:
    if language != SOURCE_LANGUAGE and language not in target_languages():
        raise ValidationError(_("unknown language %(code)s") % {"code": language})
    return language
