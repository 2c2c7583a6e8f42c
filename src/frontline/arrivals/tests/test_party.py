"""A party at the desk: the lead, companions and children registered together on the portal
are shown together and checked in in one step, all or nothing."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from frontline.arrivals import selectors, services
from frontline.arrivals.models import Arrival, ArrivalStatus
from frontline.arrivals.tests.factories import arrival_data, checked_in
from frontline.audit.models import ChangeLogEntry
from frontline.core.testing import snapshot_row
from frontline.people.models import Person


def _party(tree, *, companion_destination=None, destination="110101001001"):
    companion_destination = destination if companion_destination is None \
        else companion_destination
    point = tree.places["transfer"]
    lead = services.arrival_preregister(
        transfer_point=point, data=arrival_data(destination=destination))
    companion = services.arrival_preregister(
        transfer_point=point, party_lead=lead,
        data=arrival_data(family_name="ROSSI", given_names="ANNA", sex="F",
                          birth_date=datetime.date(1982, 2, 3),
                          destination=companion_destination))
    child = services.arrival_preregister(
        transfer_point=point, party_lead=lead,
        data=arrival_data(family_name="ROSSI", given_names="LUCA",
                          birth_date=datetime.date(2018, 1, 9),
                          guardian_name="MARCO ROSSI", guardian_consent=True,
                          destination=destination))
    return lead, companion, child


def test_the_desk_sees_the_party_and_a_lone_traveller_has_none(tree):
    lead, companion, child = _party(tree)
    registrar = tree.users["registrar"]
    assert [a.pk for a in selectors.party_at_desk(actor=registrar, arrival=companion)] == [
        lead.pk, companion.pk, child.pk]
    alone = services.arrival_preregister(transfer_point=tree.places["transfer"],
                                         data=arrival_data(destination="110101001001"))
    assert selectors.party_at_desk(actor=registrar, arrival=alone) == []


def test_party_check_in_checks_in_everyone_waiting_each_as_their_own_person(tree):
    lead, companion, child = _party(tree)
    before = ChangeLogEntry.objects.count()
    done = services.arrival_check_in_party(actor=tree.users["registrar"], arrival=child)
    assert [a.pk for a in done] == [lead.pk, companion.pk, child.pk]
    rows = {a.pk: a for a in Arrival.objects.filter(pk__in=[lead.pk, companion.pk, child.pk])}
    assert {a.status for a in rows.values()} == {ArrivalStatus.CHECKED_IN}
    assert len({a.person_id for a in rows.values()}) == 3 and Person.objects.count() == 3
    assert "child" in services.sorting.categories_of(rows[child.pk])
    entry = ChangeLogEntry.objects.get(event="arrival.party_check_in")
    assert entry.object_id == str(lead.pk)
    assert entry.after["checked_in"] == [lead.pk, companion.pk, child.pk]
    # each member's own check-in is audited as a desk check-in would be
    assert ChangeLogEntry.objects.filter(event="arrival.check_in").count() == 3
    assert ChangeLogEntry.objects.count() > before


def test_members_already_checked_in_are_left_as_they_are(tree):
    lead, companion, child = _party(tree)
    services.arrival_check_in(actor=tree.users["registrar"], arrival=lead)
    lead.refresh_from_db()
    lead_row = snapshot_row(lead)
    done = services.arrival_check_in_party(actor=tree.users["registrar"], arrival=lead)
    assert [a.pk for a in done] == [companion.pk, child.pk]
    assert snapshot_row(lead) == lead_row
    with pytest.raises(ValidationError) as caught:
        services.arrival_check_in_party(actor=tree.users["registrar"], arrival=lead)
    assert caught.value.error_list[0].code == "party_nothing_waiting"


def test_one_member_who_cannot_be_checked_in_refuses_the_whole_party_by_name(tree):
    lead, companion, child = _party(tree, companion_destination="")
    people, entries = Person.objects.count(), ChangeLogEntry.objects.count()
    with pytest.raises(ValidationError) as caught:
        services.arrival_check_in_party(actor=tree.users["registrar"], arrival=lead)
    error = caught.value.error_list[0]
    assert error.code == "party_member_refused"
    message = caught.value.messages[0]
    assert services.format_reference(companion.reference) in message
    assert "ROSSI, ANNA" in message
    assert set(Arrival.objects.filter(pk__in=[lead.pk, companion.pk, child.pk])
               .values_list("status", flat=True)) == {ArrivalStatus.REGISTERED}
    assert Person.objects.count() == people and ChangeLogEntry.objects.count() == entries


def test_party_check_in_page_and_api(tree):
    lead, companion, child = _party(tree)
    client = tree.client("registrar")
    page = client.get(reverse("arrivals:arrival_detail", kwargs={"pk": companion.pk}))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="party"' in html and "ROSSI, LUCA" in html and 'id="party-form"' in html
    response = client.post(reverse("api:arrival-check-in-party", kwargs={"pk": lead.pk}),
                           content_type="application/json")
    assert response.status_code == 200, response.content
    members = response.json()["checked_in"]
    assert [a["id"] for a in members] == [lead.pk, companion.pk, child.pk]
    assert {a["status"] for a in members} == {"checked_in"}
    again = client.post(reverse("api:arrival-check-in-party", kwargs={"pk": lead.pk}),
                        content_type="application/json")
    assert again.status_code == 400


def test_the_party_form_answers_a_refusal_on_the_page(tree):
    lead, companion, _child = _party(tree, companion_destination="")
    client = tree.client("registrar")
    response = client.post(reverse("arrivals:arrival_check_in_party", kwargs={"pk": lead.pk}),
                           follow=True)
    assert response.status_code == 200
    assert services.format_reference(companion.reference) in response.content.decode()
    assert Arrival.objects.get(pk=lead.pk).status == ArrivalStatus.REGISTERED


def test_another_streets_party_is_404_and_unchanged(tree):
    lead, companion, child = _party(tree, destination="110101002001")
    rows = [snapshot_row(a) for a in (lead, companion, child)]
    street = tree.client("street")
    assert street.post(reverse("arrivals:arrival_check_in_party",
                               kwargs={"pk": lead.pk})).status_code == 404
    assert street.post(reverse("api:arrival-check-in-party", kwargs={"pk": lead.pk}),
                       content_type="application/json").status_code == 404
    assert [snapshot_row(a) for a in (lead, companion, child)] == rows
    assert checked_in(tree).status == ArrivalStatus.CHECKED_IN  # the desk itself still can
