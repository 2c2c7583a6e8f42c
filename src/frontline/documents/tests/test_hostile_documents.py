"""Hostile input to the documents app: translation files (XLIFF and .xlsx) on the exchange page
and the API, lists of people for a batch, texts for proofreading and seal images are refused
with a message and change nothing; names in right-to-left scripts print on a certificate."""

from __future__ import annotations

import pytest
from django.urls import reverse

from frontline.core.tests.hostile import corpus
from frontline.core.tests.hostile.checks import (
    audit_added,
    audit_counts,
    has_chinese,
    peak_rss_growth,
    upload,
)
from frontline.documents import exchange, rendering
from frontline.documents.kinds import DocumentKind
from frontline.documents.models import (
    IssueBatch,
    OfficeProfile,
    ProofreadRequest,
    Translation,
    TranslationRevision,
)
from frontline.documents.services import issuing
from frontline.documents.tests.conftest import pdf_text
from frontline.documents.tests.factories import make_template, translate

pytestmark = pytest.mark.django_db

# Sheets the batch page reads: each has a "name" column, so its rows become items, which the
# batch then refuses for their missing dates.
BATCH_READ = {"xlsx_control_chars", "xlsx_long_cell", "xlsx_wide", "xlsx_formulas", "csv_wide",
              "csv_cr_only", "csv_formulas", "xlsx_bomb_lying_crc",
              "csv_gb18030"}  # as the registry reads it (Chinese Excel saves GB18030)


def _translations() -> list[tuple]:
    return list(Translation.objects.order_by("pk").values_list(
        "pk", "title", "segments", "state", "updated_at"))


@pytest.fixture
def template(tree):
    template = make_template(tree)
    translate(tree, template)
    return template


@pytest.mark.parametrize("via", ["page", "api"])
@pytest.mark.parametrize("item", corpus.items("exchange"), ids=lambda i: i.key)
def test_every_hostile_translation_file_is_refused_and_changes_nothing(tree, template, item, via):
    client = tree.client("translator")
    fmt = "xlsx" if item.filename.endswith(".xlsx") else "xliff"
    before, revisions, audit = _translations(), TranslationRevision.objects.count(), audit_counts()
    if via == "page":
        response = client.post(reverse("documents:exchange"),
                               {"format": fmt, "file": upload(item)})
        assert response.status_code == 200
        errors = response.context["import_form"].errors
        assert errors and response.context["report"] is None, item.key
        assert all(str(e) in response.content.decode().replace("&quot;", '"')
                   .replace("&#x27;", "'").replace("&lt;", "<").replace("&gt;", ">")
                   for messages in errors.values() for e in messages)
    else:
        response = client.post(reverse("api:translation-import-file"),
                               {"file_format": fmt, "file": upload(item)})
        assert response.status_code == 400, response.content[:300]
        assert response.json().get("file"), response.json()
    assert _translations() == before
    assert TranslationRevision.objects.count() == revisions
    assert not audit_added(audit)


@pytest.mark.parametrize("key", ["xlsx_bomb", "xlsx_bomb_lying", "xlsx_bomb_lying_crc",
                                 "xlsx_bomb_overlap"])
def test_zip_bombs_are_read_in_bounded_memory(key):
    data = corpus.get(key).data()
    for parse in (lambda: exchange.xlsx_parse(data, languages=["en"]),
                  lambda: exchange.people_rows_parse(data, filename="people.xlsx")):
        outcome, growth = peak_rss_growth(parse)
        # Refused, or (the bomb whose declared sizes and checksums are true) read no further.
        assert outcome.startswith(("ExchangeError", "[{")), outcome
        assert growth < 64 * 1024 * 1024, (outcome, growth)


@pytest.mark.parametrize(("language", "expected"), [
    ("zh-hans", "文件声明了 DTD 或实体，已拒收"),
    ("en", "the file declares a DTD or entities, which are refused")])
def test_the_exchange_refusal_is_in_the_users_language(tree, template, language, expected):
    response = tree.client("translator").post(
        reverse("documents:exchange"),
        {"format": "xliff", "file": upload(corpus.get("xliff_laughs"))},
        HTTP_ACCEPT_LANGUAGE=language)
    assert expected in response.content.decode()


def test_deeply_nested_inline_elements_are_refused_not_a_server_error(tree, template):
    response = tree.client("translator").post(
        reverse("documents:exchange"), {"format": "xliff", "file": upload(corpus.get("xliff_deep"))})
    assert response.status_code == 200
    assert "nested more than 20 deep" in response.content.decode()


def test_a_workbook_part_in_utf16_is_refused_by_name_not_by_a_library_error(tree, template):
    response = tree.client("translator").post(reverse("api:translation-import-file"), {
        "file_format": "xlsx", "file": upload(corpus.get("xlsx_utf16_part"))})
    assert response.json()["file"] == [
        "a part of the workbook is not UTF-8 XML; open it in Excel and save it again"]


