"""People, documents, search, flags, stays, merging: the registry's services and selectors."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from frontline.audit.models import AccessLogEntry, ChangeLogEntry
from frontline.core import crypto
from frontline.core.models import OutOfScope
from frontline.people import selectors, services
from frontline.people.models import (
    DuplicateCandidate,
    IdentityDocument,
    LodgingStay,
    Person,
    PersonCategory,
    PersonNameGram,
)
from frontline.people.tests.factories import add_passport, make_person

TODAY = timezone.localdate


def test_create_normalises_and_audits(tree):
    person = make_person(tree, phone="138 0013 8000", name_zh="罗西", given_names="Marco",
                         categories=["foreign_teacher", "permanent_resident"])
    assert person.phone == "+8613800138000"
    assert person.jurisdiction_code == "110101001001"
    assert person.categories == ["foreign_teacher", "permanent_resident"]
    assert set(PersonNameGram.objects.filter(person=person).values_list("gram", flat=True)) == {
        "罗西"}
    entry = ChangeLogEntry.objects.get(object_type="people.person", action="create")
    assert entry.after["categories"] == ["foreign_teacher", "permanent_resident"]
    assert "search_text" not in entry.after


@pytest.mark.parametrize("field,value,message", [
    ("nationality", "XX", "not a known country"),
    ("nationality", "", "not a known country"),
    ("phone", "12345", "not a valid number"),
    ("phone", "not a phone", "not a phone number"),
    ("birth_date", datetime.date(2999, 1, 1), "future"),
    ("birth_date", datetime.date(1800, 1, 1), "130 years"),
    ("family_name", "  ", "required"),
])
def test_bad_values_are_refused_with_a_message(tree, field, value, message):
    with pytest.raises(ValidationError) as exc:
        make_person(tree, **{field: value})
    assert field in exc.value.error_dict
    assert message in " ".join(exc.value.messages)
    assert not Person.objects.exists()


def test_residence_outside_scope_is_refused(tree):
    with pytest.raises(OutOfScope):
        make_person(tree, actor="street", community="110101002001")
    assert not Person.objects.exists()


def test_document_is_encrypted_indexed_masked_and_unique(tree):
    person = make_person(tree)
    doc = add_passport(tree, person, "ya 123-4567")
    raw = IdentityDocument.objects.values("number_encrypted", "number_index").get(pk=doc.pk)
    assert "YA1234567" not in str(raw)
    assert crypto.decrypt(raw["number_encrypted"]) == "YA1234567"
    assert doc.number_masked == "YA12****7"
    other = make_person(tree, family_name="BIANCHI")
    with pytest.raises(ValidationError, match="already registered"):
        add_passport(tree, other, "YA1234567")
    # The same number from another country is another document.
    add_passport(tree, other, "YA1234567", country="FR")
    entry = ChangeLogEntry.objects.filter(object_type="people.identitydocument").first()
    assert entry.after["number_encrypted"] == "********"
    assert "number_index" not in entry.after


def test_reveal_needs_permission_and_a_reason_and_is_logged(tree):
    doc = add_passport(tree, make_person(tree), "YA7654321")
    with pytest.raises(PermissionDenied):
        services.document_reveal(actor=tree.users["community"], document=doc, reason="check")
    with pytest.raises(ValidationError):
        services.document_reveal(actor=tree.users["district"], document=doc, reason="")
    assert services.document_reveal(actor=tree.users["district"], document=doc,
                                    reason="identity check") == "YA7654321"
    log = AccessLogEntry.objects.get(event="reveal")
    assert log.reason == "identity check" and log.actor == tree.users["district"]
    assert AccessLogEntry.objects.count() == 1
    with pytest.raises(OutOfScope):
        services.document_reveal(actor=tree.users["street2"], document=doc, reason="curious")


def search(tree, query, user="district"):
    return {p.family_name for p in selectors.person_list(actor=tree.users[user], query=query)}


def test_search_by_name_in_every_script(tree):
    make_person(tree, family_name="ZHANG", given_names="SAN", name_zh="张三")
    make_person(tree, family_name="IVANOV", given_names="PETR", name_native="Иванов Пётр")
    make_person(tree, family_name="MÜLLER", given_names="JÜRGEN")
    make_person(tree, family_name="ZHANGSAN", given_names="LI", name_zh="张三丰")
    assert search(tree, "张三") == {"ZHANG", "ZHANGSAN"}  # two Chinese characters
    assert search(tree, "三丰") == {"ZHANGSAN"}
    assert search(tree, "иван") == {"IVANOV"}
    assert search(tree, "muller") == {"MÜLLER"}
    assert search(tree, "Jürg") == {"MÜLLER"}
    assert search(tree, "zhang san") == {"ZHANG", "ZHANGSAN"}
    assert search(tree, "nobody") == set()


def test_a_person_registered_with_a_document_gets_both_or_neither(tree):
    person = make_person(tree, document={"doc_type": "passport", "number": "ya 123 4567",
                                         "issuing_country": "IT"})
    document = IdentityDocument.objects.get(person=person)
    assert document.number_masked == crypto.mask("YA1234567")
    assert crypto.decrypt(document.number_encrypted) == "YA1234567"
    assert set(PersonCategory.objects.filter(person=person).values_list(
        "category", flat=True)) == {"permanent_resident"}
    assert ChangeLogEntry.objects.filter(object_type="people.identitydocument",
                                         object_id=str(document.pk)).count() == 1
    people = Person.objects.count()
    # The same document again, or a bad one: no second person is left behind.
    for bad, message in (({"doc_type": "passport", "number": "YA1234567",
                           "issuing_country": "IT"}, "already registered"),
                         ({"doc_type": "library card", "number": "X1234",
                           "issuing_country": "IT"}, "Unknown document type"),
                         ({"doc_type": "passport", "number": "X1", "issuing_country": "IT"},
                          "3 to 30")):
        with pytest.raises(ValidationError, match=message):
            make_person(tree, given_names="OTHER", document=bad)
        assert Person.objects.count() == people


def test_search_by_document_number_and_phone(tree):
    person = make_person(tree, phone="+8613912345678")
    add_passport(tree, person, "YB9999999")
    make_person(tree, family_name="OTHER")
    assert search(tree, "yb9999999") == {"ROSSI"}
    assert search(tree, "YB999") == set()  # document numbers match exactly, never partially
    assert search(tree, "12345678") == {"ROSSI"}


def test_search_is_scoped(tree):
    make_person(tree, name_zh="张三")
    assert search(tree, "张三", user="street2") == set()
    assert search(tree, "张三", user="street") == {"ROSSI"}


def test_flags_are_computed_from_dates(tree):
    district = tree.jurisdictions["110101"]
    today = TODAY()
    recent = make_person(tree, family_name="RECENT", arrived_on=today - datetime.timedelta(days=3))
    make_person(tree, family_name="OLD", arrived_on=today - datetime.timedelta(days=40))
    services.travel_add(actor=tree.users["district"], person=recent, country="IT",
                        from_date=today - datetime.timedelta(days=20),
                        to_date=today - datetime.timedelta(days=4))
    flags = {p.family_name: (p.arrived_recently, p.from_risk_country)
             for p in selectors.person_list(actor=tree.users["district"])}
    assert flags == {"RECENT": (True, False), "OLD": (False, False)}
    # Listing Italy from a date *after* the travel does not flag it: the list in force then.
    risk = services.risk_country_set(actor=tree.users["district"], country="IT",
                                     jurisdiction=district,
                                     effective_from=today - datetime.timedelta(days=2))
    assert not selectors.person_list(actor=tree.users["district"], from_risk_country=True)
    services.risk_country_set(actor=tree.users["district"], risk=risk, country="IT",
                              jurisdiction=district,
                              effective_from=today - datetime.timedelta(days=30))
    flagged = selectors.person_list(actor=tree.users["district"], from_risk_country=True)
    assert [p.family_name for p in flagged] == ["RECENT"]


def test_recent_days_come_from_the_setting(tree, settings):
    make_person(tree, family_name="TEN", arrived_on=TODAY() - datetime.timedelta(days=10))
    assert selectors.person_list(actor=tree.users["district"], arrived_recently=True).count() == 1
    settings.RECENT_ARRIVAL_DAYS = 7
    assert selectors.person_list(actor=tree.users["district"], arrived_recently=True).count() == 0


def test_the_recent_window_is_the_one_the_daily_figures_count(tree):
    """"The past 14 days" are today and the 13 days before: the list, its flag and the daily
    figure count the same people."""
    from frontline.reports.computations import COMPUTATIONS

    today = TODAY()
    for days_ago in (0, 13, 14):
        make_person(tree, family_name=f"AGO{days_ago}",
                    arrived_on=today - datetime.timedelta(days=days_ago))
    listed = selectors.person_list(actor=tree.users["district"], arrived_recently=True)
    assert sorted(p.family_name for p in listed) == ["AGO0", "AGO13"]
    counted = COMPUTATIONS["arrivals_recent"][1]("110101", today)
    assert sum(counted.values()) == 2


def test_overlapping_risk_entries_are_refused(tree):
    district = tree.jurisdictions["110101"]
    services.risk_country_set(actor=tree.users["district"], country="KR", jurisdiction=district,
                              effective_from=TODAY() - datetime.timedelta(days=30))
    with pytest.raises(ValidationError, match="overlapping"):
        services.risk_country_set(actor=tree.users["district"], country="KR",
                                  jurisdiction=district, effective_from=TODAY())


def test_stays_and_current_lodgers(tree):
    person = make_person(tree)
    hotel = tree.places["lodging"]
    stay = services.stay_check_in(actor=tree.users["district"], person=person, place=hotel,
                                  room="808", check_in=timezone.now() - datetime.timedelta(days=1))
    with pytest.raises(ValidationError, match="already checked in"):
        services.stay_check_in(actor=tree.users["district"], person=person, place=hotel,
                               check_in=timezone.now())
    assert list(selectors.current_lodgers(actor=tree.users["street"], place=hotel)) == [stay]
    services.stay_check_out(actor=tree.users["district"], stay=stay, check_out=timezone.now())
    assert not selectors.current_lodgers(actor=tree.users["street"], place=hotel).exists()
    with pytest.raises(ValidationError):
        services.stay_check_in(actor=tree.users["district"], person=person,
                               place=tree.places["school2"], check_in=timezone.now())


def test_duplicates_found_by_document_and_by_folded_name(tree):
    a = make_person(tree, family_name="MÜLLER", given_names="ANNA<MARIA", nationality="DE")
    b = make_person(tree, family_name="mueller", given_names="anna maria", nationality="DE")
    make_person(tree, family_name="MULLER", given_names="ANNA MARIA", nationality="DE",
                birth_date=datetime.date(1990, 1, 1))  # another birth date: not a candidate
    c = make_person(tree, family_name="IVANOV", given_names="PETR", nationality="RU")
    d = make_person(tree, family_name="X", given_names="", name_native="Иванов Петр",
                    nationality="RU")
    assert selectors.duplicate_candidates_find() == 1  # MÜLLER (ü→u) vs MUELLER differ
    e = make_person(tree, family_name="MULLER", given_names="ANNA MARIA", nationality="DE")
    add_passport(tree, c, "YC1111111", country="RU")
    doc = add_passport(tree, e, "YC2222222", country="DE")
    services.document_add(actor=tree.users["district"], person=a, doc_type="residence_permit",
                          number="YC2222222", issuing_country="CN")
    found = selectors.duplicate_candidates_find()
    pairs = {(x.first_id, x.second_id, x.reason) for x in DuplicateCandidate.objects.all()}
    assert (c.pk, d.pk, "name") in pairs
    assert (a.pk, e.pk, "document") in pairs or (a.pk, e.pk, "name") in pairs
    assert found >= 1 and doc.pk
    assert selectors.duplicate_candidates_find() == 0  # nothing new the second time
    assert b.pk


def test_merge_moves_everything_and_keeps_history(tree):
    keep = make_person(tree, name_zh="", phone="")
    dup = make_person(tree, family_name="ROSSI", name_zh="罗西", phone="+8613912345678",
                      categories=["foreign_teacher"])
    add_passport(tree, dup, "YD1234567")
    services.travel_add(actor=tree.users["district"], person=dup, country="IT",
                        from_date=TODAY() - datetime.timedelta(days=9),
                        to_date=TODAY() - datetime.timedelta(days=2))
    candidate = DuplicateCandidate.objects.create(first=keep, second=dup, reason="name",
                                                  jurisdiction_code="110101001001")
    services.duplicate_decide(actor=tree.users["street"], candidate=candidate, same_person=True,
                              keep=keep)
    keep.refresh_from_db()
    dup.refresh_from_db()
    assert dup.merged_into == keep
    assert keep.documents.count() == 1 and keep.travels.count() == 1
    assert keep.name_zh == "罗西" and keep.phone == "+8613912345678"
    assert set(keep.categories) == {"permanent_resident", "foreign_teacher"}
    assert search(tree, "罗西") == {"ROSSI"} and len(selectors.person_list(
        actor=tree.users["district"], query="罗西")) == 1
    assert ChangeLogEntry.objects.filter(event="person.merge").exists()
    with pytest.raises(ValidationError):
        services.duplicate_decide(actor=tree.users["street"], candidate=candidate,
                                  same_person=False)


def test_optimistic_concurrency(tree):
    person = make_person(tree)
    version = person.version
    services.person_update(actor=tree.users["street"], person=person, expected_version=version,
                           address="1 First Street")
    with pytest.raises(services.StaleEdit):
        services.person_update(actor=tree.users["community"], person=person,
                               expected_version=version, address="2 Second Street")
    person.refresh_from_db()
    assert person.address == "1 First Street" and person.version == version + 1


def test_moving_a_person_out_of_scope_is_refused(tree):
    person = make_person(tree)
    with pytest.raises(OutOfScope):
        services.person_update(actor=tree.users["street"], person=person,
                               residence=tree.jurisdictions["110101002001"])
    person.refresh_from_db()
    assert person.jurisdiction_code == "110101001001"


def test_hotel_staff_see_their_hotels_stays(tree):
    person = make_person(tree)
    stay = services.stay_check_in(actor=tree.users["district"], person=person,
                                  place=tree.places["hotel"], check_in=timezone.now())
    assert list(LodgingStay.objects.restrict(tree.users["hotel"], "view")) == [stay]
    assert not LodgingStay.objects.restrict(tree.users["registrar"], "view").exists()


def test_a_merged_record_offers_no_changes_and_refuses_them(tree):
    from frontline.observation import services as observation_services

    keep = make_person(tree, family_name="KEEP")
    duplicate = make_person(tree, family_name="DUPLICATE")
    services.person_merge(actor=tree.users["district"], keep=keep, duplicate=duplicate)
    duplicate.refresh_from_db()
    page = tree.client("street").get(f"/people/{duplicate.pk}/").content.decode()
    assert f"/people/{duplicate.pk}/edit/" not in page and "Start observation" not in page
    assert f"/people/{keep.pk}/edit/" in tree.client("street").get(
        f"/people/{keep.pk}/").content.decode()
    with pytest.raises(ValidationError, match="merged into another one"):
        services.person_update(actor=tree.users["street"], person=duplicate, address="x")
    with pytest.raises(ValidationError, match="merged into another one"):
        observation_services.observation_start(
            actor=tree.users["street"], person=duplicate, kind="home",
            jurisdiction=tree.jurisdictions["110101001001"], start_date=TODAY())


def test_a_person_registered_by_hand_is_looked_for_among_possible_duplicates(tree):
    """Registered (or changed) by hand, a person is queued with the registration itself, and
    the periodic search finds their possible duplicates, once."""
    from django.core.management import call_command

    from frontline.people.models import DuplicateCandidate, DuplicateSearchQueued

    first = make_person(tree, family_name="ROSSINI", given_names="GIULIA",
                        birth_date=datetime.date(1990, 3, 15), nationality="IT")
    assert services.duplicates_search_queued() == 0
    assert not DuplicateCandidate.objects.exists() and not DuplicateSearchQueued.objects.exists()
    second = make_person(tree, family_name="Rossini", given_names="Giulia",
                         birth_date=datetime.date(1990, 3, 15), nationality="IT")
    assert list(DuplicateSearchQueued.objects.values_list("person_id", flat=True)) == [second.pk]
    assert not DuplicateCandidate.objects.exists()  # not before the search runs
    call_command("people_duplicates_search", verbosity=0)
    pair = DuplicateCandidate.objects.get()
    assert {pair.first_id, pair.second_id} == {first.pk, second.pk} and pair.reason == "name"
    assert not DuplicateSearchQueued.objects.exists()
    services.person_update(actor=tree.users["street"], person=second, given_names="GIULIA")
    assert services.duplicates_search_queued() == 0  # the pair is known: nothing new
    assert DuplicateCandidate.objects.count() == 1


def test_a_registration_refused_queues_no_search(tree):
    from frontline.people.models import DuplicateSearchQueued

    with pytest.raises(ValidationError):
        make_person(tree, family_name="ROSSINI", birth_date=datetime.date(2999, 1, 1))
    assert not DuplicateSearchQueued.objects.exists()


def test_the_duplicate_search_runs_with_the_periodic_jobs():
    from frontline.core.management.commands.periodic import periodic_jobs

    assert (15, "frontline.people.services.duplicates_search_queued") in periodic_jobs()
