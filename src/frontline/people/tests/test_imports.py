"""Imports: encodings, headers and mapping, hostile files, all-or-nothing, valid rows,
idempotent re-imports, scope, audit, the pages and the API."""

from __future__ import annotations

import datetime
import io
import multiprocessing
import tracemalloc
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from frontline.audit.models import ChangeLogEntry
from frontline.core import crypto
from frontline.core.testing import ScopedPermissionTests, snapshot_row
from frontline.people import imports, names
from frontline.people.imports import rows as import_rows
from frontline.people.imports import upsert as import_upsert
from frontline.people.imports.columns import KIND_FIELDS, header_mapping
from frontline.people.models import (
    DuplicateCandidate,
    IdentityDocument,
    ImportJob,
    ImportKind,
    ImportStatus,
    LodgingStay,
    Person,
    PersonCategory,
    PersonNameGram,
)
from frontline.people.selectors import person_list
from frontline.people.services import DOCUMENT_PURPOSE
from frontline.people.tests.factories import add_passport, make_person
from frontline.people.tests.importing import (
    LODGER_FIELDS,
    RESIDENT_FIELDS,
    confirm,
    csv_bytes,
    header,
    lodger,
    registry_fingerprint,
    resident,
    stored_files,
    table,
    upload,
    xlsx_bytes,
    xlsx_replace,
)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def capture(django_capture_on_commit_callbacks):
    return django_capture_on_commit_callbacks


def two_residents() -> list[dict[str, str]]:
    return [
        resident(),
        resident(family_name="Иванова", given_names="Анна", name_native="Иванова Анна",
                 name_zh="伊万诺娃", sex="女", birth_date="1988-12-01", nationality="俄罗斯",
                 doc_number="75 1234567", phone="13911112222", email="", category="商务人员",
                 residence="110101001002"),
    ]


# -- encodings --------------------------------------------------------------------------------

@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_in_each_encoding_is_read(tree, capture, encoding):
    content = csv_bytes(table(RESIDENT_FIELDS, two_residents()), encoding)
    job = upload(tree, "street", "residents.csv", content, capture=capture)
    assert job.status == ImportStatus.CHECKED, job.message
    assert job.encoding == encoding
    assert (job.rows_total, job.rows_valid, job.error_count) == (2, 2, 0)
    job = confirm(tree, "street", job, "all", capture)
    assert job.status == ImportStatus.DONE, job.message
    anna = Person.objects.get(family_name="Иванова")
    assert (anna.name_zh, anna.given_names, str(anna.nationality)) == ("伊万诺娃", "Анна", "RU")
    assert anna.sex == "F" and anna.phone == "+8613911112222"
    assert sorted(anna.categories) == ["business_visitor"]


def test_reading_a_csv_leaves_the_csv_modules_process_wide_field_limit_alone(tree, capture):
    import csv

    before = csv.field_size_limit()
    content = csv_bytes(table(RESIDENT_FIELDS, two_residents()), "utf-8")
    job = upload(tree, "street", "residents.csv", content, capture=capture)
    assert job.status == ImportStatus.CHECKED, job.message
    # Lowering it would refuse long fields in every other CSV read by this process afterwards
    # (division lists, translation exchange files).
    assert csv.field_size_limit() == before


@pytest.mark.parametrize("label, content", [
    ("utf-16 without BOM", "姓,名\nTANAKA,YUKI\n".encode("utf-16-le")),
    ("utf-16 with BOM", "姓,名\nTANAKA,YUKI\n".encode("utf-16")),
    ("shift-jis", ("姓 / Family name,名 / Given names,国籍 / Nationality\n"
                   "山田,太郎,日本\nやまだ,たろう,日本\n鈴木,花子,日本\nスズキ,ハナコ,日本\n"
                   ).encode("shift_jis")),
    ("binary junk", bytes(range(256)) * 40),
])
def test_csv_in_an_unknown_encoding_is_refused(tree, capture, settings, label, content):
    before = registry_fingerprint()
    job = upload(tree, "street", "people.csv", content, capture=capture)
    assert job.status == ImportStatus.REFUSED, label
    assert "UTF-8" in job.message and "GB18030" in job.message
    assert registry_fingerprint() == before
    assert stored_files(settings.MEDIA_ROOT) == [], "a refused file is not kept"


def test_declared_utf8_with_invalid_bytes_is_refused_with_the_line(tree, capture):
    content = csv_bytes(table(RESIDENT_FIELDS, [resident()]), "utf-8") + \
        "Müller,Jörg\n".encode("latin-1")
    job = upload(tree, "street", "people.csv", content, capture=capture, encoding="utf-8")
    assert job.status == ImportStatus.REFUSED
    assert "not valid UTF-8 (line 3)" in job.message


# -- headers and mapping ----------------------------------------------------------------------

@pytest.mark.parametrize("style", ["zh", "en", "bilingual"])
def test_headers_in_chinese_english_or_both_are_recognised(style):
    headers = header(RESIDENT_FIELDS, style)
    assert header_mapping(ImportKind.RESIDENTS, headers) == RESIDENT_FIELDS


def test_header_synonyms_and_decorations_are_recognised():
    assert header_mapping(ImportKind.LODGERS, [
        "护照号码", "Passport No.", "*姓*", "Surname", "国籍（Nationality）", "入住时间/Check-in",
        "something else"]) == ["doc_number", "", "family_name", "", "nationality", "check_in", ""]


def test_unknown_columns_wait_for_a_mapping_then_the_file_is_checked(tree, capture):
    rows = [["Nom", "Prénom", "Pays", "N° passeport", "Quartier"],
            ["DUPONT", "MARIE", "FR", "18AB12345", "110101001001"]]
    job = upload(tree, "street", "liste.xlsx", xlsx_bytes(rows), capture=capture)
    assert job.status == ImportStatus.UPLOADED and job.mapping["_needs_mapping"]
    assert job.mapping["headers"] == rows[0]
    with pytest.raises(ValidationError) as refused:
        imports.import_mapping_set(actor=tree.users["street"], job=job,
                                   fields=["family_name", "family_name", "", "", ""])
    assert "several columns" in str(refused.value)
    assert "required" in str(refused.value)
    with capture(execute=True):
        imports.import_mapping_set(actor=tree.users["street"], job=job, fields=[
            "family_name", "given_names", "nationality", "doc_number", "residence"])
    job.refresh_from_db()
    assert job.status == ImportStatus.CHECKED and job.rows_valid == 1, job.errors
    confirm(tree, "street", job, "all", capture)
    assert Person.objects.get(family_name="DUPONT").given_names == "MARIE"


