"""The question desk clicked through in a real Chromium: a hotel asks (FAQ suggested while
typing), the person on duty answers, the hotel reads the answer and closes the question."""

import pytest
from playwright.sync_api import expect

from frontline.conftest import browser_login
from frontline.helpdesk.models import Question, QuestionStatus
from frontline.helpdesk.tests.factories import roster
from frontline.knowledge.tests.factories import make_faq

pytestmark = pytest.mark.browser


def test_ask_answer_and_close(page, live_tree):
    roster(live_tree)
    make_faq(live_tree)
    browser_login(page, "hotel")
    page.goto("/helpdesk/ask/")
    page.type("textarea[name=text]", "客人想点外卖，可以吗？", delay=20)
    page.wait_for_selector("#faq-suggestion-list mark")
    assert "外卖" in page.inner_text("#faq-suggestions")
    page.check("input[name=urgency][value=urgent]")
    page.click("#ask-form button[type=submit]")
    page.wait_for_url("**/helpdesk/questions/*/")
    question = Question.objects.get()
    assert question.assignee == live_tree.users["district"]

    page.context.clear_cookies()
    browser_login(page, "district")
    page.goto(f"/helpdesk/questions/{question.pk}/")
    page.fill("#reply-form textarea[name=text]", "可以，请前台消毒后送到门口。")
    page.click("#reply-form button[type=submit]")
    page.wait_for_selector("#thread .reply.answer")

    page.context.clear_cookies()
    browser_login(page, "hotel")
    page.goto(f"/helpdesk/questions/{question.pk}/")
    assert "请前台消毒后送到门口" in page.inner_text("#thread")
    page.click("#close-question")
    expect(page.locator("#close-question")).to_have_count(0)  # same URL: wait for the new page
    question.refresh_from_db()
    assert question.status == QuestionStatus.CLOSED
