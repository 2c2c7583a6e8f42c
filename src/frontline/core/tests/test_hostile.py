"""Hostile input across the whole application: the corpus itself, bodies over the limit refused
unread (413) on every upload page and API, hostile JSON answered 400 on the API, every export
neutralising formulas, and a real HTTP server that stays up through all of it.

The entry points' own refusals are tested beside them: test_hostile_<app>.py in the tests of
people, arrivals, documents, areas, helpdesk and portal. See hostile/README.md.
"""

from __future__ import annotations

import ast
import csv
import http.client
import io
import json
import zipfile
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from frontline.core.tests.hostile import corpus
from frontline.core.tests.hostile.checks import (
    audit_added,
    audit_counts,
    files_under,
    has_chinese,
    peak_rss_growth,
)

HOSTILE_DIR = Path(corpus.__file__).parent
SRC = Path(django_settings.BASE_DIR)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


# -- the corpus -------------------------------------------------------------------------------

SMALL = [i for i in corpus.ITEMS.values()
         if "million" not in i.key and i.key not in ("xlsx_bomb", "xlsx_bomb_lying",
                                                      "xlsx_bomb_lying_crc")]


def test_the_corpus_is_built_the_same_every_time(tmp_path, monkeypatch):
    first = {i.key: i.data() for i in SMALL}
    monkeypatch.setenv("FRONTLINE_HOSTILE_CACHE", str(tmp_path / "again"))
    assert {i.key: i.data() for i in SMALL} == first
    assert all(i.why and i.families and i.filename for i in corpus.ITEMS.values())


def test_nothing_large_is_committed_to_the_corpus_folder():
    big = [p for p in HOSTILE_DIR.rglob("*") if p.is_file() and p.stat().st_size > 200 * 1024]
    assert not big


def test_the_benign_twin_of_the_hostile_workbooks_is_a_good_workbook(tmp_path):
    """The workbooks are written by hand; without their hostile part they must be readable, so
    that a refusal is the hostile part's doing."""
    from openpyxl import load_workbook

    from frontline.people.imports.files import file_open

    data = corpus.xlsx_bytes([corpus.SHEET_HEADER, corpus.SHEET_ROW])
    rows = list(load_workbook(io.BytesIO(data), read_only=True).worksheets[0].iter_rows(
        values_only=True))
    assert [list(r) for r in rows] == [corpus.SHEET_HEADER, corpus.SHEET_ROW]
    path = tmp_path / "good.xlsx"
    path.write_bytes(data)
    assert [cells for _line, cells in file_open(path, "good.xlsx").rows()] == [
        corpus.SHEET_HEADER, corpus.SHEET_ROW]


def test_the_bombs_really_are_bombs():
    with zipfile.ZipFile(corpus.get("xlsx_bomb").path()) as archive:
        assert sum(i.file_size for i in archive.infolist()) > 1.5 * 10**9
        assert corpus.get("xlsx_bomb").path().stat().st_size < 2 * 1024 * 1024
    with zipfile.ZipFile(corpus.get("xlsx_bomb_lying_crc").path()) as archive:
        info = archive.getinfo("xl/workbook.xml")
        assert info.file_size < 1000 and info.compress_size > 500_000  # 1 GiB more inside
        with archive.open(info) as part:  # read in chunks: exactly the declared, good bytes
            assert part.read(1 << 16).startswith(b"<?xml") and not part.read(1 << 16)


# -- bodies over the limit ---------------------------------------------------------------------

def _question(tree):
    from frontline.helpdesk.tests.factories import ask

    return ask(tree).pk


