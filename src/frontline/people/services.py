"""Every write to the person registry: people, identity documents, stays, travel, risk rules,
merging duplicates. Each runs in one transaction with its audit entry and a scope re-check."""

from __future__ import annotations

import datetime
from typing import Any

import phonenumbers
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django_countries import countries
from django_countries.fields import Country

from frontline.areas.models import Jurisdiction, Level, Place, PlaceKind
from frontline.audit.models import AccessEvent, ChangeAction
from frontline.audit.services import access_record, change_record, snapshot
from frontline.core import crypto, rowwrite
from frontline.core.models import (
    OutOfScope,
    ensure_in_scope,
    ensure_values_in_scope,
    get_in_scope,
    scope_for,
)
from frontline.core.permissions import Action
from frontline.people import names
from frontline.people.models import (
    Category,
    DocumentType,
    DuplicateSearchQueued,
    IdentityDocument,
    LodgingStay,
    Person,
    PersonCategory,
    PersonNameGram,
    RiskCountry,
    Travel,
)

PERSON_FIELDS = {
    "family_name", "given_names", "name_native", "name_zh", "sex", "birth_date", "nationality",
    "phone", "phone_alt", "email", "preferred_language", "residence", "address", "organisation",
    "arrived_on", "notes",
}
DOCUMENT_PURPOSE = "identity-document"


class StaleEdit(ValidationError):
    """Someone else saved the record since it was opened (optimistic concurrency)."""


# -- validation helpers -----------------------------------------------------------------------

def normalise_phone(value: str, *, region: str = "CN", field: str = "phone") -> str:
    """E.164 form of a phone number, or a ValidationError naming the field."""
    value = (value or "").strip()
    if not value:
        return ""
    try:
        number = phonenumbers.parse(value, region or "CN")
    except phonenumbers.NumberParseException:
        raise ValidationError({field: _("“%(value)s” is not a phone number.") % {"value": value}}
                              ) from None
    if not phonenumbers.is_valid_number(number):
        raise ValidationError({field: _("“%(value)s” is not a valid number for its country.")
                               % {"value": value}})
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _check_country(code: str, field: str) -> str:
    code = (code or "").upper()
    if code not in countries:  # the codes, without naming every country
        raise ValidationError({field: _("“%(code)s” is not a known country code.") % {"code": code}})
    return code


def _check_birth_date(value: datetime.date | None) -> None:
    if value is None:
        return
    today = timezone.localdate()
    if value > today:
        raise ValidationError({"birth_date": _("The date of birth is in the future.")})
    if value.year < today.year - 130:
        raise ValidationError({"birth_date": _("The date of birth is more than 130 years ago.")})


def _check_residence(actor: Any, residence: Jurisdiction) -> None:
    if residence.level not in (Level.COMMUNITY, Level.STREET):
        raise ValidationError({"residence": _("Choose a community (or a street if unknown).")})
    if not scope_for(actor, Action.CHANGE).covers_code(residence.code):
        raise OutOfScope()


def _categories(values: list[str] | None) -> list[str]:
    values = list(dict.fromkeys(values or []))
    unknown = [v for v in values if v not in Category.values]
    if unknown:
        raise ValidationError({"categories": _("Unknown category: %(value)s")
                               % {"value": ", ".join(unknown)}})
    return values


def _refresh_search(person: Person) -> None:
    """Keep the normalised name key, the search text and the CJK name pieces in step."""
    person.name_key = names.name_key(person.family_name, person.given_names)
    person.search_text = names.search_text(person.family_name, person.given_names,
                                           person.name_native, person.name_zh)


def _write_grams(person: Person, *, new: bool = False) -> None:
    """The person's CJK name pieces; `new`: the person was just inserted and has none yet."""
    grams = names.cjk_grams(person.name_zh, person.name_native)
    existing: set[str] = set()
    if not new:
        PersonNameGram.objects.filter(person=person).exclude(gram__in=grams).delete()
        existing = set(PersonNameGram.objects.filter(person=person).values_list("gram",
                                                                                flat=True))
    if grams - existing:
        PersonNameGram.objects.bulk_create(
            [PersonNameGram(person=person, gram=g) for g in sorted(grams - existing)])


