"""Every write of the arrivals app: pre-registration (portal), registration and check-in at the
desk, sorting, hand-over batches and receipts, rules and the identity-document reference.

Each runs in one transaction with its audit entry and, for staff, a scope re-check. Errors
carry a `code` so the traveller portal can show them in the traveller's language.
"""

from __future__ import annotations

import datetime
import secrets
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django_countries import countries

from frontline.areas.models import Jurisdiction, Level, Place, PlaceKind
from frontline.arrivals import sorting
from frontline.arrivals.models import (
    CHILD_AGE,
    EDITABLE,
    Arrival,
    ArrivalCategory,
    ArrivalStatus,
    Disposition,
    IdentityReference,
    SortingRule,
    Source,
    Symptom,
    TravelMode,
    format_reference,
)
from frontline.audit.models import ChangeAction
from frontline.audit.services import (
    change_record,
    change_records_together,
    changes_write,
    insert_with_changes,
    snapshot,
)
from frontline.core import crypto, rowwrite
from frontline.core.models import (
    OutOfScope,
    ensure_in_scope,
    ensure_values_in_scope,
    get_in_scope,
    scope_for,
)
from frontline.core.permissions import Action
from frontline.people.models import DocumentType

DOCUMENT_PURPOSE = "identity-document"  # the same blind index as the person registry
REFERENCE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud at a desk
PASS_SALT = "frontline.arrivals.pass"  # noqa: S105 - a signing namespace, not a secret
EDIT_SALT = "frontline.arrivals.edit"
CONSENT_VERSION = "2026-1"
MAX_VISITED = 30

ARRIVAL_FIELDS = {
    "travel_mode", "carrier_number", "travel_date", "seat", "departure_country",
    "visited_countries", "destination_address", "phone", "family_name", "given_names", "sex",
    "birth_date", "nationality", "doc_type", "doc_number", "doc_country", "doc_expiry", "mrz",
    "symptoms", "temperature", "categories", "guardian_name", "guardian_consent",
    "commitment_signed", "sensitive_consent", "language", "destination",
}


def _error(field: str | None, message: str, code: str) -> ValidationError:
    if field is None:
        return ValidationError(message, code=code)
    return ValidationError({field: ValidationError(message, code=code)})


def pass_max_age() -> int:
    return getattr(settings, "ARRIVALS_PASS_MAX_AGE_DAYS", 10) * 86400


# -- codes and signed passes ------------------------------------------------------------------

def new_reference() -> str:
    return "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))


def pass_token(arrival: Arrival) -> str:
    """The signed text in the traveller's QR code: the arrival and its short code."""
    return signing.TimestampSigner(salt=PASS_SALT).sign(f"{arrival.pk}.{arrival.reference}")


def edit_token(arrival: Arrival) -> str:
    """The signed part of the traveller's personal link to view and edit the registration."""
    return signing.TimestampSigner(salt=EDIT_SALT).sign(f"{arrival.pk}.{arrival.reference}")


def _unsign(token: str, salt: str, max_age: int) -> tuple[int, str]:
    token = (token or "").strip()
    if len(token) > 200:
        raise _error(None, _("This code is not valid."), "pass_invalid")
    try:
        value = signing.TimestampSigner(salt=salt).unsign(token, max_age=max_age)
    except signing.SignatureExpired:
        raise _error(None, _("This code has expired; register again."), "pass_expired") from None
    except signing.BadSignature:
        raise _error(None, _("This code is not valid."), "pass_invalid") from None
    pk, _sep, reference = value.partition(".")
    if not pk.isdigit() or not reference:
        raise _error(None, _("This code is not valid."), "pass_invalid")
    return int(pk), reference


def pass_read(token: str) -> tuple[int, str]:
    """(arrival id, short code) from a scanned pass; tampered or expired passes are refused."""
    return _unsign(token, PASS_SALT, pass_max_age())


def edit_read(token: str) -> tuple[int, str]:
    return _unsign(token, EDIT_SALT, pass_max_age())


def pass_matches(token: str, arrival: Arrival) -> bool:
    """Whether a scanned pass belongs to this arrival (a pass of another one is refused)."""
    try:
        pk, reference = pass_read(token)
    except ValidationError:
        return False
    return pk == arrival.pk and reference == arrival.reference


# -- cleaning what a traveller or the desk sends -----------------------------------------------

def _country(value: Any, field: str, *, required: bool = False) -> str:
    code = str(value or "").strip().upper()
    if not code:
        if required:
            raise _error(field, _("Choose a country."), "country_required")
        return ""
    if code not in countries:  # the codes, without naming every country
        raise _error(field, _("“%(code)s” is not a known country code.") % {"code": code[:10]},
                     "country_unknown")
    return code


def _date(value: Any, field: str) -> datetime.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value)[:10])
    except ValueError:
        raise _error(field, _("Enter a date as YYYY-MM-DD."), "date_invalid") from None


