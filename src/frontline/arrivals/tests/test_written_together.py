"""A desk registration with check-in written in one round trip (`core.rowwrite`) writes what
the statement-by-statement path writes, refuses what it refuses, and re-checks the scope on
the values written."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from frontline.accounts.models import RoleAssignment, User, roles_in_force
from frontline.areas.models import Jurisdiction
from frontline.arrivals import services
from frontline.arrivals.models import Arrival
from frontline.arrivals.tests.factories import arrival_data, checked_in, register
from frontline.audit.models import ChangeLogEntry
from frontline.core import crypto, rowwrite
from frontline.core.models import OutOfScope, ensure_values_in_scope
from frontline.core.permissions import Action
from frontline.people.models import DuplicateSearchQueued, IdentityDocument, Person

postgres_only = pytest.mark.skipif(
    not rowwrite.supported(),
    reason="rows written ahead need PostgreSQL's sequences; SQLite takes the ORM path")

# Fields that differ between two registrations of different people by nature.
OWN = {"id", "created_at", "updated_at", "reference", "person", "person_id", "checked_in_at",
       "commitment_signed_at", "sensitive_consent_at", "doc_number_encrypted",
       "doc_number_index", "doc_number_masked", "number_encrypted", "number_index",
       "number_masked", "search_text", "name_key", "given_names", "time", "object_id",
       "object_repr", "checked_in", "version"}


def _values(obj) -> dict:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields
            if f.attname not in OWN and f.name not in OWN}


def _registered(tree, given: str, number: str, **extra) -> Arrival:
    data = arrival_data(destination="110101001001", given_names=given, doc_number=number,
                        **extra)
    return services.arrival_register(actor=tree.users["registrar"],
                                     transfer_point=tree.places["transfer"], data=data,
                                     check_in=True)


def _audit(arrival: Arrival) -> list[tuple]:
    document = IdentityDocument.objects.get(person_id=arrival.person_id)
    objects = [("people.person", str(arrival.person_id)),
               ("people.identitydocument", str(document.pk)),
               ("arrivals.arrival", str(arrival.pk))]
    entries = []
    for object_type, object_id in objects:
        for entry in ChangeLogEntry.objects.filter(object_type=object_type,
                                                   object_id=object_id).order_by("id"):
            after = {k: v for k, v in (entry.after or {}).items() if k not in OWN}
            before = {k: v for k, v in (entry.before or {}).items() if k not in OWN}
            entries.append((object_type, entry.action, entry.event, entry.actor_id,
                            entry.jurisdiction_code, before, after,
                            sorted((entry.after or {}).keys())))
    return entries


@postgres_only
def test_written_together_as_the_orm_path_writes(tree, monkeypatch):
    together = _registered(tree, "ANNA", "YA1000001")
    monkeypatch.setattr(rowwrite, "supported", lambda: False)
    one_by_one = _registered(tree, "ANNA", "YA1000002")
    monkeypatch.undo()

    a, b = Arrival.objects.get(pk=together.pk), Arrival.objects.get(pk=one_by_one.pk)
    assert _values(a) == _values(b)
    assert a.version == b.version == 2 and a.status == "checked_in"
    assert len(a.reference) == 8 and a.reference != b.reference
    p, q = Person.objects.get(pk=a.person_id), Person.objects.get(pk=b.person_id)
    assert _values(p) == _values(q)
    assert p.categories == q.categories == ["other"]
    assert p.name_key == q.name_key and p.search_text == q.search_text
    d = IdentityDocument.objects.get(person=p)
    e = IdentityDocument.objects.get(person=q)
    assert _values(d) == _values(e)
    assert crypto.decrypt(d.number_encrypted) == "YA1000001"
    assert d.number_index == crypto.blind_index("YA1000001", purpose="identity-document")
    assert d.number_masked == crypto.mask("YA1000001")
    assert _audit(a) == _audit(b)
    # Both queued for the periodic duplicate search, with the registration.
    assert sorted(DuplicateSearchQueued.objects.values_list("person_id", flat=True)) == sorted(
        [a.person_id, b.person_id])
    # The snapshot in the audit names the times the rows hold.
    created = ChangeLogEntry.objects.get(object_type="people.person", object_id=str(p.pk))
    assert created.after["created_at"] == p.created_at.isoformat()
    registered = ChangeLogEntry.objects.get(object_type="arrivals.arrival",
                                            object_id=str(a.pk), event="arrival.register")
    assert registered.after["id"] == a.pk and registered.after["reference"] == a.reference


@postgres_only
def test_a_known_document_updates_its_holder_in_the_same_round_trip(tree):
    first = checked_in(tree, doc_number="YB2000001", travel_date=_yesterday())
    again = _registered(tree, "MARCO", "YB2000001")
    assert again.person_id == first.person_id
    assert Person.objects.count() == 1 and IdentityDocument.objects.count() == 1


@postgres_only
def test_a_document_registered_meanwhile_is_refused_and_nothing_is_written(tree, monkeypatch):
    """Two desks, the same passport, the same second: the second desk's lookup found no
    holder, its write fails on the document's uniqueness, and it writes nothing."""
    _registered(tree, "MARCO", "YC3000001")
    people, arrivals, entries = (Person.objects.count(), Arrival.objects.count(),
                                 ChangeLogEntry.objects.count())
    real = services._allocate_ahead

    def lookup_before_the_other_desk_committed(arrival, *, with_person):
        ahead = real(arrival, with_person=with_person)
        ahead.holder_id = None
        return ahead

    monkeypatch.setattr(services, "_allocate_ahead", lookup_before_the_other_desk_committed)
    with pytest.raises(ValidationError) as refused:
        _registered(tree, "MARCO", "YC3000001", travel_date=_yesterday())
    assert "already registered" in " ".join(refused.value.messages)
    assert (Person.objects.count(), Arrival.objects.count(),
            ChangeLogEntry.objects.count()) == (people, arrivals, entries)