def _write_categories(person: Person, categories: list[str], *, new: bool = False) -> None:
    """The person's categories; `new`: the person was just inserted and has none yet."""
    existing: set[str] = set()
    if not new:
        PersonCategory.objects.filter(person=person).exclude(category__in=categories).delete()
        existing = set(PersonCategory.objects.filter(person=person).values_list("category",
                                                                                flat=True))
    if any(c not in existing for c in categories):
        PersonCategory.objects.bulk_create(
            [PersonCategory(person=person, category=c) for c in categories
             if c not in existing])


def _clean_person(actor: Any, person: Person, *, region_hint: str) -> None:
    person.nationality = _check_country(str(person.nationality), "nationality")
    _check_birth_date(person.birth_date)
    _check_residence(actor, person.residence)
    person.jurisdiction_code = person.residence.code
    person.phone = normalise_phone(person.phone, region=region_hint)
    person.phone_alt = normalise_phone(person.phone_alt, region=region_hint, field="phone_alt")
    person.family_name = person.family_name.strip()
    person.given_names = person.given_names.strip()
    if not any(ch.isalpha() for ch in person.family_name):  # not only invisible controls
        raise ValidationError({"family_name": _("The family name is required.")})
    _refresh_search(person)
    # The residence was checked above (and the database holds the foreign key): validating
    # it again would cost a query; the nationality too (against the codes, where the model's
    # validation would list every country's translated name).
    person.full_clean(exclude=["name_key", "search_text", "jurisdiction_code", "merged_into",
                               "created_by", "residence", "nationality"])


# -- people -----------------------------------------------------------------------------------

def _person_checked(actor: Any, categories: list[str] | None,
                    document: dict[str, Any] | None, data: dict[str, Any]
                    ) -> tuple[Person, list[str], dict[str, Any] | None]:
    """A new person (not saved), their categories and their document's arguments, checked:
    everything `person_create` refuses is refused here, before anything is written."""
    unknown = set(data) - PERSON_FIELDS
    if unknown:
        raise TypeError(f"unknown person fields {sorted(unknown)}")
    cats = _categories(categories)
    if document is not None:
        document = dict(document)
        document["number"], document["issuing_country"] = _document_checked(
            document["doc_type"], document["number"], document["issuing_country"])
        document.setdefault("expiry_date", None)
        document.setdefault("verified_by_mrz", False)
    person = Person(created_by=actor if getattr(actor, "pk", None) else None, **data)
    _clean_person(actor, person, region_hint="CN")
    return person, cats, document


def person_create(*, actor: Any, categories: list[str] | None = None,
                  document: dict[str, Any] | None = None, **data: Any) -> Person:
    """Register a person in a community the actor may change; with `document` (the arguments
    of `document_add` but the person), their identity document in the same transaction."""
    person, cats, document = _person_checked(actor, categories, document, data)
    with transaction.atomic():
        person.save(force_insert=True)
        _write_categories(person, cats, new=True)
        _write_grams(person, new=True)
        ensure_in_scope(actor, Action.CHANGE, person)
        change_record(actor=actor, action=ChangeAction.CREATE, obj=person,
                      after={**snapshot(person), "categories": cats})
        if document is not None:
            _document_insert(actor, person, **document)
        _look_for_duplicates(person)
    return person


def person_create_with_changes(*, actor: Any, person_id: int, document_id: int | None,
                               categories: list[str] | None = None,
                               document: dict[str, Any] | None = None, **data: Any) -> Person:
    """`person_create` for a caller that writes its own rows in one round trip (a desk
    check-in): the same checks, rows and audit entries, with ids allocated ahead
    (`core.rowwrite.allocate`), handed to the caller's `change_records_together` block
    (`audit.services.insert_with_changes`) instead of saved one by one. PostgreSQL only.

    The scope is re-checked on the values written (the residence's code, checked against
    the actor's scope before anything is built, is the code the rows carry). A document held
    by someone else fails when the block writes (IntegrityError on people_document_unique):
    the caller names it."""
    from frontline.audit.services import insert_with_changes

    person, cats, document = _person_checked(actor, categories, document, data)
    person.pk = person_id
    rows: list[Any] = [person]
    rows += [PersonCategory(person_id=person_id, category=c) for c in cats]
    rows += [PersonNameGram(person_id=person_id, gram=g)
             for g in sorted(names.cjk_grams(person.name_zh, person.name_native))]
    rowwrite.stamp(person)  # the times save() would set, for the snapshot
    ensure_values_in_scope(actor, Action.CHANGE, person)
    change_record(actor=actor, action=ChangeAction.CREATE, obj=person,
                  after={**snapshot(person), "categories": cats})
    if document is not None:
        if document_id is None:
            raise ValueError("a document needs an id")
        row = _document_row(person, **document)
        row.pk = document_id
        rowwrite.stamp(row)
        rows.append(row)
        change_record(actor=actor, action=ChangeAction.CREATE, obj=row, after=snapshot(row))
    rows.append(DuplicateSearchQueued(person_id=person_id))  # as _look_for_duplicates
    insert_with_changes(*rows)
    return person


