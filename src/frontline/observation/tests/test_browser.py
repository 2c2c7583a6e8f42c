"""In a real Chromium: hotel duty staff check a floor and handle the fever alert; the street
ends an observation; a guest reports through their personal link in their own language."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from frontline.conftest import browser_login
from frontline.observation import services
from frontline.observation.models import Alert, HealthCheck, Observation
from frontline.observation.tests.factories import make_room, observe

pytestmark = pytest.mark.browser


def test_hotel_checks_a_floor_and_closes_the_alert(page, live_tree):
    rooms = [make_room(live_tree, n) for n in ("201", "202")]
    well, feverish = (observe(live_tree, family_name=name, kind="centralised", room=room)
                      for name, room in zip(("WELL", "FEVER"), rooms, strict=True))
    browser_login(page, "hotel")
    page.goto("/observation/")
    page.wait_for_url("**/observation/hotels/*/")
    page.click("main .actions a.button")  # enter health checks
    page.fill(f"input[name=t-{well.pk}]", "36.5")
    # As the page says: Tab stops on the symptoms, a second Tab on the next person's
    # temperature (the name links are out of the way).
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == f"t-{feverish.pk}"
    page.keyboard.type("38.6")
    # The symptoms are one Tab further, folded: Enter opens them.
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.check(f"input[name=s-{feverish.pk}][value=cough]")
    page.click("main button[type=submit]")
    expect(page.locator("#grid")).to_contain_text("38.6")  # the saved grid came back
    assert HealthCheck.objects.count() == 2
    page.goto("/observation/alerts/")
    assert "FEVER" in page.inner_text("#alerts")
    page.click("#alerts form[action$='/acknowledge/'] button")
    closing = page.locator("#alerts form[action$='/close/']")
    expect(closing).to_have_count(2)  # fever and cough
    for left in (1, 0):
        page.fill("#alerts form[action$='/close/'] >> nth=0 >> input[name=note]",
                  "医生已看诊 doctor visited")
        page.click("#alerts form[action$='/close/'] >> nth=0 >> button")
        expect(closing).to_have_count(left)  # waits for the page to come back
    assert set(Alert.objects.values_list("status", flat=True)) == {"closed"}


def test_street_ends_an_observation_with_a_certificate(page, live_tree, settings, tmp_path):
    from frontline.observation.tests.factories import cert_template

    settings.MEDIA_ROOT = tmp_path
    cert_template(live_tree)
    observation = observe(live_tree, start=timezone.localdate() - datetime.timedelta(days=14),
                          preferred_language="en")
    browser_login(page, "street")
    page.goto(f"/observation/{observation.pk}/")
    page.select_option("select[name=status]", "completed")
    page.click("form[action$='/end/'] button")
    page.wait_for_selector("text=110101-")
    observation.refresh_from_db()
    assert observation.status == "completed" and observation.certificate is not None


def test_a_guest_reports_through_the_personal_link(page, live_tree):
    observation = observe(live_tree, preferred_language="ar")
    _link, secret = services.link_create(actor=live_tree.users["street"],
                                         observation=observation)
    page.goto(f"/o/{secret}/")
    assert page.get_attribute("html", "dir") == "rtl"
    assert page.get_attribute("html", "lang") == "ar"
    # the page's own stylesheet applies (no inline style the CSP would block)
    assert page.eval_on_selector("button", "b => getComputedStyle(b).backgroundColor") == \
        "rgb(11, 83, 148)"
    page.fill("input[name=temperature]", "36.7")
    page.click("button[type=submit]")
    page.wait_for_selector("[role=status]")
    check = HealthCheck.objects.get(observation=observation)
    assert check.source == "self" and str(check.temperature) == "36.7"
    assert Observation.objects.get(pk=observation.pk).links.get().last_used_at is not None


def test_hotel_corrects_a_misread_check_and_withdraws_one_on_the_wrong_guest(page, live_tree):
    day = timezone.localdate() - datetime.timedelta(days=1)
    guest = observe(live_tree, family_name="MISREAD", kind="centralised",
                    room=make_room(live_tree, "301"))
    misread, _ = services.health_check_record(actor=live_tree.users["hotel"],
                                              observation=guest, temperature="38.8",
                                              day=day, slot=0)
    wrong, _ = services.health_check_record(actor=live_tree.users["hotel"], observation=guest,
                                            temperature="36.4", day=day, slot=1)
    browser_login(page, "hotel")
    page.goto(f"/observation/{guest.pk}/")
    page.click(f"#checks a[href$='/checks/{misread.pk}/correct/']")
    page.fill("#correct_temperature", "36.9")
    page.fill("#correct_reason", "读数时体温计在阳光下 thermometer in the sun")
    page.click("button[name=correct]")
    page.wait_for_url(f"**/observation/{guest.pk}/")
    expect(page.locator("#checks")).to_contain_text("36.9")
    assert not Alert.objects.filter(check_record=misread).exclude(status="closed").exists()
    page.click(f"#checks a[href$='/checks/{wrong.pk}/correct/']")
    page.click("button[name=withdraw]")  # no reason yet: refused, nothing removed
    expect(page.locator("form:has(button[name=withdraw]) .errorlist")).to_be_visible()
    assert HealthCheck.objects.filter(pk=wrong.pk).exists()
    page.fill("#withdraw_reason", "recorded on room 301 instead of 302")
    page.click("button[name=withdraw]")
    page.wait_for_url(f"**/observation/{guest.pk}/")
    assert not HealthCheck.objects.filter(pk=wrong.pk).exists()
    assert list(HealthCheck.objects.filter(observation=guest).values_list("slot", flat=True)) \
        == [0]
