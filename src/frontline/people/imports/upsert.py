"""The upsert of an import: checked rows become people, documents, categories, name grams,
stays and change-log entries, in batches, with a handful of queries per batch.

People are found by their identity document: (type, issuing country, blind index of the
number). A batch looks its documents up with one `number_index IN (...)` query, locks the
people it will change, and writes everything with bulk statements — on PostgreSQL with COPY
(Django's bulk_create spends most of its time preparing values in Python), elsewhere with
bulk_create. The same code, with `write=False`, is the check: it reports what would happen.
"""

from __future__ import annotations

import datetime
import itertools
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from django.db import connection, models
from django.utils import timezone
from django.utils.translation import gettext as _

from frontline.areas.models import Jurisdiction, Level, Place, PlaceKind
from frontline.audit.models import ChangeAction, ChangeLogEntry
from frontline.audit.services import MASKED
from frontline.core.models import OutOfScope, scope_for, scope_q
from frontline.core.permissions import Action
from frontline.people import names
from frontline.people.imports.rows import (
    Hotel,
    ParsedRow,
    Residence,
    RowContext,
    column_label,
    fold,
    row_parse,
)
from frontline.people.models import (
    Category,
    IdentityDocument,
    ImportJob,
    ImportKind,
    LodgingStay,
    Person,
    PersonCategory,
    PersonNameGram,
)
from frontline.people.services import _refresh_search

BATCH = 2000
MAX_LISTED_ERRORS = 20_000  # every bad row is counted; this many problems are kept to list
HOTEL_KINDS = (PlaceKind.LODGING_HOTEL, PlaceKind.OBSERVATION_HOTEL)
NAME_FIELDS = ("family_name", "given_names", "name_native", "name_zh")
DATE_FIELDS = ("birth_date", "arrived_on")


# -- what rows are checked against ------------------------------------------------------------

def row_context(job: ImportJob, actor: Any) -> RowContext:
    """The communities, streets and hotels rows may name, loaded once per file."""
    scope = scope_for(actor, Action.CHANGE)
    residences: dict[str, Residence] = {}
    residence_names: dict[str, list[str]] = {}
    for pk, code, level, name in Jurisdiction.objects.filter(
            level__in=(Level.COMMUNITY, Level.STREET), is_active=True,
            code__startswith=job.jurisdiction_code[:2]).values_list("pk", "code", "level",
                                                                     "name"):
        residences[code] = Residence(pk, code, level)
        residence_names.setdefault(fold(name), []).append(code)
        if name.endswith("居委会"):
            residence_names.setdefault(fold(name[:-3]), []).append(code)
    hotels: dict[str, Hotel] = {}
    default_hotel = None
    if job.kind == ImportKind.LODGERS:
        by_pk = {r.pk: r for r in residences.values()}
        for place in Place.objects.restrict(actor, Action.CHANGE).filter(kind__in=HOTEL_KINDS):
            home = None
            for candidate in (place.location_id, place.jurisdiction_id):
                match = by_pk.get(candidate)
                if match and scope.covers_code(match.code) and match.code.startswith(
                        job.jurisdiction_code):
                    home = match
                    break
            hotel = Hotel(place.pk, place.jurisdiction_code, home)
            for key in (place.name, place.name_en, str(place.pk)):
                if key:
                    hotels.setdefault(fold(key), hotel)
            if place.pk == job.place_id:
                default_hotel = hotel
    return RowContext(kind=job.kind, scope=scope, job_code=job.jurisdiction_code,
                      residences=residences, residence_names=residence_names, hotels=hotels,
                      default_hotel=default_hotel,
                      organisation_id=job.place_id if job.kind == ImportKind.SCHOOL else None,
                      hotels_by_pk={h.pk: h for h in hotels.values()})


# -- the checked copy of a file: one JSON line per valid row ----------------------------------

