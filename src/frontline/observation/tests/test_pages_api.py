"""The observation pages and REST endpoints, and the person's own self-report page."""

from __future__ import annotations

import datetime

from django.urls import reverse
from django.utils import timezone

from frontline.observation import services
from frontline.observation.models import Alert, HealthCheck, Observation
from frontline.observation.tests.factories import make_room, observe
from frontline.people.tests.factories import make_person


def test_board_lists_areas_and_hotels_with_real_counts(tree):
    observe(tree, family_name="A")
    observe(tree, family_name="B", kind="centralised", room=make_room(tree))
    response = tree.client("district").get(reverse("observation:board"))
    assert response.status_code == 200
    row = next(a for a in response.context["areas"] if a["street"] == "110101001")
    assert (row["total"], row["centralised"], row["home"]) == (2, 1, 1)
    hotel = next(h for h in response.context["occupancy"] if h["hotel"] == tree.places["hotel"])
    assert (hotel["guests"], hotel["occupied"]) == (1, 1)


def test_hotel_staff_land_on_their_hotel(tree):
    response = tree.client("hotel").get(reverse("observation:board"))
    assert response.status_code == 302
    assert response.url == reverse("observation:hotel_detail", args=[tree.places["hotel"].pk])


def test_start_page_starts_an_observation(tree):
    person = make_person(tree)
    client = tree.client("street")
    url = reverse("observation:observation_start") + f"?person={person.pk}"
    assert client.get(url).status_code == 200
    response = client.post(url, {"person": person.pk, "kind": "home",
                                 "jurisdiction": tree.jurisdictions["110101001001"].pk,
                                 "start_date": timezone.localdate().isoformat(),
                                 "address": "1 Demo Lane"})
    observation = Observation.objects.get(person=person)
    assert response.status_code == 302 and observation.address == "1 Demo Lane"


def test_check_grid_records_a_floor_in_one_go(tree):
    rooms = [make_room(tree, n) for n in ("201", "202", "203")]
    guests = [observe(tree, family_name=f"G{i}", kind="centralised", room=r)
              for i, r in enumerate(rooms)]
    client = tree.client("hotel")
    url = reverse("observation:check_grid") + f"?hotel={tree.places['hotel'].pk}&floor=2"
    assert client.get(url).status_code == 200
    data = {f"t-{guests[0].pk}": "36.5", f"t-{guests[1].pk}": "38.4",
            f"s-{guests[1].pk}": ["cough"], f"t-{guests[2].pk}": "99"}
    refused = client.post(url, data)
    assert HealthCheck.objects.count() == 2
    assert Alert.objects.filter(observation=guests[1]).count() == 2
    # The refused row comes back with what was typed and the reason on it.
    html = refused.content.decode()
    assert refused.status_code == 200
    assert f'name="t-{guests[2].pk}"' in html and 'value="99"' in html
    assert f'id="e-{guests[2].pk}"' in html and 'aria-invalid="true"' in html
    client.post(url, data)  # the same again: nothing twice
    assert HealthCheck.objects.count() == 2


def test_the_grid_leaves_out_observations_past_their_end(tree):
    room, other = make_room(tree, "204"), make_room(tree, "205")
    past = observe(tree, family_name="PAST", kind="centralised", room=room,
                   start=timezone.localdate() - datetime.timedelta(days=20))
    current = observe(tree, family_name="NOW", kind="centralised", room=other)
    url = reverse("observation:check_grid") + f"?hotel={tree.places['hotel'].pk}"
    html = tree.client("hotel").get(url).content.decode()
    assert f'name="t-{current.pk}"' in html and f'name="t-{past.pk}"' not in html


def test_api_start_check_and_bulk(tree):
    person = make_person(tree)
    client = tree.client("street")
    response = client.post(reverse("api:observation-list"), {
        "person": person.pk, "kind": "home", "jurisdiction": "110101001001",
        "start_date": (timezone.localdate() - datetime.timedelta(days=2)).isoformat()},
        content_type="application/json")
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    day = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    body = {"observation": pk, "temperature": "36.6", "day": day, "slot": 0}
    url = reverse("api:healthcheck-list")
    assert client.post(url, body, content_type="application/json").status_code == 201
    assert client.post(url, body, content_type="application/json").status_code == 200
    bad = client.post(url, {**body, "slot": 1, "temperature": "45"},
                      content_type="application/json")
    assert bad.status_code == 400 and "temperature" in bad.json()
    bulk = client.post(reverse("api:healthcheck-bulk"), [
        {"observation": pk, "temperature": "36.6", "day": day, "slot": 1},
        {"observation": 999999, "temperature": "36.6", "day": day, "slot": 1},
    ], content_type="application/json")
    assert [r["status"] for r in bulk.json()] == ["created", "error"]
    too_many = client.post(reverse("api:healthcheck-bulk"), [body] * 1001,
                           content_type="application/json")
    assert too_many.status_code == 400


def test_the_self_report_page_speaks_the_persons_language(tree):
    observation = observe(tree, preferred_language="fa")
    _link, secret = services.link_create(actor=tree.users["street"], observation=observation)
    url = reverse("observation:self_report", args=[secret])
    page = tree.client("street").get(url)  # any browser; no login needed
    from django.test import Client

    page = Client().get(url)
    html = page.content.decode()
    assert page.status_code == 200 and 'lang="fa"' in html and 'dir="rtl"' in html
    assert len(page.content) < 150_000
    response = Client().post(url, {"temperature": "38.1", "symptoms": ["cough"]})
    assert response.status_code == 200
    check = HealthCheck.objects.get()
    assert check.source == "self" and Alert.objects.filter(check_record=check).count() == 2
    assert Client().get(reverse("observation:self_report", args=["nope"])).status_code == 404