@postgres_only
def test_the_same_document_twice_a_day_is_refused_by_the_database(tree, monkeypatch):
    _registered(tree, "MARCO", "YD4000001")
    with pytest.raises(ValidationError) as refused:
        _registered(tree, "MARCO", "YD4000001")
    assert refused.value.error_dict["doc_number"][0].code == "duplicate_document"
    assert Arrival.objects.count() == 1


def test_values_in_scope_is_the_restricted_querysets_test(tree):
    """`within` (Python, on a row's values) answers what `restrict` (SQL) answers, for every
    user of the tree and arrivals at the desk, at a community and at a hotel."""
    at_home = checked_in(tree, doc_number="YE5000001")
    elsewhere = checked_in(tree, doc_number="YE5000002", destination="110101002001")
    hotel = register(tree, doc_number="YE5000003")
    Arrival.objects.filter(pk=hotel.pk).update(  # scoped-ok: arranging the test
        destination_place=tree.places["hotel"], desk_place=None)
    received = register(tree, doc_number="YE5000004")
    Arrival.objects.filter(pk=received.pk).update(desk_place=None)  # scoped-ok: test
    arrivals = list(Arrival.objects.all())  # scoped-ok: the test compares both tests
    assert len(arrivals) == 4 and at_home and elsewhere
    for user in User.objects.all():
        for action in (Action.VIEW, Action.CHANGE):
            visible = set(Arrival.objects.restrict(user, action).values_list("pk", flat=True))
            for arrival in arrivals:
                inside = arrival.within(user.scope_for(action))
                assert inside == (arrival.pk in visible), (user.username, action, arrival.pk)
                if not inside:
                    with pytest.raises(OutOfScope):
                        ensure_values_in_scope(user, action, arrival)


