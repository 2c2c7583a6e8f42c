"""In a real Chromium: a community corrects and submits its figures, the street approves them,
the district sees them on the dashboard with its charts."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from frontline.conftest import browser_login
from frontline.reports import services
from frontline.reports.models import Submission

pytestmark = pytest.mark.browser


def test_submit_approve_and_see_on_the_dashboard(page, live_tree):
    actor, district = live_tree.users["district"], live_tree.jurisdictions["110101"]
    residents = services.figure_save(actor=actor, jurisdiction=district, key="residents",
                                     name="Residents", source="registry",
                                     computation="permanent_residents")
    calls = services.figure_save(actor=actor, jurisdiction=district, key="calls",
                                 name="Hotline calls", source="manual")
    definition = services.definition_save(
        actor=actor, jurisdiction=district, name="Daily", figures=[residents, calls],
        cutoff=datetime.time(0, 0), deadline=datetime.time(23, 59), reminders=[])
    run = services.run_snapshot(definition=definition, day=timezone.localdate())
    unit = Submission.objects.get(run=run, jurisdiction_code="110101001001")

    browser_login(page, "community")
    page.goto("/reports/")
    page.click(f"#units a[href='/reports/submissions/{unit.pk}/']")
    page.fill("input[name=v-calls]", "-2")
    page.click("button[value=submit]")
    # the page comes back with the error on the figure's own row (expect waits for it)
    expect(page.locator("#figures tr.has-error")).to_have_count(1)
    expect(page.locator("#figures tr.has-error")).to_contain_text("Hotline calls")
    page.fill("input[name=v-calls]", "3")
    page.fill("input[name=v-residents]", "1")
    page.click("button[value=submit]")
    # differs from the registry: the residents row asks why
    expect(page.locator("#figures tr.has-error")).to_contain_text("Residents")
    expect(page.locator("#figures .errors")).to_have_count(1)
    page.fill("input[name=c-residents]", "a newcomer not yet registered")
    page.click("button[value=submit]")
    expect(page.locator("#figures .errors")).to_have_count(0)  # the page came back clean
    unit.refresh_from_db()
    assert unit.status == "submitted" and unit.values == {"residents": 1, "calls": 3}
    # A correction typed into submitted figures and sent with Enter is submitted again (not
    # saved back to "not submitted").
    page.fill("input[name=v-calls]", "4")
    with page.expect_navigation():
        page.press("input[name=v-calls]", "Enter")
    unit.refresh_from_db()
    assert unit.status == "submitted" and unit.values == {"residents": 1, "calls": 4}

    page.context.clear_cookies()
    browser_login(page, "street")
    page.goto(f"/reports/submissions/{unit.pk}/")
    page.click("button[value=approve]")
    expect(page.locator("button[value=approve]")).to_have_count(0)  # locked
    unit.refresh_from_db()
    assert unit.status == "approved"

    page.context.clear_cookies()
    browser_login(page, "district")
    page.goto("/reports/dashboard/")
    page.wait_for_selector("#trend-chart canvas")  # ECharts drew (the CSP allows our script)
    assert "东华门街道" in page.inner_text("#streets")
