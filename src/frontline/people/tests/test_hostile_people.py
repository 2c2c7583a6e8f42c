"""Hostile input to the registry: every file of the hostile corpus through the import page and
the import API, formula cells kept as text and exported neutralised, right-to-left and
bidirectional names stored exactly, found and shown escaped, and fuzzed MRZ lines."""

from __future__ import annotations

import contextlib
import csv
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mrz.generator.td1 import TD1CodeGenerator
from mrz.generator.td2 import TD2CodeGenerator
from mrz.generator.td3 import TD3CodeGenerator

from frontline.core.tests.hostile import corpus
from frontline.core.tests.hostile.checks import (
    audit_added,
    audit_counts,
    files_under,
    has_chinese,
    peak_memory,
    peak_rss_growth,
    upload,
)
from frontline.people import names
from frontline.people.models import ImportJob, ImportStatus, Person
from frontline.people.mrz import _lines, parse_mrz
from frontline.people.tests.importing import (
    RESIDENT_FIELDS,
    confirm,
    registry_fingerprint,
    resident,
    table,
)

# The corpus items the registry's readers read (the user then maps the columns or confirms);
# every other "sheet" item must be refused as a whole.
READ = {"xlsx_control_chars", "xlsx_long_cell", "xlsx_wide", "xlsx_formulas", "csv_wide",
        "csv_cr_only", "csv_formulas", "csv_gb18030", "xlsx_bomb_lying_crc"}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def capture(django_capture_on_commit_callbacks):
    return django_capture_on_commit_callbacks


def _post(client, via: str, file, **extra):
    if via == "page":
        return client.post(reverse("people:import_upload"),
                           {"kind": "residents", "file": file}, **extra)
    return client.post(reverse("api:people-import-list"), {"kind": "residents", "file": file},
                       **extra)


@pytest.mark.parametrize("via", ["page", "api"])
@pytest.mark.parametrize("item", corpus.items("sheet"), ids=lambda i: i.key)
def test_every_hostile_file_is_refused_whole_or_read_as_text(tree, capture, settings, item, via):
    before, audit = registry_fingerprint(), audit_counts()
    with capture(execute=True):
        response = _post(tree.client("street"), via, upload(item))
    assert response.status_code == (302 if via == "page" else 201), response.content[:500]
    job = ImportJob.objects.get()
    if item.key in READ:  # waits for the column mapping (the corpus's headers are not ours)
        assert job.status in (ImportStatus.UPLOADED, ImportStatus.CHECKED), job.message
    else:
        assert job.status == ImportStatus.REFUSED, (job.status, job.message)
        assert job.message and "server" not in job.message
        assert files_under(settings.MEDIA_ROOT) == []  # nothing of a refused file is kept
    assert registry_fingerprint() == before
    assert set(audit_added(audit)) <= {"people.importjob"}


@pytest.mark.parametrize(("language", "expected"), [
    ("zh-hans", "文档类型声明"), ("en", "document type declaration")])
def test_the_refusal_is_in_the_uploaders_language(tree, capture, language, expected):
    client = tree.client("street")
    with capture(execute=True):
        response = _post(client, "page", upload(corpus.get("xlsx_xxe_sheet")),
                         HTTP_ACCEPT_LANGUAGE=language)
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.REFUSED and expected in job.message
    page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert expected in page and has_chinese(job.message) == (language == "zh-hans")


def _read_all(path, name: str) -> int:
    from frontline.people.imports.files import file_open

    return sum(1 for _row in file_open(path, name).rows())


@pytest.mark.parametrize("key", ["xlsx_bomb", "xlsx_bomb_lying", "xlsx_bomb_lying_crc",
                                 "xlsx_bomb_overlap", "xlsx_million_rows", "csv_million_rows"])