def clean_arrival_data(data: dict[str, Any], *, partial: bool = False,
                       existing: Arrival | None = None) -> dict[str, Any]:
    """Validate and normalise arrival fields; an MRZ (if sent) fills and verifies the
    document fields. Raises a ValidationError whose messages carry codes."""
    from frontline.people.mrz import parse_mrz
    from frontline.people.services import normalise_phone

    unknown = set(data) - ARRIVAL_FIELDS
    if unknown:
        raise TypeError(f"unknown arrival fields {sorted(unknown)}")
    out: dict[str, Any] = {}
    errors: dict[str, list[ValidationError]] = {}

    def fail(exc: ValidationError) -> None:
        for field, errs in exc.error_dict.items():
            errors.setdefault(field, []).extend(errs)

    def get(name: str, default: Any = "") -> Any:
        if name in data:
            return data[name]
        return getattr(existing, name, default) if existing is not None else default

    mrz_text = (data.get("mrz") or "").strip()
    if mrz_text:
        try:
            parsed = parse_mrz(mrz_text)
        except ValidationError:
            fail(_error("mrz", _("The MRZ lines cannot be read or a check digit is wrong; check "
                                 "them or type the fields instead."), "mrz_invalid"))
        else:
            doc_type = {"P": DocumentType.PASSPORT, "C": DocumentType.HK_MACAU_PERMIT}.get(
                parsed.doc_code[:1], DocumentType.OTHER)
            data = {**data, "family_name": parsed.family_name,
                    "given_names": parsed.given_names, "sex": parsed.sex,
                    "birth_date": parsed.birth_date, "nationality": parsed.nationality,
                    "doc_number": parsed.document_number, "doc_type": doc_type,
                    "doc_country": parsed.issuing_country or parsed.nationality,
                    "doc_expiry": parsed.expiry_date}
            out["mrz_verified"] = True
    if partial and not mrz_text and "doc_number" in data:
        out["mrz_verified"] = False

    for name in ("family_name", "given_names", "carrier_number", "seat", "destination_address",
                 "guardian_name"):
        if partial and name not in data:
            continue
        value = " ".join(str(data.get(name) or "").split())
        limit = {"family_name": 100, "given_names": 150, "carrier_number": 12, "seat": 8,
                 "destination_address": 300, "guardian_name": 150}[name]
        if len(value) > limit:
            fail(_error(name, _("This text is too long."), "too_long"))
        out[name] = value[:limit]
    if "carrier_number" in out:
        out["carrier_number"] = out["carrier_number"].upper().replace(" ", "")
    if "seat" in out:
        out["seat"] = out["seat"].upper()
    if not partial or "family_name" in data:
        out["family_name"] = out.get("family_name", "").upper()
        out["given_names"] = out.get("given_names", "").upper()
        if not any(ch.isalpha() for ch in out["family_name"]):  # not only invisible controls
            fail(_error("family_name", _("The family name is required."), "name_required"))

    if not partial or "travel_mode" in data:
        mode = data.get("travel_mode") or TravelMode.FLIGHT
        if mode not in TravelMode.values:
            fail(_error("travel_mode", _("Choose flight, train or other."), "choice_invalid"))
        out["travel_mode"] = mode
    if not partial or "travel_date" in data:
        try:
            day = _date(data.get("travel_date"), "travel_date")
        except ValidationError as exc:
            fail(exc)
            day = None
        today = timezone.localdate()
        if day is None:
            if "travel_date" not in errors:
                fail(_error("travel_date", _("Enter the arrival date."), "date_required"))
        elif not (today - datetime.timedelta(days=3) <= day <= today + datetime.timedelta(days=30)):
            fail(_error("travel_date", _("The arrival date must be between three days ago and "
                                         "thirty days from today."), "date_range"))
        out["travel_date"] = day
    for name in ("birth_date", "doc_expiry"):
        if partial and name not in data:
            continue
        try:
            out[name] = _date(data.get(name), name)
        except ValidationError as exc:
            fail(exc)
    if out.get("birth_date") and out["birth_date"] > timezone.localdate():
        fail(_error("birth_date", _("The date of birth is in the future."), "birth_future"))

    for name, required in (("departure_country", False), ("nationality", False),
                           ("doc_country", False)):
        if partial and name not in data:
            continue
        try:
            out[name] = _country(data.get(name), name, required=required)
        except ValidationError as exc:
            fail(exc)
    if not partial or "visited_countries" in data:
        visited = data.get("visited_countries") or []
        if isinstance(visited, str):
            visited = [v for v in visited.replace(";", ",").split(",") if v.strip()]
        if len(visited) > MAX_VISITED:
            fail(_error("visited_countries", _("List at most 30 countries."), "too_many"))
            visited = []
        cleaned = []
        for value in visited:
            try:
                cleaned.append(_country(value, "visited_countries"))
            except ValidationError as exc:
                fail(exc)
        out["visited_countries"] = sorted(set(cleaned))

    if not partial or "sex" in data:
        sex = (data.get("sex") or "X").upper()[:1]
        out["sex"] = sex if sex in ("F", "M", "X") else "X"
    if not partial or "doc_type" in data:
        doc_type = data.get("doc_type") or DocumentType.PASSPORT
        if doc_type not in DocumentType.values:
            fail(_error("doc_type", _("Unknown document type."), "choice_invalid"))
        out["doc_type"] = doc_type
    if not partial or "doc_number" in data:
        number = crypto.normalise_identifier(str(data.get("doc_number") or ""))
        if not 3 <= len(number) <= 30:
            fail(_error("doc_number", _("A document number has 3 to 30 letters and digits."),
                        "doc_number_invalid"))
        else:
            out["doc_number"] = number
    if not partial or "phone" in data:
        try:
            out["phone"] = normalise_phone(str(data.get("phone") or "")[:40])
        except ValidationError:
            fail(_error("phone", _("This is not a valid phone number; include the country code, "
                                   "such as +86."), "phone_invalid"))
    if not partial or "symptoms" in data:
        symptoms = list(dict.fromkeys(data.get("symptoms") or []))
        if set(symptoms) - set(Symptom.values):
            fail(_error("symptoms", _("Unknown symptom."), "choice_invalid"))
        out["symptoms"] = [s for s in symptoms if s in Symptom.values]
    if not partial or "temperature" in data:
        raw = data.get("temperature")
        if raw in (None, ""):
            out["temperature"] = None
        else:
            try:
                temperature = Decimal(str(raw).replace(",", ".")).quantize(Decimal("0.1"))
            except InvalidOperation:
                temperature = None
            if temperature is None or not Decimal("34") <= temperature <= Decimal("43"):
                fail(_error("temperature", _("Enter a body temperature between 34 and 43 °C."),
                            "temperature_invalid"))
            else:
                out["temperature"] = temperature
    if not partial or "categories" in data:
        cats = list(dict.fromkeys(data.get("categories") or []))
        if set(cats) - {ArrivalCategory.DIPLOMAT.value}:
            fail(_error("categories", _("Unknown category."), "choice_invalid"))
        out["categories"] = cats
    if "language" in data:
        language = data.get("language") or "en"
        if language not in dict(settings.TRAVELLER_LANGUAGES):
            language = "en"
        out["language"] = language
    if errors:
        raise ValidationError(errors)
    return out