def test_roles_in_force_are_what_the_orm_reads(tree):
    RoleAssignment.objects.filter(user=tree.users["street"]).update(  # scoped-ok: test
        revoked_at=timezone.now())
    for user in User.objects.all():
        expected = list(user.roles.filter(revoked_at__isnull=True)
                        .select_related("jurisdiction", "place"))
        found = roles_in_force(user.pk)
        assert [(r.pk, r.role, r.scope_code, r.granted_at, r.jurisdiction_id, r.place_id)
                for r in found] == [(r.pk, r.role, r.scope_code, r.granted_at,
                                     r.jurisdiction_id, r.place_id) for r in expected]
        for mine, theirs in zip(found, expected, strict=True):
            # Loaded with the role, as select_related loads them: no query to reach them.
            assert mine._state.fields_cache["jurisdiction"] == theirs.jurisdiction
            assert mine._state.fields_cache["place"] == theirs.place
            if mine.place is not None:
                assert mine.place.name == theirs.place.name
    assert roles_in_force(tree.users["street"].pk) == []


def test_a_division_closed_is_no_longer_a_destination(tree):
    community = Jurisdiction.objects.get(code="110101001002")
    checked_in(tree, doc_number="YF6000001", destination=community.code)
    with transaction.atomic():
        community.is_active = False
        community.save()  # the division table's version changes with it
    with pytest.raises(ValidationError) as refused:
        services.arrival_register(
            actor=tree.users["registrar"], transfer_point=tree.places["transfer"],
            data=arrival_data(destination=community.code, doc_number="YF6000002"),
            check_in=True)
    assert refused.value.error_dict["destination"][0].code == "destination_unknown"


def _yesterday():
    return timezone.localdate() - datetime.timedelta(days=1)


def test_a_transfer_registered_at_the_desk_is_written_without_a_person(tree):
    """A rule sending the arrival to another district: checked in at once, no Person here,
    the arrival and its two audit steps written (in one round trip on PostgreSQL)."""
    services.rule_save(actor=tree.users["district"], jurisdiction=tree.jurisdictions["110101"],
                       name="Lives in Xicheng", priority=1, effective_from=_yesterday(),
                       countries=["FR"], disposition="transfer",
                       transfer_to=tree.jurisdictions["110102"])
    entries = ChangeLogEntry.objects.count()
    arrival = services.arrival_register(
        actor=tree.users["registrar"], transfer_point=tree.places["transfer"],
        data=arrival_data(destination="110101001001", departure_country="FR",
                          visited_countries=["FR"], doc_number="YG7000001"),
        check_in=True)
    stored = Arrival.objects.get(pk=arrival.pk)
    assert stored.disposition == "transfer" and stored.status == "checked_in"
    assert stored.destination.code == "110102" and stored.person_id is None
    assert not Person.objects.exists()
    assert list(ChangeLogEntry.objects.filter(object_type="arrivals.arrival").order_by("id")
                .values_list("event", flat=True)) == ["arrival.register", "arrival.check_in"]
    assert ChangeLogEntry.objects.count() == entries + 2


HOSTILE = ["O'Brien", "D\\'Angelo \\\\ back", "%s %(x)s %%", "x'); DROP TABLE people_person;--",
           "محمد عبد الله", "Zoë 😷 Ångström", "$$ $1 E'\\n'"]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_is_written_and_read_back_exactly(tree, text):
    """Every value of the one-round-trip write is a literal quoted by psycopg: quotes,
    backslashes, placeholders and SQL in a name or an address come back as sent."""
    arrival = _registered(tree, "MARCO", f"YH{HOSTILE.index(text):07d}",
                          family_name=text, destination_address=text, seat="1A")
    stored = Arrival.objects.get(pk=arrival.pk)
    person = Person.objects.get(pk=stored.person_id)
    name = text.strip().upper()  # the desk writes names in capitals, as on the MRZ
    assert stored.family_name == person.family_name == name
    assert stored.destination_address == person.address == text
    created = ChangeLogEntry.objects.get(object_type="people.person", object_id=str(person.pk))
    assert created.after["family_name"] == name and created.after["address"] == text
