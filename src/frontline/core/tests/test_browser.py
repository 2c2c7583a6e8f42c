"""The staff shell in a real Chromium: sign in, switch language, and 404 outside one's scope."""

import pytest
from playwright.sync_api import expect

from frontline.conftest import browser_login

pytestmark = pytest.mark.browser


def test_sign_in_and_see_own_figures(page, live_tree):
    page.goto("/")
    assert "/accounts/login/" in page.url
    page.fill("input[name=username]", "street")
    page.fill("input[name=password]", "wrong-password-here")
    page.click("main button[type=submit]")
    expect(page.locator("[role=alert]").first).to_be_visible()
    browser_login(page, "street")
    cards = page.locator("#figures-jurisdictions .card")
    assert cards.count() == 2  # one street, two communities: real counts of its scope
    assert "2" in page.locator("#figures-jurisdictions").inner_text()


def test_switch_language(page, live_tree):
    browser_login(page, "district")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    page.select_option("#language-select", "en")
    page.wait_for_function("document.documentElement.lang === 'en'")
    assert "Jurisdictions" in page.locator("nav.mainnav").inner_text()
    page.select_option("#language-select", "zh-hans")
    page.wait_for_function("document.documentElement.lang === 'zh-hans'")
    assert "辖区" in page.locator("nav.mainnav").inner_text()


def test_other_streets_page_is_404(page, live_tree):
    browser_login(page, "street")
    own = live_tree.places["lodging"].pk
    other = live_tree.places["school2"].pk
    response = page.goto(f"/places/{own}/")
    assert response.status == 200
    response = page.goto(f"/places/{other}/")
    assert response.status == 404
    response = page.goto("/jurisdictions/110101002/")
    assert response.status == 404
    api = page.request.get(f"/api/v1/places/{other}/")
    assert api.status == 404