UPLOADS = [
    # (name, user, url name, url kwargs, form fields, file field)
    ("people import page", "street", "people:import_upload", None, {"kind": "residents"}, "file"),
    ("people import API", "street", "api:people-import-list", None, {"kind": "residents"},
     "file"),
    ("arrival list page", "registrar", "arrivals:import_upload", None, {"transfer_point": 0},
     "file"),
    ("arrival list API", "registrar", "api:arrivalimport-list", None, {"transfer_point": 0},
     "file"),
    ("translation exchange page", "translator", "documents:exchange", None, {"format": "xlsx"},
     "file"),
    ("translation import API", "translator", "api:translation-import-file", None,
     {"file_format": "xlsx"}, "file"),
    ("document batch page", "street", "documents:batch_create", None,
     {"kind": "observation_end_certificate", "output": "zip"}, "file"),
    ("proofreading page", "hotel", "documents:proofread_create", None,
     {"title": "Notes", "language": "en"}, "file"),
    ("seal page", "district", "documents:office_profile", None, {"office": "110101"}, "seal"),
    ("question page", "hotel", "helpdesk:question_ask", None, {"text": "?"}, "attachments"),
    ("attachment API", "street", "api:question-attachments", _question, {}, "file"),
]


@pytest.mark.parametrize("upload", UPLOADS, ids=[u[0] for u in UPLOADS])
def test_a_body_over_the_limit_is_refused_unread_by_every_upload(tree, settings, upload):
    name, user, url_name, kwargs, fields, file_field = upload
    settings.IMPORT_MAX_MB = 1  # the largest file any page takes: 1 MB; a body up to 3 MB
    url = reverse(url_name, kwargs={"pk": kwargs(tree)} if kwargs else None)
    fields = {k: (tree.places["transfer"].pk if k == "transfer_point" else v)
              for k, v in fields.items()}
    audit = audit_counts()
    big = SimpleUploadedFile("big.xlsx", b"PK\x03\x04" + b"\x00" * (3 * 1024 * 1024 + 512))
    response = tree.client(user).post(url, {**fields, file_field: big})
    assert response.status_code == 413, (name, response.status_code)
    text = response.content.decode()
    # The limit named is the file's (1 MB), not the body's with the form around it (3 MB).
    if url_name.startswith("api:"):
        assert response["Content-Type"].startswith("application/json")
        assert "larger than 1 MB" in response.json()["detail"]
    else:
        assert "larger than 1 MB" in text
    assert not audit_added(audit) and files_under(settings.MEDIA_ROOT) == []


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_refusal_of_a_body_over_the_limit_speaks_the_users_language(tree, settings, language):
    settings.IMPORT_MAX_MB = 1
    client = tree.client("registrar")
    big = SimpleUploadedFile("big.csv", b"x" * (3 * 1024 * 1024 + 512))
    page = client.post(reverse("arrivals:import_upload"),
                       {"transfer_point": tree.places["transfer"].pk, "file": big},
                       HTTP_ACCEPT_LANGUAGE=language)
    html = page.content.decode()
    assert page.status_code == 413 and f'lang="{language}"' in html
    assert ("返回首页" in html) == (language == "zh-hans")  # the page around the message
    # Between the import's own limit (1 MB and 1 MB of form) and this one: its own message.
    within = SimpleUploadedFile("big.csv", b"x" * (2 * 1024 * 1024 + 512 * 1024))
    people = tree.client("street").post(reverse("people:import_upload"),
                                        {"kind": "residents", "file": within},
                                        HTTP_ACCEPT_LANGUAGE=language)
    expected = "文件超过 1 MB" if language == "zh-hans" else "The file is larger than 1 MB"
    assert people.status_code == 413 and expected in people.content.decode()


def test_a_json_body_over_the_limit_is_refused_before_it_is_parsed(tree, settings):
    from frontline.accounts.services import token_create
    from frontline.observation.models import HealthCheck

    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
    body = corpus.big_json(2)
    _token, key = token_create(actor=tree.users["hotel"], name="feed")
    url = reverse("api:healthcheck-bulk")
    for auth in ({"HTTP_AUTHORIZATION": f"Token {key}"}, {}):  # a token, and the session
        client = tree.client("hotel") if not auth else tree.client("hotel").__class__()
        response = client.post(url, body, content_type="application/json", **auth)
        assert response.status_code == 413, (auth, response.content[:200])
        assert "larger than 1 MB" in response.json()["detail"]
    assert not HealthCheck.objects.exists()


# -- hostile JSON --------------------------------------------------------------------------------