def test_bombs_and_million_rows_are_read_in_bounded_memory(tree, capture, settings, key):
    settings.IMPORT_MAX_ROWS = 500_000
    with capture() as callbacks:
        _post(tree.client("street"), "api", upload(corpus.get(key)))
    job = ImportJob.objects.get()
    stored = settings.MEDIA_ROOT / job.file_path
    # The reader alone, in a forked process: its resident memory, zlib's and expat's included.
    outcome, growth = peak_rss_growth(lambda: _read_all(stored, job.file_name))
    assert growth < 64 * 1024 * 1024, (outcome, growth)
    with contextlib.ExitStack() as stack:  # the whole check, as the worker runs it
        # (tracemalloc would make a million rows slow; the reader above is measured anyway)
        memory = stack.enter_context(peak_memory()) if "million" not in key else None
        for callback in callbacks:
            callback()
    job.refresh_from_db()
    if key in READ:  # true sizes and checksums: read, no further than they say
        assert outcome == "2" and job.status == ImportStatus.UPLOADED, (outcome, job.message)
    else:
        assert outcome.startswith("ImportRefused"), outcome
        assert job.status == ImportStatus.REFUSED, job.message
    if memory is not None:
        assert memory["peak"] < 32 * 1024 * 1024, memory


# -- formula cells ----------------------------------------------------------------------------

def _formula_residents() -> list[dict[str, str]]:
    # A family name needs a letter; after the formula's prefix, it has some.
    return [resident(family_name=formula + "ROSSI", given_names=formula,
                     doc_number=f"C01X00T{n:02d}", email="", phone="")
            for n, formula in enumerate(corpus.FORMULAS, start=10)]


def test_formula_cells_are_imported_as_text_and_every_export_neutralises_them(tree, capture):
    client = tree.client("district")
    content = corpus.csv_bytes(table(RESIDENT_FIELDS, _formula_residents()))
    with capture(execute=True):
        client.post(reverse("people:import_upload"),
                    {"kind": "residents", "file": SimpleUploadedFile("f.csv", content)})
    job = confirm(tree, "district", ImportJob.objects.get(), "all", capture)
    assert job.status == ImportStatus.DONE, (job.message, job.errors)
    stored = set(Person.objects.values_list("family_name", flat=True))
    assert stored == {(f + "ROSSI").strip() for f in corpus.FORMULAS}  # text, never evaluated
    exports = {
        "page csv": client.get(reverse("people:person_export"), {"format": "csv"}),
        "page xlsx": client.get(reverse("people:person_export"), {"format": "xlsx"}),
        "api csv": client.get(reverse("api:person-export-list"), {"format": "csv"}),
        "api xlsx": client.get(reverse("api:person-export-list"), {"format": "xlsx"}),
    }
    for label, response in exports.items():
        assert response.status_code == 200, label
        data = b"".join(response.streaming_content) if response.streaming else response.content
        cells = [c for c in (_csv_cells(data) if "csv" in label else _xlsx_cells(data))
                 if isinstance(c, str)]
        texts = stored | {f.strip() for f in corpus.FORMULAS}  # the family and given names
        assert not [c for c in cells if c in texts], label  # none left as a formula
        neutralised = [c for c in cells if c.startswith("'") and c[1:] in texts]
        assert len(neutralised) == 2 * len(corpus.FORMULAS), (label, neutralised)


def test_the_error_list_of_an_import_neutralises_formulas(tree, capture):
    client = tree.client("district")
    rows = [resident(nationality=formula, doc_number=f"C01X00T{n:02d}")
            for n, formula in enumerate(corpus.FORMULAS, start=10)]
    with capture(execute=True):
        client.post(reverse("people:import_upload"), {"kind": "residents", "file":
                    SimpleUploadedFile("f.csv", corpus.csv_bytes(table(RESIDENT_FIELDS, rows)))})
    job = ImportJob.objects.get()
    assert job.error_count == len(rows)
    content = client.get(reverse("people:import_errors_csv", kwargs={"pk": job.pk})).content
    cells = _csv_cells(content)
    assert cells and not [c for c in cells if c.startswith(corpus_triggers())]


def corpus_triggers() -> tuple[str, ...]:
    return ("=", "+", "-", "@", "\t", "\r")


def _csv_cells(content: bytes) -> list[str]:
    return [c for row in csv.reader(io.StringIO(content.decode("utf-8-sig"))) for c in row]