def row_dump(row: ParsedRow) -> str:
    """A checked row for the import step. The document number is stored encrypted."""
    person = {k: (v.isoformat() if isinstance(v, datetime.date) else v)
              for k, v in row.person.items() if k not in ("residence_id", "jurisdiction_code")}
    stay = None
    if row.stay:
        place_id, _code, room, check_in, check_out = row.stay
        stay = [place_id, room, check_in.isoformat(), check_out.isoformat() if check_out else None]
    return json.dumps([
        row.line, person, row.categories, row.doc_type, row.doc_country, row.doc_index,
        row.doc_expiry.isoformat() if row.doc_expiry else None, row.number_encrypted,
        row.number_masked, row.residence.code if row.residence else None,
        row.default_residence.code if row.default_residence else None, stay,
    ], ensure_ascii=False, separators=(",", ":"))


def row_load(text: str, ctx: RowContext) -> tuple[ParsedRow | None, int, tuple[str, str] | None]:
    """A checked row again, its residence and hotel re-checked against the actor's scope now."""
    (line, person, categories, doc_type, doc_country, doc_index, expiry, encrypted, masked,
     residence_code, default_code, stay) = json.loads(text)
    for key in DATE_FIELDS:
        if key in person:
            person[key] = datetime.date.fromisoformat(person[key])
    residence = default = None
    for code, label in ((residence_code, "residence"), (default_code, "residence")):
        if code is None:
            continue
        found = ctx.residences.get(code)
        if found is None or not ctx.scope.covers_code(code) or not code.startswith(ctx.job_code):
            return None, line, (label, _("The community %(code)s is outside your "
                                         "jurisdiction.") % {"code": code})
        if code == residence_code:
            residence = found
        else:
            default = found
    if residence is not None:
        person["residence_id"] = residence.pk
        person["jurisdiction_code"] = residence.code
    parsed_stay = None
    if stay is not None:
        place_id, room, check_in, check_out = stay
        hotel = ctx.hotels_by_pk.get(place_id)
        if hotel is None:
            return None, line, ("hotel", _("This hotel is no longer in your jurisdiction."))
        parsed_stay = (place_id, hotel.code, room, datetime.datetime.fromisoformat(check_in),
                       datetime.datetime.fromisoformat(check_out) if check_out else None)
    row = ParsedRow(
        line=line, person=person, categories=categories, doc_type=doc_type,
        doc_country=doc_country, doc_number="", doc_index=doc_index,
        doc_expiry=datetime.date.fromisoformat(expiry) if expiry else None,
        residence=residence, default_residence=default, stay=parsed_stay,
        number_encrypted=encrypted, number_masked=masked)
    return row, line, None


# -- bulk inserts -----------------------------------------------------------------------------

_COPY_SPECIAL = re.compile(r"[\\\t\n\r]")


def _copy_str(value: Any) -> str:
    if value is None:
        return "\\N"
    text = value if isinstance(value, str) else str(value)
    if _COPY_SPECIAL.search(text):
        text = (text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
                .replace("\r", "\\r"))
    return text


def _copy_number(value: Any) -> str:
    return "\\N" if value is None else str(value)


def _copy_bool(value: Any) -> str:
    return "\\N" if value is None else ("t" if value else "f")


def _copy_date(value: Any) -> str:
    return "\\N" if value is None else value.isoformat()


def _copy_json(value: Any) -> str:
    return "\\N" if value is None else _copy_str(json.dumps(value, ensure_ascii=False))


def _copy_converter(field: models.Field):
    """How a value of this field is written in COPY's text format."""
    kind = field.get_internal_type()
    if kind in ("BooleanField",):
        return _copy_bool
    if kind in ("DateField", "DateTimeField"):
        return _copy_date
    if kind == "JSONField":
        return _copy_json
    if kind.endswith(("IntegerField", "AutoField")) or kind == "ForeignKey":
        return _copy_number
    return _copy_str


def _defaults(model: type[models.Model], now: datetime.datetime) -> list[tuple[str, Any]]:
    """(attname, value when not given) for every concrete field, as Django's save sets them."""
    result = []
    for f in model._meta.concrete_fields:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            result.append((f.attname, now))
        elif f.primary_key:
            result.append((f.attname, None))
        else:
            result.append((f.attname, f.get_default()))
    return result


