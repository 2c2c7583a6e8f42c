"""A traveller registers on a phone-sized Chromium with JavaScript off, in Persian (RTL)."""

import pytest
from django.utils import timezone

from frontline.portal import forms as portal_forms

pytestmark = pytest.mark.browser


def test_register_without_javascript_in_persian(browser, live_server, live_tree, monkeypatch):
    monkeypatch.setattr(portal_forms, "MIN_FILL_SECONDS", 0)
    context = browser.new_context(java_script_enabled=False, locale="fa-IR",
                                  base_url=live_server.url,
                                  viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto("/portal/")
    assert page.url.endswith("/portal/fa/")
    assert page.get_attribute("html", "dir") == "rtl"
    page.click("a.button")
    page.fill("input[name=carrier_number]", "IR800")
    page.fill("input[name=travel_date]", timezone.localdate().isoformat())
    page.select_option("select[name=departure_country]", "IR")
    page.select_option("select[name=visited_1]", "IR")
    page.fill("input[name=family_name]", "Ahmadi")
    page.fill("input[name=given_names]", "Sara")
    page.select_option("select[name=nationality]", "IR")
    page.fill("input[name=doc_number]", "K12345678")
    page.select_option("select[name=doc_country]", "IR")
    page.fill("input[name=phone]", "+989121234567")
    page.fill("input[name=temperature]", "36.7")
    page.check("input[name=commitment_signed]")
    page.click("main button[type=submit]")
    # Without the consent the form comes back, in Persian.
    assert "رضایت" in page.inner_text(".errors")
    page.fill("input[name=doc_number]", "K12345678")
    page.check("input[name=commitment_signed]")
    page.check("input[name=sensitive_consent]")
    page.click("main button[type=submit]")
    page.wait_for_url("**/portal/fa/r/*/")
    code = page.inner_text("#short-code")
    assert len(code) == 9 and page.locator(".qr svg").count() == 1
    context.close()


@pytest.mark.parametrize("lang", ["ar", "fa", "en"])
def test_the_form_fits_a_phone_in_both_directions(browser, live_server, live_tree, lang):
    """Nothing on the form (the honeypot field above all) widens the page: a right-to-left
    page scrolls to content pushed off its left edge, and opened blank on a phone."""
    context = browser.new_context(base_url=live_server.url, is_mobile=True, has_touch=True,
                                  viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(f"/portal/{lang}/register/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.evaluate("window.scrollX") == 0
    # Reachable: Playwright's hit test fails when another element covers the button.
    page.locator("main button[type=submit]").tap(trial=True, timeout=5000)
    context.close()