def _consents(arrival: Arrival, data: dict[str, Any], *, now: datetime.datetime) -> None:
    """The health commitment and the separate consent to sensitive data (PIPL art. 29) are
    required; a child under 14 needs the guardian's consent (PIPL art. 31)."""
    errors: dict[str, list] = {}
    if data.get("commitment_signed"):
        arrival.commitment_signed_at = arrival.commitment_signed_at or now
    if data.get("sensitive_consent"):
        arrival.sensitive_consent_at = arrival.sensitive_consent_at or now
        arrival.consent_version = CONSENT_VERSION
    if not arrival.commitment_signed_at:
        errors["commitment_signed"] = [ValidationError(
            _("Sign the health commitment to continue."), code="commitment_required")]
    if not arrival.sensitive_consent_at:
        errors["sensitive_consent"] = [ValidationError(
            _("Your consent to the processing of your health and travel data is required."),
            code="consent_required")]
    age = sorting.age_on(arrival.birth_date, arrival.travel_date or timezone.localdate())
    if age is not None and age < CHILD_AGE:
        if data.get("guardian_consent") and arrival.guardian_name:
            arrival.guardian_consent_at = arrival.guardian_consent_at or now
        if not (arrival.guardian_name and arrival.guardian_consent_at):
            errors["guardian_consent"] = [ValidationError(
                _("A child under 14 needs the name and consent of a parent or guardian."),
                code="guardian_required")]
    if errors:
        raise ValidationError(errors)


def _apply(arrival: Arrival, clean: dict[str, Any]) -> None:
    for name, value in clean.items():
        if name == "doc_number":
            arrival.doc_number_encrypted = crypto.encrypt(value)
            arrival.doc_number_index = crypto.blind_index(value, purpose=DOCUMENT_PURPOSE)
            arrival.doc_number_masked = crypto.mask(value)
        elif name in ("mrz", "destination"):
            continue
        else:
            setattr(arrival, name, value)


def _duplicate_check(arrival: Arrival) -> None:
    """The same document on the same day is one arrival: a second registration is refused."""
    if not arrival.doc_number_index:
        return
    clash = Arrival.objects.filter(  # scoped-ok: uniqueness is global, nothing is shown
        doc_number_index=arrival.doc_number_index, travel_date=arrival.travel_date,
    ).exclude(status=ArrivalStatus.CANCELLED).exclude(pk=arrival.pk)
    if clash.exists():
        raise _error("doc_number", _("This travel document is already registered for an arrival "
                                     "on this day."), "duplicate_document")


def _save_new(arrival: Arrival) -> None:
    """Insert a new arrival. The same document on the same day is refused by a partial unique
    constraint (no check-then-insert race); the caller's transaction is rolled back with it."""
    arrival.reference = new_reference()
    try:
        arrival.save(force_insert=True)
    except IntegrityError as exc:
        if "reference" in str(exc).lower():  # 32^8 codes: practically never
            raise _error(None, _("Please try again."), "retry") from None
        raise _error("doc_number", _("This travel document is already registered for an "
                                     "arrival on this day."), "duplicate_document") from None


def _destination(value: Any, transfer_point: Place, *,
                 versions: dict[str, str] | None = None) -> Jurisdiction | None:
    if value in (None, ""):
        return None
    if isinstance(value, Jurisdiction):
        if not value.is_active:
            raise _error("destination", _("Unknown destination."), "destination_unknown")
        return value
    from frontline.areas.selectors import division_by_code

    found = division_by_code(str(value), read=versions)
    if found is None or not found.is_active:
        raise _error("destination", _("Unknown destination."), "destination_unknown")
    return found


def _set_scope(arrival: Arrival) -> None:
    """The arrival belongs to its destination, or to the transfer point's office before
    sorting; the registering desk keeps it until it is received."""
    arrival.jurisdiction_code = (arrival.destination.code if arrival.destination_id
                                 else arrival.transfer_point.jurisdiction_code)


# -- the traveller portal (no account) ---------------------------------------------------------

def arrival_preregister(*, transfer_point: Place, data: dict[str, Any],
                        party_lead: Arrival | None = None) -> Arrival:
    """A traveller's own pre-registration from the portal. Nothing becomes a Person here."""
    if transfer_point.kind != PlaceKind.TRANSFER_POINT or not transfer_point.is_active:
        raise _error(None, _("Registration is closed."), "closed")
    arrival, errors = _preregistration(transfer_point, data, party_lead)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        _set_scope(arrival)
        _save_new(arrival)
        change_record(actor=None, action=ChangeAction.CREATE, obj=arrival,
                      after=snapshot(arrival), event="arrival.preregister")
    return arrival


def _preregistration(transfer_point: Place, data: dict[str, Any], party_lead: Arrival | None
                     ) -> tuple[Arrival, dict[str, list]]:
    """The new registration, not saved, and every refusal of it, in one answer (the fields,
    the destination and the consents)."""
    errors: dict[str, list] = {}
    try:
        clean = clean_arrival_data(data)
    except ValidationError as exc:
        errors.update(exc.error_dict)
        clean = {}
    try:
        destination = _destination(data.get("destination"), transfer_point)
    except ValidationError as exc:
        errors.update(exc.error_dict)
        destination = None
    arrival = Arrival(source=Source.PORTAL, status=ArrivalStatus.REGISTERED,
                      transfer_point=transfer_point, desk_place=transfer_point,
                      destination=destination, party_lead=party_lead)
    _apply(arrival, clean)
    try:
        _consents(arrival, data, now=timezone.now())
    except ValidationError as exc:
        errors.update(exc.error_dict)
    return arrival, errors


def preregistration_errors(*, transfer_point: Place, data: dict[str, Any],
                           party_lead: Arrival | None = None) -> dict[str, list]:
    """What `arrival_preregister` would refuse in `data`, without saving anything: a form
    refused for one reason shows all the others in the same answer."""
    return _preregistration(transfer_point, data, party_lead)[1]


def arrival_traveller_update(*, arrival: Arrival, data: dict[str, Any]) -> Arrival:
    """The traveller changes their registration through their personal link, until check-in."""
    clean = clean_arrival_data(data, partial=True)
    now = timezone.now()
    with transaction.atomic():
        arrival = Arrival.objects.select_for_update().get(  # scoped-ok: the signed link
            pk=arrival.pk)
        if arrival.status not in EDITABLE:
            raise _error(None, _("This registration has been checked in and can no longer be "
                                 "changed."), "not_editable")
        before = snapshot(arrival)
        _apply(arrival, clean)
        if "destination" in data:
            arrival.destination = _destination(data.get("destination"), arrival.transfer_point)
        _consents(arrival, data, now=now)
        _set_scope(arrival)
        _duplicate_check(arrival)
        arrival.version += 1  # the row is locked (select_for_update)
        arrival.save()
        change_record(actor=None, action=ChangeAction.UPDATE, obj=arrival, before=before,
                      after=snapshot(arrival), event="arrival.traveller_update")
    return arrival


