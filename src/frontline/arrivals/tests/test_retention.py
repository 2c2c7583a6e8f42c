"""The retention purge of arrivals never checked in (arrivals/retention.py)."""

from __future__ import annotations

import datetime
import json
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone

from frontline.arrivals import retention, services
from frontline.arrivals.models import Arrival, ArrivalStatus, Source
from frontline.arrivals.tests.factories import arrival_data, checked_in, preregister, register
from frontline.audit.models import ChangeLogEntry
from frontline.core import crypto
from frontline.core.testing import snapshot_row

NAME = "ZANZIBARINI"  # a family name nothing else in the tree holds


def _age(arrival: Arrival, days: int) -> Arrival:
    """Move an arrival's date `days` into the past (as if it had been registered then)."""
    Arrival.objects.filter(pk=arrival.pk).update(
        travel_date=timezone.localdate() - datetime.timedelta(days=days))
    arrival.refresh_from_db()
    return arrival


def _expected(tree, **overrides) -> Arrival:
    """A row as an arrival list creates it (status expected, source import)."""
    arrival = register(tree, **overrides)
    Arrival.objects.filter(pk=arrival.pk).update(status=ArrivalStatus.EXPECTED,
                                                 source=Source.IMPORT)
    arrival.refresh_from_db()
    return arrival


def _cancelled(tree, **overrides) -> Arrival:
    arrival = register(tree, **overrides)
    return services.arrival_cancel(actor=tree.users["registrar"], arrival=arrival,
                                   reason="did not board the flight")


def _old_unclaimed(tree, days: int = 31, **overrides) -> dict[str, Arrival]:
    """One arrival never checked in of each status, `days` old."""
    return {
        "registered": _age(preregister(tree, family_name=NAME, **overrides), days),
        "expected": _age(_expected(tree, family_name=NAME, **overrides), days),
        "cancelled": _age(_cancelled(tree, family_name=NAME, **overrides), days),
    }


def _exists(*arrivals: Arrival) -> list[bool]:
    return [Arrival.objects.filter(pk=a.pk).exists() for a in arrivals]


def test_old_arrivals_never_checked_in_are_deleted_and_the_others_stay(tree):
    old = _old_unclaimed(tree)
    recent = _age(preregister(tree), 30)  # 30 days ago is not *more* than 30 days
    today = preregister(tree)
    with_person = _age(checked_in(tree), 40)
    received = _age(checked_in(tree), 40)
    Arrival.objects.filter(pk=received.pk).update(status=ArrivalStatus.RECEIVED)
    # A transfer to another district is checked in without a Person here: it stays too.
    transferred = services.arrival_check_in(
        actor=tree.users["registrar"], arrival=register(tree),
        destination=tree.jurisdictions["110102"], disposition="transfer",
        override_reason="family lives in the west district")
    assert transferred.person_id is None and transferred.status == ArrivalStatus.CHECKED_IN
    transferred = _age(transferred, 40)
    # A waiting row that somehow holds a Person is not the purge's to delete.
    linked = _age(preregister(tree), 40)
    Arrival.objects.filter(pk=linked.pk).update(person=with_person.person)

    result = retention.arrivals_purge(actor=tree.users["city"], dry_run=False)

    assert _exists(*old.values()) == [False, False, False]
    assert result.arrivals == 3
    assert result.by_status == {"registered": 1, "expected": 1, "cancelled": 1}
    assert _exists(recent, today, with_person, received, transferred, linked) == [True] * 6
    with_person.refresh_from_db()
    assert with_person.family_name == "ROSSI" and with_person.person_id is not None


def test_a_dry_run_counts_and_changes_nothing(tree):
    old = _old_unclaimed(tree)
    before = {a.pk: snapshot_row(a) for a in old.values()}
    result = retention.arrivals_purge(actor=tree.users["district"], dry_run=True)
    assert result.dry_run and result.arrivals == 3
    assert {a.pk: snapshot_row(a) for a in old.values()} == before
    entry = ChangeLogEntry.objects.get(event="arrivals.purge_dry_run")
    assert entry.after["arrivals"] == 3
    assert not ChangeLogEntry.objects.filter(event="arrivals.purge").exists()