JSON_BODIES = {
    "nested 100,000 deep": corpus.deep_json(),
    "nested inside an object": b'{"fields": ' + corpus.deep_json(50_000) + b"}",
    "not UTF-8": b'[{"observation": 1, "temperature": "36.6", "note": "\xff\xfe\xc0\xaf"}]',
    "NaN and Infinity": b'[{"observation": 1, "temperature": NaN, "note": Infinity}]',
    "a number of 100,000 digits": b'[{"observation": ' + b"9" * 100_000 + b"}]",
    "NUL characters": b'[{"observation": 1, "temperature": "36.6", "note": "a\\u0000b"}]',
    "a lone surrogate": b'[{"observation": 1, "temperature": "36.6", "note": "\\ud800"}]',
    "truncated": b'[{"observation": 1, "temperature": "36.',
}
JSON_ENDPOINTS = [
    ("hotel", "api:healthcheck-bulk", None),
    ("street", "api:person-list", None),
    ("street", "api:people-import-mapping", "import"),
    ("hotel", "api:question-list", None),
    ("street", "api:document-batch-list", None),
]


def _import_job(tree) -> int:
    from frontline.people.models import ImportJob

    job = ImportJob.objects.create(kind="residents", jurisdiction=tree.jurisdictions["110101001"],
                                   jurisdiction_code="110101001", file_name="x.csv",
                                   file_path="imports/x.csv", created_by=tree.users["street"],
                                   mapping={"headers": ["a"]})
    return job.pk


def _rows_of_every_written_table() -> tuple:
    from frontline.documents.models import IssueBatch
    from frontline.helpdesk.models import Question
    from frontline.observation.models import HealthCheck
    from frontline.people.models import ImportJob, Person

    return (HealthCheck.objects.count(), Person.objects.count(), Question.objects.count(),
            IssueBatch.objects.count(),
            list(ImportJob.objects.values_list("mapping", "status")))


@pytest.mark.parametrize("endpoint", JSON_ENDPOINTS, ids=[e[1] for e in JSON_ENDPOINTS])
def test_hostile_json_is_a_400_never_a_500(tree, endpoint):
    user, url_name, kind = endpoint
    url = reverse(url_name, kwargs={"pk": _import_job(tree)} if kind == "import" else None)
    client = tree.client(user)
    before, audit = _rows_of_every_written_table(), audit_counts()
    for label, body in JSON_BODIES.items():
        response = client.post(url, body, content_type="application/json")
        assert 400 <= response.status_code < 500, (label, response.status_code,
                                                   response.content[:300])
        assert response["Content-Type"].startswith("application/json"), label
        assert response.json(), label
    assert _rows_of_every_written_table() == before and not audit_added(audit)


def test_nul_characters_in_the_keys_of_free_form_objects_are_refused(tree):
    """DictField checks values, not keys; PostgreSQL's jsonb refuses \\u0000 outright."""
    from frontline.documents.models import IssueBatch
    from frontline.documents.tests.factories import make_template

    make_template(tree)
    item = {"context": {"na\u0000me": "x", "jurisdiction_code": "110101001", "name": "X",
                        "start_date": "2020-03-20", "end_date": "2020-04-03"}}
    response = tree.client("street").post(reverse("api:document-batch-list"), {
        "document_kind": "observation_end_certificate", "language_policy": "zh-hans",
        "items": [item]}, content_type="application/json")
    # Refused, or the unknown key dropped: never a database error (PostgreSQL).
    assert response.status_code in (201, 400), response.content[:300]
    assert IssueBatch.objects.count() == (1 if response.status_code == 201 else 0)


# -- formula neutralisation in every export ---------------------------------------------------

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def _writers_of_spreadsheets() -> dict[str, str]:
    """Modules that write CSV or .xlsx cells, with how (csv.writer / Workbook)."""
    found = {}
    for path in sorted((SRC).rglob("*.py")):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if name in ("writer", "DictWriter", "Workbook"):
                    found[str(path.relative_to(SRC))] = name
    return found


# Modules whose cells are all fixed text written by the code (no user data ever).
FIXED_TEXT_WRITERS = {"people/imports/columns.py"}


