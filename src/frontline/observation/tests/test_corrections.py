"""Correcting and withdrawing a health check: a misread temperature, a symptom on the wrong
line, a check recorded on the wrong guest."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from frontline.audit.models import ChangeLogEntry
from frontline.core.models import OutOfScope
from frontline.notify.models import Message
from frontline.observation import services
from frontline.observation.models import Alert, HealthCheck, Observation, slot_ordinal
from frontline.observation.tests.factories import make_room, observe

pytestmark = pytest.mark.django_db


def _yesterday():
    return timezone.localdate() - datetime.timedelta(days=1)


def _check(tree, observation, temperature="36.6", symptoms=(), actor="hotel", slot=0):
    check, _created = services.health_check_record(
        actor=tree.users[actor], observation=observation, temperature=temperature,
        symptoms=list(symptoms), day=_yesterday(), slot=slot)
    return check


def _hotel_guest(tree, family_name="ROSSI", number="201"):
    return observe(tree, family_name=family_name, kind="centralised",
                   room=make_room(tree, number))


def test_a_fever_misread_is_corrected_and_its_alert_closed_with_the_reason(tree):
    observation = _hotel_guest(tree)
    check = _check(tree, observation, "38.4")
    alert = Alert.objects.get(check_record=check)
    corrected = services.health_check_correct(
        actor=tree.users["hotel"], check=check, temperature="36.8",
        reason="thermometer read in the sun")
    assert HealthCheck.objects.get(pk=check.pk).temperature == Decimal("36.8") == \
        corrected.temperature
    alert.refresh_from_db()
    assert alert.status == "closed" and "thermometer read in the sun" in alert.note
    entry = ChangeLogEntry.objects.get(event="health_check.correct", object_id=str(check.pk))
    assert entry.before == {"temperature": "38.4"}
    assert entry.after == {"temperature": "36.8", "reason": "thermometer read in the sun"}
    assert entry.actor == tree.users["hotel"]


def test_a_correction_that_finds_a_fever_raises_the_alert_and_tells_the_staff(tree):
    observation = _hotel_guest(tree)
    check = _check(tree, observation, "36.6")
    before = Message.objects.filter(channel="in_app").count()
    services.health_check_correct(actor=tree.users["hotel"], check=check, temperature="38.9",
                                  symptoms=["cough"], reason="typed 36.6 for 38.9")
    assert set(Alert.objects.filter(check_record=check, status="open")
               .values_list("kind", flat=True)) == {"fever", "symptoms"}
    told = Message.objects.filter(channel="in_app").count() - before
    assert told >= 3  # the street, the community, the district, the hotel's staff
    # Corrected back to normal, then to a fever again: the same alert opens again.
    services.health_check_correct(actor=tree.users["hotel"], check=check, temperature="36.7",
                                  reason="the second reading was normal")
    assert not Alert.objects.filter(check_record=check).exclude(status="closed").exists()
    services.health_check_correct(actor=tree.users["hotel"], check=check, temperature="38.1",
                                  reason="the doctor's reading")
    fever = Alert.objects.get(check_record=check, kind="fever")
    assert fever.status == "open" and fever.note == "" and fever.closed_at is None


def test_a_correction_needs_a_reason_a_change_and_a_running_observation(tree):
    observation = _hotel_guest(tree)
    check = _check(tree, observation, "36.6")
    entries = ChangeLogEntry.objects.count()
    with pytest.raises(ValidationError) as refused:
        services.health_check_correct(actor=tree.users["hotel"], check=check,
                                      temperature="36.9", reason=" ")
    assert "reason" in refused.value.error_dict
    with pytest.raises(ValidationError, match="same as the one recorded"):
        services.health_check_correct(actor=tree.users["hotel"], check=check,
                                      temperature="36.6", reason="checking")
    with pytest.raises(ValidationError):
        services.health_check_correct(actor=tree.users["hotel"], check=check,
                                      temperature="46", reason="typo")
    services.observation_end(actor=tree.users["street"], observation=observation,
                             status="hospital", reason="sent to the designated hospital")
    entries = ChangeLogEntry.objects.count()
    with pytest.raises(ValidationError, match="closed"):
        services.health_check_correct(actor=tree.users["street"], check=check,
                                      temperature="36.9", reason="late correction")
    with pytest.raises(ValidationError, match="closed"):
        services.health_check_withdraw(actor=tree.users["street"], check=check,
                                       reason="late correction")
    assert HealthCheck.objects.get(pk=check.pk).temperature == Decimal("36.6")
    assert ChangeLogEntry.objects.count() == entries


def test_another_streets_staff_cannot_correct_or_withdraw_and_nothing_changes(tree):
    observation = observe(tree)  # at home in 110101001001 (street 110101001)
    check = _check(tree, observation, "38.2", actor="community")
    entries = ChangeLogEntry.objects.count()
    for actor in ("street2", "community2", "district_west", "hotel"):
        with pytest.raises(OutOfScope):
            services.health_check_correct(actor=tree.users[actor], check=check,
                                          temperature="36.6", reason="not mine")
        with pytest.raises(OutOfScope):
            services.health_check_withdraw(actor=tree.users[actor], check=check,
                                           reason="not mine")
    assert HealthCheck.objects.get(pk=check.pk).temperature == Decimal("38.2")
    assert Alert.objects.get(check_record=check).status == "open"
    assert ChangeLogEntry.objects.count() == entries


def test_a_check_on_the_wrong_guest_is_withdrawn_and_recorded_on_the_right_one(tree):
    wrong = _hotel_guest(tree, "ROSSI", "201")
    right = _hotel_guest(tree, "BIANCHI", "202")
    check = _check(tree, wrong, "38.5", slot=1)
    _check(tree, wrong, "36.5", slot=0)
    values = (check.pk, check.temperature)
    services.health_check_withdraw(actor=tree.users["hotel"], check=check,
                                   reason="entered on room 201 instead of 202")
    assert not HealthCheck.objects.filter(pk=values[0]).exists()
    assert not Alert.objects.filter(observation=wrong).exists()
    gone = ChangeLogEntry.objects.get(object_type="observation.healthcheck",
                                      object_id=str(values[0]), action="delete")
    assert gone.before["temperature"] == "38.5" and gone.before["slot"] == 1
    why = ChangeLogEntry.objects.get(object_type="observation.healthcheck",
                                     object_id=str(values[0]), action="event")
    assert why.event == "health_check.withdraw"
    assert why.after == {"reason": "entered on room 201 instead of 202"}
    assert ChangeLogEntry.objects.filter(object_type="observation.alert", action="delete",
                                         event="health_check.withdraw").count() == 1
    # The guest's newest check is now the first of the day; the slot can be recorded again.
    newest = HealthCheck.objects.get(observation=wrong)
    assert Observation.objects.get(pk=wrong.pk).last_check == slot_ordinal(newest.day, 0)
    again, created = services.health_check_record(
        actor=tree.users["hotel"], observation=wrong, temperature="36.4", day=_yesterday(),
        slot=1)
    assert created
    _check(tree, right, "38.5", slot=1)
    assert Alert.objects.filter(observation=right, status="open").count() == 1


def test_the_observation_page_offers_the_correction_and_the_api_makes_it(tree):
    observation = _hotel_guest(tree)
    check = _check(tree, observation, "38.4")
    client = tree.client("hotel")
    page = client.get(reverse("observation:observation_detail", args=[observation.pk]))
    url = reverse("observation:check_correct", args=[check.pk])
    assert url in page.content.decode()
    form = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert form.status_code == 200 and "38.4" in form.content.decode()
    response = client.post(url, {"temperature": "37.0", "reason": "misread", "correct": "1"},
                           HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302
    assert HealthCheck.objects.get(pk=check.pk).temperature == Decimal("37.0")
    # Through the API: a correction, then a withdrawal; another street's staff get 404.
    from frontline.accounts.services import token_create

    api = client.__class__()
    _token, key = token_create(actor=tree.users["hotel"], name="feed")
    answer = api.post(reverse("api:healthcheck-correct", args=[check.pk]),
                      {"temperature": "36.5", "symptoms": [], "reason": "the second reading"},
                      content_type="application/json", HTTP_AUTHORIZATION=f"Token {key}")
    assert answer.status_code == 200 and answer.json()["temperature"] == "36.5"
    _token, other = token_create(actor=tree.users["street2"], name="feed")
    refused = api.post(reverse("api:healthcheck-withdraw", args=[check.pk]),
                       {"reason": "not mine"}, content_type="application/json",
                       HTTP_AUTHORIZATION=f"Token {other}")
    assert refused.status_code == 404
    done = api.post(reverse("api:healthcheck-withdraw", args=[check.pk]),
                    {"reason": "wrong guest"}, content_type="application/json",
                    HTTP_AUTHORIZATION=f"Token {key}")
    assert done.status_code == 204 and not HealthCheck.objects.filter(pk=check.pk).exists()


def test_another_streets_page_answers_404_and_nothing_changes(tree):
    observation = observe(tree)
    check = _check(tree, observation, "38.2", actor="community")
    url = reverse("observation:check_correct", args=[check.pk])
    entries = ChangeLogEntry.objects.count()
    for user in ("street2", "community2", "hotel"):
        client = tree.client(user)
        assert client.get(url).status_code == 404
        assert client.post(url, {"temperature": "36.6", "reason": "not mine",
                                 "correct": "1"}).status_code == 404
        assert client.post(url, {"reason": "not mine", "withdraw": "1"}).status_code == 404
    assert HealthCheck.objects.get(pk=check.pk).temperature == Decimal("38.2")
    assert ChangeLogEntry.objects.count() == entries


def test_the_people_an_alert_reached_are_told_when_it_no_longer_stands(tree):
    """Withdrawn, or corrected to a normal reading: the same people hear that the alert no
    longer stands, with the reason."""
    observation = _hotel_guest(tree)
    misread = _check(tree, observation, "38.6", slot=0)
    wrong = _check(tree, observation, "36.5", symptoms=["cough"], slot=1)
    alerted = set(Message.objects.filter(channel="in_app").values_list("recipient__username",
                                                                       flat=True))
    assert {"street", "community", "district", "hotel"} <= alerted
    services.health_check_correct(actor=tree.users["hotel"], check=misread,
                                  temperature="36.7", reason="read in the sun")
    services.health_check_withdraw(actor=tree.users["hotel"], check=wrong,
                                   reason="recorded on the wrong guest")
    for reason in ("read in the sun", "recorded on the wrong guest"):
        told = Message.objects.filter(channel="in_app", body__contains=reason)
        assert set(told.values_list("recipient__username", flat=True)) >= {
            "street", "community", "district", "hotel"}
        assert all("no longer stands" in m.subject for m in told)
    # A correction that leaves no open alert behind it tells nobody.
    before = Message.objects.count()
    services.health_check_correct(actor=tree.users["hotel"], check=misread,
                                  temperature="36.5", reason="second reading")
    assert Message.objects.count() == before