def test_one_audit_entry_per_run_with_counts_and_no_personal_data(tree):
    old = _old_unclaimed(tree, phone="+8613912345678")
    numbers = [crypto.decrypt(a.doc_number_encrypted) for a in old.values()]
    assert all(numbers)
    entries = ChangeLogEntry.objects.count()
    retention.arrivals_purge(actor=tree.users["district"], dry_run=False)
    assert ChangeLogEntry.objects.count() == entries + 1
    entry = ChangeLogEntry.objects.get(event="arrivals.purge")
    assert entry.actor == tree.users["district"]
    assert entry.jurisdiction_code == "110101"
    assert entry.after["arrivals"] == 3
    assert entry.after["by_status"] == {"registered": 1, "expected": 1, "cancelled": 1}
    assert entry.after["older_than_days"] == 30
    text = json.dumps([entry.object_repr, entry.before, entry.after], ensure_ascii=False)
    for personal in (NAME, "MARCO", "13912345678", "1980-05-17", *numbers,
                     *(a.reference for a in old.values())):
        assert personal not in text


def test_arrivals_outside_the_actors_scope_stay(tree):
    from frontline.accounts.models import User
    from frontline.accounts.services import role_grant_from_console

    east = _old_unclaimed(tree)  # the transfer point's district 110101 and its community
    west = _age(preregister(tree, destination="110102001001"), 40)
    assert west.jurisdiction_code == "110102001001"
    # Configure in the west district, change in an eastern street only: the street's rows
    # are not this account's to delete.
    mixed = User.objects.create_user(username="mixed", password="x-" * 8)
    role_grant_from_console(user=mixed, role="district_staff",
                            jurisdiction=tree.jurisdictions["110102"])
    role_grant_from_console(user=mixed, role="street_staff",
                            jurisdiction=tree.jurisdictions["110101001"])
    street_row = east["expected"]
    assert street_row.jurisdiction_code.startswith("110101001")
    assert Arrival.objects.restrict(mixed, "change").filter(pk=street_row.pk).exists()

    result = retention.arrivals_purge(actor=mixed, dry_run=False)
    assert result.arrivals == 1
    assert _exists(west) == [False]
    assert _exists(*east.values()) == [True, True, True]

    west2 = _age(preregister(tree, destination="110102001001"), 40)
    retention.arrivals_purge(actor=tree.users["district"], dry_run=False)
    assert _exists(*east.values()) == [False, False, False]
    assert _exists(west2) == [True]


@pytest.mark.parametrize("username", ["street", "registrar", "leader"])
def test_an_account_without_configure_is_refused_and_nothing_changes(tree, username):
    old = _old_unclaimed(tree)
    before = {a.pk: snapshot_row(a) for a in old.values()}
    entries = ChangeLogEntry.objects.count()
    for dry_run in (True, False):
        with pytest.raises(PermissionDenied, match="configure"):
            retention.arrivals_purge(actor=tree.users[username], dry_run=dry_run)
    assert {a.pk: snapshot_row(a) for a in old.values()} == before
    assert ChangeLogEntry.objects.count() == entries


def test_the_days_come_from_the_setting_or_the_call(tree, settings):
    arrival = _age(preregister(tree), 15)
    retention.arrivals_purge(actor=tree.users["district"], dry_run=False)
    assert _exists(arrival) == [True]
    retention.arrivals_purge(actor=tree.users["district"], dry_run=False, older_than_days=20)
    assert _exists(arrival) == [True]
    settings.ARRIVALS_UNCLAIMED_RETENTION_DAYS = 14
    result = retention.arrivals_purge(actor=tree.users["district"], dry_run=False)
    assert result.older_than_days == 14 and _exists(arrival) == [False]
    with pytest.raises(ValidationError):
        retention.arrivals_purge(actor=tree.users["district"], older_than_days=0)