def test_mapping_page_and_confirm_page_work_in_the_browser_flow(tree, capture):
    client = tree.client("street")
    rows = [["Nom", "Pays", "N° passeport", "Quartier"], ["DUPONT", "FR", "18AB12345", "110101001001"]]
    with capture(execute=True):
        response = client.post(reverse("people:import_upload"), {
            "kind": "residents", "file": SimpleUploadedFile("liste.xlsx", xlsx_bytes(rows))})
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response.url == reverse("people:import_detail",
                                                                   kwargs={"pk": job.pk})
    page = client.get(response.url)
    assert page.status_code == 200 and b"import-mapping-form" in page.content
    with capture(execute=True):
        client.post(reverse("people:import_mapping", kwargs={"pk": job.pk}), {
            "column_0": "family_name", "column_1": "nationality", "column_2": "doc_number",
            "column_3": "residence"})
    page = client.get(reverse("people:import_detail", kwargs={"pk": job.pk}))
    assert b"import-confirm-form" in page.content
    with capture(execute=True):
        client.post(reverse("people:import_confirm", kwargs={"pk": job.pk}), {"mode": "all"})
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE
    fragment = client.get(reverse("people:import_progress", kwargs={"pk": job.pk}),
                          headers={"HX-Request": "true"})
    assert fragment["HX-Refresh"] == "true" and b'value="100"' in fragment.content


# -- hostile and bad files --------------------------------------------------------------------

def test_a_file_over_the_size_limit_is_refused_before_it_is_stored(tree, settings):
    settings.IMPORT_MAX_MB = 1
    big = b"a,b\n" * (300 * 1024)  # 1.2 MB
    with pytest.raises(ValidationError) as refused:
        upload(tree, "street", "big.csv", big)
    assert "larger than 1 MB" in str(refused.value)
    assert not ImportJob.objects.exists() and stored_files(settings.MEDIA_ROOT) == []


def test_the_upload_page_refuses_a_too_big_body_unread(tree, settings):
    settings.IMPORT_MAX_MB = 1
    client = tree.client("street")
    big = SimpleUploadedFile("big.csv", b"x" * (2 * 1024 * 1024 + 10))
    response = client.post(reverse("people:import_upload"), {"kind": "residents", "file": big})
    assert response.status_code == 413
    assert "larger than 1 MB" in response.content.decode()
    assert not ImportJob.objects.exists() and stored_files(settings.MEDIA_ROOT) == []


def test_the_upload_handler_stops_a_file_passing_the_limit(tree, settings):
    settings.IMPORT_MAX_MB = 1
    client = tree.client("street")
    # Within limit + form overhead, so the body is read, and the handler stops the file.
    over = SimpleUploadedFile("over.csv", b"x" * (1024 * 1024 + 300 * 1024))
    response = client.post(reverse("people:import_upload"), {"kind": "residents", "file": over})
    assert response.status_code == 413
    assert not ImportJob.objects.exists() and stored_files(settings.MEDIA_ROOT) == []


def test_more_rows_than_the_limit_is_refused(tree, capture, settings):
    settings.IMPORT_MAX_ROWS = 5
    rows = [resident(doc_number=f"C0{i:07d}") for i in range(6)]
    for name, content in (("r.csv", csv_bytes(table(RESIDENT_FIELDS, rows))),
                          ("r.xlsx", xlsx_bytes(table(RESIDENT_FIELDS, rows)))):
        job = upload(tree, "street", name, content, capture=capture)
        assert job.status == ImportStatus.REFUSED, name
        assert "more than 5 rows" in job.message
    assert not Person.objects.exists()


def test_a_million_row_csv_is_refused_by_streaming_not_loading(tree, settings):
    settings.IMPORT_MAX_ROWS = 1000
    line = b"SMITH,JOHN,GB,P12345678,110101001001\n"
    content = b"family_name,given_names,nationality,doc_number,residence\n" + line * 1_000_000
    job = upload(tree, "street", "million.csv", content)  # stored; the check not run yet
    del content
    tracemalloc.start()
    try:
        imports.import_check(job.pk)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    job.refresh_from_db()
    assert job.status == ImportStatus.REFUSED and "more than 1000 rows" in job.message
    assert job.file_size > 37_000_000
    assert peak < 5 * 1024 * 1024, f"the check held {peak} bytes of a {job.file_size}-byte file"
    assert not Person.objects.exists()


def _zip_bomb(tmp_path) -> bytes:
    """A real workbook plus a part declaring 200 MB that compresses ~1000 times."""
    base = xlsx_bytes(table(RESIDENT_FIELDS, [resident()]))
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as src, zipfile.ZipFile(
            out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info))
        with dst.open("xl/media/bomb.xml", "w") as member:
            block = b" " * (1024 * 1024)
            for _ in range(200):
                member.write(block)
    return out.getvalue()


def test_a_zip_bomb_is_refused_before_anything_unpacks_it(tree, capture, monkeypatch,
                                                          tmp_path):
    from frontline.people.imports import xlsx

    content = _zip_bomb(tmp_path)
    assert len(content) < 1024 * 1024
    with zipfile.ZipFile(io.BytesIO(content)) as zf:
        assert zf.getinfo("xl/media/bomb.xml").file_size == 200 * 1024 * 1024

    def never(*args, **kwargs):
        raise AssertionError("nothing may read the parts of a zip bomb")

    for name in ("_scan_xml", "_segments", "_sheet_rows", "_shared_strings"):
        monkeypatch.setattr(xlsx, name, never)
    job = upload(tree, "street", "bomb.xlsx", content, capture=capture)
    assert job.status == ImportStatus.REFUSED
    assert "zip bomb" in job.message