def _look_for_duplicates(person: Person) -> None:
    """Queue the search for possible duplicates of `person`, in the caller's transaction
    (the duplicates page lists them for review; nothing is merged without a person)."""
    DuplicateSearchQueued.objects.create(person=person)


def duplicates_search_queued(*, limit: int = 5000) -> int:
    """The periodic search for possible duplicates of the people queued since the last
    (`DuplicateSearchQueued`): one search for all of them, then their rows are removed.
    Safe to run twice at once (a row taken by one run is skipped by the other). Returns
    how many new pairs were queued for review."""
    from frontline.people.selectors import duplicate_candidates_find

    with transaction.atomic():
        queued = list(DuplicateSearchQueued.objects.select_for_update(skip_locked=True)
                      .order_by("id").values_list("pk", "person_id")[:limit])
        if not queued:
            return 0
        found = duplicate_candidates_find(persons=Person.objects.filter(  # scoped-ok: a job
            pk__in={person for _pk, person in queued}))
        DuplicateSearchQueued.objects.filter(pk__in=[pk for pk, _person in queued]).delete()
    return found


def person_update(*, actor: Any, person: Person, expected_version: int | None = None,
                  categories: list[str] | None = None, **data: Any) -> Person:
    """Change a person. With `expected_version`, an edit based on an outdated copy is refused
    (two offices editing the same record never lose each other's changes)."""
    unknown = set(data) - PERSON_FIELDS
    if unknown:
        raise TypeError(f"unknown person fields {sorted(unknown)}")
    with transaction.atomic():
        person = get_in_scope(Person, actor, Action.CHANGE, for_update=True, pk=person.pk)
        if person.merged_into_id:
            raise ValidationError(_("This record was merged into another one: change the "
                                    "record kept."))
        if expected_version is not None and person.version != expected_version:
            raise StaleEdit(_("Someone else changed this record while you were editing it. "
                              "Reload it and make your change again."), code="stale")
        old_categories = person.categories
        before = {**snapshot(person), "categories": old_categories}
        for name, value in data.items():
            setattr(person, name, value)
        _clean_person(actor, person, region_hint="CN")
        person.version = F("version") + 1
        person.save()
        person.refresh_from_db()
        cats = old_categories if categories is None else _categories(categories)
        _write_categories(person, cats)
        _write_grams(person)
        ensure_in_scope(actor, Action.CHANGE, person)
        change_record(actor=actor, action=ChangeAction.UPDATE, obj=person, before=before,
                      after={**snapshot(person), "categories": cats})
        if {"family_name", "given_names", "name_native", "name_zh", "birth_date",
                "nationality"} & set(data):
            _look_for_duplicates(person)
    return person


# -- identity documents -----------------------------------------------------------------------

def _document_checked(doc_type: str, number: str, issuing_country: str) -> tuple[str, str]:
    """The normalised number and issuing country of a document to add, or a ValidationError."""
    if doc_type not in DocumentType.values:
        raise ValidationError({"doc_type": _("Unknown document type.")})
    number = crypto.normalise_identifier(number)
    if not 3 <= len(number) <= 30:
        raise ValidationError({"number": _("A document number has 3 to 30 letters and digits.")})
    return number, _check_country(issuing_country, "issuing_country")


def document_taken() -> ValidationError:
    """The refusal of a document number someone already holds (people_document_unique)."""
    return ValidationError({"number": _(
        "This document is already registered (to this or another person); search for it "
        "instead of registering it twice.")})


