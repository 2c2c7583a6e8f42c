"""The staff pages: lists cost a constant number of queries, forms go through the services,
and each role sees the buttons it may use."""

from __future__ import annotations

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from frontline.documents import services
from frontline.documents.kinds import DocumentKind
from frontline.documents.models import (
    DocumentTemplate,
    GlossaryTerm,
    IssuedDocument,
    PrintRun,
    Translation,
    TranslationState,
)
from frontline.documents.tests.factories import CERT_EN, CERT_TEXTS, make_template, translate

pytestmark = pytest.mark.django_db


def test_template_list_costs_the_same_queries_for_one_or_many_templates(tree):
    client = tree.client("translator")
    make_template(tree)
    client.get(reverse("documents:template_list"))  # warm caches (sessions, roles)
    with CaptureQueriesContext(connection) as one:
        assert client.get(reverse("documents:template_list")).status_code == 200
    for kind in (DocumentKind.POSTER, DocumentKind.OPEN_LETTER):
        services.template_create(actor=tree.users["district"],
                                 jurisdiction=tree.jurisdictions["110101"], kind=kind,
                                 title="标题", body="正文 {office_phone}")
    with CaptureQueriesContext(connection) as three:
        response = client.get(reverse("documents:template_list"))
    assert len(three) == len(one)
    assert len(response.context["rows"]) == 3
    assert "No translation has been approved" in response.content.decode()


def test_template_list_names_the_languages_of_its_columns(tree):
    """The columns are headed by codes; a legend under the table names each language (a
    hover title alone is out of reach on a tablet)."""
    make_template(tree)
    page = tree.client("translator").get(reverse("documents:template_list"),
                                         HTTP_ACCEPT_LANGUAGE="en").content.decode()
    legend = page.split('class="muted small legend"', 1)[1].split("</p>", 1)[0]
    for code in ("en", "ar", "fa"):
        assert f"<abbr>{code}</abbr>" in legend
    # Each language by its own name, isolated so that Arabic does not reorder the line.
    assert '<bdi lang="en">English</bdi>' in legend and '<bdi lang="ar">العربية</bdi>' in legend


def test_translator_saves_a_translation_through_the_page(tree):
    template = make_template(tree)
    item = template.translations.get(language="en")
    data = {"title": "Certificate", "ready": "1",
            **{f"seg_{i}": text for i, text in enumerate(CERT_EN)}}
    response = tree.client("translator").post(
        reverse("documents:translation_edit", kwargs={"pk": item.pk}), data)
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.state == TranslationState.TRANSLATED and item.segments == CERT_EN
    page = tree.client("proofreader").get(reverse("documents:translation_edit",
                                                  kwargs={"pk": item.pk}))
    assert page.context["can_approve"] and 'id="approve-button"' in page.content.decode()
    # District staff may read it, but see no editor and cannot post.
    page = tree.client("district").get(reverse("documents:translation_edit",
                                               kwargs={"pk": item.pk}))
    assert page.status_code == 200 and 'name="seg_0"' not in page.content.decode()
    assert tree.client("district").post(reverse("documents:translation_edit",
                                                kwargs={"pk": item.pk}), data).status_code == 403


def test_a_draft_with_a_broken_placeholder_shows_its_findings(tree):
    template = make_template(tree)
    item = template.translations.get(language="en")
    data = {"title": "Certificate", "ready": "1", "seg_0": CERT_EN[0].replace("{name}", "{nom}"),
            **{f"seg_{i}": text for i, text in enumerate(CERT_EN) if i}}
    client = tree.client("translator")
    client.post(reverse("documents:translation_edit", kwargs={"pk": item.pk}), data)
    page = tree.client("proofreader").get(reverse("documents:translation_edit",
                                                  kwargs={"pk": item.pk}))
    body = page.content.decode()
    assert "placeholder {name} was renamed to {nom}" in body
    assert not page.context["can_approve"]
    response = tree.client("proofreader").post(reverse("documents:translation_approve",
                                                       kwargs={"pk": item.pk}))
    assert response.status_code == 302
    assert Translation.objects.get(pk=item.pk).state == TranslationState.TRANSLATED


def test_memory_suggestions_are_offered_on_the_edit_page(tree):
    template = make_template(tree)
    services.translation_approve(actor=tree.users["proofreader"],
                                 translation=translate(tree, template))
    other = services.template_create(actor=tree.users["district"],
                                     jurisdiction=tree.jurisdictions["110101"],
                                     kind=DocumentKind.OBSERVATION_COMMITMENT, title="承诺书",
                                     body="特此证明。")
    item = other.translations.get(language="en")
    page = tree.client("translator").get(reverse("documents:translation_edit",
                                                 kwargs={"pk": item.pk}))
    assert page.context["rows"][0]["suggestions"][0].target == CERT_EN[1]
    html = page.content.decode()
    assert 'data-fill="id_seg_0"' in html
    assert 'aria-label="segment 1 · English" aria-describedby="src-1"' in html
    # The approved translation itself is not offered its own text.
    approved = template.translations.get(language="en")
    own = tree.client("proofreader").get(reverse("documents:translation_edit",
                                                 kwargs={"pk": approved.pk}))
    assert all(not row["suggestions"] for row in own.context["rows"])