def test_an_oversized_unzipped_total_is_refused(tree, capture, settings):
    settings.IMPORT_MAX_UNZIPPED_MB = 1
    rows = [resident(doc_number=f"C{i:08d}", address="x" * 200) for i in range(3000)]
    job = upload(tree, "street", "big.xlsx", xlsx_bytes(table(RESIDENT_FIELDS, rows)),
                 capture=capture)
    assert job.status == ImportStatus.REFUSED and "more than 1 MB" in job.message


XXE = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
       b'<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
       b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
       b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&xxe;</t></is></c></row>'
       b'</sheetData></worksheet>')
LAUGHS = (b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
          b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
          b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
          b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1">'
          b'<si><t>&lol3;</t></si></sst>')


@pytest.mark.parametrize("member, payload", [
    ("xl/worksheets/sheet1.xml", XXE),
    ("[Content_Types].xml", LAUGHS),
])
def test_xml_with_entities_is_refused(tree, capture, member, payload):
    base = xlsx_bytes(table(RESIDENT_FIELDS, [resident()]))
    job = upload(tree, "street", "evil.xlsx", xlsx_replace(base, member, payload),
                 capture=capture)
    assert job.status == ImportStatus.REFUSED
    assert "DOCTYPE" in job.message
    assert not Person.objects.exists()


def test_openpyxl_itself_parses_with_defusedxml(tmp_path):
    """openpyxl (which writes the templates and exports, and which anyone may use to read a
    workbook) really parses with defusedxml: it refuses the entity on its own."""
    import openpyxl
    from openpyxl.reader import strings
    from openpyxl.worksheet import _reader
    from openpyxl.xml import functions

    for parser in (functions.fromstring, functions.iterparse, _reader.iterparse,
                   strings.iterparse):
        assert parser.__module__.startswith("defusedxml"), parser
    path = tmp_path / "evil.xlsx"
    path.write_bytes(xlsx_replace(xlsx_bytes([["a"]]), "xl/worksheets/sheet1.xml", XXE))
    with pytest.raises(Exception) as raised:
        workbook = openpyxl.load_workbook(path, read_only=True)
        list(workbook.worksheets[0].iter_rows(values_only=True))
    chain, error = [], raised.value
    while error is not None:
        chain.append(type(error).__module__)
        error = error.__cause__ or error.__context__
    assert any(m.startswith("defusedxml") for m in chain), chain


