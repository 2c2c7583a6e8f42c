"""A manager signs everyone they manage out of every browser at once, maybe revoking their API
tokens (the rest of ASVS 7.4.5): the service, the page, the API and a real browser."""

import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from frontline.accounts.models import ApiToken, UserSession
from frontline.accounts.selectors import everyone_sign_out_preview
from frontline.accounts.services import role_grant, token_create, users_sessions_end_all
from frontline.accounts.tests.test_sessions import _sign_in, _signed_in
from frontline.audit.models import ChangeLogEntry

REASON = "password list found next to the hotel desk computer"
URL = "/users/sign-out-everyone/"
API = "/api/v1/users/end-sessions/"


@pytest.fixture(autouse=True)
def _no_earlier_failures():
    """Sign-in failures are counted in the cache, which outlives a test's database."""
    from django.core.cache import cache

    cache.clear()


def _state(*usernames):
    """What a refused sign-out must leave alone: the sessions of `usernames` (other test
    clients sign in as they go), every live token and the audit log."""
    return (sorted(UserSession.objects.filter(user__username__in=usernames)
                   .values_list("pk", flat=True)),
            sorted(ApiToken.objects.filter(revoked_at__isnull=True).values_list("pk", flat=True)),
            ChangeLogEntry.objects.count())


def _browsers(*usernames):
    return {name: _sign_in(name) for name in usernames}


def test_everyone_managed_and_only_they_are_signed_out(tree):
    district = tree.users["district"]
    # street2 also works in the western district: the eastern office does not decide for them
    role_grant(actor=tree.users["district_west"], user=tree.users["street2"],
               role="street_staff", jurisdiction=tree.jurisdictions["110102001"])
    browsers = _browsers("street", "community", "street2", "district_west", "district")
    _token, street_key = token_create(actor=tree.users["street"], name="scanner")
    preview = everyone_sign_out_preview(actor=district)
    assert preview["sessions"] == 2 and preview["tokens"] == 1 and preview["skipped"] >= 1

    counts = users_sessions_end_all(actor=district, reason=REASON)

    assert counts == {"users": preview["users"], "sessions_ended": 2, "tokens_revoked": 0,
                      "skipped": preview["skipped"]}
    assert not _signed_in(browsers["street"]) and not _signed_in(browsers["community"])
    # another office's user, a user with roles elsewhere and the manager stay signed in
    assert _signed_in(browsers["street2"]) and _signed_in(browsers["district_west"])
    assert _signed_in(browsers["district"])
    # without revoke_tokens the tokens keep working
    assert Client().get(reverse("api:token-list"),
                        HTTP_AUTHORIZATION=f"Token {street_key}").status_code == 200
    per_user = ChangeLogEntry.objects.filter(event="user.sessions_ended_by_manager")
    assert per_user.count() == counts["users"]
    street_entry = per_user.get(object_id=str(tree.users["street"].pk))
    assert street_entry.after == {"sessions_ended": 1, "reason": REASON, "everyone": True}
    assert street_entry.jurisdiction_code == "110101001"
    assert not per_user.filter(object_id=str(tree.users["street2"].pk)).exists()
    assert not per_user.filter(object_id=str(district.pk)).exists()
    total = ChangeLogEntry.objects.get(event="users.sessions_ended")
    assert total.object_id == str(district.pk) and total.actor_id == district.pk
    assert total.after == {**counts, "reason": REASON, "revoke_tokens": False}


def test_with_revoke_tokens_their_tokens_stop_and_others_keep_working(tree):
    district = tree.users["district"]
    _t, street_key = token_create(actor=tree.users["street"], name="scanner")
    _t, west_key = token_create(actor=tree.users["district_west"], name="script")
    _t, own_key = token_create(actor=district, name="mine")
    counts = users_sessions_end_all(actor=district, reason=REASON, revoke_tokens=True)
    assert counts["tokens_revoked"] == 1

    def status(key):
        return Client().get(reverse("api:token-list"),
                            HTTP_AUTHORIZATION=f"Token {key}").status_code

    assert status(street_key) == 401
    assert status(west_key) == 200 and status(own_key) == 200
    entry = ChangeLogEntry.objects.get(event="user.sessions_ended_by_manager",
                                       object_id=str(tree.users["street"].pk))
    assert entry.after["tokens_revoked"] == 1


