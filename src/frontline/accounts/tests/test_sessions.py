"""A user sees their own signed-in sessions and ends the others (ASVS 7.5.2): the service,
the profile page, the API and a real browser."""

import re
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from frontline.accounts.models import UserSession
from frontline.accounts.selectors import session_list
from frontline.accounts.services import (
    mask_ip,
    session_end,
    session_end_others,
    token_create,
)
from frontline.audit.models import ChangeLogEntry
from frontline.core.models import OutOfScope
from frontline.core.testing import PASSWORD

PROFILE = reverse("accounts:profile")
END = reverse("accounts:session_end")
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


@pytest.fixture(autouse=True)
def _no_earlier_failures():
    """Sign-in failures are counted in the cache, which outlives a test's database."""
    from django.core.cache import cache

    cache.clear()


def _sign_in(username="street", ip="192.0.2.57", agent=FIREFOX) -> Client:
    """A separate browser that signs in through the sign-in page."""
    client = Client(REMOTE_ADDR=ip, HTTP_USER_AGENT=agent)
    response = client.post(reverse("accounts:login"),
                           {"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.content
    return client


def _key(client: Client) -> str:
    return client.session.session_key


def _signed_in(client: Client) -> bool:
    """Whether the client's next page request shows the profile (not the sign-in page)."""
    response = client.get(PROFILE)
    if response.status_code == 302:
        assert reverse("accounts:login") in response["Location"]
        return False
    assert response.status_code == 200
    return True


# The rows ------------------------------------------------------------------------------------

def test_sign_in_creates_a_row_with_a_masked_address(tree):
    long_agent = FIREFOX + " " + "x" * 400
    client = _sign_in(ip="203.0.113.201", agent=long_agent)
    row = UserSession.objects.get(session_key=_key(client))
    assert row.user == tree.users["street"]
    assert row.ip_masked == "203.0.113.x"
    assert row.user_agent == long_agent[:200]
    assert "203.0.113.201" not in str(UserSession.objects.filter(pk=row.pk).values().get())
    assert row.created_at <= timezone.now() and row.last_seen_at >= row.created_at


@pytest.mark.parametrize(("address", "masked"), [
    ("192.0.2.57", "192.0.2.x"),
    ("2001:db8:1234:5678::1", "2001:db8:1234::/48"),
    ("::ffff:198.51.100.9", "198.51.100.x"),
    ("", ""),
    ("not an address", ""),
])
def test_addresses_are_masked(address, masked):
    assert mask_ip(address) == masked


def test_sign_out_removes_the_row(tree):
    client = _sign_in()
    key = _key(client)
    client.post(reverse("accounts:logout"))
    assert not UserSession.objects.filter(session_key=key).exists()


def test_last_seen_is_written_at_most_every_30_seconds(tree, django_assert_num_queries):
    client = _sign_in()
    row = UserSession.objects.get(session_key=_key(client))
    earlier = timezone.now() - timedelta(minutes=5)
    UserSession.objects.filter(pk=row.pk).update(last_seen_at=earlier)
    client.get(PROFILE)  # LAST_SEEN was written at sign-in: not 30 s ago yet
    assert UserSession.objects.get(pk=row.pk).last_seen_at == earlier
    session = client.session
    from frontline.accounts.middleware import LAST_SEEN

    session[LAST_SEEN] -= 60
    session.save()
    client.get(PROFILE)
    assert UserSession.objects.get(pk=row.pk).last_seen_at > earlier


def test_a_password_change_keeps_this_session_listed(tree):
    client = _sign_in()
    new = "a-brand-new-passphrase-7"
    client.post(reverse("accounts:password_change"), {
        "current_password": PASSWORD, "new_password": new, "new_password_again": new})
    assert [r.session_key for r in session_list(user=tree.users["street"])] == [_key(client)]


# The list ------------------------------------------------------------------------------------

def test_the_list_shows_only_ones_own_live_sessions(tree):
    street = tree.users["street"]
    first, second = _sign_in(ip="192.0.2.1"), _sign_in(ip="192.0.2.2")
    other = _sign_in("street2", ip="198.51.100.3")
    gone, idle = _sign_in(), _sign_in()
    Session.objects.filter(session_key=_key(gone)).delete()
    UserSession.objects.filter(session_key=_key(idle)).update(
        last_seen_at=timezone.now() - timedelta(hours=1))
    listed = {r.session_key for r in session_list(user=street)}
    assert listed == {_key(first), _key(second)}
    assert _key(other) not in listed

    html = first.get(PROFILE).content.decode()
    panel = html.split('id="sessions"', 1)[1].split('class="panel"', 1)[0]
    assert panel.count("this session") == 1
    assert "192.0.2.x" in panel and "198.51.100" not in panel
    assert "Firefox" in panel and "Sign out everywhere else" in panel
    assert panel.count(">End<") == 1
    for client in (first, second, other, gone, idle):
        assert _key(client) not in html  # keys are never shown


# Ending sessions -----------------------------------------------------------------------------

def test_ending_the_others_signs_them_out_and_keeps_this_one(tree):
    here, elsewhere, third = _sign_in(), _sign_in(), _sign_in()
    someone_else = _sign_in("street2")
    response = here.post(reverse("accounts:session_end_others"))
    assert response.status_code == 302 and response["Location"] == PROFILE
    page = here.get(PROFILE)
    assert "2 other sessions were ended." in [str(m) for m in page.context["messages"]]
    assert not _signed_in(elsewhere) and not _signed_in(third)
    assert _signed_in(here) and _signed_in(someone_else)
    assert [r.session_key for r in session_list(user=tree.users["street"])] == [_key(here)]
    entry = ChangeLogEntry.objects.get(event="user.sessions_ended")
    assert entry.actor_id == tree.users["street"].pk
    assert entry.object_id == str(tree.users["street"].pk)
    assert entry.after == {"sessions_ended": 2, "current_kept": True}


def test_ending_one_session_by_key(tree):
    street = tree.users["street"]
    here, elsewhere, third = _sign_in(), _sign_in(), _sign_in()
    session_end(actor=street, session_key=_key(elsewhere))
    assert not _signed_in(elsewhere)
    assert _signed_in(here) and _signed_in(third)
    entry = ChangeLogEntry.objects.get(event="user.session_ended")
    assert entry.after["sessions_ended"] == 1


def test_ending_one_session_from_the_page(tree):
    here, elsewhere = _sign_in(), _sign_in()
    row = UserSession.objects.get(session_key=_key(elsewhere))
    response = here.post(END, {"session": row.pk})
    assert response.status_code == 302 and response["Location"] == PROFILE
    assert "The session was ended." in [str(m) for m in here.get(PROFILE).context["messages"]]
    assert not _signed_in(elsewhere) and _signed_in(here)
    # The current session is not ended by its End button: sign out instead.
    own = UserSession.objects.get(session_key=_key(here))
    refused = here.post(END, {"session": own.pk})
    assert refused.status_code == 302 and _signed_in(here)


def test_another_users_session_does_nothing_and_is_404(tree):
    street = tree.users["street"]
    here = _sign_in()
    other = _sign_in("street2")
    before = (sorted(UserSession.objects.values_list("pk", "session_key")),
              Session.objects.count(), ChangeLogEntry.objects.count())
    with pytest.raises(OutOfScope):
        session_end(actor=street, session_key=_key(other))
    with pytest.raises(OutOfScope):
        session_end(actor=street, session_key="")
    row = UserSession.objects.get(session_key=_key(other))
    assert here.post(END, {"session": row.pk}).status_code == 404
    assert here.post(END, {"session": "x"}).status_code == 404
    assert here.post(END).status_code == 404
    assert here.get(END).status_code == 405
    assert (sorted(UserSession.objects.values_list("pk", "session_key")),
            Session.objects.count(), ChangeLogEntry.objects.count()) == before
    assert _signed_in(other)


def test_ending_others_with_none_left_says_zero(tree):
    here = _sign_in()
    assert session_end_others(actor=tree.users["street"], current_session_key=_key(here)) == 0
    assert ChangeLogEntry.objects.get(event="user.sessions_ended").after["sessions_ended"] == 0


def test_the_panel_is_translated(tree):
    html = _sign_in().get(PROFILE, HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert 'id="sessions"' in html
    for english in ("Signed-in sessions", "this session", "last seen", "Where you are signed"):
        assert english not in html, english


# The API -------------------------------------------------------------------------------------

LIST = "/api/v1/accounts/me/sessions/"
END_OTHERS = "/api/v1/accounts/me/sessions/end-others/"


def test_api_urls_are_named():
    assert reverse("api:me-sessions") == LIST
    assert reverse("api:me-sessions-end-others") == END_OTHERS


def test_api_lists_and_ends_from_a_browser_session(tree):
    here, elsewhere = _sign_in(ip="192.0.2.9"), _sign_in()
    _sign_in("street2")
    listed = here.get(LIST)
    assert listed.status_code == 200
    rows = listed.json()
    assert len(rows) == 2 and [r["current"] for r in rows].count(True) == 1
    assert set(rows[0]) == {"id", "created_at", "last_seen_at", "user_agent", "ip_masked",
                            "current"}
    current = next(r for r in rows if r["current"])
    assert current["ip_masked"] == "192.0.2.x"
    assert _key(here) not in listed.content.decode()
    ended = here.post(END_OTHERS)
    assert ended.status_code == 200 and ended.json() == {"sessions_ended": 1}
    assert not _signed_in(elsewhere) and _signed_in(here)


def test_api_with_a_token_ends_every_browser_session(tree):
    first, second = _sign_in(), _sign_in()
    _token, key = token_create(actor=tree.users["street"], name="script")
    api = Client(HTTP_AUTHORIZATION=f"Token {key}")
    rows = api.get(LIST).json()
    assert len(rows) == 2 and not any(r["current"] for r in rows)
    response = api.post(END_OTHERS)
    assert response.status_code == 200 and response.json() == {"sessions_ended": 2}
    assert not _signed_in(first) and not _signed_in(second)
    assert api.get(LIST).json() == []
    assert ChangeLogEntry.objects.get(event="user.sessions_ended").after == {
        "sessions_ended": 2, "current_kept": False}


def test_api_anonymous_is_refused(tree, client):
    signed_in = _sign_in()
    assert client.get(LIST).status_code in (401, 403)
    assert client.post(END_OTHERS).status_code in (401, 403)
    assert _signed_in(signed_in)


# A real browser ------------------------------------------------------------------------------

@pytest.mark.browser
def test_end_another_session_in_chromium(page, browser, live_server, live_tree):
    from playwright.sync_api import expect

    from frontline.conftest import browser_login

    other_context = browser.new_context(locale="zh-CN", base_url=live_server.url)
    try:
        other = other_context.new_page()
        other.set_default_timeout(15_000)
        browser_login(other, "street")
        browser_login(page, "street")
        page.goto(PROFILE)
        expect(page.locator("#sessions tbody tr")).to_have_count(2)
        expect(page.locator("#sessions tr.current-session")).to_have_count(1)
        page.click("#sessions tbody tr:not(.current-session) button[type=submit]")
        expect(page.locator(".message.success")).to_have_count(1)
        expect(page.locator("#sessions tbody tr")).to_have_count(1)
        expect(page.locator("#sessions tr.current-session")).to_have_count(1)
        other.goto(PROFILE)
        expect(other).to_have_url(re.compile(r"/accounts/login/"))
        expect(other.locator("input[name=username]")).to_have_count(1)
        # The first browser is still signed in.
        page.goto(PROFILE)
        expect(page.locator("#sessions")).to_have_count(1)
    finally:
        other_context.close()
