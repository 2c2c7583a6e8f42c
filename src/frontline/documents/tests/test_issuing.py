"""Issuing: single documents for any record, serials, scope, the public verification page,
batches with progress, crash-safe retries without new serials, one PDF or a zip, revoking."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from frontline.audit.models import AccessLogEntry, ChangeLogEntry
from frontline.documents import rendering, selectors, services
from frontline.documents.kinds import DocumentKind
from frontline.documents.models import (
    BatchStatus,
    DocumentStatus,
    IssueBatch,
    IssuedDocument,
    SerialCounter,
)
from frontline.documents.services import issuing
from frontline.documents.tests.conftest import pdf_text
from frontline.documents.tests.factories import approve, make_template, translate

pytestmark = pytest.mark.django_db
CERT = DocumentKind.END_CERTIFICATE


def context(**extra):
    return {"jurisdiction_code": "110101001001", "name": "SMITH John",
            "document_number": "E12345678", "start_date": "2020-03-20",
            "end_date": "2020-04-03", **extra}


@pytest.fixture
def template(tree):
    template = make_template(tree)
    translate(tree, template, "en")
    return template


def issue(tree, user="street", person=None, language="en", **ctx):
    return services.document_issue(actor=tree.users[user], kind=CERT, person=person,
                                   language=language, context=context(**ctx))


def test_issue_stores_a_pdf_a_serial_and_a_masked_name(tree, template, tmp_path):
    document = issue(tree)
    assert document.serial.startswith(f"110101-{document.issued_at.year}-")
    assert document.name_masked == "SMIT****hn" and "SMITH" not in document.context_encrypted
    assert document.jurisdiction_code == "110101001001" and document.language == "en"
    text = pdf_text(issuing.media_path(document.file_path))
    assert "SMITH John" in text and document.serial in text and "E123****8" in text
    assert "E12345678" not in text  # the full number is never printed
    assert ChangeLogEntry.objects.filter(object_type="documents.issueddocument",
                                         object_id=str(document.pk)).exists()
    second = issue(tree)
    assert int(second.serial[-7:]) == int(document.serial[-7:]) + 1


def test_person_is_any_record_and_gives_the_jurisdiction(tree, template):
    place = tree.places["lodging"]  # any model with a jurisdiction_code
    document = services.document_issue(actor=tree.users["street"], kind=CERT, person=place,
                                       language="en", context={"name": "A B",
                                                               "start_date": "2020-03-20",
                                                               "end_date": "2020-04-03"})
    assert document.person_type == ContentType.objects.get_for_model(type(place))
    assert document.person_id == str(place.pk)
    assert document.jurisdiction_code == place.jurisdiction_code
    assert list(selectors.issued_for_person(actor=tree.users["street"], person=place)) == [
        document]


def test_issuing_outside_ones_jurisdiction_is_404_and_creates_nothing(tree, template):
    with pytest.raises(Http404):
        issue(tree, user="street2")  # 110101002 cannot issue for 110101001001
    with pytest.raises(Http404):
        issue(tree, user="translator")
    assert not IssuedDocument.objects.exists() and not SerialCounter.objects.exists()


def test_missing_values_and_missing_translations_are_refused(tree, template):
    with pytest.raises(ValidationError) as info:
        services.document_issue(actor=tree.users["street"], kind=CERT, person=None,
                                language="en", context={"jurisdiction_code": "110101001"})
    assert "name of the person" in str(info.value) and "{" not in str(info.value)
    with pytest.raises(ValidationError):
        issue(tree, language="ko")  # no Korean translation yet
    with pytest.raises(ValidationError):
        issue(tree, language="tlh")
    with pytest.raises(ValidationError):
        issue(tree, start_date="20 March")
    assert not IssuedDocument.objects.exists()


def test_no_template_above_the_jurisdiction(tree, template):
    with pytest.raises(ValidationError):
        services.document_issue(actor=tree.users["district_west"], kind=CERT, person=None,
                                language="en", context=context(jurisdiction_code="110102001"))


def test_verification_page_shows_only_the_masked_data(client, tree, template):
    document = issue(tree, valid_until="2099-12-31")
    response = client.get(reverse("documents:verify",
                                  kwargs={"token": services.verification_token(document.serial)}))
    assert response.status_code == 200
    page = response.content.decode()
    for shown in (document.serial, "SMIT****hn", "结束观察期证明", "Certificate of the End",
                  "2099-12-31",  # the day of issue in the office's time zone, as printed
                  timezone.localtime(document.issued_at).strftime("%Y-%m-%d")):
        assert shown in page, shown
    for hidden in ("SMITH John", "E123", "110101001001", "2020-03-20"):
        assert hidden not in page, hidden


def test_unknown_or_tampered_serials_show_not_found_and_nothing_else(client, tree, template):
    document = issue(tree)
    token = services.verification_token(document.serial)
    other = services.verification_token("110101-2026-9999999")  # genuine signature, no row
    tampered = [token[:-1] + ("A" if token[-1] != "A" else "B"),
                document.serial + ":forged", document.serial,
                token.replace(document.serial, document.serial[:-1] + "2"), other]
    pages = set()
    for bad in tampered:
        response = client.get(reverse("documents:verify", kwargs={"token": bad}))
        assert response.status_code == 404
        body = response.content.decode()
        assert "Not found" in body and document.serial not in body and "SMIT" not in body
        pages.add(body)
    assert len(pages) == 1  # identical for every kind of miss: nothing can be told apart


def test_revoked_documents_say_so(client, tree, template):
    document = issue(tree)
    with pytest.raises(Http404):
        services.document_revoke(actor=tree.users["street2"], document=document, reason="x")
    services.document_revoke(actor=tree.users["street"], document=document, reason="wrong name")
    assert IssuedDocument.objects.get(pk=document.pk).status == DocumentStatus.REVOKED
    response = client.get(reverse("documents:verify",
                                  kwargs={"token": services.verification_token(document.serial)}))
    assert "Revoked" in response.content.decode() and "已撤销" in response.content.decode()


def test_downloading_a_pdf_is_logged(tree, template):
    document = issue(tree)
    path = services.issued_document_file(actor=tree.users["district"], document=document)
    assert path.read_bytes().startswith(b"%PDF")
    assert AccessLogEntry.objects.filter(object_id=str(document.pk), event="read").count() == 1
    with pytest.raises(Http404):
        services.issued_document_file(actor=tree.users["street2"], document=document)


def batch_items(n, **extra):
    return [{"person": None, "context": context(name=f"PERSON Number{i}", **extra)}
            for i in range(n)]


def test_a_batch_renders_in_the_background_with_progress(tree, template,
                                                         django_capture_on_commit_callbacks):
    approve(tree, template.translations.get(language="en"))
    with django_capture_on_commit_callbacks(execute=True):
        batch = services.document_issue_batch(actor=tree.users["street"], kind=CERT,
                                              items=batch_items(3), language_policy="en")
    batch.refresh_from_db()
    assert (batch.status, batch.done, batch.total, batch.percent) == (BatchStatus.DONE, 3, 3, 100)
    documents = list(batch.documents.order_by("batch_index"))
    assert all(d.official and d.rendered_at for d in documents)
    path = services.batch_file(actor=tree.users["street"], batch=batch)
    with zipfile.ZipFile(path) as archive:
        names = sorted(archive.namelist())
        assert names == sorted(f"{d.serial}.pdf" for d in documents)
        second = archive.read(f"{documents[1].serial}.pdf")
    assert "PERSON Number1" in pdf_text(second, path.parent)
    assert not list(path.parent.glob(".tmp-*"))  # nothing half-written left behind
    assert AccessLogEntry.objects.filter(event="export", record_count=3).exists()


def test_batch_language_per_person_and_one_pdf(tree, template,
                                               django_capture_on_commit_callbacks):
    items = [{"person": None, "context": context(name="A"), "language": "en"},
             {"person": None, "context": context(name="B"), "language": "zh-hans"},
             {"person": None, "context": context(name="C"), "language": "EN_gb"}]  # → en
    with django_capture_on_commit_callbacks(execute=True):
        batch = services.document_issue_batch(actor=tree.users["street"], kind=CERT,
                                              items=items, output="pdf")
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DONE
    assert list(batch.documents.order_by("batch_index").values_list("language", flat=True)) == [
        "en", "zh-hans", "en"]
    path = services.batch_file(actor=tree.users["street"], batch=batch)
    assert path.suffix == ".pdf"
    assert "Certificate" in pdf_text(path, page=1) and "Certificate" not in pdf_text(path, page=2)
    # One document of a one-PDF batch is rendered again on demand.
    single = services.issued_document_file(actor=tree.users["street"],
                                           document=batch.documents.get(batch_index=2))
    assert "C" in pdf_text(single)


def test_a_bad_item_refuses_the_whole_batch(tree, template):
    items = batch_items(2) + [{"person": None, "context": context(jurisdiction_code="110101002")},
                              {"person": None, "context": {"jurisdiction_code": "110101001"}}]
    with pytest.raises(ValidationError) as info:
        services.document_issue_batch(actor=tree.users["street"], kind=CERT, items=items,
                                      language_policy="en")
    messages = " ".join(info.value.messages)
    assert "item 3" in messages and "item 4" in messages
    assert not IssueBatch.objects.exists() and not IssuedDocument.objects.exists()


def test_an_unknown_language_or_an_end_before_the_start_refuses_the_batch(tree, template):
    items = [{"person": None, "context": context(name="A"), "language": "xx"},
             {"person": None, "context": context(name="B", start_date="2020-04-20",
                                                 end_date="2020-04-03")},
             {"person": None, "context": context(name="C"), "language": "zh"}]
    with pytest.raises(ValidationError) as info:
        services.document_issue_batch(actor=tree.users["street"], kind=CERT, items=items)
    messages = " ".join(info.value.messages)
    assert "item 1: unknown language “xx”" in messages
    assert "item 2: the last day is before the first day" in messages
    assert "item 3" not in messages  # "zh" is Simplified Chinese
    assert not IssueBatch.objects.exists() and not IssuedDocument.objects.exists()


def test_a_crashed_batch_is_retried_without_new_serials(tree, template, monkeypatch,
                                                        django_capture_on_commit_callbacks):
    original = rendering.render_each_to_files
    calls = {"n": 0}

    def crash_on_second_chunk(items, paths):
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError("disk full")
        return original(items, paths)

    monkeypatch.setattr(issuing, "CHUNK", 2)
    monkeypatch.setattr(rendering, "render_each_to_files", crash_on_second_chunk)
    with django_capture_on_commit_callbacks(execute=True):  # the task fails (and says so)
        services.document_issue_batch(actor=tree.users["street"], kind=CERT,
                                              items=batch_items(5), language_policy="en")
    batch = IssueBatch.objects.get()
    assert batch.status == BatchStatus.FAILED and "disk full" in batch.error
    assert batch.done == 2 and not batch.file_path
    serials = list(batch.documents.order_by("batch_index").values_list("serial", flat=True))
    first_files = {d.serial: issuing.media_path(d.file_path).stat().st_mtime_ns
                   for d in batch.documents.filter(rendered_at__isnull=False)}
    assert len(first_files) == 2
    with django_capture_on_commit_callbacks(execute=True):
        services.batch_retry(actor=tree.users["street"], batch=batch)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DONE and batch.done == 5 and batch.attempts == 2
    assert list(batch.documents.order_by("batch_index").values_list("serial", flat=True)) == \
        serials
    assert IssuedDocument.objects.count() == 5
    assert SerialCounter.objects.get().last == 5  # no serial was spent twice
    for document in batch.documents.filter(serial__in=first_files):
        assert issuing.media_path(document.file_path).stat().st_mtime_ns == \
            first_files[document.serial]  # kept, not rendered again
    with pytest.raises(ValidationError):
        services.batch_retry(actor=tree.users["street"], batch=batch)  # only failed ones


def test_write_atomically_leaves_no_partial_file(tmp_path, monkeypatch):
    target = tmp_path / "out" / "file.pdf"
    rendering.write_atomically(target, b"%PDF-first")

    def broken_replace(src, dst):
        raise OSError("crash before rename")

    monkeypatch.setattr(rendering.os, "replace", broken_replace)
    with pytest.raises(OSError):
        rendering.write_atomically(target, b"%PDF-second")
    assert target.read_bytes() == b"%PDF-first"
    assert [p.name for p in target.parent.iterdir()] == ["file.pdf"]


def test_batch_progress_page_polls_until_done(tree, template):
    batch = IssueBatch.objects.create(kind=CERT, language_policy="en", total=4, done=1,
                                      jurisdiction_code="110101001")
    client = tree.client("street")
    page = client.get(reverse("documents:batch_progress", kwargs={"pk": batch.pk}))
    assert page.status_code == 200
    body = page.content.decode()
    assert 'hx-trigger="every 1s"' in body and 'value="1"' in body and 'max="4"' in body
    IssueBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.DONE, done=4)
    body = client.get(reverse("documents:batch_progress", kwargs={"pk": batch.pk})
                      ).content.decode()
    assert "hx-trigger" not in body and 'value="4"' in body
    assert tree.client("street2").get(reverse("documents:batch_progress",
                                              kwargs={"pk": batch.pk})).status_code == 404


def _glyph_ids(chars: str) -> dict[str, int]:
    """Glyph ids of characters in the regular Simplified Chinese face the documents use."""
    from fontTools.ttLib import TTFont

    path, index = rendering._font_file("Noto Sans CJK SC:regular")
    font = TTFont(path, fontNumber=index, lazy=True)
    cmap = font.getBestCmap()
    return {ch: font.getGlyphID(cmap[ord(ch)]) for ch in chars}


def _drawable_glyphs(pdf: bytes, gids: dict[str, int]) -> set[str]:
    """Which of the characters have an outline in any CJK font program embedded in the PDF."""
    import re
    import zlib

    from fontTools.ttLib import TTFont

    drawable: set[str] = set()
    for stream in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            data = zlib.decompress(stream.group(1))
        except zlib.error:
            continue
        if not data.startswith(b"OTTO"):
            continue
        font = TTFont(io.BytesIO(data))
        order = font.getGlyphOrder()
        charstrings = font["CFF "].cff.topDictIndex[0].CharStrings
        for ch, gid in gids.items():
            if gid < len(order):
                charstring = charstrings[order[gid]]
                charstring.compile()
                if len(charstring.bytecode) > 10:  # an outline, not an empty placeholder
                    drawable.add(ch)
    return drawable


def test_glyphs_of_another_persons_name_are_never_embedded(tree, template):
    """Fonts are shared between PDFs for speed, but a Chinese name is private: a PDF never
    carries the glyph outlines of another person's name."""
    gids = _glyph_ids("甄宓李四")
    first = issue(tree, language="zh-hans", name="甄宓")
    second = issue(tree, language="zh-hans", name="李四")
    first_pdf = issuing.media_path(first.file_path).read_bytes()
    second_pdf = issuing.media_path(second.file_path).read_bytes()
    assert _drawable_glyphs(first_pdf, gids) == {"甄", "宓"}
    assert _drawable_glyphs(second_pdf, gids) == {"李", "四"}