def _xlsx_cells(content: bytes) -> list[object]:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(content))  # not read-only: data types are kept
    cells = []
    for row in book.worksheets[0].iter_rows():
        for cell in row:
            assert cell.data_type != "f", cell.value  # no formula cell at all
            cells.append(cell.value)
    return cells


# -- names in right-to-left scripts and with bidirectional controls ---------------------------

@pytest.mark.parametrize("kind", sorted(corpus.RTL_NAMES))
def test_rtl_and_bidi_names_are_stored_exactly_found_and_shown_escaped(tree, kind):
    family, given = corpus.RTL_NAMES[kind]
    client = tree.client("street")
    response = client.post(reverse("people:person_create"), {
        "family_name": family, "given_names": given, "name_native": f"{given} {family}",
        "nationality": "EG", "sex": "M", "residence": tree.jurisdictions["110101001001"].pk,
        "doc_type": "passport", "doc_number": "A12345678", "doc_country": "EG"})
    assert response.status_code == 302, response.context["form"].errors
    person = Person.objects.get()
    assert (person.family_name, person.given_names) == (family.strip(), given.strip())
    assert person.name_native == f"{given} {family}"
    # Folding and transliteration never fail and keep the letters of every script.
    assert names.fold(family) and names.transliterate(given) is not None
    assert names.name_key(family, given)
    detail = client.get(reverse("people:person_detail", kwargs={"pk": person.pk}))
    html = detail.content.decode()
    assert "<b>x</b>" not in html  # the markup inside a name is text
    if "<b>" in given:
        assert "&lt;b&gt;x&lt;/b&gt;" in html
    for query in (family, given.split()[0], f"{given} {family}"):
        listing = client.get(reverse("people:person_list"), {"q": query})
        assert listing.status_code == 200
        assert list(listing.context["object_list"]) == [person], query
    api = client.get(reverse("api:person-list"), {"q": family})
    assert [p["id"] for p in api.json()["results"]] == [person.pk]
    assert api.json()["results"][0]["family_name"] == family.strip()


@pytest.mark.parametrize("family", ["\u202e\u202c", "\u200b\u2066\u2069", "\ufffd\ufffd"])
def test_a_family_name_of_invisible_or_unreadable_characters_only_is_refused(tree, family):
    response = tree.client("street").post(reverse("people:person_create"), {
        "family_name": family, "nationality": "EG", "sex": "M",
        "residence": tree.jurisdictions["110101001001"].pk, "doc_type": "passport",
        "doc_number": "A12345678", "doc_country": "EG"})
    assert response.status_code == 200
    assert "family_name" in response.context["form"].errors
    assert not Person.objects.exists()


# -- MRZ --------------------------------------------------------------------------------------

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<"
GENUINE = [
    str(TD3CodeGenerator("P", "ITA", "ROSSI", "MARCO LUCA", "YA1234567", "ITA", "800517", "M",
                         "310101", "")),
    str(TD3CodeGenerator("P", "GBR", "SMITH", "JOHN", "123456789", "GBR", "750101", "M",
                         "300101", "ZE184226B")),
    str(TD2CodeGenerator("I", "FRA", "DUPONT", "MARIE", "X1234567", "FRA", "900101", "F",
                         "310101")),
    str(TD1CodeGenerator("I", "NLD", "SPEC12345", "640812", "F", "301231", "NLD", "DE BRUIJN",
                         "WILLEKE LISELOTTE")),
    str(TD1CodeGenerator("I", "CHN", "C01234567", "880229", "M", "290228", "EGY", "AL KHATIB",
                         "MOHAMED")),
]


def check_digit(data: str) -> str:
    """ICAO 9303 check digit (weights 7, 3, 1; < counts 0), computed independently."""
    total = 0
    for i, ch in enumerate(data):
        value = 0 if ch == "<" else int(ch) if ch.isdigit() else ord(ch) - 55
        total += value * (7, 3, 1)[i % 3]
    return str(total % 10)


def _digit_ok(digit: str, data: str, *, filler_allowed: bool = False) -> bool:
    return digit == check_digit(data) or (filler_allowed and digit == "<" and set(data) == {"<"})