def _document_row(person: Person, *, doc_type: str, number: str, issuing_country: str,
                  expiry_date: datetime.date | None, verified_by_mrz: bool) -> IdentityDocument:
    """A checked document of `person`, not saved: the number encrypted, indexed and masked."""
    return IdentityDocument(
        person=person, jurisdiction_code=person.jurisdiction_code, doc_type=doc_type,
        number_encrypted=crypto.encrypt(number),
        number_index=crypto.blind_index(number, purpose=DOCUMENT_PURPOSE),
        number_masked=crypto.mask(number), issuing_country=issuing_country,
        expiry_date=expiry_date, verified_by_mrz=verified_by_mrz,
    )


def _document_insert(actor: Any, person: Person, *, doc_type: str, number: str,
                     issuing_country: str, expiry_date: datetime.date | None,
                     verified_by_mrz: bool) -> IdentityDocument:
    """Insert a checked document of a person in scope, in the caller's transaction; audited."""
    document = _document_row(person, doc_type=doc_type, number=number,
                             issuing_country=issuing_country, expiry_date=expiry_date,
                             verified_by_mrz=verified_by_mrz)
    try:
        with transaction.atomic():
            document.save(force_insert=True)
    except IntegrityError:
        raise document_taken() from None
    change_record(actor=actor, action=ChangeAction.CREATE, obj=document,
                  after=snapshot(document))
    return document


def document_add(*, actor: Any, person: Person, doc_type: str, number: str,
                 issuing_country: str, expiry_date: datetime.date | None = None,
                 verified_by_mrz: bool = False) -> IdentityDocument:
    """Add an identity document; its number is encrypted, indexed and masked. One document per
    (type, issuing country, number) in the whole registry."""
    number, issuing_country = _document_checked(doc_type, number, issuing_country)
    with transaction.atomic():
        person = get_in_scope(Person, actor, Action.CHANGE, pk=person.pk)
        document = _document_insert(actor, person, doc_type=doc_type, number=number,
                                    issuing_country=issuing_country, expiry_date=expiry_date,
                                    verified_by_mrz=verified_by_mrz)
        _look_for_duplicates(person)
        return document


def document_remove(*, actor: Any, document: IdentityDocument) -> None:
    with transaction.atomic():
        document = get_in_scope(IdentityDocument, actor, Action.CHANGE, pk=document.pk)
        before = snapshot(document)
        change_record(actor=actor, action=ChangeAction.DELETE, obj=document, before=before)
        document.delete()


def document_reveal(*, actor: Any, document: IdentityDocument, reason: str) -> str:
    """The plain document number, for someone holding the reveal action, with a reason; logged."""
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise ValidationError({"reason": _("Say why you need the full number.")})
    with transaction.atomic():
        document = get_in_scope(IdentityDocument, actor, Action.VIEW, pk=document.pk)
        if not scope_for(actor, Action.REVEAL).covers_code(document.jurisdiction_code):
            raise PermissionDenied(_("Your role may not reveal document numbers."))
        access_record(actor=actor, event=AccessEvent.REVEAL, object_type="people.identitydocument",
                      obj=document, jurisdiction_code=document.jurisdiction_code, reason=reason,
                      detail={"person": document.person_id})
    return crypto.decrypt(document.number_encrypted)


def document_find(*, actor: Any, number: str) -> list[IdentityDocument]:
    """Documents with exactly this number (any type and country), within the actor's scope."""
    index = crypto.blind_index(number, purpose=DOCUMENT_PURPOSE)
    return list(IdentityDocument.objects.restrict(actor, Action.VIEW).filter(number_index=index)
                .select_related("person"))


# -- stays and travel -------------------------------------------------------------------------

def stay_check_in(*, actor: Any, person: Person, place: Place, check_in: datetime.datetime,
                  room: str = "", source: str = "manual") -> LodgingStay:
    """Record that a person checked in at a hotel."""
    if place.kind not in (PlaceKind.LODGING_HOTEL, PlaceKind.OBSERVATION_HOTEL):
        raise ValidationError({"place": _("A stay is at a hotel.")})
    with transaction.atomic():
        person = get_in_scope(Person, actor, Action.VIEW, pk=person.pk)
        place = get_in_scope(Place, actor, Action.CHANGE, pk=place.pk)
        if LodgingStay.objects.filter(person=person, place=place, check_out__isnull=True).exists():
            raise ValidationError(_("This person is already checked in at this hotel."))
        stay = LodgingStay.objects.create(person=person, place=place, room=room[:20],
                                          check_in=check_in, source=source,
                                          jurisdiction_code=place.jurisdiction_code)
        change_record(actor=actor, action=ChangeAction.CREATE, obj=stay, after=snapshot(stay),
                      event="stay.check_in")
    return stay


