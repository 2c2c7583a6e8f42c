"""Builders for the import and export tests: files of every kind, uploads run to the end,
and a fingerprint of the whole registry to prove that nothing changed."""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile

from frontline.people import imports
from frontline.people.imports.columns import COLUMNS, KIND_FIELDS
from frontline.people.models import (
    IdentityDocument,
    ImportJob,
    LodgingStay,
    Person,
    PersonCategory,
    PersonNameGram,
)

LODGER_FIELDS = ["family_name", "given_names", "name_zh", "sex", "birth_date", "nationality",
                 "doc_type", "doc_number", "doc_expiry", "phone", "room", "check_in",
                 "check_out", "residence"]
RESIDENT_FIELDS = ["family_name", "given_names", "name_native", "name_zh", "sex", "birth_date",
                   "nationality", "doc_number", "phone", "email", "residence", "address",
                   "category"]


def header(fields: list[str], style: str = "bilingual") -> list[str]:
    if style == "zh":
        return [COLUMNS[f].zh for f in fields]
    if style == "en":
        return [COLUMNS[f].en for f in fields]
    return [COLUMNS[f].header for f in fields]


def resident(**overrides) -> dict[str, str]:
    row = {"family_name": "MÜLLER", "given_names": "JÖRG", "name_native": "", "name_zh": "",
           "sex": "M", "birth_date": "1975-04-02", "nationality": "DE",
           "doc_number": "C01X00T47", "phone": "+49 30 901820", "email": "jm@example.org",
           "residence": "110101001001", "address": "多福巷 1 号", "category": "永久居留"}
    row.update(overrides)
    return row


def lodger(**overrides) -> dict[str, str]:
    row = {"family_name": "TANAKA", "given_names": "YUKI", "name_zh": "田中雪", "sex": "F",
           "birth_date": "1990-01-31", "nationality": "JPN", "doc_type": "护照",
           "doc_number": "TK1234567", "doc_expiry": "2031-05-31", "phone": "13800138000",
           "room": "1203",
           "check_in": "2020-03-01 14:30", "check_out": "", "residence": ""}
    row.update(overrides)
    return row


def table(fields: list[str], rows: list[dict[str, str]], style: str = "bilingual"
          ) -> list[list[str]]:
    return [header(fields, style)] + [[r.get(f, "") for f in fields] for r in rows]


def csv_bytes(rows: list[list[str]], encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    text = buffer.getvalue()
    if encoding == "utf-8-sig":
        return b"\xef\xbb\xbf" + text.encode("utf-8")
    return text.encode(encoding)


def xlsx_bytes(rows: list[list]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_replace(data: bytes, member: str, content: bytes) -> bytes:
    """The same workbook with one part's content replaced."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(
            out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, content if info.filename == member else src.read(info))
    return out.getvalue()


def upload(tree, username: str, name: str, content: bytes, *, kind: str = "residents",
           capture=None, **kwargs) -> ImportJob:
    """Upload through the service and let the check task run (immediate backend)."""
    file = SimpleUploadedFile(name, content)
    if capture is not None:
        with capture(execute=True):
            job = imports.import_upload(actor=tree.users[username], kind=kind, file=file,
                                        **kwargs)
    else:
        job = imports.import_upload(actor=tree.users[username], kind=kind, file=file, **kwargs)
    job.refresh_from_db()
    return job


def confirm(tree, username: str, job: ImportJob, mode: str, capture) -> ImportJob:
    with capture(execute=True):
        imports.import_confirm(actor=tree.users[username], job=job, mode=mode)
    job.refresh_from_db()
    return job


def registry_fingerprint() -> tuple:
    """Counts and a hash of every row of the registry's tables."""
    digest = hashlib.sha256()
    counts = []
    for model, fields in (
        (Person, [f.attname for f in Person._meta.concrete_fields]),
        (IdentityDocument, [f.attname for f in IdentityDocument._meta.concrete_fields]),
        (PersonCategory, ["id", "person_id", "category"]),
        (PersonNameGram, ["id", "person_id", "gram"]),
        (LodgingStay, [f.attname for f in LodgingStay._meta.concrete_fields]),
    ):
        rows = list(model.objects.order_by("pk").values_list(*fields))
        counts.append(len(rows))
        digest.update(repr(rows).encode())
    return tuple(counts), digest.hexdigest()


def stored_files(root: Path) -> list[Path]:
    return sorted(p for p in (root / "imports").rglob("*") if p.is_file()) if (
        root / "imports").exists() else []


__all__ = ["KIND_FIELDS"]
