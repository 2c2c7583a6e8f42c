"""The traveller portal: languages and direction, registration without JavaScript, the signed
pass and personal link, editing until check-in, and every kind of bad input."""

import re

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django.utils import timezone, translation

from frontline.arrivals import services
from frontline.arrivals.models import Arrival, ArrivalStatus
from frontline.arrivals.tests.factories import mrz_for, passport_number
from frontline.people.models import Person
from frontline.portal import forms as portal_forms
from frontline.portal.views import error_messages

LANGS = [code for code, _name in settings.TRAVELLER_LANGUAGES]


@pytest.fixture(autouse=True)
def _fast_forms(monkeypatch):
    monkeypatch.setattr(portal_forms, "MIN_FILL_SECONDS", 0)
    cache.clear()


def form_data(client, lang="en", **overrides):
    page = client.get(f"/portal/{lang}/register/").content.decode()
    ft = re.search(r'name="ft" value="([^"]+)"', page).group(1)
    point = re.search(r'name="transfer_point" value="(\d+)"', page).group(1)
    data = {"transfer_point": point, "ft": ft, "travel_mode": "flight",
            "carrier_number": "CA934", "travel_date": timezone.localdate().isoformat(),
            "seat": "32A", "departure_country": "IT", "visited_1": "IT", "visited_2": "FR",
            "family_name": "Rossi", "given_names": "Marco", "sex": "M",
            "birth_date": "1980-05-17", "nationality": "IT", "doc_type": "passport",
            "doc_number": passport_number(), "doc_country": "IT",
            "destination_address": "1 Test Lane", "phone": "+8613800138000",
            "temperature": "36.6", "commitment_signed": "on", "sensitive_consent": "on"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_accept_language_picks_the_portal_language(tree):
    client = Client()
    assert client.get("/portal/", HTTP_ACCEPT_LANGUAGE="fa-IR,fa;q=0.9")["Location"] == \
        "/portal/fa/"
    assert client.get("/portal/", HTTP_ACCEPT_LANGUAGE="zh-TW")["Location"] == "/portal/zh-hant/"
    assert client.get("/portal/", HTTP_ACCEPT_LANGUAGE="sw")["Location"] == "/portal/en/"
    assert client.get("/portal/xx/").status_code == 404


@pytest.mark.parametrize("lang", LANGS)
def test_every_language_renders_small_and_with_its_direction(tree, lang):
    response = Client().get(f"/portal/{lang}/register/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'dir="{"rtl" if lang in ("ar", "fa") else "ltr"}"' in html
    assert len(response.content) < 150 * 1024
    assert "<script" not in html  # works without JavaScript
    assert response["Content-Language"] == lang
    if lang in ("ar", "fa"):  # the unit reads °C, not C°, inside right-to-left text
        assert "(\u2066°C\u2069)" in html and "(°C)" not in html
    if lang == "zh-hant":  # 簽 (sign), not 籤 (a slip)
        assert "簽署" in html and "籤" not in html


@pytest.mark.parametrize("lang", [c for c in LANGS if c != "en"])
def test_every_error_message_is_translated(lang):
    with translation.override("en"):
        english = error_messages()
    with translation.override(lang):
        translated = error_messages()
    same = [code for code in english if translated[code] == english[code]]
    assert not same, f"{lang}: untranslated {same}"


def test_register_get_a_pass_and_edit_until_check_in(tree):
    client = Client()
    response = client.post("/portal/it/register/", form_data(client, "it"))
    assert response.status_code == 302, response.content.decode()[:2000]
    arrival = Arrival.objects.get()
    assert arrival.language == "it" and arrival.status == ArrivalStatus.REGISTERED
    assert arrival.visited_countries == ["FR", "IT"] and arrival.family_name == "ROSSI"
    assert arrival.sensitive_consent_at and arrival.consent_version
    assert Person.objects.count() == 0
    page = client.get(response["Location"]).content.decode()
    assert services.format_reference(arrival.reference) in page and "<svg" in page
    # Edit through the personal link.
    edit_url = response["Location"] + "edit/"
    data = form_data(client, "it", seat="1A", doc_number="")
    data.pop("ft")
    data.pop("transfer_point")
    assert client.post(edit_url, data).status_code == 302
    arrival.refresh_from_db()
    assert arrival.seat == "1A" and arrival.doc_number_masked  # the number was kept
    # A companion travels on the same journey.
    companion = form_data(client, "it", family_name="Rossi", given_names="Luca",
                          birth_date=(timezone.localdate().replace(year=2019)).isoformat(),
                          guardian_name="Marco Rossi", guardian_consent="on")
    assert client.post(response["Location"] + "companion/", companion).status_code == 302
    assert Arrival.objects.filter(party_lead=arrival).count() == 1
    # After check-in the link shows the pass but refuses changes.
    services.arrival_check_in(actor=tree.users["registrar"], arrival=arrival,
                              destination=tree.jurisdictions["110101001001"])
    assert client.get(edit_url).status_code == 409
    assert client.post(edit_url, data).status_code == 409


@pytest.mark.parametrize("lang", ["ru", "zh-hans", "de"])
def test_the_edit_page_keeps_the_dates_in_languages_that_write_them_otherwise(tree, lang):
    """A date input shows only ISO values: saving the page unchanged keeps every date."""
    client = Client()
    response = client.post(f"/portal/{lang}/register/",
                           form_data(client, lang, doc_expiry="2031-04-30"))
    assert response.status_code == 302
    page = client.get(response["Location"] + "edit/").content.decode()
    values = dict(re.findall(r'<input type="date" name="(\w+)" value="([^"]*)"', page))
    assert values == {"travel_date": timezone.localdate().isoformat(),
                      "birth_date": "1980-05-17", "doc_expiry": "2031-04-30"}, values
    data = form_data(client, lang, seat="1A", doc_number="", **values)
    data.pop("ft")
    data.pop("transfer_point")
    assert client.post(response["Location"] + "edit/", data).status_code == 302
    arrival = Arrival.objects.get()
    assert (arrival.seat, arrival.birth_date.isoformat(), arrival.doc_expiry.isoformat()) == \
        ("1A", "1980-05-17", "2031-04-30")


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_every_mistake_is_shown_in_the_first_answer_with_the_first_one_focused(tree, lang):
    client = Client()
    data = form_data(client, lang, travel_date="", family_name="", doc_number="",
                     birth_date="2999-01-01", commitment_signed=None, sensitive_consent=None)
    response = client.post(f"/portal/{lang}/register/", data)
    assert response.status_code == 200
    errors = set(response.context["form"].errors)
    assert {"travel_date", "family_name", "doc_number", "birth_date", "commitment_signed",
            "sensitive_consent"} <= errors, errors
    html = response.content.decode()
    focused = re.findall(r"<(?:input|select|textarea)[^>]*\bautofocus\b[^>]*>", html)
    assert len(focused) == 1 and 'name="travel_date"' in focused[0], focused
    assert 'aria-label="' in re.search(r'<select name="visited_2"[^>]*>', html).group(0)
    assert "<legend>" in re.search(r'<fieldset class="field group[^"]*"><legend>[^<]*</legend>'
                                   r'<div class="choices"><div id="id_travel_mode"', html
                                   ).group(0)
    assert not Arrival.objects.exists()


def test_the_language_links_keep_the_page_and_an_edit_clears_the_street(tree):
    client = Client()
    street = tree.jurisdictions["110101001"]
    response = client.post("/portal/en/register/",
                           form_data(client, "en", destination=street.code))
    pass_url = response["Location"]
    arrival = Arrival.objects.get()
    assert arrival.destination == street
    page = client.get(pass_url).content.decode()
    french = pass_url.replace("/portal/en/", "/portal/fr/")
    assert f'href="{french}" lang="fr"' in page
    assert client.get(french).status_code == 200
    assert 'viewBox="0 0' in page and '<svg width=' not in page  # the QR scales to its box
    data = form_data(client, "en", destination="", doc_number="")
    data.pop("ft")
    data.pop("transfer_point")
    assert client.post(pass_url + "edit/", data).status_code == 302
    arrival.refresh_from_db()
    assert arrival.destination is None


def test_mrz_fills_the_document(tree):
    client = Client()
    number = passport_number()
    data = form_data(client, mrz=mrz_for(number, surname="BIANCHI", given="GIULIA", sex="F"),
                     family_name="", doc_number="")
    assert client.post("/portal/en/register/", data).status_code == 302
    arrival = Arrival.objects.get()
    assert arrival.family_name == "BIANCHI" and arrival.mrz_verified


def test_errors_are_in_the_travellers_language(tree):
    client = Client()
    number = passport_number()
    assert client.post("/portal/de/register/", form_data(client, "de", doc_number=number)
                       ).status_code == 302
    again = client.post("/portal/de/register/", form_data(client, "de", doc_number=number))
    with translation.override("de"):
        expected = error_messages()["duplicate_document"]
    assert again.status_code == 200 and expected in again.content.decode()
    bad = client.post("/portal/ar/register/", form_data(client, "ar", sensitive_consent=None,
                                                        phone="12"))
    with translation.override("ar"):
        messages = error_messages()
    html = bad.content.decode()
    assert messages["consent_required"] in html and messages["phone_invalid"] in html
    assert Arrival.objects.count() == 1


def test_bots_and_bad_requests_are_refused(tree, settings):
    client = Client()
    assert client.post("/portal/en/register/", form_data(client, website="http://spam")
                       ).status_code == 200
    assert client.post("/portal/en/register/", form_data(client, ft="forged")).status_code == 200
    huge = form_data(client, destination_address="x" * 40000)
    assert client.post("/portal/en/register/", huge).status_code == 413
    many = form_data(client)
    many["symptoms"] = ["fever", "not-a-symptom"]
    assert client.post("/portal/en/register/", many).status_code == 200
    assert Arrival.objects.count() == 0
    settings.PORTAL_RATE_LIMIT = 3
    cache.clear()
    codes = [client.post("/portal/en/register/", form_data(client, website="x")).status_code
             for _ in range(4)]
    assert codes[-1] == 429


def test_tampered_expired_and_other_links_are_refused(tree):
    client = Client()
    response = client.post("/portal/en/register/", form_data(client))
    url = response["Location"]
    token = url.rstrip("/").rsplit("/", 1)[1]
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert client.get(f"/portal/en/r/{tampered}/").status_code == 404
    arrival = Arrival.objects.get()
    # The QR pass is not the personal link.
    assert client.get(f"/portal/en/r/{services.pass_token(arrival)}/").status_code == 404
    assert client.get(url).status_code == 200


@pytest.mark.parametrize(("lang", "expected"), [
    ("en", "Duofuxiang · 多福巷社区"), ("ar", "Duofuxiang · 多福巷社区"),
    ("zh-hans", "多福巷社区")])
def test_streets_are_offered_in_latin_letters_with_their_chinese_name(tree, lang, expected):
    community = tree.jurisdictions["110101001001"]
    with translation.override(lang):
        assert portal_forms.destination_label(community) == expected
    community.name_en = "Duofu Lane"  # an English name the office set comes first
    with translation.override("en"):
        assert portal_forms.destination_label(community) == "Duofu Lane · 多福巷社区"


def test_place_names_read_as_places():
    from frontline.areas.romanise import romanised

    assert romanised("朝阳门街道") == "Chaoyangmen"  # not the word's zhaoyang
    assert romanised("长安街") == "Chang'anjie" and romanised("东华门街道") == "Donghuamen"
    assert romanised("ABC") == ""
    assert romanised("东朝阳门外") == "Dongchaoyangmenwai"  # a reading inside a longer name
    # The registry's name search keeps the common reading of a person's name 朝阳.
    from frontline.people.names import transliterate

    assert transliterate("李朝阳") == "li zhao yang"