def stay_check_out(*, actor: Any, stay: LodgingStay, check_out: datetime.datetime
                   ) -> LodgingStay:
    with transaction.atomic():
        stay = get_in_scope(LodgingStay, actor, Action.CHANGE, for_update=True, pk=stay.pk)
        if stay.check_out is not None:
            raise ValidationError(_("This stay has already ended."))
        if check_out < stay.check_in:
            raise ValidationError({"check_out": _("Check-out cannot be before check-in.")})
        before = snapshot(stay)
        stay.check_out = check_out
        stay.save(update_fields=["check_out"])
        change_record(actor=actor, action=ChangeAction.UPDATE, obj=stay, before=before,
                      after=snapshot(stay), event="stay.check_out")
    return stay


def travel_add(*, actor: Any, person: Person, country: str, from_date: datetime.date,
               to_date: datetime.date) -> Travel:
    country = _check_country(country, "country")
    if to_date < from_date:
        raise ValidationError({"to_date": _("The end of a stay cannot be before its start.")})
    if to_date > timezone.localdate():
        raise ValidationError({"to_date": _("Travel history cannot end in the future.")})
    with transaction.atomic():
        person = get_in_scope(Person, actor, Action.CHANGE, pk=person.pk)
        travel = Travel.objects.create(person=person, country=country, from_date=from_date,
                                       to_date=to_date, jurisdiction_code=person.jurisdiction_code)
        change_record(actor=actor, action=ChangeAction.CREATE, obj=travel, after=snapshot(travel))
    return travel


# -- risk countries ---------------------------------------------------------------------------

def risk_country_set(*, actor: Any, country: str, jurisdiction: Jurisdiction,
                     effective_from: datetime.date, effective_to: datetime.date | None = None,
                     note: str = "", risk: RiskCountry | None = None) -> RiskCountry:
    """Add (or, with `risk`, change) an entry of the office's risk-country list."""
    country = _check_country(country, "country")
    if effective_to is not None and effective_to < effective_from:
        raise ValidationError({"effective_to": _("The end is before the start.")})
    if not scope_for(actor, Action.CONFIGURE).covers_code(jurisdiction.code):
        raise OutOfScope()
    with transaction.atomic():
        if risk is None:
            risk = RiskCountry(jurisdiction=jurisdiction)
            before = None
        else:
            risk = get_in_scope(RiskCountry, actor, Action.CONFIGURE, for_update=True, pk=risk.pk)
            before = snapshot(risk)
        risk.country, risk.effective_from, risk.effective_to = country, effective_from, effective_to
        risk.note, risk.jurisdiction = note[:300], jurisdiction
        risk.jurisdiction_code = jurisdiction.code
        overlapping = RiskCountry.objects.filter(
            country=country, jurisdiction=jurisdiction).exclude(pk=risk.pk)
        for other in overlapping:
            if (other.effective_to is None or other.effective_to >= effective_from) and (
                    effective_to is None or effective_to >= other.effective_from):
                raise ValidationError(_("This country already has an entry for an overlapping "
                                        "period; end that one first."))
        risk.save()
        ensure_in_scope(actor, Action.CONFIGURE, risk)
        change_record(actor=actor, action=ChangeAction.UPDATE if before else ChangeAction.CREATE,
                      obj=risk, before=before, after=snapshot(risk))
    return risk


# -- retention --------------------------------------------------------------------------------

PURGED_NAME = "—"


def age_band(birth_date: datetime.date | None, on: datetime.date) -> str:
    """'30-39' for someone aged 30 to 39 on the day; '' when the birth date is unknown."""
    if birth_date is None:
        return ""
    age = on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))
    low = max(age, 0) // 10 * 10
    return f"{low}-{low + 9}" if low < 80 else "80+"


