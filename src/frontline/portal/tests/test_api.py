"""The portal's public API: register without an account, read and change through the signed
link, errors in the traveller's language, and nothing else reachable."""

from django.core.cache import cache
from django.test import Client
from django.utils import timezone, translation

from frontline.arrivals import services
from frontline.arrivals.models import Arrival
from frontline.arrivals.tests.factories import passport_number
from frontline.portal.views import error_messages

URL = "/api/v1/portal/registrations/"


def body(**overrides):
    data = {"travel_date": timezone.localdate().isoformat(), "family_name": "Dupont",
            "given_names": "Claire", "nationality": "FR", "doc_number": passport_number(),
            "doc_country": "FR", "phone": "+33612345678", "visited_countries": ["FR"],
            "commitment_signed": True, "sensitive_consent": True}
    data.update(overrides)
    return data


def test_register_read_and_change_without_an_account(tree):
    cache.clear()
    client = Client()
    response = client.post(URL, body(), content_type="application/json",
                           HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 201, response.content
    result = response.json()
    arrival = Arrival.objects.get()
    assert arrival.language == "fr" and result["reference"] == services.format_reference(
        arrival.reference)
    assert services.pass_read(result["qr_text"]) == (arrival.pk, arrival.reference)
    link = URL + result["link"] + "/"
    assert client.get(link).json()["family_name"] == "DUPONT"
    response = client.patch(link, {"seat": "3C"}, content_type="application/json")
    assert response.status_code == 200
    arrival.refresh_from_db()
    assert arrival.seat == "3C"
    services.arrival_check_in(actor=tree.users["registrar"], arrival=arrival,
                              destination=tree.jurisdictions["110101001001"])
    response = client.patch(link, {"seat": "4D"}, content_type="application/json",
                            HTTP_ACCEPT_LANGUAGE="ja")
    with translation.override("ja"):
        expected = error_messages()["not_editable"]
    assert response.status_code == 409 and expected in str(response.json())


def test_errors_in_the_travellers_language_and_bad_links(tree):
    cache.clear()
    client = Client()
    response = client.post(URL, body(sensitive_consent=False, phone="12"),
                           content_type="application/json", HTTP_ACCEPT_LANGUAGE="ar")
    with translation.override("ar"):
        messages = error_messages()
    assert response.status_code == 400
    assert response.json()["sensitive_consent"] == [messages["consent_required"]]
    assert response.json()["phone"] == [messages["phone_invalid"]]
    assert client.get(URL + "1.FAKE:abc:def/").status_code == 404
    assert client.get(URL).status_code in (404, 405)  # no list of registrations
    assert Arrival.objects.count() == 0