def test_a_limit_deletes_that_many_oldest_first(tree):
    old = _old_unclaimed(tree, days=40)
    _age(old["registered"], 31)
    result = retention.arrivals_purge(actor=tree.users["district"], dry_run=False, limit=2)
    assert result.arrivals == 2
    assert _exists(*old.values()) == [True, False, False]
    result = retention.arrivals_purge(actor=tree.users["district"], dry_run=False, limit=2)
    assert result.arrivals == 1 and _exists(old["registered"]) == [False]


def test_companions_who_stay_lose_the_link_to_a_deleted_party_lead(tree):
    lead = preregister(tree, family_name=NAME)
    kept = services.arrival_preregister(
        transfer_point=tree.places["transfer"], party_lead=lead,
        data={**arrival_data(family_name="CHILD"), "travel_date": lead.travel_date})
    gone = services.arrival_preregister(
        transfer_point=tree.places["transfer"], party_lead=lead,
        data={**arrival_data(family_name="OTHER"), "travel_date": lead.travel_date})
    kept = services.arrival_check_in(actor=tree.users["registrar"], arrival=kept,
                                     destination=tree.jurisdictions["110101001001"])
    for arrival in (lead, kept, gone):
        _age(arrival, 40)

    result = retention.arrivals_purge(actor=tree.users["district"], dry_run=False)
    assert result.arrivals == 2 and result.companions_unlinked == 1
    assert _exists(lead, gone, kept) == [False, False, True]
    kept.refresh_from_db()
    assert kept.party_lead_id is None and kept.person_id is not None


def test_the_command_counts_deletes_and_refuses(tree):
    old = _old_unclaimed(tree)
    out = StringIO()
    call_command("arrivals_purge", "--as", "district", "--days", "60", stdout=out)
    assert "0 arrivals never checked in deleted" in out.getvalue()
    call_command("arrivals_purge", "--as", "district", "--dry-run", stdout=out)
    assert "3 arrivals never checked in would be deleted" in out.getvalue()
    assert _exists(*old.values()) == [True, True, True]
    with pytest.raises(CommandError, match="configure"):
        call_command("arrivals_purge", "--as", "street", stdout=out)
    with pytest.raises(CommandError, match="no active account"):
        call_command("arrivals_purge", "--as", "nobody", stdout=out)
    assert _exists(*old.values()) == [True, True, True]
    call_command("arrivals_purge", "--as", "district", stdout=out)
    assert "3 arrivals never checked in deleted" in out.getvalue()
    assert _exists(*old.values()) == [False, False, False]


def test_the_periodic_job_acts_as_the_configured_account_once_a_day(tree, settings):
    from frontline.core.management.commands.periodic import periodic_jobs

    assert (3600, "frontline.arrivals.retention.purge_scheduled") in periodic_jobs()
    old = _old_unclaimed(tree)
    settings.ARRIVALS_PURGE_AS = ""
    settings.OBSERVATION_PURGE_AS = ""
    assert retention.purge_scheduled() == "not configured"
    assert _exists(*old.values()) == [True, True, True]
    settings.OBSERVATION_PURGE_AS = "district"  # the observation purge's account by default
    settings.ARRIVALS_PURGE_AS = "street"  # unless one is named: street may not configure
    with pytest.raises(PermissionDenied):
        retention.purge_scheduled()
    assert _exists(*old.values()) == [True, True, True]
    settings.ARRIVALS_PURGE_AS = ""
    call_command("periodic", "--once", stdout=StringIO())
    assert _exists(*old.values()) == [False, False, False]
    assert ChangeLogEntry.objects.get(event="arrivals.purge").actor == tree.users["district"]
    again = _age(preregister(tree), 40)
    assert retention.purge_scheduled() == "already done today"
    assert _exists(again) == [True]