def test_every_module_writing_spreadsheets_neutralises_formulas():
    writers = _writers_of_spreadsheets()
    assert "people/exports.py" in writers  # the scan works
    missing = [module for module in writers if module not in FIXED_TEXT_WRITERS
               and "neutralise(" not in (SRC / module).read_text(encoding="utf-8")]
    assert not missing, f"these write CSV/.xlsx without core.csvsafe.neutralise: {missing}"


def test_the_audit_export_neutralises_names_that_are_formulas(tree):
    from frontline.people.tests.factories import make_person

    for formula in corpus.FORMULAS:
        make_person(tree, family_name=formula + "ROSSI", given_names=formula)
    response = tree.client("district").get(reverse("audit:change_export"))
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    cells = [c for row in csv.reader(io.StringIO(content)) for c in row]
    assert any("cmd|" in c for c in cells)
    assert not [c for c in cells if c.startswith(TRIGGERS)]


def test_the_translation_export_neutralises_and_its_import_restores(tree):
    from openpyxl import load_workbook

    from frontline.documents.models import Translation
    from frontline.documents.tests.factories import make_template, translate

    template = make_template(tree)
    translate(tree, template, title="=HYPERLINK(\"http://127.0.0.1:9/\",\"x\")")
    response = tree.client("translator").get(reverse("documents:exchange"),
                                             {"language": "en", "format": "xlsx"})
    book = load_workbook(io.BytesIO(response.content))
    cells = [c for row in book.worksheets[0].iter_rows() for c in row]
    assert not [c for c in cells if c.data_type == "f"]
    assert not [c.value for c in cells if isinstance(c.value, str) and c.value.startswith(TRIGGERS)]
    upload = SimpleUploadedFile("en.xlsx", response.content)
    tree.client("translator").post(reverse("documents:exchange"), {"format": "xlsx",
                                                                   "file": upload})
    assert Translation.objects.get(template=template, language="en").title.startswith("=HYPER")


def test_the_bulletin_workbook_neutralises_a_figure_named_like_a_formula(tree):
    import datetime

    from django.utils import timezone
    from openpyxl import load_workbook

    from frontline.reports import bulletin, services

    actor, district = tree.users["district"], tree.jurisdictions["110101"]
    figure = services.figure_save(actor=actor, jurisdiction=district, key="evil",
                                  name="=cmd|' /C calc'!A0", source="manual", order=1)
    definition = services.definition_save(
        actor=actor, jurisdiction=district, name="@SUM(1+1)", figures=[figure],
        cutoff=datetime.time(0, 0), deadline=datetime.time(23, 59), reminders=[])
    run = services.run_snapshot(definition=definition, day=timezone.localdate())
    data = bulletin._xlsx(actor, run, [figure])
    cells = [c for row in load_workbook(io.BytesIO(data)).worksheets[0].iter_rows() for c in row]
    assert not [c for c in cells if c.data_type == "f"]
    assert "'=cmd|' /C calc'!A0 / evil" in [c.value for c in cells]


# -- a real server -------------------------------------------------------------------------------

class Http:
    """Plain HTTP to the live server, with an API token or a session cookie."""

    def __init__(self, base: str, *, token: str = "", session: str = ""):
        parts = urlsplit(base)
        self.host, self.port = parts.hostname, parts.port
        self.headers = {"Authorization": f"Token {token}"} if token else {
            "Cookie": f"sessionid={session}"}

    def request(self, method: str, path: str, body: bytes = b"", headers: dict | None = None,
                *, send: bytes | None = None) -> tuple[int, bytes]:
        """`send`: write only these bytes of a body whose declared length is larger."""
        conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
        try:
            all_headers = {**self.headers, **(headers or {})}
            if send is None:
                conn.request(method, path, body=body, headers=all_headers)
            else:
                conn.putrequest(method, path)
                for key, value in all_headers.items():
                    conn.putheader(key, value)
                conn.endheaders()
                try:
                    conn.send(send)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the server answered and closed before reading it all: fine
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()


