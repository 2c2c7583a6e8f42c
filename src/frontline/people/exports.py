"""Exports of a filtered person list to .xlsx and .csv, masked unless asked and allowed.

An export needs the export action and covers only the actor's export scope. Document numbers
and phones are masked by default; an unmasked export needs the export-unmasked action over
every exported row and a reason. Every export, masked or not, is written to the personal-data
access log with its record count. Every text cell is neutralised against formula injection.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_countries import countries

from frontline.audit.models import AccessEvent
from frontline.audit.services import access_record
from frontline.core import crypto
from frontline.core.csvsafe import neutralise
from frontline.core.models import scope_for, scope_q
from frontline.core.permissions import Action, Scope
from frontline.people.models import Category, DocumentType, Person, Sex
from frontline.people.selectors import person_list

FORMATS = ("xlsx", "csv")
FILTERS = ("query", "category", "nationality", "code", "arrived_recently", "from_risk_country")
CHUNK = 2000
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def export_filters(params: Any) -> dict[str, Any]:
    """The person-list filters from a query dict (the list page's GET parameters)."""
    def flag(name: str) -> bool:
        return str(params.get(name, "")).lower() in ("1", "on", "true", "yes")

    return {
        "query": str(params.get("query", "") or params.get("q", ""))[:100],
        "category": str(params.get("category", ""))[:30],
        "nationality": str(params.get("nationality", ""))[:3],
        "code": "".join(ch for ch in str(params.get("code", "")) if ch.isdigit())[:12],
        "arrived_recently": flag("arrived_recently"),
        "from_risk_country": flag("from_risk_country"),
    }


def _headers() -> list[str]:
    return [
        _("ID"), _("Family name"), _("Given names"), _("Name in native script"),
        _("Chinese name"), _("Sex"), _("Date of birth"), _("Nationality code"),
        _("Nationality"), _("Categories"), _("Document type"), _("Document number"),
        _("Issuing country"), _("Document expiry date"), _("Other documents"), _("Phone"),
        _("Second phone"), _("E-mail"), _("Preferred language"), _("Division code"),
        _("Community"), _("Address"), _("Last arrived in the city"),
        _("Arrived recently"), _("Was in a risk country"), _("Updated"),
    ]


def _mask_email(value: str) -> str:
    local, at, domain = value.partition("@")
    if not at:
        return crypto.mask(value)
    return (local[:1] + "***" if local else "") + "@" + domain


def _yes(value: Any) -> str:
    return _("yes") if value else ""


def _row(person: Person, *, unmasked: bool, labels: dict[str, dict]) -> list[Any]:
    documents = list(person.documents.all())
    first = documents[0] if documents else None

    def number(doc) -> str:
        return crypto.decrypt(doc.number_encrypted) if unmasked else doc.number_masked

    others = "; ".join(f"{labels['doc'].get(d.doc_type, d.doc_type)} {number(d)} "
                       f"({d.issuing_country})" for d in documents[1:])
    phone = person.phone if unmasked else crypto.mask(person.phone)
    phone_alt = person.phone_alt if unmasked else crypto.mask(person.phone_alt)
    email = person.email if unmasked or not person.email else _mask_email(person.email)
    nationality = str(person.nationality)
    cells = [
        person.pk, person.family_name, person.given_names, person.name_native, person.name_zh,
        labels["sex"].get(person.sex, person.sex), person.birth_date, nationality,
        labels["country"].get(nationality, nationality),
        ", ".join(labels["category"].get(c, c) for c in person.categories),
        labels["doc"].get(first.doc_type, first.doc_type) if first else "",
        number(first) if first else "", str(first.issuing_country) if first else "",
        first.expiry_date if first and first.expiry_date else None, others, phone, phone_alt,
        email, person.preferred_language, person.jurisdiction_code,
        person.residence.display_name if person.residence_id else "", person.address,
        person.arrived_on, _yes(getattr(person, "arrived_recently", False)),
        _yes(getattr(person, "from_risk_country", False)),
        timezone.localtime(person.updated_at).replace(tzinfo=None, microsecond=0)
        if person.updated_at else None,
    ]
    return [neutralise(c) if isinstance(c, str) else c for c in cells]


def _labels() -> dict[str, dict]:
    return {
        "sex": {k: str(v) for k, v in Sex.choices},
        "doc": {k: str(v) for k, v in DocumentType.choices},
        "category": {k: str(v) for k, v in Category.choices},
        "country": dict(countries),
    }


def _scope_code(scope: Scope, filters: dict[str, Any]) -> str:
    """The jurisdiction an export is logged under: the filtered code, or the actor's scope."""
    if filters.get("code"):
        return filters["code"]
    if scope.everything or not scope.codes:
        return ""
    codes = sorted(scope.codes)
    prefix = codes[0]
    for code in codes[1:]:
        while not code.startswith(prefix):
            prefix = prefix[:-1]
    return prefix


def _rows(queryset, unmasked: bool) -> Iterator[list[Any]]:
    labels = _labels()
    for person in queryset.iterator(chunk_size=CHUNK):
        yield _row(person, unmasked=unmasked, labels=labels)


REASON_MAX_CHARS = 300  # as every other reason given for a reveal or an export


def person_export(*, actor: Any, filters: dict[str, Any], fmt: str, unmasked: bool = False,
                  reason: str = "") -> tuple[str, bytes | Iterator[bytes]]:
    """The people of the actor's export scope matching the list filters, as a file.

    Returns (file name, content): bytes for .xlsx, an iterator of bytes for .csv (streamed).
    Raises PermissionDenied without the export action (or, unmasked, without the
    export-unmasked action over every exported row) and ValidationError for a bad format or
    a missing reason. The access log entry is written before any row leaves.
    """
    if fmt not in FORMATS:
        raise ValidationError({"format": _("Choose .xlsx or .csv.")})
    if not actor.can(Action.EXPORT):
        raise PermissionDenied(_("Your role may not export lists."))
    unknown = set(filters) - set(FILTERS)
    if unknown:
        raise TypeError(f"unknown export filters {sorted(unknown)}")
    reason = (reason or "").strip()
    queryset = person_list(actor=actor, action=Action.EXPORT, **filters)
    with transaction.atomic():
        if unmasked:
            if len(reason) < 4:
                raise ValidationError({"reason": _("Say why you need the unmasked list.")})
            if len(reason) > REASON_MAX_CHARS:
                raise ValidationError({"reason": _("Say it in at most %(count)s characters.")
                                       % {"count": REASON_MAX_CHARS}})
            unmasked_scope = scope_for(actor, Action.EXPORT_UNMASKED)
            if unmasked_scope.is_empty:
                raise PermissionDenied(_("Your role may not export unmasked lists."))
            q = scope_q(Person, unmasked_scope)
            if q is not None and queryset.exclude(q).exists():
                raise PermissionDenied(_("Some of these people are outside the area where you "
                                         "may export unmasked lists; narrow the filter."))
        count = queryset.count()
        access_record(
            actor=actor, event=AccessEvent.EXPORT_UNMASKED if unmasked else AccessEvent.EXPORT,
            object_type="people.person",
            jurisdiction_code=_scope_code(scope_for(actor, Action.EXPORT), filters),
            record_count=count, reason=reason,
            detail={"format": fmt, "filters": {k: v for k, v in filters.items() if v}},
        )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    name = f"people-{stamp}{'-unmasked' if unmasked else ''}.{fmt}"
    if fmt == "csv":
        return name, _csv_stream(queryset, unmasked)
    return name, _xlsx_bytes(queryset, unmasked)


def _csv_stream(queryset, unmasked: bool) -> Iterator[bytes]:
    """UTF-8 with a BOM (Excel then reads Chinese right), 200 rows per chunk."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def drain() -> bytes:
        data = buffer.getvalue().encode("utf-8")
        buffer.seek(0)
        buffer.truncate()
        return data

    writer.writerow([neutralise(h) for h in _headers()])
    yield codecs.BOM_UTF8 + drain()
    for n, row in enumerate(_rows(queryset, unmasked), start=1):
        writer.writerow(["" if c is None else c for c in row])
        if n % 200 == 0:
            yield drain()
    rest = drain()
    if rest:
        yield rest


def _xlsx_bytes(queryset, unmasked: bool) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("People"))
    bold = Font(bold=True)
    header = []
    for title in _headers():
        cell = WriteOnlyCell(sheet, value=neutralise(title))
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in _rows(queryset, unmasked):
        # Strings are written as text cells: openpyxl never turns them into formulas here.
        sheet.append([_text_cell(sheet, c) for c in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _text_cell(sheet, value: Any) -> Any:
    from openpyxl.cell import WriteOnlyCell

    if isinstance(value, str):
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"  # a neutralised "'=..." stays a string, never a formula
        return cell
    return value
