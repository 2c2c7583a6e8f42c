"""The closed set of document kinds and what each declares: placeholders, page format, limits.

A kind is code, not data: the office writes the texts (templates), but which kinds exist,
which placeholders a kind may use and how it is laid out are decided here, so a check can
refuse a translation that invents or loses a placeholder.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class DocumentKind(models.TextChoices):
    OPEN_LETTER = "open_letter", _("open letter to foreign nationals")
    HEALTH_COMMITMENT = "health_commitment", _("health commitment form")
    CENTRALISED_NOTICE = "centralised_observation_notice", _("notice of centralised observation")
    HOME_NOTICE = "home_observation_notice", _("notice of home observation")
    END_CERTIFICATE = "observation_end_certificate", _("end-of-observation certificate")
    OBSERVATION_COMMITMENT = "observation_commitment", _("observation commitment letter")
    HOTEL_CHECKIN_NOTES = "hotel_checkin_notes", _("hotel check-in notes")
    COMMUNITY_REGISTRATION = "community_registration_notice", _("community registration notice")
    RETURNEE_FORM = "returnee_registration_form", _("returnee registration form")
    REMINDER_CARD = "warm_reminder_card", _("warm-reminder card")
    POSTER = "poster", _("poster")
    FAQ_ENTRY = "faq_entry", _("FAQ entry")


class PageFormat(models.TextChoices):
    A4 = "a4", _("A4")
    CARD = "card", _("card (A6)")
    POSTER = "poster", _("poster (A3)")


# Placeholders a text may use. Values come from the caller's context, except the system ones.
PLACEHOLDERS = {
    "name": _("name of the person"),
    "document_masked": _("identity document number, masked"),
    "nationality": _("nationality"),
    "start_date": _("first day of observation"),
    "end_date": _("last day of observation"),
    "hotel": _("observation hotel"),
    "room": _("room"),
    "address": _("address"),
    "community": _("community"),
    "office_phone": _("the office's telephone number"),
    "serial": _("serial number (filled in by the system)"),
    "issue_date": _("date of issue (filled in by the system)"),
}
DATE_PLACEHOLDERS = frozenset({"start_date", "end_date", "issue_date"})
SYSTEM_PLACEHOLDERS = frozenset({"serial", "issue_date"})


@dataclass(frozen=True)
class KindSpec:
    """What a kind allows and needs. `required` values must be in the issuing context;
    a declared placeholder without a value prints as a blank line to fill in by hand."""

    placeholders: frozenset[str]
    required: frozenset[str] = frozenset()
    page_format: str = PageFormat.A4
    sealed: bool = False
    personal: bool = False
    # Length limit of the whole text in width units (a CJK character counts 2), for cards.
    max_units: int | None = None
    # Texts of the knowledge base (an FAQ entry): many per office, translated into the
    # languages named here only, never issued to a person nor printed.
    languages: tuple[str, ...] | None = None
    issuable: bool = True

    @property
    def page_format_label(self) -> str:
        """The page format in words (A4, card (A6), poster (A3))."""
        return str(PageFormat(self.page_format).label)


_PERSON = frozenset({"name", "document_masked", "nationality"})
_PERIOD = frozenset({"start_date", "end_date"})

KIND_SPECS: dict[str, KindSpec] = {
    DocumentKind.OPEN_LETTER: KindSpec(frozenset({"office_phone", "issue_date"}), sealed=True),
    DocumentKind.HEALTH_COMMITMENT: KindSpec(
        _PERSON | {"address", "office_phone", "issue_date", "serial"}, personal=True),
    DocumentKind.CENTRALISED_NOTICE: KindSpec(
        _PERSON | _PERIOD | {"hotel", "room", "office_phone", "serial", "issue_date"},
        required=frozenset({"name"}), sealed=True, personal=True),
    DocumentKind.HOME_NOTICE: KindSpec(
        _PERSON | _PERIOD | {"address", "community", "office_phone", "serial", "issue_date"},
        required=frozenset({"name"}), sealed=True, personal=True),
    DocumentKind.END_CERTIFICATE: KindSpec(
        _PERSON | _PERIOD | {"hotel", "address", "serial", "issue_date"},
        required=frozenset({"name", "start_date", "end_date"}), sealed=True, personal=True),
    DocumentKind.OBSERVATION_COMMITMENT: KindSpec(
        _PERSON | _PERIOD | {"hotel", "room", "serial", "issue_date"}, personal=True),
    DocumentKind.HOTEL_CHECKIN_NOTES: KindSpec(frozenset({"hotel", "office_phone"})),
    DocumentKind.COMMUNITY_REGISTRATION: KindSpec(
        _PERSON | {"community", "address", "office_phone", "serial", "issue_date"},
        sealed=True, personal=True),
    DocumentKind.RETURNEE_FORM: KindSpec(_PERSON | {"serial", "issue_date"}, personal=True),
    DocumentKind.REMINDER_CARD: KindSpec(frozenset({"office_phone"}), page_format=PageFormat.CARD,
                                         max_units=900),
    DocumentKind.POSTER: KindSpec(frozenset({"office_phone"}), page_format=PageFormat.POSTER,
                                  max_units=2400),
    DocumentKind.FAQ_ENTRY: KindSpec(frozenset(), languages=("en",), issuable=False),
}

assert set(KIND_SPECS) == set(DocumentKind.values)  # noqa: S101 - a kind without a spec is a bug

SOURCE_LANGUAGE = "zh-hans"


def kind_spec(kind: str) -> KindSpec:
    try:
        return KIND_SPECS[DocumentKind(kind)]
    except ValueError:
        raise ValueError(f"unknown document kind {kind!r}") from None


def traveller_languages() -> list[tuple[str, str]]:
    """The 13 languages of everything a traveller reads, the source language first."""
    return list(settings.TRAVELLER_LANGUAGES)


def target_languages() -> list[str]:
    """The languages a template is translated into (all but the Chinese source)."""
    return [code for code, _name in settings.TRAVELLER_LANGUAGES if code != SOURCE_LANGUAGE]


def kind_languages(kind: str) -> list[str]:
    """The languages a template of this kind is translated into."""
    spec = kind_spec(kind)
    return list(spec.languages) if spec.languages is not None else target_languages()


# The kinds the office issues and prints (every kind but the knowledge base's texts), and
# the kinds of which an office keeps exactly one template.
ISSUABLE_KINDS = [kind for kind in DocumentKind.values if KIND_SPECS[kind].issuable]
ISSUABLE_CHOICES = [(k, label) for k, label in DocumentKind.choices if k in ISSUABLE_KINDS]


def language_name(code: str) -> str:
    return dict(settings.TRAVELLER_LANGUAGES).get(code, code)


def is_rtl(code: str) -> bool:
    return code in settings.RTL_LANGUAGES


def html_lang(code: str) -> str:
    """The BCP 47 tag for HTML `lang`: zh-hans → zh-Hans (fonts are chosen by it)."""
    if code.startswith("zh-"):
        return "zh-" + code[3:].capitalize()
    return code