def allocate_ids(model: type[models.Model], count: int) -> list[int] | None:
    """`count` new primary keys from the table's sequence, in one query (PostgreSQL); None
    elsewhere (bulk_insert then lets the database assign them)."""
    if connection.vendor != "postgresql" or not count:
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                       [model._meta.db_table, model._meta.pk.column, count])
        return [row[0] for row in cursor.fetchall()]


def bulk_insert(model: type[models.Model], items: Iterable[dict[str, Any]], *,
                with_pk: bool = False) -> None:
    """Insert new rows given as dicts of attname → value (`with_pk`: they carry their ids).

    On PostgreSQL the rows are formatted as they are needed and streamed with COPY through a
    queued writer, so the server inserts and indexes a chunk while Python prepares the next
    (on two cores the two overlap). Elsewhere Django's bulk_create, which writes the new ids
    back into the dicts."""
    if connection.vendor != "postgresql":
        items = list(items)
        objs = [model(**item) for item in items]
        if objs:
            model._default_manager.bulk_create(objs, batch_size=BATCH)
        pk_name = model._meta.pk.attname
        for item, obj in zip(items, objs, strict=True):
            item[pk_name] = obj.pk
        return
    from psycopg.copy import QueuedLibpqWriter

    now = timezone.now()
    pk = model._meta.pk
    fields = [f for f in model._meta.concrete_fields if with_pk or f is not pk]
    defaults = [(attname, default) for attname, default in _defaults(model, now)
                if with_pk or attname != pk.attname]
    fill = [(attname, default) for attname, default in defaults if default is not None]
    converters = [(f.attname, _copy_converter(f)) for f in fields]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    statement = f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN"
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(statement, writer=QueuedLibpqWriter(raw)) as copy:
            lines: list[str] = []
            for item in items:
                for attname, default in fill:
                    if item.get(attname) is None:
                        item[attname] = default
                lines.append("\t".join([convert(item.get(a)) for a, convert in converters]))
                if len(lines) >= 250:
                    copy.write("\n".join(lines) + "\n")
                    lines.clear()
            if lines:
                copy.write("\n".join(lines) + "\n")


_SNAPSHOT_FIELDS: dict[type, list[tuple[str, str, bool]]] = {}


def fast_snapshot(values: dict[str, Any], model: type[models.Model] = Person) -> dict[str, Any]:
    """`audit.services.snapshot` of a row being imported, from its values by attname (the
    country field's descriptor and getattr cost a third of an import otherwise). A test
    keeps the two equal."""
    fields = _SNAPSHOT_FIELDS.get(model)
    if fields is None:
        exclude = set(getattr(model, "audit_exclude", ()))
        mask = set(getattr(model, "audit_mask", ()))
        fields = _SNAPSHOT_FIELDS[model] = [(f.name, f.attname, f.name in mask)
                                            for f in model._meta.concrete_fields
                                            if f.name not in exclude]
    data: dict[str, Any] = {}
    for name, attname, masked in fields:
        value = values.get(attname)
        if masked and value:
            value = MASKED
        elif isinstance(value, datetime.date):
            value = value.isoformat()
        data[name] = value
    return data


# -- the run ----------------------------------------------------------------------------------

@dataclass
class _Seen:
    line: int
    values: dict[str, Any]


@dataclass
class _Pending:
    """A person first seen in this batch, to be created (their values, by attname)."""

    person: dict[str, Any]
    row: ParsedRow
    explicit_residence: bool
    categories: set[str] = field(default_factory=set)
    stays: list[tuple] = field(default_factory=list)


PERSON_ATTNAMES = [f.attname for f in Person._meta.concrete_fields]


def _names(values: dict[str, Any]) -> SimpleNamespace:
    return SimpleNamespace(**{f: values.get(f) or "" for f in NAME_FIELDS})


def refresh_search(values: dict[str, Any]) -> None:
    """name_key and search_text of a person's values, by the services' own helper."""
    ns = _names(values)
    _refresh_search(ns)
    values["name_key"], values["search_text"] = ns.name_key, ns.search_text