# -- the desk ---------------------------------------------------------------------------------

def _desk_place(actor: Any, transfer_point: Place | None) -> Place:
    """The transfer point the actor registers at (checked in scope); by default their own."""
    scope = scope_for(actor, Action.CHANGE)
    if not scope.everything and not scope.codes and hasattr(actor, "active_roles"):
        # A registrar's scope is the places of their roles, loaded with the roles for this
        # request: the same rows the restricted query below would read again.
        held = {r.place_id: r.place for r in actor.active_roles() if r.place_id in
                scope.place_ids}
        candidates = sorted((p for p in held.values() if p.kind == PlaceKind.TRANSFER_POINT
                             and p.is_active), key=lambda p: p.pk)
        if transfer_point is not None:
            candidates = [p for p in candidates if p.pk == transfer_point.pk]
        point = candidates[0] if candidates else None
    else:
        points = Place.objects.restrict(actor, Action.CHANGE).filter(
            kind=PlaceKind.TRANSFER_POINT, is_active=True)
        if transfer_point is not None:
            points = points.filter(pk=transfer_point.pk)
        point = points.order_by("id").first()
    if point is None:
        if transfer_point is not None and transfer_point.kind == PlaceKind.TRANSFER_POINT:
            raise OutOfScope()
        raise _error("transfer_point", _("Choose a transfer point."), "choice_invalid")
    return point


def arrival_register(*, actor: Any, transfer_point: Place | None, data: dict[str, Any],
                     check_in: bool = False) -> Arrival:
    """Register an arrival at the desk without a pre-registration (MRZ paste or typed); with
    `check_in`, check it in at once with the suggested disposition, in the same transaction.
    Without `transfer_point`, the actor's own transfer point."""
    transfer_point = _desk_place(actor, transfer_point)
    clean = clean_arrival_data(data)
    versions = sorting.reference_versions()  # one statement for the three tables kept
    destination = _destination(data.get("destination"), transfer_point, versions=versions)
    now = timezone.now()
    with transaction.atomic(), change_records_together():
        arrival = Arrival(source=Source.DESK, status=ArrivalStatus.REGISTERED,
                          transfer_point=transfer_point, desk_place=transfer_point,
                          destination=destination,
                          language=clean.pop("language", data.get("language") or "en"))
        _apply(arrival, clean)
        # Signed on paper at the desk: the registrar records it.
        arrival.commitment_signed_at = now if data.get("commitment_signed", True) else None
        arrival.sensitive_consent_at = now if data.get("sensitive_consent", True) else None
        arrival.consent_version = CONSENT_VERSION
        if arrival.guardian_name:
            arrival.guardian_consent_at = now
        _set_scope(arrival)
        if check_in:
            # Registered and checked in by one INSERT; the check-in re-checks the scope.
            return _check_in(actor=actor, arrival=arrival, registering=True,
                             versions=versions)
        _save_new(arrival)
        ensure_in_scope(actor, Action.CHANGE, arrival)
        change_record(actor=actor, action=ChangeAction.CREATE, obj=arrival,
                      after=snapshot(arrival), event="arrival.register")
    return arrival


def arrival_update(*, actor: Any, arrival: Arrival, data: dict[str, Any],
                   expected_version: int | None = None) -> Arrival:
    """Staff correct a registration before check-in. With `expected_version`, a correction
    based on an outdated copy is refused (the desk and the destination both see an arrival in
    transit; neither loses the other's change)."""
    clean = clean_arrival_data(data, partial=True)
    with transaction.atomic():
        arrival = get_in_scope(Arrival, actor, Action.CHANGE, for_update=True, pk=arrival.pk)
        if expected_version is not None and arrival.version != expected_version:
            raise ValidationError(_("Someone else changed this record while you were editing "
                                    "it. Reload it and make your change again."), code="stale")
        if arrival.status not in EDITABLE:
            raise _error(None, _("A checked-in arrival cannot be edited here."), "not_editable")
        before = snapshot(arrival)
        _apply(arrival, clean)
        if "destination" in data:
            arrival.destination = _destination(data.get("destination"), arrival.transfer_point)
        _set_scope(arrival)
        _duplicate_check(arrival)
        arrival.version += 1  # the row is locked (select_for_update)
        arrival.save()
        ensure_in_scope(actor, Action.CHANGE, arrival)
        change_record(actor=actor, action=ChangeAction.UPDATE, obj=arrival, before=before,
                      after=snapshot(arrival))
    return arrival


def arrival_find_by_pass(*, actor: Any, text: str) -> Arrival:
    """The arrival a scanned QR pass or a typed short code names, within the actor's scope.
    Tampered, expired and unknown codes are refused alike."""
    text = (text or "").strip()
    if ":" in text:
        pk, reference = pass_read(text)
        lookup = {"pk": pk, "reference": reference}
    else:
        reference = text.upper().replace("-", "").replace(" ", "")
        if len(reference) != 8 or set(reference) - set(REFERENCE_ALPHABET):
            raise _error(None, _("This code is not valid."), "pass_invalid")
        lookup = {"reference": reference}
    try:
        return get_in_scope(Arrival, actor, Action.VIEW, **lookup)
    except OutOfScope:
        raise _error(None, _("No registration with this code here."), "pass_unknown") from None


def delegate_for_registry(actor: Any, codes: set[str]) -> Any:
    """The registrar acting for the person registry at the arrival's destination (and the
    person's current record): the named rule `Delegation.ARRIVAL_CHECK_IN` of the roles
    catalogue, for one transaction."""
    from frontline.accounts.roles import Delegation

    return actor.acting_for(Delegation.ARRIVAL_CHECK_IN, codes)


