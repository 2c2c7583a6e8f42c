"""In a real Chromium: the district office works an incident from opening to its final report,
and the city office approves and sends the reports."""

import pytest
from playwright.sync_api import expect

from frontline.conftest import browser_login
from frontline.incidents import services
from frontline.incidents.models import Incident, IncidentReport

pytestmark = pytest.mark.browser

STEPS = [{"minutes": 30, "responsible_role": "hotel_staff", "title": "Isolate in the room"},
         {"minutes": 60, "responsible_role": "district_staff", "title": "Tell the health commission"}]


def _approve_and_send(page, report):
    page.goto(f"/incidents/reports/{report.pk}/")
    page.click("button[name=action][value=approve]")
    page.wait_for_selector("input[name=recipients]")
    page.fill("input[name=recipients]", "区委区政府值班室 duty office")
    page.click("button[name=action][value=send]")
    page.wait_for_selector("text=duty office")


def test_an_incident_from_opening_to_its_final_report(page, live_tree):
    services.plan_save(actor=live_tree.users["district"],
                       jurisdiction=live_tree.jurisdictions["110101"],
                       incident_type="positive_test", title="Positive test", steps=STEPS)
    browser_login(page, "district")
    page.goto("/incidents/new/")
    page.select_option("select[name=incident_type]", "positive_test")
    page.select_option("select[name=severity]", "3")
    page.fill("input[name=title]", "A guest at Hotel A tests positive")
    page.fill("textarea[name=description]", "Fever 38.5 °C; test positive.")
    page.select_option("select[name=jurisdiction]", label="东华门街道")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/incidents/*/")
    incident = Incident.objects.get()
    assert "Isolate in the room" in page.inner_text("#steps")
    undone = page.locator("#steps button[value=done]")
    expect(undone).to_have_count(2)
    for left in (1, 0):
        page.click("#steps button[value=done] >> nth=0")
        expect(undone).to_have_count(left)  # waits for the page to come back
    page.fill("textarea[name=text]", "Transferred to the designated hospital.")
    page.click("form[action$='/notes/'] button")
    page.wait_for_selector("text=Transferred to the designated hospital.")
    page.select_option("select[name=kind]", "first")
    page.click("form[action$='/reports/'] button")
    page.wait_for_url("**/incidents/reports/*/")
    assert "Transferred to the designated hospital." in page.input_value("textarea[name=text]")
    page.goto(f"/incidents/{incident.pk}/")
    page.click("form[action$='/close/'] button")
    expect(page.locator("form[action$='/close/']")).to_have_count(0)  # closed: no close form
    incident.refresh_from_db()
    assert incident.status == "closed"
    page.goto(f"/incidents/{incident.pk}/")
    page.select_option("select[name=kind]", "final")
    page.click("form[action$='/reports/'] button")
    page.wait_for_url("**/incidents/reports/*/")
    first, final = IncidentReport.objects.order_by("number")
    # The writer cannot approve their own report: the city office does, then sends.
    page.context.clear_cookies()
    browser_login(page, "city")
    _approve_and_send(page, first)
    _approve_and_send(page, final)
    assert set(IncidentReport.objects.values_list("status", flat=True)) == {"sent"}
    response = page.request.get(f"/incidents/reports/{final.pk}/pdf/")
    assert response.status == 200 and response.body()[:5] == b"%PDF-"
