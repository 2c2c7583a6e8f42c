"""The REST endpoints of the document center call the same services as the pages."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from frontline.documents.kinds import DocumentKind
from frontline.documents.models import (
    IssueBatch,
    IssuedDocument,
    ProofreadRequest,
    ProofreadStatus,
    Translation,
    TranslationState,
)
from frontline.documents.tests.factories import CERT_EN, make_template, translate

pytestmark = pytest.mark.django_db
API = "/api/v1"


def test_translator_edits_proofreader_approves_through_the_api(tree):
    template = make_template(tree)
    item = template.translations.get(language="en")
    translator = tree.client("translator")
    response = translator.patch(f"{API}/translations/{item.pk}/",
                                {"title": "Certificate", "segments": CERT_EN, "ready": True},
                                content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "translated" and response.json()["findings"] == []
    assert translator.post(f"{API}/translations/{item.pk}/approve/").status_code == 403
    response = tree.client("proofreader").post(f"{API}/translations/{item.pk}/approve/")
    assert response.status_code == 200 and response.json()["official"] is True
    revisions = tree.client("district").get(f"{API}/translations/{item.pk}/revisions/").json()
    assert [r["event"] for r in revisions] == ["approved", "edited"]


def test_findings_come_with_messages_and_block_approval(tree):
    template = make_template(tree)
    item = translate(tree, template, segments=[CERT_EN[0].replace("{name}", ""), *CERT_EN[1:]])
    data = tree.client("proofreader").get(f"{API}/translations/{item.pk}/").json()
    assert data["findings"][0]["code"] == "placeholder_missing"
    assert "{name}" in data["findings"][0]["message"]
    response = tree.client("proofreader").post(f"{API}/translations/{item.pk}/approve/")
    assert response.status_code == 400
    assert Translation.objects.get(pk=item.pk).state == TranslationState.TRANSLATED


def test_comments_and_suggestions(tree):
    template = make_template(tree)
    item = translate(tree, template)
    client = tree.client("translator")
    response = client.post(f"{API}/translations/{item.pk}/comments/",
                           {"text": "check the date format", "segment": 0},
                           content_type="application/json")
    assert response.status_code == 201
    assert client.get(f"{API}/translations/{item.pk}/comments/").json()[0]["segment"] == 0
    assert client.get(f"{API}/translations/{item.pk}/suggestions/").json() == []


def test_export_and_import_endpoints(tree):
    make_template(tree)
    client = tree.client("translator")
    response = client.get(f"{API}/translations/export/", {"language": "en", "file_format": "xliff"})
    assert response.status_code == 200 and b"<xliff" in response.content
    hostile = SimpleUploadedFile("a.xliff", b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e '
                                 b'"e">]><xliff/>')
    response = client.post(f"{API}/translations/import/", {"file_format": "xliff", "file": hostile})
    assert response.status_code == 400 and "entities" in response.content.decode()


def test_issue_a_document_and_fetch_its_pdf(tree):
    template = make_template(tree)
    translate(tree, template)
    client = tree.client("street")
    response = client.post(f"{API}/issued-documents/", {
        "document_kind": DocumentKind.END_CERTIFICATE, "language": "en",
        "context": {"jurisdiction_code": "110101001", "name": "SMITH John",
                    "start_date": "2020-03-20", "end_date": "2020-04-03"}},
        content_type="application/json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["official"] is False and data["name_masked"] == "SMIT****hn"
    assert data["verify_url"].startswith("https://frontline.example/verify/")
    pdf = client.get(f"{API}/issued-documents/{data['id']}/pdf/")
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF")
    response = tree.client("street2").post(f"{API}/issued-documents/", {
        "document_kind": DocumentKind.END_CERTIFICATE, "language": "en",
        "context": {"jurisdiction_code": "110101001", "name": "X",
                    "start_date": "2020-03-20", "end_date": "2020-04-03"}},
        content_type="application/json")
    assert response.status_code == 404 and IssuedDocument.objects.count() == 1
    revoked = client.post(f"{API}/issued-documents/{data['id']}/revoke/", {"reason": "typo"},
                          content_type="application/json")
    assert revoked.json()["status"] == "revoked"


def test_batch_endpoint(tree, django_capture_on_commit_callbacks):
    template = make_template(tree)
    translate(tree, template)
    with django_capture_on_commit_callbacks(execute=True):
        response = tree.client("street").post(f"{API}/document-batches/", {
            "document_kind": DocumentKind.END_CERTIFICATE, "language_policy": "en",
            "items": [{"context": {"jurisdiction_code": "110101001", "name": f"P{i}",
                                   "start_date": "2020-03-20", "end_date": "2020-04-03"}}
                      for i in range(2)]}, content_type="application/json")
    assert response.status_code == 201, response.content
    batch = IssueBatch.objects.get()
    data = tree.client("street").get(f"{API}/document-batches/{batch.pk}/").json()
    assert (data["status"], data["done"], data["total"], data["percent"]) == ("done", 2, 2, 100)
    download = tree.client("street").get(f"{API}/document-batches/{batch.pk}/download/")
    assert download.status_code == 200


def test_print_runs_and_distribution(tree):
    client = tree.client("district")
    response = client.post(f"{API}/print-runs/", {
        "office": "110101", "document_kind": DocumentKind.POSTER, "languages": ["zh-hans", "en"],
        "quantity": 1500}, content_type="application/json")
    assert response.status_code == 201, response.content
    run_id = response.json()["id"]
    response = client.post(f"{API}/print-runs/{run_id}/distribute/",
                           {"target": "110101001", "quantity": 600},
                           content_type="application/json")
    assert response.status_code == 201, response.content
    data = client.get(f"{API}/print-runs/{run_id}/").json()
    assert (data["handed_out"], data["stock"]) == (600, 900)
    response = client.post(f"{API}/print-runs/{run_id}/distribute/",
                           {"target": "110101001", "quantity": 901},
                           content_type="application/json")
    assert response.status_code == 400


def test_proofreading_endpoints(tree):
    hotel = tree.client("hotel")
    response = hotel.post(f"{API}/proofreading/", {
        "place": tree.places["hotel"].pk, "title": "Check-in notes",
        "original_text": "You must staying in room."}, content_type="application/json")
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    proofreader = tree.client("proofreader")
    response = proofreader.patch(f"{API}/proofreading/{pk}/",
                                 {"corrected_text": "You must stay in your room."},
                                 content_type="application/json")
    assert response.status_code == 200, response.content
    assert hotel.post(f"{API}/proofreading/{pk}/comment/", {"text": "Thanks"},
                      content_type="application/json").status_code == 201
    assert hotel.post(f"{API}/proofreading/{pk}/approve/").status_code in (403, 404)
    assert proofreader.post(f"{API}/proofreading/{pk}/approve/").json()["status"] == "approved"
    assert ProofreadRequest.objects.get(pk=pk).status == ProofreadStatus.APPROVED