def _person_upsert(actor: Any, arrival: Arrival, residence: Jurisdiction, *,
                   categories: list[str], ahead: _Ahead | None = None) -> Any:
    """Create the arrival's Person, or update the one holding the same document. With
    `ahead` (a desk registration written in one round trip), the document was looked up and
    the new rows' ids allocated in one statement, and a new person's rows are written with
    the arrival's (`people.services.person_create_with_changes`)."""
    from frontline.people import services as people
    from frontline.people.models import IdentityDocument, Person

    existing = None
    if ahead is not None:
        if ahead.holder_id is not None:
            existing = Person.objects.get(pk=ahead.holder_id)  # scoped-ok: by its document
    elif arrival.doc_number_index:
        doc = IdentityDocument.objects.filter(  # scoped-ok: de-duplication by blind index
            number_index=arrival.doc_number_index, doc_type=arrival.doc_type,
            issuing_country=arrival.doc_country or arrival.nationality,
        ).select_related("person").first()
        if doc is not None:
            existing = doc.person
    if existing is not None:
        while existing.merged_into_id:
            existing = existing.merged_into
    codes = {residence.code} | ({existing.jurisdiction_code} if existing else set())
    delegate = delegate_for_registry(actor, codes)
    nationality = str(arrival.nationality or arrival.doc_country or "")
    if not nationality:
        raise _error("nationality", _("The registration has no nationality: add it (from the "
                                      "document shown), then check in."), "nationality_required")
    categories = ["diplomat"] if ArrivalCategory.DIPLOMAT in categories else []
    fields = {"residence": residence, "arrived_on": arrival.travel_date,
              "address": arrival.destination_address}
    if arrival.phone:
        fields["phone"] = arrival.phone
    if existing is not None:
        cats = sorted(set(existing.categories) | set(categories))
        return people.person_update(actor=delegate, person=existing, categories=cats, **fields)
    document = None
    if arrival.doc_number_encrypted:
        document = {"doc_type": arrival.doc_type,
                    "number": crypto.decrypt(arrival.doc_number_encrypted),
                    "issuing_country": str(arrival.doc_country or nationality),
                    "expiry_date": arrival.doc_expiry, "verified_by_mrz": arrival.mrz_verified}
    person = {"categories": categories or ["other"], "family_name": arrival.family_name,
              "given_names": arrival.given_names, "sex": arrival.sex,
              "birth_date": arrival.birth_date, "nationality": nationality,
              "preferred_language": arrival.language, "document": document, **fields}
    if ahead is not None:
        return people.person_create_with_changes(
            actor=delegate, person_id=ahead.person_id, document_id=ahead.document_id, **person)
    return people.person_create(actor=delegate, **person)


class _Ahead:
    """A desk registration's lookup and ids, read in one statement before its rows are
    written in one round trip (`_allocate_ahead`)."""

    __slots__ = ("arrival_id", "document_id", "holder_id", "person_id")

    def __init__(self, holder_id: int | None, arrival_id: int, person_id: int | None,
                 document_id: int | None):
        self.holder_id, self.arrival_id = holder_id, arrival_id
        self.person_id, self.document_id = person_id, document_id


def _allocate_ahead(arrival: Arrival, *, with_person: bool) -> _Ahead:
    """In one statement: the person already holding the arrival's document (if any), and ids
    for the arrival and, `with_person`, a new person and their document."""
    from django.db import connection

    from frontline.people.models import IdentityDocument, Person

    parts, params = ["NULL"], []
    if with_person and arrival.doc_number_index:
        table = connection.ops.quote_name(IdentityDocument._meta.db_table)
        parts = [f"(SELECT person_id FROM {table} WHERE number_index = %s AND "  # noqa: S608
                 "doc_type = %s AND issuing_country = %s ORDER BY id LIMIT 1)"]
        params = [arrival.doc_number_index, arrival.doc_type,
                  str(arrival.doc_country or arrival.nationality)]
    models = [Arrival, Person, IdentityDocument] if with_person else [Arrival]
    parts += [rowwrite.next_id_sql(m) for m in models]
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        row = cursor.fetchone()
    holder, arrival_id, *rest = row
    person_id, document_id = (rest + [None, None])[:2]
    return _Ahead(holder, arrival_id, person_id, document_id)


def _written_together(actor: Any, arrival: Arrival, before: dict[str, Any]) -> None:
    """Insert a new, checked-in desk arrival with the rows and audit entries collected in the
    transaction (its person's and document's), in one round trip; the scope is re-checked on
    the values written. A document registered meanwhile (another desk, the same second) is
    refused as `_save_new` and `person_create` refuse it."""
    arrival.reference = new_reference()
    rowwrite.stamp(arrival)
    ensure_values_in_scope(actor, Action.CHANGE, arrival)
    before.update(id=arrival.pk, reference=arrival.reference)
    change_record(actor=actor, action=ChangeAction.CREATE, obj=arrival, after=before,
                  event="arrival.register")
    change_record(actor=actor, action=ChangeAction.EVENT, obj=arrival, before=before,
                  after=snapshot(arrival), event="arrival.check_in")
    insert_with_changes(arrival)


def _refused_write(exc: IntegrityError) -> ValidationError:
    """The message for a constraint that failed when a desk registration was written."""
    cause = exc.__cause__
    constraint = getattr(getattr(cause, "diag", None), "constraint_name", None) or str(exc)
    if "reference" in constraint:  # 32^8 codes: practically never
        return _error(None, _("Please try again."), "retry")
    if "people_document_unique" in constraint:
        from frontline.people.services import document_taken

        return document_taken()
    if "doc_once_a_day" in constraint:
        return _error("doc_number", _("This travel document is already registered for an "
                                      "arrival on this day."), "duplicate_document")
    raise exc


def arrival_check_in(*, actor: Any, arrival: Arrival, destination: Jurisdiction | None = None,
                     disposition: str = "", hotel: Place | None = None,
                     override_reason: str = "", mrz: str = "",
                     pass_text: str = "") -> Arrival:
    """Check an arrival in at the desk: verify the document (MRZ, optional), sort it (the
    suggested disposition, or an override with a reason, audited), and create or update the
    Person (upsert by document). From here the arrival waits for a hand-over batch."""
    with transaction.atomic(), change_records_together():
        arrival = get_in_scope(Arrival, actor, Action.CHANGE, for_update=True, pk=arrival.pk)
        return _check_in(actor=actor, arrival=arrival, destination=destination,
                         disposition=disposition, hotel=hotel, override_reason=override_reason,
                         mrz=mrz, pass_text=pass_text)