def test_history_page_shows_who_changed_what(tree):
    template = make_template(tree)
    translate(tree, template)
    item = translate(tree, template, segments=[CERT_EN[0], "Issued accordingly.", *CERT_EN[2:]])
    page = tree.client("proofreader").get(reverse("documents:translation_history",
                                                  kwargs={"pk": item.pk}))
    body = page.content.decode()
    assert page.status_code == 200 and "translator" in body
    assert "<del>This certificate is</del>" in body or "<del>" in body
    assert "<ins>" in body


def test_editing_the_source_through_the_page(tree):
    template = make_template(tree)
    translate(tree, template)
    url = reverse("documents:template_edit", kwargs={"pk": template.pk})
    assert "needs editing" in tree.client("district").get(url).content.decode()
    response = tree.client("district").post(url, {"title": template.title,
                                                  "body": template.body + "\n另起一段。"})
    assert response.status_code == 302
    assert DocumentTemplate.objects.get(pk=template.pk).version == 2
    assert template.translations.get(language="en").state == TranslationState.NEEDS_EDITING
    assert tree.client("translator").get(url).status_code == 404


def test_specimen_pdf(tree):
    template = make_template(tree)
    response = tree.client("translator").get(reverse(
        "documents:template_preview", kwargs={"pk": template.pk, "language": "zh-hans"}))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    empty = tree.client("translator").get(reverse(
        "documents:template_preview", kwargs={"pk": template.pk, "language": "en"}))
    assert empty.status_code == 302  # nothing to show yet


def test_exchange_page_exports_and_imports(tree):
    template = make_template(tree)
    client = tree.client("translator")
    response = client.get(reverse("documents:exchange"), {"language": "ru", "format": "xliff"})
    assert response.status_code == 200 and b"urn:oasis:names:tc:xliff:document:2.0" in (
        response.content)
    upload = io.BytesIO(b"not xml at all")
    upload.name = "ru.xliff"
    response = client.post(reverse("documents:exchange"), {"format": "xliff", "file": upload})
    assert response.status_code == 200 and "not XLIFF" in response.content.decode()
    title, segments = CERT_TEXTS["ru"]
    content = response_content = client.get(reverse("documents:exchange"),
                                            {"language": "ru", "format": "xliff"}).content
    text = content.decode()
    from frontline.documents import exchange

    for unit_id, target in [("title", title)] + [(f"s{i + 1}", s) for i, s in enumerate(segments)]:
        start = text.index(f'<unit id="{unit_id}">')
        end = text.index("</segment>", start)
        text = text[:end] + f"<target>{exchange._inline(target)}</target>" + text[end:]
    upload = io.BytesIO(text.encode())
    upload.name = "ru.xliff"
    response = client.post(reverse("documents:exchange"), {"format": "xliff", "file": upload})
    assert response.status_code == 200 and response.context["report"].updated == 1
    assert template.translations.get(language="ru").state == TranslationState.TRANSLATED
    assert response_content


def test_glossary_pages(tree):
    client = tree.client("proofreader")
    response = client.post(reverse("documents:glossary_create"), {
        "jurisdiction": tree.jurisdictions["110101"].pk, "source": "居家医学观察",
        "approved_en": "home medical observation; home observation",
        "forbidden_en": "home quarantine"})
    assert response.status_code == 302
    term = GlossaryTerm.objects.get()
    assert sorted(term.equivalents.values_list("text", "is_forbidden")) == [
        ("home medical observation", False), ("home observation", False),
        ("home quarantine", True)]
    listing = tree.client("translator").get(reverse("documents:glossary_list"))
    assert "home quarantine" in listing.content.decode()
    assert tree.client("translator").get(reverse("documents:glossary_create")).status_code == 403
    response = client.post(reverse("documents:glossary_edit", kwargs={"pk": term.pk}),
                           {"delete": "1"})
    assert response.status_code == 302 and not GlossaryTerm.objects.exists()


def test_issue_page_issues_and_shows_the_document(tree):
    make_template(tree)
    client = tree.client("street")
    form = client.get(reverse("documents:issue"))
    choices = [j.code for j in form.context["form"].fields["jurisdiction"].queryset]
    assert "110101001" in choices and "110101002" not in choices
    response = client.post(reverse("documents:issue"), {
        "kind": DocumentKind.END_CERTIFICATE, "language": "zh-hans", "bilingual": "on",
        "jurisdiction": tree.jurisdictions["110101001001"].pk, "name": "王五",
        "document_number": "G12345678", "start_date": "2020-03-20", "end_date": "2020-04-03"})
    document = IssuedDocument.objects.get()
    assert response.status_code == 302 and response.url.endswith(f"/issued/{document.pk}/")
    page = client.get(response.url)
    assert document.serial in page.content.decode() and "王*" in page.content.decode()
    pdf = client.get(reverse("documents:issued_download", kwargs={"pk": document.pk}))
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF")
    # Out of scope through the form: the other street is not a choice.
    response = client.post(reverse("documents:issue"), {
        "kind": DocumentKind.END_CERTIFICATE, "language": "zh-hans",
        "jurisdiction": tree.jurisdictions["110101002001"].pk, "name": "X",
        "start_date": "2020-03-20", "end_date": "2020-04-03"})
    assert response.status_code == 200 and IssuedDocument.objects.count() == 1