def test_the_self_report_page_refuses_a_wrong_temperature_in_the_persons_language(tree):
    observation = observe(tree, preferred_language="zh-hans")
    _link, secret = services.link_create(actor=tree.users["street"], observation=observation)
    from django.test import Client

    response = Client().post(reverse("observation:self_report", args=[secret]),
                             {"temperature": "45"})
    assert response.status_code == 200 and not HealthCheck.objects.exists()
    assert "小于或等于" in response.content.decode() or "体温" in response.content.decode()


def test_purge_page_runs_a_dry_run(tree):
    client = tree.client("district")
    assert client.get(reverse("observation:purge")).status_code == 200
    response = client.post(reverse("observation:purge"), {"older_than_days": 30}, follow=True)
    assert response.status_code == 200 and response.context["runs"][0].dry_run
    assert tree.client("street").get(reverse("observation:purge")).status_code == 403


def test_the_persons_page_shows_observations_and_offers_to_start_one(tree):
    person = make_person(tree)
    client = tree.client("street")
    page = client.get(reverse("people:person_detail", args=[person.pk])).content.decode()
    assert reverse("observation:observation_start") in page
    observation = observe(tree, person=person)
    page = client.get(reverse("people:person_detail", args=[person.pk])).content.decode()
    assert reverse("observation:observation_detail", args=[observation.pk]) in page
    assert reverse("observation:observation_start") not in page


def test_a_checked_in_arrival_is_offered_for_observation_with_the_sorting_prefilled(tree):
    from frontline.arrivals.tests.factories import checked_in

    arrival = checked_in(tree)
    if arrival.disposition not in ("centralised", "home"):
        arrival.disposition = "home"
        arrival.save(update_fields=["disposition"])
    client = tree.client("district")
    listing = client.get(reverse("observation:arrivals_to_observe"))
    assert arrival in list(listing.context["rows"])
    start = client.get(reverse("observation:observation_start") + f"?arrival={arrival.pk}")
    assert start.status_code == 200
    assert start.context["form"].initial["start_date"] == arrival.travel_date
    other = tree.client("street2").get(reverse("observation:observation_start")
                                       + f"?arrival={arrival.pk}")
    assert other.status_code == 404  # another street's arrival
    data = {"arrival": arrival.pk, "person": arrival.person_id, "kind": "home",
            "jurisdiction": arrival.destination_id or arrival.person.residence_id,
            "start_date": arrival.travel_date.isoformat(), "address": "1 Test Lane"}
    response = client.post(reverse("observation:observation_start"), data)
    assert response.status_code == 302, response.context["form"].errors
    observation = Observation.objects.get(person=arrival.person)
    assert observation.source == f"arrival:{arrival.reference}"
    assert arrival not in list(client.get(reverse("observation:arrivals_to_observe")
                                          ).context["rows"])


def test_an_observation_past_its_end_is_marked_on_the_due_list(tree):
    past = observe(tree, start=timezone.localdate() - datetime.timedelta(days=20))
    page = tree.client("street").get("/observation/due/").content.decode()
    assert past.person.display_name in page
    assert page.count("past its end: not ended yet") == 1


def test_the_observation_page_has_unique_ids_and_transfer_targets_by_name(tree):
    import re

    observation = observe(tree)
    client = tree.client("street")
    html = client.get(f"/observation/{observation.pk}/").content.decode()
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    assert '<datalist id="transfer-targets">' in html and 'value="110101002001"' in html
    response = client.post(f"/observation/{observation.pk}/transfer/",
                           {"to": "999999999", "reason": "moved"}, follow=True)
    assert "No district, street or community in use has this code" in \
        response.content.decode()
    observation.refresh_from_db()
    assert not observation.transfer_to_code


def test_the_start_form_proposes_home_observation_where_there_is_no_hotel(tree):
    from frontline.people.tests.factories import make_person

    person = make_person(tree)
    community = tree.client("community").get(f"/observation/start/?person={person.pk}")
    assert community.context["form"]["kind"].value() == "home"
    district = tree.client("district").get(f"/observation/start/?person={person.pk}")
    assert district.context["form"]["kind"].value() == "centralised"


def test_the_start_page_without_a_person_leads_to_the_people_list(tree):
    response = tree.client("community").get("/observation/start/", follow=True)
    assert response.redirect_chain[-1][0] == "/people/"
    assert "start the observation there" in response.content.decode()


def test_an_incident_opened_from_an_alert_names_its_source_in_the_readers_language(tree):
    from urllib.parse import quote

    observation = observe(tree)
    services.health_check_record(actor=tree.users["street"], observation=observation,
                                 temperature="38.6", day=timezone.localdate(), slot=0)
    page = tree.client("street").get(reverse("observation:alerts"),
                                     HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert f"?source={quote('健康预警')}&amp;code=" in page and "health+alert" not in page
    assert "description=" in page and quote("38.6 °C") in page  # what the alert found


def test_acknowledging_an_alert_says_so(tree):
    observation = observe(tree)
    services.health_check_record(actor=tree.users["street"], observation=observation,
                                 temperature="38.6", day=timezone.localdate(), slot=0)
    alert = Alert.objects.get()
    page = tree.client("community").post(
        reverse("observation:alert_acknowledge", args=[alert.pk]), follow=True,
        HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "The alert is acknowledged" in page
    assert Alert.objects.get().status == "acknowledged"