@pytest.mark.parametrize("name, content, expected", [
    ("people.xlsx", b"family_name,nationality\nA,DE\n", "not an Excel workbook"),
    ("people.csv", None, "is an Excel or zip file"),
    ("people.xlsx", None, "zip archive but not an Excel workbook"),
    ("people.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "old Excel (.xls)"),
])
def test_content_that_is_not_what_the_name_says_is_refused(tree, capture, name, content,
                                                           expected):
    if content is None and name.endswith(".csv"):
        content = xlsx_bytes([["a"]])
    elif content is None:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as zf:
            zf.writestr("word/document.xml", "<w/>")
            zf.writestr("[Content_Types].xml", "<Types/>")
        content = buffer.getvalue()
    job = upload(tree, "street", name, content, capture=capture)
    assert job.status == ImportStatus.REFUSED
    assert expected in job.message


def test_other_extensions_are_refused_at_upload(tree):
    with pytest.raises(ValidationError, match="Only .xlsx and .csv"):
        upload(tree, "street", "people.xls", b"x")


def test_formulas_are_read_as_text_never_evaluated(tree, capture):
    rows = table(RESIDENT_FIELDS, [resident(family_name="=HYPERLINK(\"http://x\",\"A\")",
                                            address="=1+1")])
    job = upload(tree, "street", "f.xlsx", xlsx_bytes(rows), capture=capture)
    assert job.status == ImportStatus.CHECKED, job.errors
    confirm(tree, "street", job, "all", capture)
    person = Person.objects.get()
    assert person.family_name == '=HYPERLINK("http://x","A")'
    assert person.address == "=1+1"


# -- behaviour --------------------------------------------------------------------------------

def test_all_or_nothing_with_a_bad_row_leaves_the_registry_as_it_was(tree, capture):
    make_person(tree, family_name="EXISTING")
    rows = two_residents() + [resident(doc_number="BAD1", birth_date="2999-01-01")]
    job = upload(tree, "street", "r.csv", csv_bytes(table(RESIDENT_FIELDS, rows)),
                 capture=capture)
    assert job.status == ImportStatus.CHECKED and job.error_count == 1
    before = registry_fingerprint()
    # Known before it starts: refused at once, and the file stays checked for the other
    # choice (it used to start, fail, and leave nothing but a new upload).
    with pytest.raises(ValidationError, match="would import nothing"):
        imports.import_confirm(actor=tree.users["street"], job=job, mode="all")
    job.refresh_from_db()
    assert job.status == ImportStatus.CHECKED
    assert registry_fingerprint() == before
    job = confirm(tree, "street", job, "valid", capture)
    assert job.status == ImportStatus.DONE and registry_fingerprint() != before


def test_all_or_nothing_rolls_back_batches_already_written(tree, capture, monkeypatch):
    """A row that turns bad between the check and the import (its document was meanwhile
    registered in another street) fails the import after earlier batches were written."""
    monkeypatch.setattr(imports, "BATCH", 2)
    rows = [resident(doc_number=f"C0{i:07d}", family_name=f"PERSON{i}") for i in range(5)]
    job = upload(tree, "street", "r.csv", csv_bytes(table(RESIDENT_FIELDS, rows)),
                 capture=capture)
    assert job.status == ImportStatus.CHECKED and job.rows_valid == 5
    other = make_person(tree, family_name="PERSON4", community="110101002001")
    add_passport(tree, other, "C00000004", country="DE")
    before = registry_fingerprint()
    logs_before = ChangeLogEntry.objects.filter(object_type="people.person").count()
    job = confirm(tree, "street", job, "all", capture)
    assert job.status == ImportStatus.FAILED, job.message
    assert "Line 6" in job.message
    assert registry_fingerprint() == before
    assert ChangeLogEntry.objects.filter(object_type="people.person").count() == logs_before


def test_valid_rows_mode_imports_only_the_valid_rows_and_lists_every_bad_one(tree, capture):
    rows = two_residents() + [
        resident(doc_number="X1", family_name="", nationality="ZZ"),
        resident(doc_number="E77777777", birth_date="31/02/1990", phone="12"),
    ]
    job = upload(tree, "street", "r.xlsx", xlsx_bytes(table(RESIDENT_FIELDS, rows)),
                 capture=capture)
    assert (job.rows_total, job.rows_valid, job.error_count) == (4, 2, 2)
    problems = {(e["line"], e["field"]) for e in job.errors}
    assert problems == {(4, "family_name"), (4, "nationality"), (4, "doc_number"),
                        (5, "birth_date"), (5, "phone")}
    error = next(e for e in job.errors if e["field"] == "nationality")
    assert error["column"] == "国籍 / Nationality" and "ZZ" in error["message"]
    job = confirm(tree, "street", job, "valid", capture)
    assert job.status == ImportStatus.DONE and (job.created, job.error_count) == (2, 2)
    assert set(Person.objects.values_list("family_name", flat=True)) == {"MÜLLER", "Иванова"}


def test_reimporting_the_same_file_changes_nothing(tree, capture):
    rows = two_residents()
    content = xlsx_bytes(table(RESIDENT_FIELDS, rows))
    first = confirm(tree, "street", upload(tree, "street", "r.xlsx", content, capture=capture),
                    "all", capture)
    assert (first.created, first.updated, first.unchanged) == (2, 0, 0)
    before = registry_fingerprint()
    logs = ChangeLogEntry.objects.filter(object_type="people.person").count()
    again = upload(tree, "street", "r.xlsx", content, capture=capture)
    assert again.file_sha256 == first.file_sha256
    assert again.mapping["_preview"] == {"created": 0, "updated": 0, "unchanged": 2}
    again = confirm(tree, "street", again, "all", capture)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert registry_fingerprint() == before
    assert ChangeLogEntry.objects.filter(object_type="people.person").count() == logs


def test_a_later_file_updates_people_found_by_their_document(tree, capture):
    content = csv_bytes(table(RESIDENT_FIELDS, [resident()]))
    confirm(tree, "street", upload(tree, "street", "a.csv", content, capture=capture), "all",
            capture)
    person = Person.objects.get()
    changed = csv_bytes(table(RESIDENT_FIELDS, [resident(doc_number="c01x-00t47",
                                                         phone="+49 30 901821", email="",
                                                         name_zh="米勒")]))
    job = confirm(tree, "street", upload(tree, "street", "b.csv", changed, capture=capture),
                  "all", capture)
    assert (job.created, job.updated) == (0, 1)
    person.refresh_from_db()
    assert person.phone == "+4930901821" and person.email == "jm@example.org"  # kept
    assert person.version == 2 and person.name_zh == "米勒"
    assert set(PersonNameGram.objects.filter(person=person).values_list("gram", flat=True)) == {
        "米勒"}
    entry = ChangeLogEntry.objects.filter(object_id=str(person.pk), action="update").get()
    assert entry.before["phone"] == "+4930901820" and entry.after["phone"] == "+4930901821"
    assert entry.event == "people.import"


def test_imported_people_have_the_derived_fields_of_the_services(tree, capture):
    job = confirm(tree, "street", upload(tree, "street", "r.csv", csv_bytes(
        table(RESIDENT_FIELDS, two_residents())), capture=capture), "all", capture)
    assert job.status == ImportStatus.DONE
    anna = Person.objects.get(family_name="Иванова")
    assert anna.name_key == names.name_key("Иванова", "Анна") == "anna ivanova"
    assert anna.search_text == names.search_text("Иванова", "Анна", "Иванова Анна", "伊万诺娃")
    assert "|伊万诺娃|" in anna.search_text
    assert anna.jurisdiction_code == "110101001002" and anna.residence.code == "110101001002"
    assert set(PersonNameGram.objects.filter(person=anna).values_list("gram", flat=True)) >= {
        "伊万", "万诺", "诺娃"}
    document = IdentityDocument.objects.get(person=anna)
    assert crypto.decrypt(document.number_encrypted) == "751234567"
    assert document.number_index == crypto.blind_index("751234567", purpose=DOCUMENT_PURPOSE)
    assert document.number_masked == crypto.mask("751234567")
    assert document.jurisdiction_code == "110101001002"
    assert (document.doc_type, str(document.issuing_country)) == ("passport", "RU")
    street = tree.users["street"]
    assert list(person_list(actor=street, query="万诺")) == [anna]
    assert list(person_list(actor=street, query="751234567")) == [anna]
    assert PersonCategory.objects.filter(person=anna, category="business_visitor").exists()


def test_a_row_outside_the_uploaders_street_is_an_error_not_a_skip(tree, capture):
    rows = [resident(), resident(doc_number="OUT1234", residence="110101002001"),
            resident(doc_number="OUT5678", residence="999999999999")]
    job = upload(tree, "street", "r.csv", csv_bytes(table(RESIDENT_FIELDS, rows)),
                 capture=capture)
    assert job.error_count == 2
    messages = {e["line"]: e["message"] for e in job.errors}
    assert "110101002001 is outside your jurisdiction" in messages[3]
    assert "not the code or name" in messages[4]
    confirm(tree, "street", job, "valid", capture)
    assert list(Person.objects.values_list("jurisdiction_code", flat=True)) == ["110101001001"]


def test_a_document_of_a_person_in_another_street_is_an_error(tree, capture):
    other = make_person(tree, family_name="MÜLLER", given_names="JÖRG", nationality="DE",
                        community="110101002001")
    add_passport(tree, other, "C01X00T47", country="DE")
    before = snapshot_row(other)
    job = upload(tree, "street", "r.csv", csv_bytes(table(RESIDENT_FIELDS, [resident()])),
                 capture=capture)
    assert job.rows_valid == 0 and "outside your jurisdiction" in job.errors[0]["message"]
    assert snapshot_row(other) == before


def test_a_document_registered_to_another_name_is_an_error(tree, capture):
    person = make_person(tree, family_name="ROSSI", nationality="DE")
    add_passport(tree, person, "C01X00T47", country="DE")
    job = upload(tree, "street", "r.csv", csv_bytes(table(RESIDENT_FIELDS, [resident()])),
                 capture=capture)
    assert job.rows_valid == 0 and "registered to ROSSI" in job.errors[0]["message"]


def test_repeated_rows_of_one_document_must_agree(tree, capture):
    rows = [resident(), resident(phone="+49 30 901899")]
    job = upload(tree, "street", "r.csv", csv_bytes(table(RESIDENT_FIELDS, rows)),
                 capture=capture)
    assert job.error_count == 1 and job.errors[0]["line"] == 3
    assert "Line 2 has the same document" in job.errors[0]["message"]


def test_lodgers_get_stays_and_a_later_check_out_updates_them(tree, capture):
    hotel = tree.places["lodging"]
    rows = [lodger(), lodger(doc_number="E1234567X", family_name="SMITH", given_names="ANN",
                             name_zh="", nationality="GB", check_in="2020-03-02 09:00",
                             room="", residence="110101001002")]
    content = xlsx_bytes(table(LODGER_FIELDS, rows))
    job = upload(tree, "street", "hotel.xlsx", content, kind="lodgers", place=hotel,
                 capture=capture)
    assert job.status == ImportStatus.CHECKED and job.error_count == 0, job.errors
    confirm(tree, "street", job, "all", capture)
    tanaka = Person.objects.get(family_name="TANAKA")
    assert tanaka.jurisdiction_code == "110101001"  # the hotel's street, as no community given
    assert tanaka.categories == ["hotel_lodger"]
    assert IdentityDocument.objects.get(person=tanaka).expiry_date == datetime.date(2031, 5, 31)
    stay = LodgingStay.objects.get(person=tanaka)
    assert (stay.place, stay.room, stay.check_out, stay.source) == (hotel, "1203", None,
                                                                    "import")
    assert stay.check_in.isoformat() == "2020-03-01T06:30:00+00:00"
    assert Person.objects.get(family_name="SMITH").jurisdiction_code == "110101001002"
    # The next day's feed has the check-out; the first file again changes nothing.
    rows[0]["check_out"] = "2020-03-05 11:00"
    later = confirm(tree, "street", upload(tree, "street", "hotel2.xlsx", xlsx_bytes(
        table(LODGER_FIELDS, rows)), kind="lodgers", place=hotel, capture=capture), "all",
        capture)
    assert (later.created, later.updated, later.unchanged) == (0, 1, 1)
    stay.refresh_from_db()
    assert stay.check_out is not None and LodgingStay.objects.count() == 2


def test_lodgers_hotel_column_and_repeat_guests(tree, capture):
    rows = [lodger(), lodger(check_in="2020-04-01 10:00", room="301")]
    fields = [*LODGER_FIELDS, "hotel"]
    for row in rows:
        row["hotel"] = "Lodging hotel"
    job = upload(tree, "street", "feed.csv", csv_bytes(table(fields, rows)), kind="lodgers",
                 capture=capture)
    assert job.error_count == 0, job.errors
    job = confirm(tree, "street", job, "all", capture)
    assert (job.created, job.updated) == (1, 1)
    assert Person.objects.count() == 1 and LodgingStay.objects.count() == 2


def test_a_school_list_sets_the_categories_and_the_school(tree, capture):
    school = tree.places["school2"]
    fields = ["family_name", "given_names", "nationality", "doc_number", "school_role",
              "residence"]
    rows = [{"family_name": "KIM", "given_names": "MINJI", "nationality": "KR",
             "doc_number": "M12345678", "school_role": "学生", "residence": "吉祥社区"},
            {"family_name": "BROWN", "given_names": "TOM", "nationality": "US",
             "doc_number": "567890123", "school_role": "teacher", "residence": "110101002001"}]
    job = upload(tree, "street2", "school.csv", csv_bytes(table(fields, rows, "en")),
                 kind="school", place=school, capture=capture)
    assert job.error_count == 0, job.errors
    confirm(tree, "street2", job, "all", capture)
    kim = Person.objects.get(family_name="KIM")
    assert kim.categories == ["foreign_student"] and kim.organisation == school
    assert Person.objects.get(family_name="BROWN").categories == ["foreign_teacher"]


def test_a_school_list_needs_a_school_in_scope(tree):
    with pytest.raises(ValidationError, match="Choose the school"):
        upload(tree, "street2", "s.csv", b"x", kind="school")
    with pytest.raises(Exception) as raised:
        upload(tree, "street", "s.csv", b"x", kind="school", place=tree.places["school2"])
    assert raised.type.__name__ == "OutOfScope"


def test_messages_are_in_the_uploaders_language(tree, capture, monkeypatch):
    seen = []
    original = import_rows.row_parse

    def spy(*args, **kwargs):
        seen.append(translation.get_language())
        return original(*args, **kwargs)

    monkeypatch.setattr(import_upsert, "row_parse", spy)
    with translation.override("en"):
        upload(tree, "street", "r.csv", csv_bytes(table(RESIDENT_FIELDS, [resident()])),
               capture=capture, language="zh-hans")
    assert seen and set(seen) == {"zh-hans"}


def test_every_import_is_audited_with_its_counts(tree, capture):
    job = confirm(tree, "street", upload(tree, "street", "r.csv", csv_bytes(
        table(RESIDENT_FIELDS, two_residents())), capture=capture), "all", capture)
    event = ChangeLogEntry.objects.get(event="people.import", object_type="people.importjob")
    assert event.after["created"] == 2 and event.after["sha256"] == job.file_sha256
    assert event.actor == tree.users["street"] and event.jurisdiction_code == "110101001"
    created = ChangeLogEntry.objects.filter(object_type="people.person", action="create",
                                            event="people.import")
    assert created.count() == 2
    entry = created.get(object_id=str(Person.objects.get(family_name="MÜLLER").pk))
    assert entry.after["document"]["number"] == crypto.mask("C01X00T47")
    assert "C01X00T47" not in str(entry.after)


def test_duplicate_detection_runs_after_an_import(tree, capture):
    make_person(tree, family_name="Müller", given_names="Jörg", nationality="DE",
                birth_date=datetime.date(1975, 4, 2))
    confirm(tree, "district", upload(tree, "district", "r.csv", csv_bytes(
        table(RESIDENT_FIELDS, [resident()])), capture=capture), "all", capture)
    assert DuplicateCandidate.objects.filter(reason="name").count() == 1


def test_the_templates_round_trip(tree, capture):
    client = tree.client("street")
    for kind in ImportKind.values:
        for fmt in ("xlsx", "csv"):
            response = client.get(reverse("people:import_template",
                                          kwargs={"kind": kind, "fmt": fmt}))
            assert response.status_code == 200
    response = client.get(reverse("people:import_template", kwargs={"kind": "residents",
                                                                    "fmt": "csv"}))
    assert response.content.startswith(b"\xef\xbb\xbf\xe5\xa7\x93 / Family name")
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(client.get(reverse(
        "people:import_template", kwargs={"kind": "residents", "fmt": "xlsx"})).content))
    sheet = workbook.worksheets[0]
    headers = [c.value for c in sheet[1]]
    assert headers[0] == "姓 / Family name"
    values = dict(resident())
    sheet.append([values.get(f, "") for f in KIND_FIELDS["residents"]])
    buffer = io.BytesIO()
    workbook.save(buffer)
    job = upload(tree, "street", "filled.xlsx", buffer.getvalue(), capture=capture)
    assert job.status == ImportStatus.CHECKED and job.rows_valid == 1, (job.message, job.errors)


