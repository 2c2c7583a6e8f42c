"""Workflows clicked through in a real Chromium: searching with two Chinese characters and
approving a note; compiling a booklet."""

import pytest
from playwright.sync_api import expect

from frontline.conftest import browser_login
from frontline.knowledge.models import Booklet, CountryNoteVersion, ReviewState
from frontline.knowledge.tests.factories import make_note, make_policy, note_texts

pytestmark = pytest.mark.browser


def test_search_two_characters_then_approve_the_note(page, live_tree):
    version = make_note(live_tree, "JP", name_zh="日本", name_en="Japan",
                        texts=note_texts(zh="日本人见面鞠躬。<b>不是粗体</b>"))
    browser_login(page, "proofreader")
    page.goto("/knowledge/")
    page.fill("#knowledge-q", "鞠躬")
    page.press("#knowledge-q", "Enter")
    page.wait_for_url("**/knowledge/search/**")
    results = page.locator("#search-results")
    assert results.locator("mark").first.inner_text() == "鞠躬"
    assert "<b>不是粗体</b>" in results.inner_text()  # shown as text, never as markup
    results.locator("a").first.click()
    page.wait_for_url("**/knowledge/notes/*/**")
    page.click("button[name=decision][value=approve]")
    expect(page.locator("#note-state .badge.ok")).to_have_count(1)  # same URL: wait for the badge
    assert CountryNoteVersion.objects.get(pk=version.pk).state == ReviewState.APPROVED


def test_compile_a_booklet(page, live_tree, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    make_note(live_tree)
    make_policy(live_tree)
    browser_login(page, "district")
    page.goto("/knowledge/booklets/")
    page.fill("input[name=title]", "酒店工作手册")
    page.select_option("#booklet-form select[name=language]", "zh-hans")
    page.check("input[name=notes] >> nth=0")
    page.check("input[name=policies] >> nth=0")
    page.click("#booklet-form button[type=submit]")
    page.wait_for_selector("#booklet-download", timeout=60_000)
    booklet = Booklet.objects.get()
    assert booklet.status == "done" and booklet.pages >= 4
    href = page.get_attribute("#booklet-download", "href")
    response = page.request.get(href)
    assert response.status == 200 and response.body().startswith(b"%PDF-")


def test_faq_entry_through_the_translation_queue_to_published(page, live_tree):
    """The district sends an FAQ draft for review; the proofreader opens its translation
    from the entry's page, approves it in the translation queue, and publishes the entry."""
    from frontline.documents.models import TranslationState
    from frontline.knowledge.models import FaqEntry, FaqState
    from frontline.knowledge.tests.factories import make_faq

    entry = make_faq(live_tree, published=False)
    browser_login(page, "district")
    page.goto(f"/knowledge/faq/{entry.pk}/")
    page.click("button[name=decision][value=submit]")
    page.wait_for_selector("#faq-translations")
    assert page.locator("button[value=publish]").count() == 0  # the district cannot publish
    page.context.clear_cookies()
    browser_login(page, "proofreader")
    page.goto(f"/knowledge/faq/{entry.pk}/")
    page.click("button[name=decision][value=publish]")  # too early: not approved yet
    page.wait_for_selector(".messages .message.error")
    assert FaqEntry.objects.get(pk=entry.pk).state == FaqState.REVIEW
    page.click("#faq-translations a")
    page.wait_for_url("**/documents/translations/*/**")
    page.click("#approve-button")
    expect(page.locator(".badge.state-approved").first).to_be_visible()
    entry.refresh_from_db()
    assert entry.template.translations.get().state == TranslationState.APPROVED
    page.goto(f"/knowledge/faq/{entry.pk}/")
    page.click("button[name=decision][value=publish]")
    page.wait_for_selector("#faq-state .badge.ok")
    assert FaqEntry.objects.get(pk=entry.pk).state == FaqState.PUBLISHED