def person_purge(*, actor: Any, person: Person, reason: str) -> Person:
    """Remove a person's personal data, keeping what statistics need: age band, sex,
    nationality, jurisdiction, dates. Documents, travel, stays' rooms, name grams go; the
    change log keeps that it happened (with masked values), not what was removed."""
    with transaction.atomic():
        person = get_in_scope(Person, actor, Action.CHANGE, for_update=True, pk=person.pk)
        if person.purged_at is not None:
            return person
        now = timezone.now()
        person.age_band = age_band(person.birth_date, timezone.localdate(now))
        person.family_name = PURGED_NAME
        for name in ("given_names", "name_native", "name_zh", "phone", "phone_alt", "email",
                     "address", "notes"):
            setattr(person, name, "")
        person.birth_date = None
        person.organisation = None
        person.purged_at = now
        person.version = F("version") + 1
        person.name_key = ""
        person.search_text = ""
        person.save()
        person.refresh_from_db()
        IdentityDocument.objects.filter(person=person).delete()
        PersonNameGram.objects.filter(person=person).delete()
        LodgingStay.objects.filter(person=person).update(room="")
        Travel.objects.filter(person=person).delete()
        # The entry says that and why, not what was removed.
        change_record(actor=actor, action=ChangeAction.EVENT, obj=person, event="person.purge",
                      after={"reason": reason, "age_band": person.age_band})
    return person


# -- de-duplication ---------------------------------------------------------------------------

def person_merge(*, actor: Any, keep: Person, duplicate: Person) -> Person:
    """Merge `duplicate` into `keep`: documents, stays, travel and categories move over; the
    duplicate stays as a row pointing at `keep`, so its history and audit trail remain."""
    if keep.pk == duplicate.pk:
        raise ValidationError(_("A person cannot be merged with themselves."))
    with transaction.atomic():
        keep = get_in_scope(Person, actor, Action.CHANGE, for_update=True, pk=keep.pk)
        duplicate = get_in_scope(Person, actor, Action.CHANGE, for_update=True, pk=duplicate.pk)
        if keep.merged_into_id or duplicate.merged_into_id:
            raise ValidationError(_("One of these records was already merged."))
        moved = {
            "documents": IdentityDocument.objects.filter(person=duplicate).update(
                person=keep, jurisdiction_code=keep.jurisdiction_code),
            "stays": LodgingStay.objects.filter(person=duplicate).update(person=keep),
            "travels": Travel.objects.filter(person=duplicate).update(
                person=keep, jurisdiction_code=keep.jurisdiction_code),
        }
        cats = sorted(set(keep.categories) | set(duplicate.categories))
        _write_categories(keep, cats)
        for field in ("name_native", "name_zh", "phone", "phone_alt", "email", "birth_date",
                      "preferred_language", "address", "organisation_id", "arrived_on"):
            if not getattr(keep, field) and getattr(duplicate, field):
                setattr(keep, field, getattr(duplicate, field))
        if duplicate.arrived_on and keep.arrived_on and duplicate.arrived_on > keep.arrived_on:
            keep.arrived_on = duplicate.arrived_on
        _refresh_search(keep)
        keep.save()
        _write_grams(keep)
        duplicate.merged_into = keep
        duplicate.save(update_fields=["merged_into"])
        PersonNameGram.objects.filter(person=duplicate).delete()
        change_record(actor=actor, action=ChangeAction.EVENT, obj=keep, event="person.merge",
                      after={"kept": keep.pk, "merged": duplicate.pk, "moved": moved})
        change_record(actor=actor, action=ChangeAction.EVENT, obj=duplicate,
                      event="person.merged_into", after={"kept": keep.pk})
    return keep


def duplicate_decide(*, actor: Any, candidate: Any, same_person: bool,
                     keep: Person | None = None) -> Any:
    """Close a possible-duplicate pair: merge it (keeping `keep`) or mark it as two people."""
    from frontline.people.models import DuplicateCandidate, DuplicateStatus

    with transaction.atomic():
        candidate = get_in_scope(DuplicateCandidate, actor, Action.CHANGE, for_update=True,
                                 pk=candidate.pk)
        if candidate.status != DuplicateStatus.OPEN:
            raise ValidationError(_("This pair was already decided."))
        if same_person:
            keep = keep or candidate.first
            if keep.pk not in (candidate.first_id, candidate.second_id):
                raise ValidationError(_("Keep one of the two records."))
            other = candidate.second if keep.pk == candidate.first_id else candidate.first
            person_merge(actor=actor, keep=keep, duplicate=other)
            candidate.status = DuplicateStatus.MERGED
        else:
            candidate.status = DuplicateStatus.DISMISSED
        candidate.decided_by = actor
        candidate.decided_at = timezone.now()
        candidate.save(update_fields=["status", "decided_by", "decided_at"])
        change_record(actor=actor, action=ChangeAction.EVENT, obj=candidate,
                      event=f"duplicate.{candidate.status}")
    return candidate