def test_history_page_lists_who_when_and_the_fingerprint(tree, capture):
    job = upload(tree, "street", "r.csv", csv_bytes(table(RESIDENT_FIELDS, [resident()])),
                 capture=capture)
    response = tree.client("street").get(reverse("people:import_list"))
    assert response.status_code == 200
    assert job.file_sha256[:14].encode() in response.content and b"street" in response.content


# -- scope ------------------------------------------------------------------------------------

def _jobs(tree, capture):
    inside = upload(tree, "street", "in.csv", csv_bytes(table(RESIDENT_FIELDS, [resident()])),
                    capture=capture)
    outside = upload(tree, "street2", "out.csv", csv_bytes(table(RESIDENT_FIELDS, [
        resident(residence="110101002001")])), capture=capture)
    return inside, outside


class TestImportJobPermissions(ScopedPermissionTests):
    model = ImportJob
    viewer = "street"
    list_url_name = "people:import_list"
    detail_url_name = "people:import_detail"
    edit_url_name = "people:import_confirm"
    edit_data = {"mode": "valid"}
    api_basename = "people-import"
    api_patch = {"mode": "valid"}

    def make_objects(self, tree):
        from django.test.utils import CaptureQueriesContext  # noqa: F401 - keeps imports honest

        inside = upload(tree, "street", "in.csv", csv_bytes(table(RESIDENT_FIELDS, [resident()])))
        outside = upload(tree, "street2", "out.csv", csv_bytes(table(RESIDENT_FIELDS, [
            resident(residence="110101002001")])))
        return inside, outside

    def test_other_pages_and_actions_outside_are_404_and_change_nothing(self, tree, capture):
        _, outside = _jobs(tree, capture)
        assert outside.status == ImportStatus.CHECKED
        before = snapshot_row(outside)
        client = tree.client("street")
        for name in ("import_progress", "import_errors_csv"):
            assert client.get(reverse(f"people:{name}", kwargs={"pk": outside.pk})
                              ).status_code == 404
        with capture(execute=True):
            assert client.post(reverse("people:import_mapping", kwargs={"pk": outside.pk}),
                               {"column_0": "family_name"}).status_code == 404
            for action, data in (("confirm", {"mode": "valid"}),
                                 ("mapping", {"fields": ["family_name"]})):
                url = reverse(f"api:people-import-{action}", kwargs={"pk": outside.pk})
                assert client.post(url, data, content_type="application/json"
                                   ).status_code == 404
        for action in ("progress", "errors"):
            url = reverse(f"api:people-import-{action}", kwargs={"pk": outside.pk})
            assert client.get(url).status_code == 404
        assert snapshot_row(outside) == before
        assert not Person.objects.exists()