def test_zip_of_a_batch_is_a_valid_zip(tree, template, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        batch = services.document_issue_batch(actor=tree.users["street"], kind=CERT,
                                              items=batch_items(1), language_policy="en")
    data = services.batch_file(actor=tree.users["street"], batch=batch).read_bytes()
    assert zipfile.ZipFile(io.BytesIO(data)).testzip() is None


def test_a_truncated_file_of_a_crashed_batch_is_rendered_again(
        tree, template, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        batch = services.document_issue_batch(actor=tree.users["street"], kind=CERT,
                                              items=batch_items(2), language_policy="en")
    first = batch.documents.get(batch_index=0)
    path = issuing.media_path(first.file_path)
    path.write_bytes(path.read_bytes()[:1000])  # torn by a crash before the data reached disk
    IssueBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.FAILED)
    with django_capture_on_commit_callbacks(execute=True):
        services.batch_retry(actor=tree.users["street"], batch=batch)
    assert rendering.is_complete_pdf(path)
    assert IssueBatch.objects.get(pk=batch.pk).status == BatchStatus.DONE


def test_a_stalled_batch_can_be_retried_and_a_running_one_is_not_run_twice(
        tree, template, django_capture_on_commit_callbacks):
    from datetime import timedelta

    from django.utils import timezone

    with django_capture_on_commit_callbacks(execute=False):  # its task never ran
        batch = services.document_issue_batch(actor=tree.users["street"], kind=CERT,
                                              items=batch_items(1), language_policy="en")
    IssueBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.RUNNING,
                                                  started_at=timezone.now())
    assert services.batch_render(batch.pk).status == BatchStatus.RUNNING  # not run twice
    with pytest.raises(ValidationError):
        services.batch_retry(actor=tree.users["street"], batch=batch)
    IssueBatch.objects.filter(pk=batch.pk).update(
        started_at=timezone.now() - timedelta(hours=1))  # its worker died
    with django_capture_on_commit_callbacks(execute=True):
        services.batch_retry(actor=tree.users["street"], batch=batch)
    assert IssueBatch.objects.get(pk=batch.pk).status == BatchStatus.DONE