def arrival_check_in_party(*, actor: Any, arrival: Arrival) -> list[Arrival]:
    """Check in, in one step, everyone still waiting in the party `arrival` travels with (the
    lead and the companions and children registered with them), each with their own suggested
    disposition, destination and person record. All or nothing: a member who cannot be
    checked in with the suggestion (no destination, a hotel missing, consent not signed)
    refuses the whole step, named in the message, and the desk checks them in one by one.
    Members outside the actor's scope are left alone."""
    with transaction.atomic(), change_records_together():
        arrival = get_in_scope(Arrival, actor, Action.CHANGE, pk=arrival.pk)
        lead_id = arrival.party_lead_id or arrival.pk
        members = list(
            Arrival.objects.restrict(actor, Action.CHANGE).select_for_update(of=("self",))
            .filter(Q(pk=lead_id) | Q(party_lead_id=lead_id), status__in=EDITABLE)
            .select_related("transfer_point", "destination").order_by("id"))
        if not members:
            raise _error(None, _("Nobody travelling with this registration is waiting to be "
                                 "checked in."), "party_nothing_waiting")
        done = []
        for member in members:
            try:
                done.append(_check_in(actor=actor, arrival=member))
            except ValidationError as exc:
                name = f"{format_reference(member.reference)} {member.latin_name}".strip()
                raise ValidationError(
                    [ValidationError(_("%(member)s: %(message)s"),
                                     params={"member": name, "message": message},
                                     code="party_member_refused")
                     for message in exc.messages]) from None
        lead = next((m for m in done if m.pk == lead_id), done[0])
        change_record(actor=actor, action=ChangeAction.EVENT, obj=lead,
                      event="arrival.party_check_in",
                      after={"party_lead": lead_id, "checked_in": [m.pk for m in done]})
    return done


def _check_in(*, actor: Any, arrival: Arrival, destination: Jurisdiction | None = None,
              disposition: str = "", hotel: Place | None = None, override_reason: str = "",
              mrz: str = "", pass_text: str = "", registering: bool = False,
              versions: dict[str, str] | None = None) -> Arrival:
    """The check-in itself, on an arrival locked in the caller's transaction, or (with
    `registering`) on a new one not saved yet, which is then inserted already checked in
    (its registration and its check-in audited as two steps, as if saved twice)."""
    override_reason = " ".join((override_reason or "").split())[:300]
    if arrival.status not in EDITABLE:
        raise _error(None, _("This arrival is already checked in."), "already_checked_in")
    if pass_text and not pass_matches(pass_text, arrival):
        raise _error(None, _("This pass belongs to another registration."), "pass_mismatch")
    before = snapshot(arrival)
    if mrz:
        from frontline.people.mrz import parse_mrz

        try:
            parsed = parse_mrz(mrz)
        except ValidationError as exc:
            raise ValidationError({"mrz": exc.messages}) from None
        number_index = crypto.blind_index(parsed.document_number, purpose=DOCUMENT_PURPOSE)
        if arrival.doc_number_index and number_index != arrival.doc_number_index:
            raise _error("mrz", _("The document does not match the registration."),
                         "mrz_mismatch")
        if not arrival.doc_number_index:
            _apply(arrival, {"doc_number": parsed.document_number})
        arrival.mrz_verified = True
    if destination is not None and not destination.is_active:
        raise _error("destination", _("Unknown destination."), "destination_unknown")
    destination = destination or arrival.destination
    arrival.destination = destination
    categories, suggestion = sorting.sort(
        arrival, destination_code=destination.code if destination else "", versions=versions)
    disposition = disposition or suggestion.disposition
    if disposition not in Disposition.values:
        raise _error("disposition", _("Unknown disposition."), "choice_invalid")
    if suggestion.rule is not None and not hotel and disposition == suggestion.disposition:
        hotel = suggestion.rule.hotel
    if disposition == Disposition.TRANSFER and (
            suggestion.rule is not None and suggestion.rule.transfer_to_id
            and (destination is None or destination.level != Level.DISTRICT)):
        destination = suggestion.rule.transfer_to
        arrival.destination = destination
    overridden = disposition != suggestion.disposition
    if overridden and len(override_reason) < 4:
        raise _error("override_reason", _("Say why you do not follow the suggested "
                                          "disposition."), "reason_required")
    if destination is None:
        raise _error("destination", _("Choose the destination."), "destination_required")
    if disposition == Disposition.TRANSFER:
        if destination.level != Level.DISTRICT or destination.code == \
                arrival.transfer_point.jurisdiction_code:
            raise _error("destination", _("A transfer goes to another district."),
                         "destination_invalid")
    elif destination.level not in (Level.COMMUNITY, Level.STREET):
        raise _error("destination", _("Choose the community (or street) of destination."),
                     "destination_invalid")
    if disposition == Disposition.CENTRALISED:
        if hotel is None or hotel.kind != PlaceKind.OBSERVATION_HOTEL:
            raise _error("hotel", _("Centralised observation needs an observation hotel."),
                         "hotel_required")
        arrival.destination_place = hotel
    else:
        arrival.destination_place = None
    if arrival.source != Source.PORTAL:
        # Expected and desk arrivals sign the paper commitment and consent at the desk.
        arrival.commitment_signed_at = arrival.commitment_signed_at or timezone.now()
        arrival.sensitive_consent_at = arrival.sensitive_consent_at or timezone.now()
        arrival.consent_version = arrival.consent_version or CONSENT_VERSION
    if not (arrival.commitment_signed_at and arrival.sensitive_consent_at):
        raise _error(None, _("The health commitment and the consent are not signed."),
                     "consent_required")
    now = timezone.now()
    arrival.suggested_disposition = suggestion.disposition
    arrival.suggested_rule = suggestion.rule
    arrival.disposition = disposition
    arrival.override_reason = override_reason if overridden else ""
    arrival.categories = sorted(set(arrival.categories or []) | (
        {ArrivalCategory.DIPLOMAT.value} if ArrivalCategory.DIPLOMAT in categories
        else set()))
    _set_scope(arrival)
    # A new registration (the desk, without a pre-registration) is written in one round trip
    # with its person, their document and the audit entries, where the database allows it.
    ahead = None
    if registering and rowwrite.supported():
        ahead = _allocate_ahead(arrival, with_person=disposition != Disposition.TRANSFER)
        arrival.pk = ahead.arrival_id
    if disposition != Disposition.TRANSFER:
        arrival.person = _person_upsert(actor, arrival, destination, categories=categories,
                                        ahead=ahead)
    arrival.status = ArrivalStatus.CHECKED_IN
    arrival.checked_in_at = now
    arrival.checked_in_by = actor if getattr(actor, "pk", None) else None
    arrival.version += 1  # the row is locked (select_for_update), or new
    if ahead is not None:
        _written_together(actor, arrival, before)
        if overridden:
            _override_record(actor, arrival, suggestion, disposition, override_reason)
        try:
            changes_write()
        except IntegrityError as exc:
            raise _refused_write(exc) from None
        return arrival
    if registering:
        _save_new(arrival)
        before.update(id=arrival.pk, reference=arrival.reference)
        change_record(actor=actor, action=ChangeAction.CREATE, obj=arrival, after=before,
                      event="arrival.register")
    else:
        arrival.save()
    ensure_in_scope(actor, Action.CHANGE, arrival)
    change_record(actor=actor, action=ChangeAction.EVENT, obj=arrival, before=before,
                  after=snapshot(arrival), event="arrival.check_in")
    if overridden:
        _override_record(actor, arrival, suggestion, disposition, override_reason)
    return arrival


