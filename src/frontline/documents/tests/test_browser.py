"""The document center in a real Chromium: a translator translates and a proofreader
approves; a street worker issues a certificate and opens its public verification page."""

from __future__ import annotations

import pytest

from frontline.conftest import browser_login
from frontline.documents import services
from frontline.documents.models import IssuedDocument, Translation, TranslationState
from frontline.documents.tests.factories import CERT_EN, CERT_EN_TITLE, make_template

pytestmark = pytest.mark.browser


def test_translator_translates_and_proofreader_approves(page, live_tree):
    template = make_template(live_tree)
    english = template.translations.get(language="en")

    browser_login(page, "translator")
    page.goto("/documents/translations/?language=en")
    page.click(f'a[href="/documents/translations/{english.pk}/"]')
    page.fill("#id_title", CERT_EN_TITLE)
    # A slip first: a renamed placeholder is caught and blocks approval.
    page.fill("#id_seg_0", CERT_EN[0].replace("{name}", "{full_name}"))
    for i, text in enumerate(CERT_EN[1:], start=1):
        page.fill(f"#id_seg_{i}", text)
    page.click("button[name=ready]")
    page.wait_for_selector("ul.findings")
    assert "{full_name}" in page.locator("ul.findings").first.inner_text()
    page.fill("#id_seg_0", CERT_EN[0])
    page.click("button[name=ready]")
    page.wait_for_selector(".badge.state-translated")
    assert page.locator("ul.findings").count() == 0
    assert page.locator("#approve-button").count() == 0  # translators do not approve
    assert Translation.objects.get(pk=english.pk).state == TranslationState.TRANSLATED

    page.context.clear_cookies()
    browser_login(page, "proofreader")
    page.goto(f"/documents/translations/{english.pk}/")
    page.click("#approve-button")
    page.wait_for_selector(".badge.state-approved")
    english.refresh_from_db()
    assert english.state == TranslationState.APPROVED
    assert english.approved_by == live_tree.users["proofreader"]
    page.goto(f"/documents/translations/{english.pk}/history/")
    assert page.locator("section.revision").count() == 3


def test_street_worker_issues_a_certificate_and_checks_it(page, live_tree):
    template = make_template(live_tree)
    services.translation_save(actor=live_tree.users["translator"],
                              translation=template.translations.get(language="en"),
                              title=CERT_EN_TITLE, segments=CERT_EN)

    browser_login(page, "street")
    page.goto("/documents/issue/")
    page.select_option("#id_kind", "observation_end_certificate")
    page.select_option("#id_language", "en")
    page.select_option("#id_jurisdiction", label="多福巷社区")
    page.fill("#id_name", "SMITH John")
    page.fill("#id_document_number", "E12345678")
    page.fill("#id_start_date", "2020-03-20")
    page.fill("#id_end_date", "2020-04-03")
    page.click("#issue-form button[type=submit]")
    page.wait_for_url("**/documents/issued/*/")
    document = IssuedDocument.objects.get()
    assert document.serial in page.locator("h1").inner_text()
    assert not document.official  # the English text is not approved yet, and the page says so
    assert page.locator(".notice.warn").count() == 1

    pdf = page.request.get(page.locator("#download-pdf").get_attribute("href"))
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF")

    # The QR code's address, opened by anyone, without an account.
    verify_path = "/verify/" + page.locator("#verify-link").inner_text().split("/verify/")[1]
    page.context.clear_cookies()
    response = page.goto(verify_path)
    assert response.status == 200
    assert page.locator("#verify-serial").inner_text() == document.serial
    assert page.locator("#verify-name").inner_text() == "SMIT****hn"
    assert "SMITH John" not in page.content()
    response = page.goto(verify_path[:-3] + "xx/")
    assert response.status == 404 and page.locator("#verify-missing").count() == 1
