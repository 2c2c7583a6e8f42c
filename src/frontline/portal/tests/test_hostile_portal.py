"""Hostile input to the traveller portal: names in right-to-left scripts and with bidirectional
controls are kept and shown escaped, bytes that are not UTF-8, NUL characters and fuzzed MRZ
lines get the form's message in the traveller's language, and nothing half-registered stays."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import translation

from frontline.arrivals.models import Arrival
from frontline.arrivals.tests.factories import passport_number
from frontline.core.tests.hostile import corpus
from frontline.people.models import Person
from frontline.portal import forms as portal_forms
from frontline.portal.tests.test_portal import form_data
from frontline.portal.views import error_messages


@pytest.fixture(autouse=True)
def _fast_forms(monkeypatch):
    monkeypatch.setattr(portal_forms, "MIN_FILL_SECONDS", 0)
    cache.clear()


@pytest.mark.parametrize("kind", sorted(corpus.RTL_NAMES))
def test_rtl_and_bidi_names_register_exactly_and_show_escaped(tree, kind):
    family, given = corpus.RTL_NAMES[kind]
    client = Client()
    lang = "fa" if kind == "persian" else "ar"
    response = client.post(f"/portal/{lang}/register/", form_data(
        client, lang, family_name=family, given_names=given, nationality="EG", doc_country="EG"))
    assert response.status_code == 302, response.content.decode()[:3000]
    arrival = Arrival.objects.get()
    assert (arrival.family_name, arrival.given_names) == (family.strip().upper(),
                                                          given.strip().upper())
    page = client.get(response["Location"]).content.decode()
    assert 'dir="rtl"' in page
    assert "<b>x</b>" not in page.lower()


def _raw_post(client: Client, lang: str, data: dict[str, str], field: str, raw: bytes):
    body = urlencode(data).encode() + b"&" + field.encode() + b"=" + raw
    return client.post(f"/portal/{lang}/register/", body,
                       content_type="application/x-www-form-urlencoded")


# Each value once, the languages in turn: Arabic (right to left), Chinese, English.
@pytest.mark.parametrize(("field", "raw", "lang"), [
    ("family_name", b"%FF%FE%C0%AF", "ar"),  # not UTF-8: read as U+FFFD, no letter in it
    ("family_name", b"RO%00SSI", "zh-hans"),  # a NUL character
    ("family_name", b"%E2%80%AE" * 40, "en"),  # nothing but right-to-left overrides
    ("family_name", b"%E2%80%8B%E2%81%A6%E2%81%A9%C2%A0", "ar"),  # zero-width, isolates
    ("mrz", b"P%3C" * 44, "zh-hans"),  # MRZ-shaped filler
    ("mrz", b"%00" * 88, "en"),
    ("family_name", b"%FF%FE%C0%AF", "zh-hans"),
    ("mrz", b"P%3C" * 44, "ar"),
])
def test_hostile_form_values_get_the_forms_message_and_register_nothing(tree, lang, field, raw):
    client = Client()
    data = form_data(client, lang, doc_number=passport_number())
    data.pop(field, None)
    response = _raw_post(client, lang, data, field, raw)
    assert response.status_code == 200, response.status_code
    html = response.content.decode()
    with translation.override(lang):
        known = set(error_messages().values()) | {str(m) for m in _django_messages()}
    assert any(message in html for message in known), html[html.find("error"):][:500]
    assert not Arrival.objects.exists() and not Person.objects.exists()


def _django_messages():
    from django.core.validators import ProhibitNullCharactersValidator
    from django.forms import fields

    return [ProhibitNullCharactersValidator.message, fields.Field.default_error_messages["required"]]


def test_a_full_width_document_number_is_read_as_text(tree):
    client = Client()
    data = form_data(client, "en")
    data.pop("doc_number")
    response = _raw_post(client, "en", data, "doc_number", b"%EF%BC%A1%EF%BC%A2123456")
    assert response.status_code in (200, 302)  # normalised or refused, never a server error
    assert Arrival.objects.count() == (1 if response.status_code == 302 else 0)