def _batch_post(tree, file, **extra):
    return tree.client("street").post(reverse("documents:batch_create"), {
        "kind": DocumentKind.END_CERTIFICATE, "language_policy": "person", "bilingual": "on",
        "output": "zip", "jurisdiction": tree.jurisdictions["110101001"].pk, "file": file},
        **extra)


@pytest.mark.parametrize("item", corpus.items("sheet"), ids=lambda i: i.key)
def test_every_hostile_people_list_is_refused_or_read_as_text(tree, template, item):
    audit = audit_counts()
    response = _batch_post(tree, upload(item))
    assert response.status_code == 200
    errors = response.context["form"].errors
    if item.key in BATCH_READ:
        assert "missing values" in str(errors.get("__all__")), errors
        # The values are named in words, not as {placeholders}.
        assert "{" not in str(errors.get("__all__")), errors
    else:
        assert errors.get("file"), (item.key, errors)
    assert not IssueBatch.objects.exists() and not audit_added(audit)


@pytest.mark.parametrize("item", corpus.items("text"), ids=lambda i: i.key)
def test_every_hostile_text_for_proofreading_is_refused(tree, item):
    audit = audit_counts()
    response = tree.client("hotel").post(reverse("documents:proofread_create"), {
        "place": tree.places["hotel"].pk, "title": "Check-in notes", "language": "en",
        "file": upload(item)})
    assert response.status_code == 200
    assert response.context["form"].errors.get("file"), response.context["form"].errors
    assert not ProofreadRequest.objects.exists() and not audit_added(audit)


@pytest.mark.parametrize("key", ["png_bomb", "jpeg_bomb", "png_truncated", "svg_as_png"])
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_hostile_seal_images_are_refused_in_the_users_language(tree, key, language):
    response = tree.client("district").post(
        reverse("documents:office_profile"),
        {"office": "110101", "phone": "010-123", "seal": upload(corpus.get(key))},
        HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    message = " ".join(response.context["form"].errors.get("seal", []))
    assert message and has_chinese(message) == (language == "zh-hans"), message
    assert not OfficeProfile.objects.exists()


# -- names on a certificate -------------------------------------------------------------------

NAMES = {
    "ar": "محمد عبد الله الخطيب",
    "fa": "علی\u200cرضا رضایی",  # with the zero-width non-joiner Persian spelling needs
    "en": "\u202eNASSAH\u202c Omar عمر",  # a right-to-left override in a Latin name
}


def test_rtl_names_print_on_a_certificate_and_overrides_do_not(tree, template, tmp_path):
    for language in ("ar", "fa"):
        translate(tree, template, language)
    values = {language: issuing.clean_context(template.spec, {
        "jurisdiction_code": "110101001", "name": name, "document_number": "E12345678",
        "start_date": "2020-03-20", "end_date": "2020-04-03"}) for language, name in NAMES.items()}
    assert values["fa"]["name"] == NAMES["fa"]  # the joiner is kept
    assert "\u202e" not in values["en"]["name"] and "NASSAH" in values["en"]["name"]
    items = [issuing.render_item(issuing.prepare_text(template, language), language=language,
                                 bilingual=True, context=values[language],
                                 serial=f"110101-2026-{n:07d}",
                                 issued_on=issuing.timezone.localdate())
             for n, language in enumerate(NAMES)]
    path = tmp_path / "names.pdf"
    path.write_bytes(rendering.render_pdf(items))
    for page, language in enumerate(NAMES, start=1):
        text = pdf_text(path, page=page)
        for word in values[language]["name"].replace("\u200c", " ").split():
            assert word in text, (language, word, text[:300])


@pytest.mark.parametrize("language", ["ar", "fa", "en"])
def test_values_in_right_to_left_text_are_isolated(tree, template, tmp_path, language):
    """A value set into Arabic or Persian text ("010-0000-0000", "12-3") is laid out with its
    groups reversed by the bidirectional algorithm unless it is isolated (first strong
    isolate: left to right when it has no letter); left-to-right text needs nothing."""
    translate(tree, template, language)
    values = issuing.clean_context(template.spec, {
        "jurisdiction_code": "110101001", "name": "SMITH John", "document_number": "E12345678",
        "start_date": "2020-03-20", "end_date": "2020-04-03"})
    item = issuing.render_item(issuing.prepare_text(template, language), language=language,
                               bilingual=True, context=values, serial="110101-2026-0000001",
                               issued_on=issuing.timezone.localdate())
    html, _assets = rendering.document_html([item])
    isolated = f"\u2068{values['document_masked']}\u2069"
    assert (isolated in html) == (language != "en")
    assert html.count(isolated) == (1 if language != "en" else 0)  # not in the Chinese part
    # and kept on one line in right-to-left text (short values only)
    assert (f'<span class="v">{isolated}</span>' in html) == (language != "en")
    path = tmp_path / "values.pdf"
    path.write_bytes(rendering.render_pdf([item]))
    assert values["document_masked"] in pdf_text(path, page=1)
