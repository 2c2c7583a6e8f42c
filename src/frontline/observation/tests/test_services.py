"""Observation services and selectors: policies, rooms, checks, alerts, transfers, ending,
personal links and the retention purge."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from frontline.audit.models import ChangeLogEntry
from frontline.core.models import OutOfScope
from frontline.notify.models import Message
from frontline.observation import selectors, services
from frontline.observation.models import (
    Alert,
    HealthCheck,
    Observation,
    ObservationStatus,
    RoomStatus,
)
from frontline.observation.tests.factories import cert_template, make_room, observe

TODAY = timezone.localdate


def test_length_comes_from_the_policy_in_force_on_the_start_date(tree):
    district = tree.jurisdictions["110101"]
    actor = tree.users["district"]
    start = TODAY() - datetime.timedelta(days=10)
    policy = services.policy_create(actor=actor, jurisdiction=district, days=14,
                                    checks_per_day=2, effective_from=start - datetime.timedelta(days=30))
    old = observe(tree, start=start)
    assert (old.days, old.end_date, old.policy_id) == (14, start + datetime.timedelta(days=14),
                                                       policy.pk)
    # The policy changes today: 21 days from now on. The running observation keeps 14.
    services.policy_end(actor=actor, policy=policy, effective_to=TODAY())
    services.policy_create(actor=actor, jurisdiction=district, days=21, checks_per_day=3,
                           effective_from=TODAY())
    new = observe(tree, family_name="NEW", start=TODAY())
    old.refresh_from_db()
    assert old.days == 14 and new.days == 21 and new.checks_per_day == 3


def test_overlapping_policies_are_refused(tree):
    actor, district = tree.users["district"], tree.jurisdictions["110101"]
    services.policy_create(actor=actor, jurisdiction=district, days=14, checks_per_day=2,
                           effective_from=datetime.date(2020, 1, 24))
    with pytest.raises(ValidationError, match="Another policy"):
        services.policy_create(actor=actor, jurisdiction=district, days=21, checks_per_day=2,
                               effective_from=datetime.date(2021, 1, 1))


def test_a_street_cannot_set_the_district_policy(tree):
    with pytest.raises(OutOfScope):
        services.policy_create(actor=tree.users["street"], jurisdiction=tree.jurisdictions["110101"],
                               days=7, checks_per_day=1, effective_from=TODAY())


def test_one_active_observation_per_person(tree):
    first = observe(tree)
    with pytest.raises(ValidationError, match="already under observation"):
        observe(tree, person=first.person)


def test_a_taken_room_is_refused_and_a_family_room_is_shared(tree):
    single = make_room(tree, "201")
    observe(tree, kind="centralised", room=single)
    with pytest.raises(ValidationError, match="already taken"):
        observe(tree, family_name="SECOND", kind="centralised", room=single)
    family = make_room(tree, "202", beds=3)
    for name in ("MOTHER", "FATHER", "CHILD"):
        observe(tree, family_name=name, kind="centralised", room=family)
    family.refresh_from_db()
    assert family.status == RoomStatus.OCCUPIED
    with pytest.raises(ValidationError, match="already taken"):
        observe(tree, family_name="FOURTH", kind="centralised", room=family)


def test_a_check_outside_the_body_range_is_refused(tree):
    observation = observe(tree)
    for value in ("33.9", "43.1", "hot", ""):
        with pytest.raises(ValidationError, match="temperature|°C"):
            services.health_check_record(actor=tree.users["street"], observation=observation,
                                         temperature=value)
    assert not HealthCheck.objects.exists()


def test_the_same_check_twice_is_recorded_once(tree):
    observation = observe(tree)
    day = TODAY() - datetime.timedelta(days=1)
    first, created = services.health_check_record(
        actor=tree.users["street"], observation=observation, temperature="36.6", day=day, slot=0)
    again, created_again = services.health_check_record(
        actor=tree.users["community"], observation=observation, temperature="36.9", day=day,
        slot=0)
    assert created and not created_again and again.pk == first.pk
    assert HealthCheck.objects.get().temperature == Decimal("36.6")


def test_a_check_for_a_closed_observation_or_outside_its_days_is_refused(tree):
    observation = observe(tree)
    with pytest.raises(ValidationError, match="outside the observation period"):
        services.health_check_record(actor=tree.users["street"], observation=observation,
                                     temperature="36.5",
                                     day=observation.start_date - datetime.timedelta(days=1),
                                     slot=0)
    services.observation_end(actor=tree.users["street"], observation=observation,
                             status="hospital", reason="fever, sent to the designated hospital")
    with pytest.raises(ValidationError, match="closed"):
        services.health_check_record(actor=tree.users["street"], observation=observation,
                                     temperature="36.5")


def test_fever_raises_an_alert_for_the_responsible_staff(tree):
    observation = observe(tree, kind="centralised", room=make_room(tree))
    check, _ = services.health_check_record(actor=tree.users["hotel"], observation=observation,
                                            temperature="38.2", symptoms=["cough"])
    kinds = set(Alert.objects.filter(check_record=check).values_list("kind", flat=True))
    assert kinds == {"fever", "symptoms"}
    recipients = set(Message.objects.filter(channel="in_app").values_list(
        "recipient__username", flat=True))
    # the street and community of the person, the district, the hotel's duty staff; not the
    # other street
    assert {"street", "community", "district", "hotel"} <= recipients
    assert "street2" not in recipients and "district_west" not in recipients
    # One message per person for the check, naming both findings (not one per finding).
    street = list(Message.objects.filter(channel="in_app", recipient__username="street"))
    assert len(street) == 1
    assert "fever" in street[0].subject and "symptoms" in street[0].subject
    assert "38.2 °C" in street[0].body and "ough" in street[0].body


def test_normal_checks_raise_no_alert(tree):
    observation = observe(tree)
    services.health_check_record(actor=tree.users["street"], observation=observation,
                                 temperature="37.2")
    assert not Alert.objects.exists() and not Message.objects.exists()


def test_alert_acknowledge_and_close(tree):
    observation = observe(tree)
    services.health_check_record(actor=tree.users["street"], observation=observation,
                                 temperature="38.0")
    alert = Alert.objects.get()
    services.alert_acknowledge(actor=tree.users["community"], alert=alert)
    with pytest.raises(ValidationError):
        services.alert_close(actor=tree.users["community"], alert=alert, note="")
    services.alert_close(actor=tree.users["community"], alert=alert, note="doctor visited")
    alert.refresh_from_db()
    assert alert.status == "closed" and alert.acknowledged_by == tree.users["community"]
    with pytest.raises(OutOfScope):
        services.alert_acknowledge(actor=tree.users["street2"], alert=alert)


def test_bulk_ingest_reports_each_row(tree):
    mine = observe(tree)
    other = observe(tree, family_name="OTHER", community="110101002001")
    day = TODAY() - datetime.timedelta(days=1)
    results = services.health_checks_ingest(actor=tree.users["street"], rows=[
        {"observation": mine.pk, "temperature": "36.5", "day": day, "slot": 0},
        {"observation": mine.pk, "temperature": "36.7", "day": day, "slot": 0},
        {"observation": mine.pk, "temperature": "50", "day": day, "slot": 1},
        {"observation": other.pk, "temperature": "36.5", "day": day, "slot": 0},
        {"observation": mine.pk, "temperature": "38.5", "day": day, "slot": 1,
         "symptoms": ["cough"]},
    ])
    assert [r["status"] for r in results] == ["created", "duplicate", "error", "error", "created"]
    assert HealthCheck.objects.filter(observation=mine).count() == 2
    assert not HealthCheck.objects.filter(observation=other).exists()
    assert Alert.objects.filter(observation=mine).count() == 2
    assert ChangeLogEntry.objects.filter(object_type="observation.healthcheck").count() == 2


def test_overdue_list_shows_who_misses_the_last_window(tree):
    now = timezone.now()
    missing = observe(tree, family_name="MISSING")
    checked = observe(tree, family_name="CHECKED")
    day, slot = selectors.latest_due_slot(now, 2)
    services.health_check_record(actor=tree.users["street"], observation=checked,
                                 temperature="36.4", day=day, slot=slot)
    overdue = set(selectors.overdue_list(actor=tree.users["street"], now=now))
    assert missing in overdue and checked not in overdue
    assert missing not in set(selectors.overdue_list(actor=tree.users["street2"], now=now))


def test_slots_cut_the_day_into_windows(settings):
    tz = timezone.get_default_timezone()
    at = datetime.datetime(2020, 3, 20, 9, 0, tzinfo=tz)
    assert services.slot_of(at, 2) == (datetime.date(2020, 3, 20), 0)
    assert services.slot_of(at.replace(hour=15), 2) == (datetime.date(2020, 3, 20), 1)
    assert services.slot_of(at.replace(hour=23), 2)[1] == 1
    assert services.slot_of(at.replace(hour=3), 2)[1] == 0
    assert services.slot_deadline(datetime.date(2020, 3, 20), 0, 2).hour == 14


def test_adjust_needs_a_reason_and_moves_the_end(tree):
    observation = observe(tree)
    with pytest.raises(ValidationError, match="why"):
        services.observation_adjust(actor=tree.users["street"], observation=observation,
                                    days=7, reason=" ")
    end = observation.end_date
    services.observation_adjust(actor=tree.users["street"], observation=observation, days=7,
                                reason="contact of a confirmed case")
    observation.refresh_from_db()
    assert observation.end_date == end + datetime.timedelta(days=7)
    assert observation.adjustments.get().reason == "contact of a confirmed case"


def test_a_transfer_takes_effect_when_the_receiver_accepts(tree):
    observation = observe(tree)
    street, street2 = tree.users["street"], tree.users["street2"]
    services.observation_transfer_request(actor=street, observation=observation,
                                          to=tree.jurisdictions["110101002"],
                                          reason="moved in with relatives")
    assert observation in selectors.incoming_transfers(actor=street2)
    assert observation not in Observation.objects.restrict(street2, "view")
    with pytest.raises(OutOfScope):
        services.observation_transfer_accept(actor=tree.users["district_west"],
                                             observation=observation)
    services.observation_transfer_accept(actor=street2, observation=observation)
    observation.refresh_from_db()
    assert observation.jurisdiction_code == "110101002"
    assert observation in Observation.objects.restrict(street2, "view")
    assert observation not in Observation.objects.restrict(street, "view")


def test_after_a_transfer_the_persons_page_says_observed_elsewhere(tree):
    observation = observe(tree)
    street, street2 = tree.users["street"], tree.users["street2"]
    services.observation_transfer_request(actor=street, observation=observation,
                                          to=tree.jurisdictions["110101002"],
                                          reason="moved in with relatives")
    services.observation_transfer_accept(actor=street2, observation=observation)
    page = tree.client("street").get(f"/people/{observation.person_id}/").content.decode()
    assert "Under observation now, by another community or office." in page
    assert "Never under observation." not in page
    assert f"/observation/start/?person={observation.person_id}" not in page


def test_a_transfer_to_a_retired_division_is_refused(tree):
    from frontline.areas.models import Jurisdiction

    observation = observe(tree)
    Jurisdiction.objects.filter(code="110101002").update(is_active=False)
    with pytest.raises(ValidationError, match="no longer exists"):
        services.observation_transfer_request(actor=tree.users["street"],
                                              observation=observation,
                                              to=tree.jurisdictions["110101002"],
                                              reason="moved in with relatives")
    observation.refresh_from_db()
    assert observation.transfer_to_id is None
    response = tree.client("street").post(
        f"/api/v1/observations/{observation.pk}/transfer/",
        {"to": "110101002", "reason": "moved"}, content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert response.status_code == 400
    assert response.json()["to"] == ["未知的区划代码。"]


def test_ending_completed_issues_the_certificate_and_frees_the_room(tree, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    cert_template(tree)
    room = make_room(tree)
    observation = observe(tree, kind="centralised", room=room,
                          start=TODAY() - datetime.timedelta(days=14), email="m.rossi@example.com",
                          preferred_language="en")
    link, _secret = services.link_create(actor=tree.users["street"], observation=observation)
    with pytest.raises(ValidationError, match="certificate is issued"):
        services.observation_end(actor=tree.users["hotel"], observation=observation)
    services.observation_end(actor=tree.users["street"], observation=observation)
    observation.refresh_from_db()
    room.refresh_from_db()
    link.refresh_from_db()
    assert observation.status == ObservationStatus.COMPLETED
    assert observation.certificate is not None and observation.certificate.language == "en"
    assert (tmp_path / observation.certificate.file_path).read_bytes()[:5] == b"%PDF-"
    assert room.status == RoomStatus.CLEANING and link.revoked_at is not None
    mail = Message.objects.get(channel="email")
    assert mail.email == "m.rossi@example.com" and "ended" in mail.subject


def test_completed_is_refused_while_an_alert_is_not_closed(tree, settings, tmp_path):
    """The certificate says the person stayed well: not while a fever is being dealt with."""
    settings.MEDIA_ROOT = tmp_path
    cert_template(tree)
    observation = observe(tree, start=TODAY() - datetime.timedelta(days=14),
                          preferred_language="en")
    services.health_check_record(actor=tree.users["street"], observation=observation,
                                 temperature="38.2", symptoms=["cough"])
    fever, symptoms = Alert.objects.order_by("kind")
    services.alert_acknowledge(actor=tree.users["community"], alert=fever)
    services.alert_close(actor=tree.users["community"], alert=fever, note="doctor visited")
    with pytest.raises(ValidationError, match="alert of this observation is not closed"):
        services.observation_end(actor=tree.users["street"], observation=observation)
    observation.refresh_from_db()
    assert observation.status == ObservationStatus.ACTIVE and observation.certificate is None
    services.alert_acknowledge(actor=tree.users["community"], alert=symptoms)
    services.alert_close(actor=tree.users["community"], alert=symptoms, note="assessed, well")
    services.observation_end(actor=tree.users["street"], observation=observation)
    observation.refresh_from_db()
    assert observation.status == ObservationStatus.COMPLETED and observation.certificate


def test_another_end_with_a_reason_is_allowed_with_an_open_alert(tree):
    observation = observe(tree)
    services.health_check_record(actor=tree.users["street"], observation=observation,
                                 temperature="39.0")
    services.observation_end(actor=tree.users["street"], observation=observation,
                             status="hospital", reason="taken to the designated hospital")
    observation.refresh_from_db()
    assert observation.status == "hospital"


def test_completed_before_the_end_is_refused_and_early_needs_a_reason(tree):
    observation = observe(tree)
    with pytest.raises(ValidationError, match="runs until"):
        services.observation_end(actor=tree.users["street"], observation=observation)
    with pytest.raises(ValidationError, match="why"):
        services.observation_end(actor=tree.users["street"], observation=observation,
                                 status="ended_early")


def test_a_personal_link_works_until_revoked_or_expired(tree):
    observation = observe(tree)
    link, secret = services.link_create(actor=tree.users["street"], observation=observation)
    check, created = services.self_report(secret=secret, temperature="36.8")
    assert created and check.source == "self" and check.recorded_by is None
    with pytest.raises(services.LinkInvalid):
        services.self_report(secret=secret + "x", temperature="36.8")
    services.link_revoke(actor=tree.users["street"], link=link)
    with pytest.raises(services.LinkInvalid):
        services.link_resolve(secret)
    _link2, secret2 = services.link_create(actor=tree.users["street"], observation=observation)
    observation.links.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    with pytest.raises(services.LinkInvalid):
        services.link_resolve(secret2)


def test_purge_dry_run_lists_and_the_real_run_removes(tree):
    actor = tree.users["district"]
    observation = observe(tree, family_name="GONE", phone="+8613800138000")
    services.observation_end(actor=actor, observation=observation, status="ended_early",
                             reason="left the country")
    keep = observe(tree, family_name="KEEP")
    Observation.objects.filter(pk=observation.pk).update(
        closed_at=timezone.now() - datetime.timedelta(days=31))
    run = services.observation_purge(actor=actor, dry_run=True)
    person = observation.person
    person.refresh_from_db()
    assert run.people == 1 and person.family_name == "GONE"
    run = services.observation_purge(actor=actor, dry_run=False)
    person.refresh_from_db()
    assert run.people == 1 and person.purged_at is not None
    assert (person.family_name, person.phone, person.birth_date) == ("—", "", None)
    assert person.age_band and person.nationality == "IT"
    assert not person.documents.exists()
    keep.person.refresh_from_db()
    assert keep.person.purged_at is None
    assert ChangeLogEntry.objects.filter(event="person.purge").count() == 1
    with pytest.raises(Exception, match="configure"):
        services.observation_purge(actor=tree.users["street"], dry_run=True)


def test_the_purge_command_acts_as_the_given_account(tree):
    from io import StringIO

    from django.core.management import CommandError, call_command

    out = StringIO()
    call_command("observation_purge", "--as", "district", "--dry-run", stdout=out)
    assert "0 people would be purged" in out.getvalue()
    with pytest.raises(CommandError, match="configure"):
        call_command("observation_purge", "--as", "street", stdout=out)
    with pytest.raises(CommandError, match="no active account"):
        call_command("observation_purge", "--as", "nobody", stdout=out)


def test_the_overdue_list_follows_checks_recorded_in_bulk_and_late(tree):
    """last_check moves forward only: a check for an earlier window does not hide a missing
    later one, and bulk checks count like single ones."""
    now = timezone.now()
    day, slot = selectors.latest_due_slot(now, 2)
    observation = observe(tree, start=TODAY() - datetime.timedelta(days=3))
    services.health_checks_ingest(actor=tree.users["street"], rows=[
        {"observation": observation.pk, "temperature": "36.5", "day": day, "slot": slot}])
    assert observation not in set(selectors.overdue_list(actor=tree.users["street"], now=now))
    earlier = TODAY() - datetime.timedelta(days=2)
    services.health_check_record(actor=tree.users["street"], observation=observation,
                                 temperature="36.5", day=earlier, slot=0)
    observation.refresh_from_db()
    from frontline.observation.models import slot_ordinal

    assert observation.last_check == slot_ordinal(day, slot)


def test_a_certificate_ended_late_vouches_only_to_the_planned_end(tree, settings, tmp_path):
    """Completed five days after its end, the observation's certificate still ends on the
    planned end: the days after had no checks, and it must not say they were normal."""
    from frontline.documents.tests.conftest import pdf_text

    settings.MEDIA_ROOT = tmp_path
    cert_template(tree)
    observation = observe(tree, start=TODAY() - datetime.timedelta(days=19),
                          preferred_language="en")
    assert observation.end_date == TODAY() - datetime.timedelta(days=5)
    services.observation_end(actor=tree.users["street"], observation=observation)
    observation.refresh_from_db()
    assert observation.ended_on == TODAY()
    text = pdf_text(tmp_path / observation.certificate.file_path)
    end, late = observation.end_date, TODAY()
    assert f"至 {end.year}年{end.month}月{end.day}日 接受" in text, text
    assert f"至 {late.year}年{late.month}月{late.day}日" not in text