# -- requests of the people concerned (PIPL art. 44–47) ----------------------------------------

# Fields never put in a copy: encrypted values appear decrypted under their own name, and
# search keys are the system's, not the person's data.
_COPY_SKIP = ("search_text", "name_key")


def plain_rows(objects: Any) -> list[dict[str, Any]]:
    """The concrete field values of rows, for a copy of one person's data: encrypted values
    and blind indexes are left out (the caller adds what the person may read decrypted)."""
    rows = []
    for obj in objects:
        row = {}
        for f in obj._meta.concrete_fields:
            if f.attname in _COPY_SKIP or f.attname.endswith(("_encrypted", "_index")):
                continue
            value = getattr(obj, f.attname)
            row[f.attname] = value.code if isinstance(value, Country) else value
        rows.append(row)
    return rows


def _app_hooks(name: str) -> list[Any]:
    from django.apps import apps

    return [getattr(config, name) for config in apps.get_app_configs()
            if config.name.startswith("frontline.") and hasattr(config, name)]


def person_data_copy(*, actor: Any, person: Person, reason: str) -> dict[str, Any]:
    """Everything Frontline holds about one person, for a request to see or copy it (PIPL
    art. 45): the registry's record with its documents (numbers decrypted), stays, travel and
    categories, and what other apps hold through their AppConfig's `person_data(person)`.
    Only someone who may reveal personal data there does it, with a reason; it is logged."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason (the request you are answering).")})
    with transaction.atomic():
        person = get_in_scope(Person, actor, Action.VIEW, pk=person.pk)
        if not scope_for(actor, Action.REVEAL).covers_code(person.jurisdiction_code):
            raise PermissionDenied(_("Your role may not reveal personal data."))
        documents = list(IdentityDocument.objects.filter(person=person).order_by("pk"))
        copy = {
            "person": plain_rows([person])[0],
            "categories": list(person.category_links.values_list("category", flat=True)),
            "identity_documents": [
                {**row, "number": crypto.decrypt(doc.number_encrypted)}
                for row, doc in zip(plain_rows(documents), documents, strict=True)],
            "lodging_stays": plain_rows(LodgingStay.objects.filter(person=person).order_by("pk")),
            "travel": plain_rows(Travel.objects.filter(person=person).order_by("pk")),
        }
        for hook in _app_hooks("person_data"):
            copy.update(hook(person))
        access_record(actor=actor, event=AccessEvent.EXPORT, object_type="people.person",
                      obj=person, jurisdiction_code=person.jurisdiction_code, reason=reason,
                      detail={"copy": sorted(copy)})
    return copy


def person_erase(*, actor: Any, person: Person, reason: str) -> Person:
    """Delete one person's personal data on their request (PIPL art. 47): the registry's
    record is purged as by the retention rule (statistics keep age band, sex, nationality,
    area and dates) and every app removes what it holds (AppConfig `person_erase`). Refused
    while another app must still keep it (AppConfig `person_erase_refusal`, e.g. during an
    observation). The office's district staff do it, with the reason."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason (the request you are answering).")})
    with transaction.atomic():
        person = get_in_scope(Person, actor, Action.CHANGE, for_update=True, pk=person.pk)
        if not scope_for(actor, Action.REVEAL).covers_code(person.jurisdiction_code):
            raise PermissionDenied(_("Only the office's staff who may reveal personal data "
                                     "delete it on request."))
        refusals = [text for hook in _app_hooks("person_erase_refusal")
                    if (text := hook(person))]
        if refusals:
            raise ValidationError(refusals)
        person = person_data_erase(actor=actor, person=person, reason=reason)
        change_record(actor=actor, action=ChangeAction.EVENT, obj=person, event="person.erase",
                      after={"reason": reason})
    return person


def person_data_erase(*, actor: Any, person: Person, reason: str) -> Person:
    """Remove one person's personal data from every app (AppConfig `person_erase(actor,
    person)`: arrivals, observations and their documents, …) and purge the registry's record.
    Used on request and by the retention purge; the caller has checked that it may."""
    with transaction.atomic():
        for hook in _app_hooks("person_erase"):
            hook(actor, person)
        return person_purge(actor=actor, person=person, reason=reason)
