"""A manager signs a user they manage out of every browser (ASVS 7.4.5): the service, the
user's page, the API and a real browser."""

import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import translation

from frontline.accounts.models import ApiToken, UserSession
from frontline.accounts.services import role_grant, token_create, user_sessions_end
from frontline.accounts.tests.test_sessions import _sign_in, _signed_in
from frontline.audit.models import ChangeLogEntry
from frontline.core.models import OutOfScope

REASON = "left signed in at the hotel desk, 2026-11-30"
EVENT = "user.sessions_ended_by_manager"


@pytest.fixture(autouse=True)
def _no_earlier_failures():
    """Sign-in failures are counted in the cache, which outlives a test's database."""
    from django.core.cache import cache

    cache.clear()


def _page(user):
    return reverse("accounts:user_detail", args=[user.pk])


def _url(user):
    return reverse("accounts:user_sessions_end", args=[user.pk])


def _api(user):
    return reverse("api:user-end-sessions", args=[user.pk])


def _state(user):
    """What a refused sign-out must leave alone: the user's sessions and the audit log."""
    return (sorted(UserSession.objects.filter(user=user).values_list("pk", flat=True)),
            ChangeLogEntry.objects.count())


def test_every_browser_of_that_user_and_only_that_user_is_signed_out(tree):
    street = tree.users["street"]
    browsers = [_sign_in("street", ip=f"192.0.2.{n}") for n in (10, 11)]
    other = _sign_in("street2")
    _token, key = token_create(actor=street, name="script")
    assert user_sessions_end(actor=tree.users["district"], user=street, reason=REASON) == 2
    assert not any(_signed_in(b) for b in browsers)
    assert _signed_in(other)
    assert not UserSession.objects.filter(user=street).exists()
    # the tokens, password and authenticator are left alone
    assert ApiToken.objects.get(user=street).revoked_at is None
    assert Client().get(reverse("api:token-list"),
                        HTTP_AUTHORIZATION=f"Token {key}").status_code == 200
    entry = ChangeLogEntry.objects.get(event=EVENT)
    assert entry.after == {"sessions_ended": 2, "reason": REASON}
    assert entry.object_id == str(street.pk) and entry.actor_id == tree.users["district"].pk
    assert user_sessions_end(actor=tree.users["district"], user=street, reason=REASON) == 0


@pytest.mark.parametrize("reason", ["", "  short ", "x" * 501])
def test_a_reason_is_required(tree, reason):
    street = tree.users["street"]
    browser = _sign_in("street")
    before = _state(street)
    with pytest.raises(ValidationError) as caught:
        user_sessions_end(actor=tree.users["district"], user=street, reason=reason)
    assert "reason" in caught.value.error_dict
    assert _state(street) == before and _signed_in(browser)


def test_another_jurisdictions_user_is_out_of_scope_and_stays_signed_in(tree):
    street = tree.users["street"]
    browser = _sign_in("street")
    before = _state(street)
    for actor in ("district_west", "street2", "community", "translator", "registrar"):
        with pytest.raises(OutOfScope):
            user_sessions_end(actor=tree.users[actor], user=street, reason=REASON)
    assert _state(street) == before and _signed_in(browser)


def test_roles_outside_the_managers_jurisdiction_and_oneself_are_refused(tree):
    street, district = tree.users["street"], tree.users["district"]
    role_grant(actor=district, user=street, role="street_staff",
               jurisdiction=tree.jurisdictions["110101002"])
    browser = _sign_in("street")
    before = _state(street)
    with pytest.raises(PermissionDenied, match="outside your jurisdiction"):
        user_sessions_end(actor=tree.users["street2"], user=street, reason=REASON)
    assert _state(street) == before and _signed_in(browser)
    own = _sign_in("district")
    with pytest.raises(ValidationError, match="your profile page"):
        user_sessions_end(actor=district, user=district, reason=REASON)
    with translation.override("zh-hans"), pytest.raises(ValidationError) as caught:
        user_sessions_end(actor=district, user=district, reason=REASON)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in caught.value.messages[0])
    assert _signed_in(own)


def test_the_page_lists_the_sessions_and_the_form_signs_out(tree):
    street = tree.users["street"]
    browser = _sign_in("street", ip="198.51.100.77")
    manager = tree.client("district")
    html = manager.get(_page(street)).content.decode()
    panel = html.split('id="user-sessions"', 1)[1].split('id="api-tokens"', 1)[0]
    assert "198.51.100.x" in panel and "198.51.100.77" not in panel  # masked
    assert 'name="sessions-reason"' in panel
    response = manager.post(_url(street), {"sessions-reason": REASON}, follow=True)
    assert response.redirect_chain == [(_page(street), 302)]
    assert not _signed_in(browser)
    assert [m.level_tag for m in response.context["messages"]] == ["success"]
    panel = response.content.decode().split('id="user-sessions"', 1)[1].split(
        'id="api-tokens"', 1)[0]
    assert "<table" not in panel


def test_the_form_shows_errors_and_changes_nothing(tree):
    street = tree.users["street"]
    browser = _sign_in("street")
    before = _state(street)
    response = tree.client("district").post(_url(street), {"sessions-reason": "no"})
    assert response.status_code == 200
    assert "reason" in response.context["sessions_form"].errors
    assert _state(street) == before and _signed_in(browser)


def test_the_page_and_api_of_another_jurisdiction_are_404_and_unchanged(tree):
    street = tree.users["street"]
    browser = _sign_in("street")
    before = _state(street)
    for manager in ("district_west", "street2", "community", "translator"):
        client = tree.client(manager)
        assert client.post(_url(street), {"sessions-reason": REASON}).status_code == 404
        assert client.post(_api(street), {"reason": REASON},
                           content_type="application/json").status_code == 404
    assert tree.client("district").get(_url(street)).status_code == 405
    assert _state(street) == before and _signed_in(browser)


def test_the_api_signs_out_and_says_how_many(tree):
    street = tree.users["street"]
    browser = _sign_in("street")
    assert reverse("api:user-end-sessions", args=[7]) == "/api/v1/users/7/end-sessions/"
    response = tree.client("district").post(_api(street), {"reason": REASON},
                                            content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json() == {"sessions_ended": 1}
    assert not _signed_in(browser)
    short = tree.client("district").post(_api(street), {"reason": "x"},
                                         content_type="application/json")
    assert short.status_code == 400 and "reason" in short.json()


@pytest.mark.browser
def test_a_manager_signs_a_user_out_in_chromium(page, browser, live_server, live_tree):
    from playwright.sync_api import expect

    from frontline.conftest import browser_login

    street = live_tree.users["street"]
    user_context = browser.new_context(locale="zh-CN", base_url=live_server.url)
    try:
        user_page = user_context.new_page()
        user_page.set_default_timeout(15_000)
        browser_login(user_page, "street")
        browser_login(page, "district")
        page.goto(_page(street))
        expect(page.locator("#user-sessions table tbody tr")).to_have_count(1)
        page.fill("textarea[name=sessions-reason]", REASON)
        page.once("dialog", lambda dialog: dialog.accept())
        page.click("#user-sessions-end-form button[type=submit]")
        expect(page.locator(".message.success")).to_have_count(1)
        expect(page.locator("#user-sessions table")).to_have_count(0)
        user_page.goto(reverse("accounts:profile"))
        expect(user_page).to_have_url(re.compile(r"/accounts/login/"))
        assert ChangeLogEntry.objects.get(event=EVENT).after == {"sessions_ended": 1,
                                                                 "reason": REASON}
    finally:
        user_context.close()