@pytest.mark.parametrize("reason", ["", "  short ", "x" * 501])
def test_a_reason_is_required_and_nothing_changes(tree, reason):
    browsers = _browsers("street")
    token_create(actor=tree.users["street"], name="scanner")
    before = _state("street")
    with pytest.raises(ValidationError) as caught:
        users_sessions_end_all(actor=tree.users["district"], reason=reason, revoke_tokens=True)
    assert "reason" in caught.value.error_dict
    assert _state("street") == before and _signed_in(browsers["street"])


def test_who_does_not_manage_users_signs_nobody_out(tree):
    browsers = _browsers("street", "street2")
    before = _state("street", "street2")
    for actor in ("community", "registrar", "translator", "hotel", "linguist"):
        with pytest.raises(PermissionDenied):
            users_sessions_end_all(actor=tree.users[actor], reason=REASON)
        assert tree.client(actor).post(URL, {"everyone-reason": REASON,
                                             "everyone-confirm": "on"}).status_code == 403
        assert tree.client(actor).post(API, {"reason": REASON},
                                       content_type="application/json").status_code == 403
    assert _state("street", "street2") == before
    assert all(_signed_in(b) for b in browsers.values())


def test_a_street_manager_signs_out_only_their_street(tree):
    browsers = _browsers("community", "community2", "street2")
    counts = users_sessions_end_all(actor=tree.users["street"], reason=REASON)
    assert counts["sessions_ended"] == 1
    assert not _signed_in(browsers["community"])
    assert _signed_in(browsers["community2"]) and _signed_in(browsers["street2"])


def test_the_page_shows_what_it_would_do_and_needs_the_confirmation(tree):
    browsers = _browsers("street", "community")
    manager = tree.client("district")
    listing = manager.get(reverse("accounts:user_list")).content.decode()
    assert f'href="{URL}"' in listing
    html = manager.get(URL, HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert re.search(r'id="everyone-sessions">[^<]*\D2\D', html), html
    before = _state("street", "community")
    response = manager.post(URL, {"everyone-reason": REASON})
    assert response.status_code == 200 and "confirm" in response.context["form"].errors
    response = manager.post(URL, {"everyone-reason": "no", "everyone-confirm": "on"})
    assert response.status_code == 200 and "reason" in response.context["form"].errors
    assert _state("street", "community") == before
    assert all(_signed_in(b) for b in browsers.values())
    response = manager.post(URL, {"everyone-reason": REASON, "everyone-confirm": "on"},
                            follow=True)
    assert response.redirect_chain == [(reverse("accounts:user_list"), 302)]
    assert [m.level_tag for m in response.context["messages"]] == ["success"]
    assert not any(_signed_in(b) for b in browsers.values())


def test_the_api_signs_everyone_out_and_says_how_many(tree):
    browsers = _browsers("street")
    token_create(actor=tree.users["street"], name="scanner")
    assert reverse("api:user-end-sessions-everyone") == API
    short = tree.client("district").post(API, {"reason": "x"}, content_type="application/json")
    assert short.status_code == 400 and "reason" in short.json()
    response = tree.client("district").post(API, {"reason": REASON, "revoke_tokens": True},
                                            content_type="application/json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["sessions_ended"] == 1 and body["tokens_revoked"] == 1
    assert set(body) == {"users", "sessions_ended", "tokens_revoked", "skipped"}
    assert not _signed_in(browsers["street"])


@pytest.mark.browser
def test_a_manager_signs_everyone_out_in_chromium(page, browser, live_server, live_tree):
    from playwright.sync_api import expect

    from frontline.conftest import browser_login

    user_context = browser.new_context(locale="zh-CN", base_url=live_server.url)
    try:
        user_page = user_context.new_page()
        user_page.set_default_timeout(15_000)
        browser_login(user_page, "community")
        browser_login(page, "district")
        page.goto(reverse("accounts:user_list"))
        page.click("#everyone-link")
        expect(page.locator("#everyone-sessions")).to_contain_text("1")
        page.fill("textarea[name=everyone-reason]", REASON)
        page.check("input[name=everyone-confirm]")
        page.once("dialog", lambda dialog: dialog.accept())
        page.click("#everyone-form button[type=submit]")
        expect(page.locator(".message.success")).to_have_count(1)
        expect(page).to_have_url(re.compile(r"/users/$"))
        user_page.goto(reverse("accounts:profile"))
        expect(user_page).to_have_url(re.compile(r"/accounts/login/"))
        assert ChangeLogEntry.objects.get(event="users.sessions_ended").after["users"] >= 1
        # the manager is still signed in
        page.goto(reverse("accounts:profile"))
        expect(page).to_have_url(re.compile(r"/accounts/profile/"))
    finally:
        user_context.close()
