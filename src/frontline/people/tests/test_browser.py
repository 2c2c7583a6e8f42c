"""Registering a traveller at a desk in a real Chromium: paste the MRZ, fill, save, reveal."""

import pytest
from mrz.generator.td3 import TD3CodeGenerator

from frontline.conftest import browser_login

pytestmark = pytest.mark.browser

MRZ = str(TD3CodeGenerator("P", "ITA", "BIANCHI", "GIULIA", "YA7777777", "ITA", "850620", "F",
                           "310101", ""))


def test_register_with_mrz_and_reveal(page, live_tree):
    browser_login(page, "district")
    page.goto("/people/new/")
    page.fill("textarea[name=mrz]", MRZ)
    page.click("button[name=fill]")
    assert page.input_value("input[name=family_name]") == "BIANCHI"
    assert page.input_value("input[name=doc_number]") == "YA7777777"
    assert page.locator(".errorlist").count() == 0  # what is left to fill is not a mistake
    page.select_option("select[name=residence]", label="110101001001 多福巷社区")
    page.fill("input[name=name_zh]", "比安奇")
    page.press("input[name=name_zh]", "Enter")  # Enter saves (not "Fill from MRZ" again)
    page.wait_for_url("**/people/*/")
    assert "BIANCHI, GIULIA" in page.inner_text("h1")
    documents = page.inner_text("#documents")
    assert "YA7777777" not in documents and "YA77****7" in documents
    page.click("text=显示完整号码") if page.locator("text=显示完整号码").count() else page.click(
        "#documents a")
    page.fill("input[name=reason]", "核对身份 identity check")
    page.click("main button[type=submit]")
    assert page.inner_text("#revealed-number") == "YA7777777"
    # Two Chinese characters find her from the list.
    page.goto("/people/?q=比安")
    assert "BIANCHI" in page.inner_text("#person-list")


def test_other_street_cannot_open_her(page, live_tree):
    from frontline.people.tests.factories import make_person

    person = make_person(live_tree, community="110101002001")
    browser_login(page, "street")
    assert page.goto(f"/people/{person.pk}/").status == 404
    assert page.request.get(f"/api/v1/people/{person.pk}/").status == 404


def test_a_person_asks_for_their_data_to_be_deleted(page, live_tree):
    """The office answers a deletion request from the person's page: the reason is asked
    for, the data goes, the page says so."""
    from frontline.people.models import Person
    from frontline.people.tests.factories import add_passport, make_person

    person = make_person(live_tree)
    add_passport(live_tree, person)
    browser_login(page, "district")
    page.goto(f"/people/{person.pk}/")
    page.click("#person-requests a[href$='/request/erase/']")
    page.wait_for_url("**/request/erase/")
    page.click("#person-request-submit")  # no reason: refused, nothing deleted
    page.wait_for_selector(".errorlist")
    assert Person.objects.get(pk=person.pk).purged_at is None
    page.fill("input[name=reason]", "letter of 2026-11-20, ref. A-17")
    page.click("#person-request-submit")
    page.wait_for_url(f"**/people/{person.pk}/")
    page.wait_for_selector(".messages .message.success")
    assert Person.objects.get(pk=person.pk).purged_at is not None
    assert page.locator("#person-requests").count() == 0