# -- the API ----------------------------------------------------------------------------------

def test_the_api_flow_upload_progress_errors_confirm(tree, capture):
    client = tree.client("street")
    rows = two_residents() + [resident(doc_number="BAD", nationality="ZZ")]
    content = csv_bytes(table(RESIDENT_FIELDS, rows))
    with capture(execute=True):
        response = client.post(reverse("api:people-import-list"), {
            "kind": "residents", "file": SimpleUploadedFile("r.csv", content)})
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    detail = client.get(reverse("api:people-import-detail", kwargs={"pk": pk})).json()
    assert detail["status"] == "checked" and detail["error_count"] == 1
    assert detail["progress"]["percent"] == 100
    errors = client.get(reverse("api:people-import-errors", kwargs={"pk": pk})).json()
    assert errors["results"][0]["line"] == 4 and errors["results"][0]["field"] == "nationality"
    with capture(execute=True):
        response = client.post(reverse("api:people-import-confirm", kwargs={"pk": pk}),
                               {"mode": "valid"}, content_type="application/json")
    assert response.status_code == 200
    done = client.get(reverse("api:people-import-progress", kwargs={"pk": pk})).json()
    assert done["status"] == "done" and done["percent"] == 100
    listed = client.get(reverse("api:people-import-list")).json()
    assert [j["id"] for j in listed["results"]] == [pk]
    template = client.get(reverse("api:people-import-template"),
                          {"kind": "lodgers", "format": "csv"})
    assert template.status_code == 200 and template["Content-Type"].startswith("text/csv")
    assert "入住时间 / Check-in" in template.content.decode("utf-8-sig")