def every_check_digit_is_right(lines: list[str]) -> bool:
    if len(lines) == 2:
        line = lines[1]
        end = 42 if len(line) == 44 else 34  # the composite digit follows line[end]
        digits = [_digit_ok(line[9], line[0:9]), _digit_ok(line[19], line[13:19]),
                  _digit_ok(line[27], line[21:27]),
                  _digit_ok(line[end + 1], line[0:10] + line[13:20] + line[21:end + 1])]
        if len(line) == 44:
            digits.append(_digit_ok(line[42], line[28:42], filler_allowed=True))
        return all(digits)
    first, second = lines[0], lines[1]
    number_ok = _digit_ok(first[14], first[5:14])
    if first[14] == "<" and first[15] != "<":  # a long number continues in the optional data
        rest = first[15:30].split("<")[0]
        number_ok = _digit_ok(rest[-1], first[5:14] + rest[:-1])
    return all([number_ok, _digit_ok(second[6], second[0:6]), _digit_ok(second[14], second[8:14]),
                _digit_ok(second[29], first[5:30] + second[0:7] + second[8:15] + second[18:29])])


@st.composite
def mutated_mrz(draw) -> str:
    """A genuine TD1/TD2/TD3 with one to four characters changed, lines joined, re-spaced or
    lower-cased as people paste them."""
    chars = list(draw(st.sampled_from(GENUINE)))
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(chars) - 1))
        if chars[i] != "\n":
            chars[i] = draw(st.sampled_from(ALPHABET))
    text = "".join(chars)
    style = draw(st.sampled_from(["lines", "one line", "crlf", "lower"]))
    return {"lines": text, "one line": text.replace("\n", ""),
            "crlf": "  " + text.replace("\n", " \r\n "), "lower": text.lower()}[style]


@st.composite
def shaped_mrz(draw) -> str:
    """Random text of exactly an MRZ's shape, from the MRZ alphabet or from all of Unicode."""
    width, count = draw(st.sampled_from([(44, 2), (36, 2), (30, 3)]))
    alphabet = draw(st.sampled_from([st.sampled_from(ALPHABET), st.sampled_from("<0123456789"),
                                     st.characters()]))
    return "\n".join(draw(st.text(alphabet, min_size=width, max_size=width))
                     for _ in range(count))


def _parse_never_lies(text: str) -> None:
    try:
        data = parse_mrz(text)
    except ValidationError as exc:
        assert exc.messages and all(exc.messages)
        return
    assert every_check_digit_is_right(_lines(text)), (text, data)
    assert data.format in ("TD1", "TD2", "TD3") and data.sex in ("F", "M", "X")


def test_genuine_mrz_lines_are_read():
    for text in GENUINE:
        assert every_check_digit_is_right(_lines(text))
        assert parse_mrz(text).document_number


@settings(max_examples=1500, deadline=None, suppress_health_check=list(HealthCheck))
@given(mutated_mrz())
def test_mutated_mrz_never_crashes_and_never_passes_a_wrong_check_digit(text):
    _parse_never_lies(text)


@settings(max_examples=1000, deadline=None, suppress_health_check=list(HealthCheck))
@given(shaped_mrz() | st.text(max_size=200))
def test_random_mrz_shaped_text_never_crashes(text):
    _parse_never_lies(text)


def test_the_mrz_api_and_page_answer_fuzzed_lines_with_400_not_500(tree):
    client = tree.client("street")
    samples = [GENUINE[0][:-1] + ("0" if GENUINE[0][-1] != "0" else "1"), "P<" * 44,
               "\u202e" * 88, "\x00" * 88, GENUINE[3].replace("\n", "\r"), "<" * 200]
    for text in samples:
        response = client.post(reverse("api:mrz-parse"), {"mrz": text},
                               content_type="application/json")
        assert response.status_code in (200, 400), (text, response.content)
        page = client.post(reverse("people:person_create"), {"mrz": text, "fill": "1"})
        assert page.status_code == 200
    assert not Person.objects.exists()