def _override_record(actor: Any, arrival: Arrival, suggestion: sorting.Suggestion,
                     disposition: str, reason: str) -> None:
    change_record(actor=actor, action=ChangeAction.EVENT, obj=arrival,
                  event="arrival.sorting_override",
                  after={"suggested": suggestion.disposition,
                         "rule": suggestion.rule.pk if suggestion.rule else None,
                         "chosen": disposition, "reason": reason})


def arrival_cancel(*, actor: Any, arrival: Arrival, reason: str) -> Arrival:
    reason = " ".join((reason or "").split())[:300]
    if len(reason) < 4:
        raise _error("reason", _("Give a reason."), "reason_required")
    with transaction.atomic():
        arrival = get_in_scope(Arrival, actor, Action.CHANGE, for_update=True, pk=arrival.pk)
        if arrival.status not in EDITABLE:
            raise _error(None, _("A checked-in arrival cannot be cancelled."), "not_editable")
        arrival.status = ArrivalStatus.CANCELLED
        arrival.save(update_fields=["status", "updated_at"])
        change_record(actor=actor, action=ChangeAction.EVENT, obj=arrival,
                      event="arrival.cancel", after={"reason": reason})
    return arrival


# -- the notice of observation ----------------------------------------------------------------

def arrival_issue_notice(*, actor: Any, arrival: Arrival) -> Any:
    """Issue the notice of centralised or home observation in the traveller's language and
    Chinese, through the document center."""
    from frontline.documents.kinds import DocumentKind
    from frontline.documents.services import document_issue

    arrival = get_in_scope(Arrival, actor, Action.CHANGE, pk=arrival.pk)
    kinds = {Disposition.CENTRALISED: DocumentKind.CENTRALISED_NOTICE,
             Disposition.HOME: DocumentKind.HOME_NOTICE}
    if arrival.person_id is None or arrival.disposition not in kinds:
        raise _error(None, _("A notice is issued for an arrival checked in for centralised or "
                             "home observation."), "no_notice")
    from frontline.observation.services import policy_in_force

    start = arrival.travel_date
    # The period the observation will have: the policy in force where the traveller goes
    # (as `observation_start` plans it), so the notice and the record agree.
    where = arrival.destination.code if arrival.destination_id else arrival.jurisdiction_code
    policy = policy_in_force(where, start)
    days = policy.days if policy else settings.OBSERVATION_DEFAULT_DAYS
    context = {"name": arrival.latin_name, "document_masked": arrival.doc_number_masked,
               # the code: the document names the country in each of its languages
               "nationality": str(arrival.nationality.code) if arrival.nationality else "",
               "start_date": start, "end_date": start + datetime.timedelta(days=days),
               "address": arrival.destination_address}
    if arrival.destination_place_id:
        context["hotel"] = arrival.destination_place.name
    if arrival.destination_id and arrival.destination.level == Level.COMMUNITY:
        # A street destination leaves the community's line blank, for the community to fill.
        context["community"] = arrival.destination.name
    delegate = delegate_for_registry(actor, {arrival.jurisdiction_code})
    from frontline.people.models import Person

    person = Person.objects.get(pk=arrival.person_id)  # scoped-ok: the arrival's own person
    with transaction.atomic():
        document = document_issue(actor=delegate, kind=kinds[arrival.disposition], person=person,
                                  language=arrival.language, context=context, bilingual=True)
        change_record(actor=actor, action=ChangeAction.EVENT, obj=arrival,
                      event="arrival.notice", after={"document": document.pk,
                                                     "serial": document.serial})
    return document


NOTICE_KINDS = ("centralised_observation_notice", "home_observation_notice")


def arrival_notices(*, actor: Any, arrival: Arrival) -> Any:
    """The notices of observation issued for the arrival's person, for whoever sees the arrival
    (the desk that hands them over, the destination)."""
    from django.contrib.contenttypes.models import ContentType

    from frontline.documents.models import IssuedDocument
    from frontline.people.models import Person

    arrival = get_in_scope(Arrival, actor, Action.VIEW, pk=arrival.pk)
    if arrival.person_id is None:
        return IssuedDocument.objects.none()
    return IssuedDocument.objects.filter(  # scoped-ok: the arrival (in scope)'s own notices
        person_type=ContentType.objects.get_for_model(Person), person_id=str(arrival.person_id),
        kind__in=NOTICE_KINDS).order_by("-issued_at", "-id")


def arrival_notice_file(*, actor: Any, arrival: Arrival, document_id: int) -> Any:
    """The PDF of a notice issued for the arrival, for the desk to print and hand over: read
    as the registry's delegate at the destination (the notice belongs to the destination's
    records); the read is in the access log under the actor's name."""
    from frontline.documents.services import issued_document_file

    document = arrival_notices(actor=actor, arrival=arrival).filter(pk=document_id).first()
    if document is None:
        raise OutOfScope()
    delegate = delegate_for_registry(actor, {document.jurisdiction_code})
    return issued_document_file(actor=delegate, document=document)