def person_repr(values: dict[str, Any]) -> str:
    """str(Person) of a person's values, by the model's own properties."""
    ns = _names(values)
    ns.latin_name = Person.latin_name.fget(ns)
    return Person.display_name.fget(ns)


class UpsertRun:
    """One pass over a file's rows: the check (`write=False`) or the import (`write=True`)."""

    def __init__(self, job: ImportJob, actor: Any, *, write: bool):
        self.job, self.actor, self.write = job, actor, write
        self.ctx = row_context(job, actor)
        self.headers_by_field = {f: h for h, f in zip(job.mapping.get("headers", []),
                                                      job.mapping.get("fields", []), strict=False)
                                 if f}
        self.seen: dict[tuple, _Seen] = {}
        self.seen_stays: set[tuple] = set()
        self.errors: list[dict[str, Any]] = []
        self.error_rows = 0
        self.rows = 0
        self.valid = 0
        self.created = self.updated = self.unchanged = 0
        self.touched: list[int] = []
        self.touched_overflow = False  # a resumed run that lost track of whom it touched
        self.request_id = job.mapping.get("_request_id", "")
        self.actor_label = (actor.get_username() if actor is not None else "system")[:150]
        self.code_filter = scope_q(Person, scope_for(actor, Action.CHANGE))

    # errors ------------------------------------------------------------------------------
    def fail(self, line: int, problems: list[tuple[str, str]]) -> None:
        self.error_rows += 1
        for name, message in problems:
            if len(self.errors) < MAX_LISTED_ERRORS:
                self.errors.append({"line": line, "field": name,
                                    "column": column_label(name, self.headers_by_field),
                                    "message": message})

    # batches -----------------------------------------------------------------------------
    def check_batch(self, records: list[tuple[int, dict]]) -> list[ParsedRow]:
        """Parse and check raw rows; returns the rows that would be imported."""
        parsed: list[ParsedRow] = []
        for line, cells in records:
            self.rows += 1
            row, problems = row_parse(line, cells, self.ctx)
            if problems:
                self.fail(line, problems)
                continue
            parsed.append(row)
        return self.apply(parsed)

    def import_batch(self, lines: list[str]) -> None:
        """Import checked rows (from the checked copy), re-checking what may have changed."""
        parsed: list[ParsedRow] = []
        for text in lines:
            self.rows += 1
            row, line, problem = row_load(text, self.ctx)
            if problem:
                self.fail(line, [problem])
                continue
            parsed.append(row)
        self.apply(parsed)

    def _repeat_check(self, row: ParsedRow) -> tuple[str, str] | None:
        """Rows of one document must agree, so that the result never depends on their order
        (and importing the file again changes nothing)."""
        values = {**row.person, "doc_expiry": row.doc_expiry}
        values.pop("jurisdiction_code", None)
        first = self.seen.get(row.doc_key)
        if first is None:
            self.seen[row.doc_key] = _Seen(row.line, values)
            return None
        for name, value in values.items():
            earlier = first.values.get(name)
            if earlier is not None and earlier != value:
                label = column_label({"residence_id": "residence", "organisation_id": "school_role"
                                      }.get(name, name), self.headers_by_field)
                return ("doc_number", _("Line %(line)s has the same document with another "
                                        "“%(column)s”.") % {"line": first.line, "column": label})
        for name, value in values.items():
            first.values.setdefault(name, value)
        return None

    def apply(self, rows: list[ParsedRow]) -> list[ParsedRow]:
        """Decide each row against the registry (and write, in an import); the accepted rows."""
        accepted: list[ParsedRow] = []
        candidates = []
        for row in rows:
            problem = self._repeat_check(row)
            if problem:
                self.fail(row.line, [problem])
            else:
                candidates.append(row)
        rows = candidates
        if not rows:
            return accepted
        indexes = sorted({r.doc_index for r in rows})
        existing_docs: dict[tuple, tuple[int, int, Any]] = {}
        for pk, person_id, doc_type, country, index, expiry in IdentityDocument.objects.filter(
                number_index__in=indexes).values_list(
                "pk", "person_id", "doc_type", "issuing_country", "number_index", "expiry_date"):
            existing_docs[(doc_type, str(country), index)] = (pk, person_id, expiry)
        person_ids = {v[1] for v in existing_docs.values()}
        people: dict[int, dict[str, Any]] = {}
        categories: dict[int, set[str]] = {}
        stays: dict[tuple, list] = {}
        if person_ids:
            people_qs = Person.objects.filter(pk__in=person_ids)
            if self.write:  # the people this batch may change are locked until the commit
                people_qs = people_qs.select_for_update(of=("self",))
            people = {v["id"]: v for v in people_qs.values(*PERSON_ATTNAMES)}
            for person_id, category in PersonCategory.objects.filter(
                    person_id__in=person_ids).values_list("person_id", "category"):
                categories.setdefault(person_id, set()).add(category)
            if self.ctx.kind == ImportKind.LODGERS:
                places = {r.stay[0] for r in rows if r.stay}
                for stay in LodgingStay.objects.filter(
                        person_id__in=person_ids, place_id__in=places).values_list(
                        "pk", "person_id", "place_id", "check_in", "room", "check_out"):
                    stays[(stay[1], stay[2], stay[3])] = list(stay)

        pending: dict[tuple, _Pending] = {}
        befores: dict[int, dict] = {}
        changed_people: dict[int, dict[str, Any]] = {}
        regram: set[int] = set()
        new_categories: list[dict] = []
        doc_updates: list[IdentityDocument] = []
        new_stays: list[tuple[int, tuple]] = []
        stay_updates: dict[int, list] = {}
        updated_fields: set[str] = set()

        for row in rows:
            doc = existing_docs.get(row.doc_key)
            if doc is None:
                entry = pending.get(row.doc_key)
                if entry is None:
                    if row.residence is None and row.default_residence is None:
                        self.fail(row.line, [("residence", _("The community code is "
                                                             "required."))])
                        continue
                    entry = pending[row.doc_key] = _Pending(self._new_person(row), row,
                                                            row.residence is not None)
                    self.created += 1
                    outcome = "created"
                else:
                    outcome = self._merge_pending(entry, row)
                before_cats = set(entry.categories)
                entry.categories.update(row.categories)
                if entry.categories != before_cats and outcome == "unchanged":
                    outcome = "updated"
                if row.stay:
                    key = ("new", row.doc_key, row.stay[0], row.stay[3])
                    if key not in self.seen_stays:
                        self.seen_stays.add(key)
                        entry.stays.append(row.stay)
                        if outcome == "unchanged":
                            outcome = "updated"
                if outcome == "updated":
                    self.updated += 1
                elif outcome == "unchanged":
                    self.unchanged += 1
                self.valid += 1
                accepted.append(row)
                continue

            doc_pk, person_id, expiry = doc
            person = people.get(person_id)
            problem = self._existing_person_problem(row, person)
            if problem:
                self.fail(row.line, [problem])
                continue
            self.valid += 1
            accepted.append(row)
            changed = False
            changes = {name: value for name, value in row.person.items()
                       if person[name] != value}
            if changes:
                if person_id not in befores:
                    befores[person_id] = {**fast_snapshot(person), "categories": sorted(
                        categories.get(person_id, ()))}
                person.update(changes)
                if set(changes) & set(NAME_FIELDS):
                    refresh_search(person)
                    regram.add(person_id)
                    updated_fields.update(("name_key", "search_text"))
                updated_fields.update(changes)
                changed_people[person_id] = person
                changed = True
            have = categories.setdefault(person_id, set())
            for category in row.categories:
                if category not in have:
                    if person_id not in befores:
                        befores[person_id] = {**fast_snapshot(person), "categories": sorted(have)}
                    have.add(category)
                    new_categories.append({"person_id": person_id, "category": category})
                    changed_people.setdefault(person_id, person)
                    changed = True
            if row.doc_expiry and row.doc_expiry != expiry:
                doc_updates.append(IdentityDocument(pk=doc_pk, expiry_date=row.doc_expiry))
                existing_docs[row.doc_key] = (doc_pk, person_id, row.doc_expiry)
                changed = True
            if row.stay:
                place_id, _code, room, check_in, check_out = row.stay
                stay = stays.get((person_id, place_id, check_in))
                if stay is None:
                    key = (person_id, place_id, check_in)
                    if key not in self.seen_stays:
                        self.seen_stays.add(key)
                        new_stays.append((person_id, row.stay))
                        changed = True
                elif (room and stay[4] != room) or (check_out and stay[5] != check_out):
                    stay[4] = room or stay[4]
                    stay[5] = check_out or stay[5]
                    stay_updates[stay[0]] = stay
                    changed = True
            if changed:
                self.updated += 1
                self.touched.append(person_id)
            else:
                self.unchanged += 1

        if self.write:
            self._write(pending, changed_people, befores, regram, new_categories, doc_updates,
                        new_stays, list(stay_updates.values()), updated_fields, categories)
        return accepted

    def _merge_pending(self, entry: _Pending, row: ParsedRow) -> str:
        """Another row of a person created in this batch: fill in what the first left empty."""
        outcome = "unchanged"
        person = entry.person
        for name, value in row.person.items():
            if name in ("residence_id", "jurisdiction_code"):
                continue
            if not person.get(name):
                person[name] = value
                outcome = "updated"
        if row.residence is not None and not entry.explicit_residence:
            # A residence written in the file wins over the hotel's default.
            person["residence_id"] = row.residence.pk
            person["jurisdiction_code"] = row.residence.code
            entry.explicit_residence = True
            outcome = "updated"
        return outcome

    def _existing_person_problem(self, row: ParsedRow, person: dict[str, Any] | None
                                 ) -> tuple[str, str] | None:
        if person is None or not self.ctx.scope.covers_code(person["jurisdiction_code"]):
            return ("doc_number", _("This document is registered to a person outside your "
                                    "jurisdiction; ask the district office to move the record."))
        if person["merged_into_id"]:
            return ("doc_number", _("This document belongs to a merged record."))
        family = row.person.get("family_name", "")
        if names.name_key(family, row.person.get("given_names", "")) != person["name_key"] \
                and names.name_key(family) != names.name_key(person["family_name"]):
            return ("family_name", _("This document is registered to %(name)s; check the "
                                     "family name and the document number.")
                    % {"name": Person.latin_name.fget(_names(person))})
        birth = row.person.get("birth_date")
        if birth and person["birth_date"] and birth != person["birth_date"]:
            return ("birth_date", _("This document is registered to someone born on %(date)s.")
                    % {"date": person["birth_date"]})
        return None

    def _new_person(self, row: ParsedRow) -> dict[str, Any]:
        values = dict(row.person)
        if "residence_id" not in values:
            values["residence_id"] = row.default_residence.pk
            values["jurisdiction_code"] = row.default_residence.code
        values["created_by_id"] = getattr(self.actor, "pk", None)
        return values

    # writing -----------------------------------------------------------------------------
    def _write(self, pending, changed_people, befores, regram, new_categories, doc_updates,
               new_stays, stay_updates, updated_fields, categories) -> None:
        """Write a batch: each table's rows are generated while the previous chunk of the same
        table is being inserted (see bulk_insert)."""
        now = timezone.now()
        entries: list[dict] = []
        new_people = [p.person for p in pending.values()]
        if new_people:
            defaults = _defaults(Person, now)

            def prepared():
                for person in new_people:
                    for attname, default in defaults:
                        if person.get(attname) is None:
                            person[attname] = default
                    refresh_search(person)
                    yield person

            # Ids first (one query), so that the people's rows can stream like the others.
            ids = allocate_ids(Person, len(new_people))
            for person, pk in zip(new_people, ids or (), strict=False):
                person["id"] = pk
            bulk_insert(Person, prepared(), with_pk=ids is not None)
            entries_of_new: list[tuple] = []

            def documents():
                for key, entry in pending.items():
                    person, row = entry.person, entry.row
                    entries_of_new.append((entry, person, row))
                    yield {
                        "person_id": person["id"], "jurisdiction_code": person["jurisdiction_code"],
                        "doc_type": row.doc_type, "number_encrypted": row.number_encrypted,
                        "number_index": row.doc_index, "number_masked": row.number_masked,
                        "issuing_country": row.doc_country,
                        "expiry_date": self.seen[key].values.get("doc_expiry") or row.doc_expiry,
                        "created_at": now}

            bulk_insert(IdentityDocument, documents())
            bulk_insert(PersonCategory, ({"person_id": e.person["id"], "category": c}
                                         for e in pending.values() for c in _new_categories(e)))
            bulk_insert(PersonNameGram, ({"person_id": e.person["id"], "gram": g}
                                         for e in pending.values()
                                         for g in names.cjk_grams(e.person["name_zh"],
                                                                  e.person["name_native"])))
            for entry in pending.values():
                new_stays.extend((entry.person["id"], stay) for stay in entry.stays)
                self.touched.append(entry.person["id"])

            def created_entries():
                for entry, person, row in entries_of_new:
                    after = {**fast_snapshot(person), "categories": _new_categories(entry),
                             "document": {"doc_type": row.doc_type,
                                          "issuing_country": row.doc_country,
                                          "number": row.number_masked}}
                    yield self._entry(ChangeAction.CREATE, person, None, after, now)

            entries_generator = created_entries()
        else:
            entries_generator = iter(())
        if changed_people:
            for person in changed_people.values():
                person["version"] += 1
                person["updated_at"] = now
            fields = sorted({Person._meta.get_field(f).name for f in updated_fields}
                            | {"version", "updated_at"})
            Person.objects.bulk_update([Person(**values) for values in changed_people.values()],
                                       fields, batch_size=500)
            if regram:
                PersonNameGram.objects.filter(person_id__in=regram).delete()
                bulk_insert(PersonNameGram, [
                    {"person_id": pk, "gram": g} for pk in sorted(regram)
                    for g in names.cjk_grams(changed_people[pk]["name_zh"],
                                             changed_people[pk]["name_native"])])
            for pk, person in changed_people.items():
                after = {**fast_snapshot(person), "categories": sorted(categories.get(pk, ()))}
                entries.append(self._entry(ChangeAction.UPDATE, person, befores.get(pk), after,
                                           now))
        bulk_insert(PersonCategory, new_categories)
        if doc_updates:
            IdentityDocument.objects.bulk_update(doc_updates, ["expiry_date"], batch_size=500)
        bulk_insert(LodgingStay, (
            {"person_id": person_id, "place_id": place_id, "jurisdiction_code": code,
             "room": room, "check_in": check_in, "check_out": check_out, "source": "import"}
            for person_id, (place_id, code, room, check_in, check_out) in new_stays))
        if stay_updates:
            LodgingStay.objects.bulk_update(
                [LodgingStay(pk=pk, room=room, check_out=check_out)
                 for pk, _person, _place, _check_in, room, check_out in stay_updates],
                ["room", "check_out"], batch_size=500)
        bulk_insert(ChangeLogEntry, itertools.chain(entries_generator, entries))
        # Nobody moves a record out of their own scope, even through a file.
        ids = [p["id"] for p in new_people] + list(changed_people)
        if self.code_filter is not None and ids and Person.objects.filter(pk__in=ids).exclude(
                self.code_filter).exists():
            raise OutOfScope()

    def _entry(self, action: str, person: dict[str, Any], before: dict | None, after: dict,
               now: datetime.datetime) -> dict:
        if before is not None:
            changed = {k for k in after if before.get(k) != after.get(k)}
            before = {k: v for k, v in before.items() if k in changed}
            after = {k: v for k, v in after.items() if k in changed}
        return {
            "time": now, "actor_id": getattr(self.actor, "pk", None),
            "actor_label": self.actor_label, "request_id": self.request_id,
            "action": str(action), "event": "people.import", "object_type": "people.person",
            "object_id": str(person["id"]), "object_repr": person_repr(person)[:200],
            "jurisdiction_code": person["jurisdiction_code"], "before": before, "after": after,
        }


def _new_categories(entry: Any) -> list[str]:
    """A new person's categories: those their rows named, or "other" when none did (a row
    with no category adds none to a person already registered)."""
    return sorted(entry.categories) or [Category.OTHER.value]
