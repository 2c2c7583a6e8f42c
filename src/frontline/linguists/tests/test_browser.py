"""The dispatch workflow in a real Chromium: the office offers a need to two members from its
ranked candidates, one member accepts on a phone-sized screen, the other sees it withdrawn."""

import pytest

from frontline.conftest import browser_login
from frontline.linguists.models import Offer, Shift
from frontline.linguists.tests.factories import make_member, make_need, make_post

pytestmark = pytest.mark.browser


def test_offer_from_ranking_and_accept_on_a_phone(page, live_tree, browser, live_server):
    post = make_post(live_tree, name="Transfer desk", kind="transfer_point", code="110101",
                     place="transfer", essential=True)
    need = make_need(live_tree, post, min_speaking=3)
    make_member(live_tree, name="DEMO Li", user="linguist")
    make_member(live_tree, name="DEMO Zhao", languages=[("en", 5, 5, 5, 5)])
    make_member(live_tree, name="DEMO Sun", languages=[("en", 2, 2, 2, 2)])

    browser_login(page, "district")
    page.goto(f"/linguists/needs/{need.pk}/")
    assert "DEMO Sun" in page.inner_text("#excluded")
    page.check("#candidates input[aria-label='DEMO Li']")
    page.check("#candidates input[aria-label='DEMO Zhao']")
    page.click("#candidates-form button[name=offer]")
    page.wait_for_selector("#offers >> text=DEMO Zhao")
    assert Offer.objects.filter(need=need).count() == 2

    phone = browser.new_context(locale="zh-CN", base_url=live_server.url,
                                viewport={"width": 390, "height": 844}, is_mobile=True,
                                has_touch=True)
    mobile = phone.new_page()
    mobile.set_default_timeout(15_000)
    browser_login(mobile, "linguist")
    mobile.goto("/linguists/me/")
    assert "Transfer desk" in mobile.inner_text("#my-offers")
    mobile.click("#my-offers form[action$='/accept/'] button")
    mobile.wait_for_selector("#my-shifts >> text=Transfer desk")
    assert "Transfer desk" not in mobile.inner_text("#my-offers")
    # The page fits the phone: nothing forces a horizontal scroll.
    assert mobile.evaluate("document.documentElement.scrollWidth") <= 400
    phone.close()

    shift = Shift.objects.get(need=need)
    assert shift.linguist.name == "DEMO Li"
    assert Offer.objects.get(need=need, linguist__name="DEMO Zhao").status == "withdrawn"
    page.goto(f"/linguists/needs/{need.pk}/")
    assert "DEMO Li" in page.inner_text("#need-shifts")


def test_hotel_request_shows_its_status(page, live_tree):
    make_post(live_tree, name="Hotel A desk", kind="observation_hotel", code="110101",
              place="hotel")
    browser_login(page, "hotel")
    page.goto("/linguists/requests/new/")
    page.select_option("#main-form select[name=post]", label="Hotel A desk")
    page.select_option("#main-form select[name=language]", "it")
    page.fill("#main-form input[name=starts_at]", "2030-05-01T18:00")
    page.fill("#main-form input[name=ends_at]", "2030-05-02T08:00")
    page.fill("#main-form input[name=note]", "guest speaks only Italian")
    page.click("#main-form button[type=submit]")
    page.wait_for_url(lambda url: "/new/" not in url)
    assert page.inner_text("#request-status").strip() in ("已提交", "submitted")
    page.goto("/linguists/requests/")
    assert "Hotel A desk" in page.inner_text("#request-list")
