"""The desk in a real Chromium: scan a pre-registration, check it in, send it, receive it."""

import pytest
from playwright.sync_api import expect

from frontline.arrivals import services
from frontline.arrivals.tests.factories import preregister
from frontline.conftest import browser_login

pytestmark = pytest.mark.browser


def _scan_at_the_desk(page, arrival):
    """Sign in as the registrar and scan the arrival's pass at the desk."""
    browser_login(page, "registrar")
    page.goto("/arrivals/desk/")
    # The scanner types the QR text into the focused field and presses Enter; wait until the
    # page has focused it (autofocus), or the first characters go nowhere.
    expect(page.locator("input[autofocus]").first).to_be_focused()
    page.keyboard.type(services.pass_token(arrival))
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/arrivals/{arrival.pk}/")


def test_scan_check_in_hand_over_and_receive(page, live_tree):
    arrival = preregister(live_tree, family_name="NAKAMURA", given_names="AOI")
    _scan_at_the_desk(page, arrival)
    assert "NAKAMURA" in page.inner_text("h1")
    assert "未匹配规则" in page.inner_text("#suggestion")
    assert "居家医学观察" in page.inner_text("#suggestion")
    page.select_option("select[name=destination]", label="110101001001 多福巷社区")
    page.click("#checkin-form button[type=submit]")
    expect(page.locator("#status")).to_have_text("已入境登记")
    page.goto("/arrivals/batches/new/")
    page.fill("input[name=vehicle]", "京A-12345")
    page.click("text=出发")
    page.wait_for_url("**/arrivals/batches/*/")
    batch_url = page.url
    page.context.clear_cookies()
    browser_login(page, "street")
    page.goto(batch_url)
    page.check(f"input[name=a-{arrival.pk}][value=received]")
    page.click("main form button[type=submit]")
    expect(page.locator("#batch-status")).to_have_text("接收方已确认")
    page.context.clear_cookies()
    browser_login(page, "registrar")
    assert page.goto(f"/arrivals/{arrival.pk}/").status == 404


def test_board_updates_itself(page, live_tree):
    from frontline.arrivals.tests.factories import checked_in

    browser_login(page, "registrar")
    page.goto("/arrivals/board/")
    assert page.inner_text("#count-checked_in") == "0"
    checked_in(live_tree)
    # htmx polls every 15 s: the figure changes without reloading the page.
    expect(page.locator("#count-checked_in")).to_have_text("1", timeout=25_000)


def test_scan_one_of_a_party_and_check_in_the_whole_party(page, live_tree):
    from frontline.arrivals.tests.test_party import _party

    lead, companion, child = _party(live_tree)
    _scan_at_the_desk(page, child)
    rows = page.locator("#party tbody tr")
    expect(rows).to_have_count(3)
    expect(page.locator("#party tr.current")).to_contain_text("ROSSI, LUCA")
    expect(page.locator("#party tr.current")).to_have_attribute("aria-current", "true")
    # The scanned member's row stands out from the others.
    background = "el => getComputedStyle(el.querySelector('td')).backgroundColor"
    current = page.locator("#party tr.current").evaluate(background)
    others = {rows.nth(i).evaluate(background) for i in range(rows.count())
              if "current" not in (rows.nth(i).get_attribute("class") or "")}
    assert others and current not in others, (current, others)
    page.click("#party-form button[type=submit]")
    expect(page.locator("#party-form")).to_have_count(0)
    for i in range(3):
        expect(rows.nth(i)).to_contain_text("已入境登记")
    expect(page.locator("#status")).to_have_text("已入境登记")