# -- sorting rules and the reference page ------------------------------------------------------

RULE_FIELDS = {"name", "priority", "effective_from", "effective_to", "destination_prefix",
               "countries", "categories", "disposition", "hotel", "transfer_to", "is_active"}


def rule_save(*, actor: Any, jurisdiction: Jurisdiction, rule: SortingRule | None = None,
              **data: Any) -> SortingRule:
    """Add or change a sorting rule of an office (configure action)."""
    unknown = set(data) - RULE_FIELDS
    if unknown:
        raise TypeError(f"unknown rule fields {sorted(unknown)}")
    if not scope_for(actor, Action.CONFIGURE).covers_code(jurisdiction.code):
        raise OutOfScope()
    with transaction.atomic():
        if rule is None:
            rule, before = SortingRule(jurisdiction=jurisdiction), None
        else:
            rule = get_in_scope(SortingRule, actor, Action.CONFIGURE, for_update=True, pk=rule.pk)
            before = snapshot(rule)
        for name, value in data.items():
            setattr(rule, name, value)
        rule.jurisdiction = jurisdiction
        rule.jurisdiction_code = jurisdiction.code
        rule.name = " ".join((rule.name or "").split())[:200]
        errors: dict[str, str] = {}
        if not rule.name:
            errors["name"] = _("Give the rule a name.")
        if rule.disposition not in Disposition.values:
            errors["disposition"] = _("Unknown disposition.")
        if rule.effective_to and rule.effective_from and rule.effective_to < rule.effective_from:
            errors["effective_to"] = _("The end is before the start.")
        if rule.destination_prefix and not rule.destination_prefix.isdigit():
            errors["destination_prefix"] = _("A division code has digits only.")
        rule.countries = sorted({c.upper() for c in rule.countries or []})
        if set(rule.countries) - set(dict(countries)):
            errors["countries"] = _("Unknown country code.")
        if set(rule.categories or []) - set(ArrivalCategory.values):
            errors["categories"] = _("Unknown category.")
        if rule.disposition == Disposition.CENTRALISED and (
                rule.hotel is None or rule.hotel.kind != PlaceKind.OBSERVATION_HOTEL):
            errors["hotel"] = _("Centralised observation needs an observation hotel.")
        if rule.disposition == Disposition.TRANSFER and (
                rule.transfer_to is None or rule.transfer_to.level != Level.DISTRICT):
            errors["transfer_to"] = _("A transfer names the district it goes to.")
        if rule.hotel is not None and not scope_for(actor, Action.VIEW).covers_code(
                rule.hotel.jurisdiction_code):
            errors["hotel"] = _("Choose a hotel of your office.")
        if errors:
            raise ValidationError(errors)
        rule.save()
        ensure_in_scope(actor, Action.CONFIGURE, rule)
        change_record(actor=actor, action=ChangeAction.UPDATE if before else ChangeAction.CREATE,
                      obj=rule, before=before, after=snapshot(rule))
    return rule


REFERENCE_FIELDS = {"title", "title_en", "description", "exempts", "disposition", "order"}


def reference_save(*, actor: Any, jurisdiction: Jurisdiction,
                   entry: IdentityReference | None = None, **data: Any) -> IdentityReference:
    """Add or change an entry of the diplomatic identity-document reference (configure)."""
    unknown = set(data) - REFERENCE_FIELDS
    if unknown:
        raise TypeError(f"unknown reference fields {sorted(unknown)}")
    if not scope_for(actor, Action.CONFIGURE).covers_code(jurisdiction.code):
        raise PermissionDenied
    if entry is not None and not scope_for(actor, Action.CONFIGURE).covers_code(
            entry.jurisdiction.code):
        raise PermissionDenied
    if not (data.get("title") or getattr(entry, "title", "")).strip():
        raise ValidationError({"title": _("Name the document.")})
    if data.get("disposition") and data["disposition"] not in Disposition.values:
        raise ValidationError({"disposition": _("Unknown disposition.")})
    with transaction.atomic():
        before = snapshot(entry) if entry is not None else None
        entry = entry or IdentityReference()
        for name, value in data.items():
            setattr(entry, name, value)
        entry.jurisdiction = jurisdiction
        entry.save()
        change_record(actor=actor, action=ChangeAction.UPDATE if before else ChangeAction.CREATE,
                      obj=entry, before=before, after=snapshot(entry),
                      jurisdiction_code=jurisdiction.code)
    return entry


def reference_delete(*, actor: Any, entry: IdentityReference) -> None:
    if not scope_for(actor, Action.CONFIGURE).covers_code(entry.jurisdiction.code):
        raise PermissionDenied
    with transaction.atomic():
        change_record(actor=actor, action=ChangeAction.DELETE, obj=entry, before=snapshot(entry),
                      jurisdiction_code=entry.jurisdiction.code)
        entry.delete()


from frontline.arrivals.handover import (  # noqa: E402 - re-exported: one services namespace
    batch_create,
    batch_receive,
    batches_alert_overdue,
)

__all__ = ["batch_create", "batch_receive", "batches_alert_overdue"]


# -- the requests of the people concerned, and retention ---------------------------------------

def person_data(person: Any) -> dict[str, Any]:
    """The arrivals' part of a copy of one person's data (document numbers decrypted)."""
    from frontline.people.services import plain_rows

    arrivals = list(Arrival.objects.filter(person=person).order_by("pk"))  # scoped-ok: caller
    return {"arrivals": [
        {**row, "doc_number": crypto.decrypt(a.doc_number_encrypted)
         if a.doc_number_encrypted else ""}
        for row, a in zip(plain_rows(arrivals), arrivals, strict=True)]}


def person_erase(actor: Any, person: Any) -> None:
    """Remove the personal data of a person's arrival records (retention or request); the
    dates, nationality, destination and disposition stay for the figures."""
    from frontline.people.services import PURGED_NAME

    Arrival.objects.filter(person=person).update(  # scoped-ok: the caller checked the scope
        family_name=PURGED_NAME, given_names="", birth_date=None, phone="",
        destination_address="", seat="", doc_number_encrypted="", doc_number_index="",
        doc_number_masked="", doc_expiry=None, guardian_name="", symptoms=[],
        temperature=None, override_reason="")