def test_the_api_refuses_a_too_big_upload(tree, settings):
    settings.IMPORT_MAX_MB = 1
    client = tree.client("street")
    response = client.post(reverse("api:people-import-list"), {
        "kind": "residents", "file": SimpleUploadedFile("big.csv", b"x" * (3 * 1024 * 1024))})
    assert response.status_code == 413
    over = SimpleUploadedFile("over.csv", b"x" * (1024 * 1024 + 300 * 1024))
    response = client.post(reverse("api:people-import-list"), {"kind": "residents",
                                                               "file": over})
    assert response.status_code == 413
    assert not ImportJob.objects.exists()


def test_a_user_without_change_rights_cannot_import(tree):
    client = tree.client("leader")
    assert client.get(reverse("people:import_upload")).status_code == 403
    response = client.post(reverse("api:people-import-list"), {
        "kind": "residents", "file": SimpleUploadedFile("r.csv", b"a,b\n")})
    assert response.status_code == 403
    assert not ImportJob.objects.exists()


# -- the workbook reader ----------------------------------------------------------------------

def _rows_of(path):
    from frontline.people.imports.files import Limits
    from frontline.people.imports.xlsx import xlsx_rows

    return list(xlsx_rows(path, Limits.from_settings()))


def test_the_reader_gives_what_openpyxl_gives(tmp_path):
    """Shared strings, dates, times, numbers, booleans, formulas, blanks: the cells read as
    openpyxl reads them (as text), on a workbook openpyxl writes the way Excel does."""
    import openpyxl

    from frontline.people.imports.xlsx import cell_text

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["姓 / Family name", "名", "出生日期", "电话", "float", "bool", "formula"])
    sheet.append(["MÜLLER & Co <x>", "JÖRG", datetime.date(1975, 4, 2), 13800138000, 1.5, True,
                  "=1+1"])
    sheet.append([])
    sheet.append(["王", None, datetime.datetime(2020, 3, 1, 14, 30),  # noqa: DTZ001 - Excel time
                  "00123", 2.0, False, ""])
    sheet["C5"] = datetime.datetime(2021, 1, 2)  # noqa: DTZ001 - a naive Excel date
    sheet["G6"] = "only a late cell"
    path = tmp_path / "rich.xlsx"
    workbook.save(path)
    expected = []
    for number, row in enumerate(openpyxl.load_workbook(path, read_only=True).worksheets[0]
                                 .iter_rows(values_only=True), start=1):
        cells = [cell_text(v) for v in row]
        while cells and not cells[-1]:
            cells.pop()
        if cells:
            expected.append((number, cells))
    mine = [(n, cells) for n, cells in _rows_of(path) if any(cells)]
    assert mine == expected
    assert mine[1][1][:4] == ["MÜLLER & Co <x>", "JÖRG", "1975-04-02", "13800138000"]
    assert mine[1][1][6] == "=1+1"  # a formula is its text, never evaluated
    assert mine[2][0] == 4  # the blank row 3 keeps the numbering


def _handmade_workbook(path, sheet_xml: str, shared_xml: str = "") -> None:
    parts = {
        "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats'
                               '.org/package/2006/content-types"/>',
        "xl/workbook.xml": '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.'
                           'org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.'
                           'org/officeDocument/2006/relationships"><sheets><sheet name="a" '
                           'sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas'
                                      '.openxmlformats.org/package/2006/relationships">'
                                      '<Relationship Id="rId1" Target="worksheets/data.xml" '
                                      'Type="x"/></Relationships>',
        "xl/worksheets/data.xml": sheet_xml,
    }
    if shared_xml:
        parts["xl/sharedStrings.xml"] = shared_xml
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in parts.items():
            zf.writestr(name, text)


def test_the_reader_handles_other_writers_xml(tmp_path):
    """A namespace prefix, attributes in another order, rich text with phonetic runs, CDATA,
    character references, Excel's _xHHHH_ escapes, cells and rows without numbers."""
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    sheet = (
        f'<?xml version="1.0" encoding="UTF-8"?><x:worksheet xmlns:x="{ns}"><x:sheetData>'
        '<x:row r="1"><x:c t="s" r="A1"><x:v>0</x:v></x:c><x:c r="B1" t="s"><x:v>1</x:v></x:c>'
        '</x:row>'
        '<x:row r="7"><x:c r="A7" t="inlineStr"><x:is><x:r><x:t>山</x:t></x:r><x:r><x:t '
        'xml:space="preserve">田 </x:t></x:r><x:rPh sb="0" eb="1"><x:t>やま</x:t></x:rPh></x:is>'
        '</x:c><x:c t="str"><x:f>CONCAT("a","b")</x:f><x:v>ab</x:v></x:c>'
        '<x:c r="D7" t="inlineStr"><x:is><x:t><![CDATA[<b>&]]></x:t></x:is></x:c></x:row>'
        '<x:row><x:c r="A8" t="inlineStr"><x:is><x:t>&#20013;&amp;_x0041_</x:t></x:is></x:c>'
        '</x:row></x:sheetData></x:worksheet>')
    shared = (f'<?xml version="1.0"?><sst xmlns="{ns}"><si><t>姓 / Family name</t></si>'
              '<si><r><t>名</t></r><r><t> / Given</t></r><rPh><t>な</t></rPh></si></sst>')
    path = tmp_path / "other.xlsx"
    _handmade_workbook(path, sheet, shared)
    assert _rows_of(path) == [
        (1, ["姓 / Family name", "名 / Given"]),
        (7, ["山田", '=CONCAT("a","b")', "", "<b>&"]),
        (8, ["中&A"]),
    ]


