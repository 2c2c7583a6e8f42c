"""Requests of the people concerned (PIPL art. 45, 47): a copy of everything held about a
person, and deleting it on request — across the registry, arrivals and observation; logged,
refused while an observation runs, and out of scope answering 404 with nothing changed."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from frontline.arrivals.models import Arrival
from frontline.arrivals.tests.factories import checked_in
from frontline.audit.models import AccessLogEntry, ChangeLogEntry
from frontline.core.testing import snapshot_row
from frontline.observation import services as observation_services
from frontline.observation.models import HealthCheck, Observation
from frontline.observation.tests.factories import observe
from frontline.people import services
from frontline.people.models import IdentityDocument, Person


def _observed_arrival(tree):
    """A person who came through the desk (an arrival) and is under home observation."""
    arrival = checked_in(tree)
    person = Person.objects.get(pk=arrival.person_id)
    observation = observe(tree, person=person, actor="district")
    observation_services.health_check_record(
        actor=tree.users["district"], observation=observation, temperature="36.6",
        note="coughs a little")
    return arrival, person, observation


def test_copy_holds_every_app_and_is_logged(tree):
    arrival, person, _observation = _observed_arrival(tree)
    number = IdentityDocument.objects.filter(person=person).first()
    copy = services.person_data_copy(actor=tree.users["district"], person=person,
                                     reason="letter of 2026-11-20, ref. A-17")
    assert copy["person"]["family_name"] == person.family_name
    assert copy["identity_documents"][0]["number"]  # in full, decrypted
    assert not any(k.endswith(("_encrypted", "_index")) for k in copy["person"])
    assert [a["id"] for a in copy["arrivals"]] == [arrival.pk]
    assert copy["arrivals"][0]["doc_number"]
    assert len(copy["observations"]) == 1
    json.dumps(copy, default=str)  # serialisable
    entry = AccessLogEntry.objects.get(object_type="people.person", object_id=str(person.pk))
    assert entry.reason == "letter of 2026-11-20, ref. A-17"
    assert number is not None


def test_copy_needs_a_reason_and_the_right_to_reveal(tree):
    _arrival, person, _observation = _observed_arrival(tree)
    with pytest.raises(ValidationError):
        services.person_data_copy(actor=tree.users["district"], person=person, reason=" ")
    with pytest.raises(PermissionDenied):  # street staff may not reveal personal data
        services.person_data_copy(actor=tree.users["street"], person=person, reason="asked")
    assert not AccessLogEntry.objects.filter(object_type="people.person").exists()


def test_erase_is_refused_during_observation_then_removes_everything(tree):
    arrival, person, observation = _observed_arrival(tree)
    with pytest.raises(ValidationError, match="under medical observation"):
        services.person_erase(actor=tree.users["district"], person=person, reason="asked")
    assert Person.objects.get(pk=person.pk).purged_at is None
    observation_services.observation_end(actor=tree.users["district"], observation=observation,
                                         status="ended_early", reason="left Beijing")
    services.person_erase(actor=tree.users["district"], person=person,
                          reason="e-mail of 2026-11-28")
    person.refresh_from_db()
    assert person.purged_at is not None and person.family_name == "—"
    assert not IdentityDocument.objects.filter(person=person).exists()
    arrival = Arrival.objects.get(pk=arrival.pk)
    assert arrival.family_name == "—" and arrival.given_names == ""
    assert arrival.doc_number_encrypted == "" and arrival.doc_number_index == ""
    assert arrival.nationality  # the figures keep nationality and dates
    assert not HealthCheck.objects.filter(observation__person=person).exclude(note="").exists()
    assert Observation.objects.get(pk=observation.pk).address == ""
    assert ChangeLogEntry.objects.filter(event="person.erase", object_id=str(person.pk)).exists()


def test_out_of_scope_requests_answer_404_and_change_nothing(tree):
    """A person of Dongcheng asked about by the other district's staff (who may reveal in
    their own district): pages and API answer 404, nothing is written or logged."""
    _arrival, person, observation = _observed_arrival(tree)
    observation_services.observation_end(actor=tree.users["district"], observation=observation,
                                         status="ended_early", reason="left Beijing")
    before = snapshot_row(person)
    client = tree.client("district_west")
    for kind in ("copy", "erase"):
        url = reverse("people:person_request", args=[person.pk, kind])
        assert client.get(url).status_code == 404
        assert client.post(url, {"reason": "asked"}).status_code == 404
    for name in ("data-copy", "erase"):
        response = client.post(f"/api/v1/people/{person.pk}/{name}/",
                               {"reason": "asked"}, content_type="application/json")
        assert response.status_code == 404
    assert snapshot_row(person) == before
    assert not AccessLogEntry.objects.filter(object_type="people.person").exists()


def test_pages_and_api(tree):
    _arrival, person, observation = _observed_arrival(tree)
    client = tree.client("district")
    page = client.get(reverse("people:person_detail", args=[person.pk]))
    assert b"person-requests" in page.content
    assert b"person-requests" not in tree.client("street").get(
        reverse("people:person_detail", args=[person.pk])).content
    response = client.post(reverse("people:person_request", args=[person.pk, "copy"]),
                           {"reason": "visit at the office"})
    assert response["Content-Disposition"].startswith("attachment")
    assert json.loads(response.content)["person"]["id"] == person.pk
    refused = client.post(reverse("people:person_request", args=[person.pk, "erase"]),
                          {"reason": "asked"})
    assert refused.status_code == 200 and "under medical observation" in refused.content.decode()
    observation_services.observation_end(actor=tree.users["district"], observation=observation,
                                         status="ended_early", reason="left Beijing")
    api = client.post(f"/api/v1/people/{person.pk}/data-copy/", {"reason": "asked"},
                      content_type="application/json")
    assert api.status_code == 200 and api.json()["person"]["id"] == person.pk
    erased = client.post(f"/api/v1/people/{person.pk}/erase/", {"reason": "asked"},
                         content_type="application/json")
    assert erased.status_code == 200
    assert Person.objects.get(pk=person.pk).purged_at is not None