def _multipart(fields: dict[str, str], name: str, filename: str, content: bytes
               ) -> tuple[bytes, str]:
    boundary = "hostile-boundary-7d2f"
    out = io.BytesIO()
    for key, value in fields.items():
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n'
                  f"{value}\r\n".encode())
    out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
              f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode())
    out.write(content + f"\r\n--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


def _status_kib(field: str) -> int:
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith(field + ":"))


def test_a_real_server_stays_up_and_bounded_through_the_hostile_corpus(live_server, live_tree,
                                                                     settings):
    from django.test import Client

    from frontline.accounts.services import token_create
    from frontline.helpdesk.tests.factories import ask
    from frontline.people.models import ImportJob, Person

    _token, key = token_create(actor=live_tree.users["street"], name="hostile")
    api = Http(live_server.url, token=key)
    browser = Client()
    browser.force_login(live_tree.users["street"])
    page = Http(live_server.url, session=browser.cookies["sessionid"].value)
    question = ask(live_tree).pk
    rss_before = _status_kib("VmRSS")
    statuses = []

    # Every hostile sheet through the import API, the check running in the server.
    for item in corpus.items("sheet"):
        body, kind = _multipart({"kind": "residents"}, "file", item.filename, item.data())
        status, answer = api.request("POST", reverse("api:people-import-list"), body,
                                     {"Content-Type": kind})
        statuses.append((item.key, status))
        assert status == 201, (item.key, status, answer[:300])
    assert not ImportJob.objects.exclude(status__in=["refused", "uploaded"]).exists()
    # Every hostile image through the attachment API.
    for item in corpus.items("image"):
        body, kind = _multipart({}, "file", item.filename, item.data())
        status, _ = api.request("POST", reverse("api:question-attachments",
                                                kwargs={"pk": question}), body,
                                {"Content-Type": kind})
        assert status == 400, (item.key, status)
    # Hostile JSON.
    for label, body in JSON_BODIES.items():
        status, _ = api.request("POST", reverse("api:person-list"), body,
                                {"Content-Type": "application/json"})
        assert status == 400, (label, status)
    # A body declared as 10 GB of which a few MB are sent: answered at once, unread.
    body, kind = _multipart({"kind": "residents"}, "file", "huge.csv", b"x" * (4 << 20))
    status, answer = api.request("POST", reverse("api:people-import-list"), headers={
        "Content-Type": kind, "Content-Length": str(10 * 2**30)}, send=body)
    assert status == 413, answer[:300]
    status, answer = page.request("POST", reverse("arrivals:import_upload"), headers={
        "Content-Type": kind, "Content-Length": str(10 * 2**30)}, send=body)
    assert status == 413 and b"larger than" in answer
    # Bytes that are not UTF-8 in the path and the query.
    for path in ("/people/?q=%FF%FE%00", "/people/%FF/", "/api/v1/people/?q=%C0%AF"):
        status, _ = page.request("GET", path)
        assert status in (200, 400, 404), (path, status)

    # The server still answers, pages and API alike, and nothing was written.
    status, answer = page.request("GET", reverse("people:person_list"))
    assert status == 200 and b"<html" in answer
    status, answer = api.request("GET", reverse("api:person-list"))
    assert status == 200 and json.loads(answer)["count"] == 0
    assert not Person.objects.exists()
    # 1.5 GiB bombs, a million rows and more went through this process: its memory grew by
    # far less than any of them would take.
    growth = (_status_kib("VmHWM") - rss_before) * 1024
    assert growth < 300 * 1024 * 1024, growth


def test_peak_rss_growth_sees_a_real_allocation():
    """The memory probe the bomb tests rely on must notice memory that is really used."""
    _outcome, small = peak_rss_growth(lambda: len(bytes(1024)))
    _outcome, large = peak_rss_growth(lambda: len(bytearray(b"\x01" * (200 * 1024 * 1024))))
    assert small < 50 * 1024 * 1024 < 150 * 1024 * 1024 < large


def test_message_checker_tells_chinese_from_english():
    assert has_chinese("文件超过 1 MB") and not has_chinese("The file is larger than 1 MB")