@pytest.mark.parametrize("part", ["sheet", "shared"])
def test_the_reader_itself_refuses_entities(tmp_path, part):
    """Even called without the scan before it, the reader's parser refuses a DTD."""
    from frontline.people.imports.files import ImportRefused

    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    plain = (f'<?xml version="1.0"?><worksheet xmlns="{ns}"><sheetData><row r="1"><c r="A1" '
             't="s"><v>0</v></c></row></sheetData></worksheet>')
    shared = f'<?xml version="1.0"?><sst xmlns="{ns}"><si><t>a</t></si></sst>'
    if part == "sheet":
        plain = XXE.decode()
    else:
        shared = LAUGHS.decode()
    path = tmp_path / "evil.xlsx"
    _handmade_workbook(path, plain, shared)
    with pytest.raises(ImportRefused, match="DOCTYPE"):
        _rows_of(path)


def test_errors_name_the_spreadsheet_row_even_after_blank_rows(tree, capture):
    rows = table(RESIDENT_FIELDS, [resident()])
    rows += [[""] * len(RESIDENT_FIELDS), [""] * len(RESIDENT_FIELDS)]
    rows += table(RESIDENT_FIELDS, [resident(doc_number="X7", nationality="ZZ")])[1:]
    job = upload(tree, "street", "gaps.xlsx", xlsx_bytes(rows), capture=capture)
    assert job.rows_total == 2 and job.error_count == 1
    assert {e["line"] for e in job.errors} == {5}


def test_the_fast_snapshot_equals_the_audit_snapshot(tree):
    from frontline.audit.services import snapshot
    from frontline.people.imports.upsert import PERSON_ATTNAMES, fast_snapshot

    person = make_person(tree, name_zh="罗西", phone="+8613800138000",
                         birth_date=datetime.date(1980, 5, 17))
    values = Person.objects.values(*PERSON_ATTNAMES).get(pk=person.pk)
    assert fast_snapshot(values) == snapshot(Person.objects.get(pk=person.pk))


def test_tabs_newlines_and_backslashes_survive_the_bulk_writes(tree, capture):
    """On PostgreSQL the rows go in with COPY, whose text format escapes these."""
    address = "Line 1\nLine 2\tc/o \\Hotel\\ N°5 — “quotes”, 'apostrophes', \\N"
    job = upload(tree, "street", "r.csv", csv_bytes(table(RESIDENT_FIELDS, [
        resident(address=address, name_native="Jörg\\Müller")])), capture=capture)
    confirm(tree, "street", job, "all", capture)
    person = Person.objects.get()
    assert person.address == address and person.name_native == "Jörg\\Müller"
    entry = ChangeLogEntry.objects.get(object_type="people.person")
    assert entry.after["address"] == address


def test_the_prefetching_reader_gives_the_same_rows(tmp_path, monkeypatch, tree, capture):
    """A large workbook is read by a second process; the rows, their lines and the import
    are the same as when it is read in this one."""
    from frontline.people.imports import files

    rows = table(RESIDENT_FIELDS, [resident(doc_number=f"P{i:07d}", family_name=f"ROW{i}")
                                   for i in range(25)])
    path = tmp_path / "many.xlsx"
    path.write_bytes(xlsx_bytes(rows))
    opened = files.file_open(path, "many.xlsx")
    monkeypatch.setattr(files, "PREFETCH_MIN_ROWS", 1)
    monkeypatch.setattr(files, "PREFETCH_BATCH", 7)
    assert list(opened.rows_prefetched()) == list(opened.rows())
    job = upload(tree, "street", "many.xlsx", path.read_bytes(), capture=capture)
    assert job.status == "checked" and job.rows_valid == 25


def test_the_prefetching_reader_passes_a_refusal_on(tmp_path, monkeypatch):
    from frontline.people.imports import files

    monkeypatch.setattr(files, "PREFETCH_MIN_ROWS", 0)
    path = tmp_path / "evil.xlsx"
    _handmade_workbook(path, XXE.decode())
    opened = files.OpenedFile("xlsx", "", path, files.Limits.from_settings(), row_count=5)
    with pytest.raises(files.ImportRefused, match="DOCTYPE"):
        list(opened.rows_prefetched())


def test_an_abandoned_prefetching_reader_is_stopped(tmp_path, monkeypatch):
    from frontline.people.imports import files

    monkeypatch.setattr(files, "PREFETCH_MIN_ROWS", 0)
    monkeypatch.setattr(files, "PREFETCH_BATCH", 1)
    path = tmp_path / "many.xlsx"
    path.write_bytes(xlsx_bytes(table(RESIDENT_FIELDS, [resident() for _ in range(50)])))
    before = set(multiprocessing.active_children())
    reader = files.file_open(path, "many.xlsx").rows_prefetched()
    assert next(reader)[0] == 1
    reader.close()
    assert set(multiprocessing.active_children()) <= before


def test_a_row_without_category_adds_none_to_someone_registered_and_other_to_someone_new(
        tree, capture):
    rows = [resident(category=""), resident(doc_number="NEW12345", family_name="NEU",
                                            category="")]
    job = confirm(tree, "street", upload(tree, "street", "r.csv", csv_bytes(
        table(RESIDENT_FIELDS, rows[:1])), capture=capture), "all", capture)
    assert job.status == ImportStatus.DONE
    known = Person.objects.get(family_name="MÜLLER")
    assert set(known.categories) == {"other"}  # new then: "other"
    PersonCategory.objects.filter(person=known).update(category="permanent_resident")
    job = confirm(tree, "street", upload(tree, "street", "r2.csv", csv_bytes(
        table(RESIDENT_FIELDS, rows)), capture=capture), "all", capture)
    assert job.status == ImportStatus.DONE
    assert set(Person.objects.get(pk=known.pk).categories) == {"permanent_resident"}
    assert set(Person.objects.get(family_name="NEU").categories) == {"other"}


def test_a_file_waiting_for_its_check_shows_an_empty_bar_not_a_full_one(tree, capture):
    job = upload(tree, "street", "r.csv", csv_bytes(table(RESIDENT_FIELDS, two_residents())),
                 capture=capture)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.UPLOADED, rows_total=0)
    job.refresh_from_db()
    assert imports.progress(job)["percent"] == 0