def test_batch_page_reads_a_csv_list(tree, django_capture_on_commit_callbacks):
    template = make_template(tree)
    translate(tree, template)
    csv_file = io.BytesIO("name,document_number,start_date,end_date,language\n"
                          "SMITH John,E1,2020-03-20,2020-04-03,en\n"
                          "王五,G2,2020-03-20,2020-04-03,zh-hans\n".encode())
    csv_file.name = "people.csv"
    with django_capture_on_commit_callbacks(execute=True):
        response = tree.client("street").post(reverse("documents:batch_create"), {
            "kind": DocumentKind.END_CERTIFICATE, "language_policy": "person",
            "bilingual": "on", "output": "zip",
            "jurisdiction": tree.jurisdictions["110101001"].pk, "file": csv_file})
    assert response.status_code == 302
    page = tree.client("street").get(response.url)
    assert 'id="batch-download"' in page.content.decode()
    bad = io.BytesIO(b"PK\x03\x04 not a csv")
    bad.name = "people.csv"
    response = tree.client("street").post(reverse("documents:batch_create"), {
        "kind": DocumentKind.END_CERTIFICATE, "language_policy": "en", "output": "zip",
        "jurisdiction": tree.jurisdictions["110101001"].pk, "file": bad})
    assert response.status_code == 200 and "is named .csv but is not a text file" in (
        response.content.decode())


def test_print_run_pages(tree):
    client = tree.client("district")
    response = client.post(reverse("documents:print_run_create"), {
        "jurisdiction": tree.jurisdictions["110101"].pk, "kind": DocumentKind.REMINDER_CARD,
        "languages": ["en", "ja", "ko"], "quantity": 7000})
    run = PrintRun.objects.get()
    assert response.status_code == 302 and run.languages == ["en", "ja", "ko"]
    url = reverse("documents:distribution_create", kwargs={"pk": run.pk})
    assert client.post(url, {"target": tree.jurisdictions["110101001"].pk,
                             "quantity": 2000}).status_code == 302
    response = client.post(url, {"place": tree.places["school2"].pk, "quantity": 6000})
    assert response.status_code == 400 and "only 5000 copies are left" in (
        response.content.decode())
    page = client.get(reverse("documents:print_run_detail", kwargs={"pk": run.pk}))
    assert page.context["stock"] == 5000


def test_office_profile_page_uploads_a_seal(tree):
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGBA", (60, 60), (200, 0, 0, 255)).save(out, format="PNG")
    out.seek(0)
    out.name = "seal.png"
    client = tree.client("district")
    response = client.post(reverse("documents:office_profile"),
                           {"office": "110101", "phone": "010-123", "seal": out})
    assert response.status_code == 302
    page = client.get(reverse("documents:office_profile"))
    assert "An uploaded seal image is in use." in page.content.decode()
    assert tree.client("street").get(reverse("documents:office_profile")).status_code == 403


def test_navigation_by_role(tree):
    for user, shown, hidden in [("translator", ["/documents/translations/"], ["/documents/issue/"]),
                                ("street", ["/documents/issue/"], ["/documents/exchange/"])]:
        body = tree.client(user).get(reverse("documents:template_list")).content.decode()
        for href in shown:
            assert f'href="{href}"' in body, (user, href)
        for href in hidden:
            assert f'href="{href}"' not in body, (user, href)


@pytest.mark.parametrize(("language", "expected"), [("en", "card (A6)"), ("zh-hans", "卡片")])
def test_template_page_names_the_page_format_in_words(tree, language, expected):
    template = make_template(tree, kind=DocumentKind.REMINDER_CARD, title="提示卡",
                             body="请每天测量体温。")
    page = tree.client("district").get(reverse("documents:template_detail", args=[template.pk]),
                                       HTTP_ACCEPT_LANGUAGE=language)
    assert page.status_code == 200
    assert expected in page.content.decode() and "<dd>card</dd>" not in page.content.decode()


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
def test_batch_page_names_a_bad_row_by_its_line_in_the_file(tree, encoding):
    template = make_template(tree)
    translate(tree, template)
    csv_file = io.BytesIO("name,document_number,start_date,end_date,language\n"
                          "SMITH John,E1,2020-03-20,2020-04-03,en\n"
                          "\n"
                          "王五,G2,2020-03-20,2020-04-03,xx\n".encode(encoding))
    csv_file.name = "people.csv"
    response = tree.client("street").post(reverse("documents:batch_create"), {
        "kind": DocumentKind.END_CERTIFICATE, "language_policy": "person", "output": "zip",
        "jurisdiction": tree.jurisdictions["110101001"].pk, "file": csv_file},
        HTTP_ACCEPT_LANGUAGE="en")
    page = response.content.decode()
    assert response.status_code == 200 and "line 4: unknown language" in page, page[:2000]
    assert "item 2" not in page
