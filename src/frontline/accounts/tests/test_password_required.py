"""A password someone else set (a new account, a manager's reset) must be changed by its owner
at the next sign-in: the services set and clear the flag, the middleware sends the user to the
password page, the API refuses the session meanwhile, and a real browser goes through it."""

import io
import json
import re

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from frontline.accounts.models import User
from frontline.accounts.services import (
    password_change,
    token_create,
    user_create,
    user_reset_password,
)
from frontline.audit.models import ChangeLogEntry
from frontline.core.testing import PASSWORD

INITIAL = "an-initial-passphrase-4"  # noqa: S105
NEW = "a-brand-new-passphrase-7"  # noqa: S105
API_PASSWORD = "/api/v1/accounts/me/password/"


@pytest.fixture(autouse=True)
def _no_earlier_failures():
    """Wrong attempts are counted in the cache, which outlives a test's database."""
    from django.core.cache import cache

    cache.clear()


def _fresh(user):
    return User.objects.get(pk=user.pk)


def _new_account(tree, username="new.street"):
    return user_create(actor=tree.users["district"], username=username, password=INITIAL,
                       role="street_staff", jurisdiction=tree.jurisdictions["110101001"])


def _flagged_client(tree):
    """A session of the street user after the district office reset their password."""
    user_reset_password(actor=tree.users["district"], user=tree.users["street"],
                        password=INITIAL)
    client = Client()
    client.force_login(_fresh(tree.users["street"]))
    return client


def _stored(entry):
    return json.dumps([entry.before, entry.after, entry.object_repr, entry.actor_label])


# The services --------------------------------------------------------------------------------

def test_a_new_account_must_change_its_password_and_the_audit_says_so(tree):
    user = _new_account(tree)
    assert _fresh(user).password_change_required is True
    entry = ChangeLogEntry.objects.get(object_type="accounts.user", object_id=str(user.pk),
                                       action="create")
    assert entry.after["password_change_required"] is True
    assert "password" not in entry.after
    for secret in (INITIAL, _fresh(user).password):
        assert secret not in _stored(entry)


def test_a_managers_reset_flags_the_user_and_the_audit_shows_the_change(tree):
    street = tree.users["street"]
    assert _fresh(street).password_change_required is False
    user_reset_password(actor=tree.users["district"], user=street, password=INITIAL)
    fresh = _fresh(street)
    assert fresh.password_change_required is True and fresh.check_password(INITIAL)
    entry = ChangeLogEntry.objects.get(event="user.password_reset")
    assert entry.actor_id == tree.users["district"].pk
    assert entry.before == {"password_change_required": False}
    assert entry.after == {"password_change_required": True}
    for secret in (INITIAL, PASSWORD, fresh.password):
        assert secret not in _stored(entry)


def test_resetting_ones_own_password_does_not_flag(tree):
    city = tree.users["city"]
    user_reset_password(actor=city, user=city, password=INITIAL)
    assert _fresh(city).password_change_required is False


def test_the_owners_change_clears_the_flag_and_the_audit_shows_it(tree):
    user = _new_account(tree)
    password_change(actor=user, current_password=INITIAL, new_password=NEW)
    fresh = _fresh(user)
    assert fresh.password_change_required is False and fresh.check_password(NEW)
    assert user.password_change_required is False  # the caller's object too
    entry = ChangeLogEntry.objects.get(event="user.password_change")
    assert entry.before == {"password_change_required": True}
    assert entry.after == {"password_change_required": False}
    for secret in (INITIAL, NEW, fresh.password):
        assert secret not in _stored(entry)


def test_the_initial_password_cannot_be_kept(tree):
    user = _new_account(tree)
    with pytest.raises(ValidationError, match="must differ"):
        password_change(actor=user, current_password=INITIAL, new_password=INITIAL)
    assert _fresh(user).password_change_required is True


def test_console_and_demo_accounts_are_not_flagged(tree, monkeypatch):
    from frontline.accounts import demo

    # The test tree's users are made like the console's (create_user, console grants).
    assert not User.objects.filter(password_change_required=True).exists()
    call_command("create_staff", "first.office", "--role", "district_staff", "--at", "110101",
                 "--password", INITIAL, stdout=io.StringIO())
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", INITIAL)
    call_command("createsuperuser", interactive=False, username="root",
                 email="root@example.org", stdout=io.StringIO())
    # The demo's own usernames are taken by the test tree: load the same list renamed.
    monkeypatch.setattr(demo, "DEMO_USERS", [(f"demo-{name}", label, role, where)
                                             for name, label, role, where in demo.DEMO_USERS])
    demo.load(stdout=io.StringIO())
    made = User.objects.filter(username__in=["first.office", "root"]) | User.objects.filter(
        username__startswith="demo-")
    assert made.count() == 2 + len(demo.DEMO_USERS)
    assert not User.objects.filter(password_change_required=True).exists()


# The pages -----------------------------------------------------------------------------------

def test_a_flagged_session_is_sent_to_the_password_page_with_a_message(tree):
    client = _flagged_client(tree)
    response = client.get("/users/?q=comm")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/?next=/users/%3Fq%3Dcomm"
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    assert shown == ["Please choose your own password before you continue."]
    page = client.get(response["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="password-change-required"' in html
    assert 'name="next" value="/users/?q=comm"' in html


def test_pages_a_flagged_user_may_still_reach(tree):
    client = _flagged_client(tree)
    assert client.get(reverse("accounts:password_change")).status_code == 200
    assert client.get("/static/css/frontline.css").status_code == 200
    language = client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    assert "/accounts/password/" not in language["Location"]
    logout = client.post(reverse("accounts:logout"))
    assert logout.status_code == 302 and "/accounts/password/" not in logout["Location"]
    # Signed out now: a page asks for the sign-in, not for the password.
    assert reverse("accounts:login") in client.get("/users/")["Location"]


def test_a_post_elsewhere_is_sent_to_the_page_without_next(tree):
    client = _flagged_client(tree)
    before = _fresh(tree.users["street"]).display_name
    response = client.post(reverse("accounts:profile"),
                           {"display_name": "changed", "email": "", "phone": ""})
    assert response.status_code == 302 and response["Location"] == "/accounts/password/"
    assert _fresh(tree.users["street"]).display_name == before


def test_htmx_gets_a_whole_page_redirect_and_the_bell_nothing(tree):
    client = _flagged_client(tree)
    # The bell polls from the password page itself: it must not reload that page.
    bell = client.get(reverse("notify:bell"), HTTP_HX_REQUEST="true", HTTP_X_BACKGROUND="1")
    assert bell.status_code == 204 and "HX-Redirect" not in bell
    assert not list(get_messages(bell.wsgi_request))
    response = client.get("/users/", HTTP_HX_REQUEST="true")
    assert response.status_code == 204
    assert response["HX-Redirect"] == "/accounts/password/?next=/users/"


def test_an_icon_the_browser_fetches_leaves_no_message(tree):
    client = _flagged_client(tree)
    response = client.get("/favicon.ico", HTTP_SEC_FETCH_DEST="image")
    assert response.status_code == 302
    assert not list(get_messages(response.wsgi_request))


def test_after_the_change_the_user_goes_on_to_the_page_asked_for(tree):
    client = _flagged_client(tree)
    response = client.post("/accounts/password/?next=/users/%3Fq%3Dcomm", {
        "current_password": INITIAL, "new_password": NEW, "new_password_again": NEW,
        "next": "/users/?q=comm"})
    assert response.status_code == 302 and response["Location"] == "/users/?q=comm"
    assert _fresh(tree.users["street"]).password_change_required is False
    page = client.get("/users/?q=comm")
    assert page.status_code == 200
    assert "Your password was changed." in [str(m) for m in page.context["messages"]]
    assert client.get(reverse("accounts:profile")).status_code == 200


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "javascript:x"])
def test_a_next_to_another_site_goes_to_the_profile(tree, target):
    client = _flagged_client(tree)
    response = client.post(reverse("accounts:password_change"), {
        "current_password": INITIAL, "new_password": NEW, "new_password_again": NEW,
        "next": target})
    assert response.status_code == 302 and response["Location"] == reverse("accounts:profile")


def test_a_failed_change_keeps_the_requirement(tree):
    client = _flagged_client(tree)
    response = client.post(reverse("accounts:password_change"), {
        "current_password": "not-it-at-all", "new_password": NEW, "new_password_again": NEW})
    assert response.status_code == 200
    assert _fresh(tree.users["street"]).password_change_required is True
    assert client.get("/users/").status_code == 302


def test_a_new_account_signs_in_and_lands_on_the_password_page(tree):
    _new_account(tree)
    client = Client()
    signed_in = client.post(reverse("accounts:login") + "?next=/users/",
                            {"username": "new.street", "password": INITIAL})
    assert signed_in.status_code == 302 and signed_in["Location"] == "/users/"
    followed = client.get(signed_in["Location"])
    assert followed["Location"] == "/accounts/password/?next=/users/"


def test_an_unflagged_user_is_not_redirected(tree):
    assert tree.client("street").get("/users/").status_code == 200


# The manager's pages -------------------------------------------------------------------------

def test_a_reset_on_the_users_page_flags_and_the_pages_show_it(tree):
    manager = tree.client("district")
    response = manager.post(reverse("accounts:user_reset_password", args=[tree.users["street"].pk]),
                            {"password": INITIAL})
    assert response.status_code == 302
    assert _fresh(tree.users["street"]).password_change_required is True
    detail = manager.get(response["Location"])
    assert "must choose their own password" in " ".join(str(m) for m in detail.context["messages"])
    assert "must change password" in detail.content.decode()
    listing = manager.get(reverse("accounts:user_list"), {"q": "street"}).content.decode()
    row = re.search(r'<tr>\s*<td><a href="[^"]*">street</a>.*?</tr>', listing, re.S).group(0)
    assert "must change password" in row
    other = re.search(r'<tr>\s*<td><a href="[^"]*">street2</a>.*?</tr>', listing, re.S).group(0)
    assert "must change password" not in other


def test_the_badge_is_translated(tree):
    _new_account(tree)
    html = tree.client("district").get(reverse("accounts:user_list"),
                                       HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert "password-change-required" in html and "must change password" not in html


# The API -------------------------------------------------------------------------------------

def test_the_api_refuses_a_flagged_session_but_changes_its_password(tree):
    client = _flagged_client(tree)
    refused = client.get(reverse("api:token-list"))
    assert refused.status_code == 403
    assert API_PASSWORD in refused.json()["detail"] and refused.json()["request_id"]
    assert client.get(API_PASSWORD).status_code == 403  # only the POST is open
    changed = client.post(API_PASSWORD, {"current_password": INITIAL, "new_password": NEW},
                          content_type="application/json")
    assert changed.status_code == 204, changed.content
    assert _fresh(tree.users["street"]).password_change_required is False
    assert client.get(reverse("api:token-list")).status_code == 200
    assert client.get("/users/").status_code == 200


def test_the_api_refusal_is_translated(tree):
    client = _flagged_client(tree)
    detail = client.get(reverse("api:token-list"), HTTP_ACCEPT_LANGUAGE="zh-CN").json()["detail"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in detail), detail


def test_token_requests_are_left_to_the_token(tree):
    _token, key = token_create(actor=tree.users["street"], name="script")
    client = _flagged_client(tree)
    # The token made before the reset still works: a reset does not revoke tokens.
    assert client.get(reverse("api:token-list"),
                      HTTP_AUTHORIZATION=f"Token {key}").status_code == 200
    # A bad token is refused by the API; it does not fall back to the session.
    assert client.get(reverse("api:token-list"),
                      HTTP_AUTHORIZATION="Token fl_wrong").status_code == 401
    # Another scheme does not escape the requirement.
    assert client.get(reverse("api:token-list"),
                      HTTP_AUTHORIZATION="Basic eDp5").status_code == 403


# A real browser ------------------------------------------------------------------------------

@pytest.mark.browser
def test_first_sign_in_in_chromium_changes_the_password_then_opens_the_page(page, live_tree):
    from playwright.sync_api import expect

    _new_account(live_tree)
    page.goto("/users/?q=comm")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
    page.fill("input[name=username]", "new.street")
    page.fill("input[name=password]", INITIAL)
    page.click("main button[type=submit]")
    expect(page).to_have_url(re.compile(r"/accounts/password/\?next=/users/%3Fq%3Dcomm$"))
    expect(page.locator("#password-change-required")).to_be_visible()
    expect(page.locator(".message.warning")).to_have_count(1)
    page.fill("input[name=current_password]", INITIAL)
    page.fill("input[name=new_password]", NEW)
    page.fill("input[name=new_password_again]", NEW)
    page.click("#password-change-form button[type=submit]")
    expect(page).to_have_url(re.compile(r"/users/\?q=comm$"))
    expect(page.locator(".message.success")).to_have_count(1)
    expect(page.locator("table.list")).to_contain_text("community")
    assert _fresh(User.objects.get(username="new.street")).password_change_required is False


# -- an unused initial password expires (ASVS 6.4.1) -------------------------------------------

def _age(user, hours):
    """Make the password of `user` look set `hours` ago."""
    import datetime

    from django.utils import timezone

    User.objects.filter(pk=user.pk).update(
        password_set_at=timezone.now() - datetime.timedelta(hours=hours))


def _sign_in(username, password, **extra):
    client = Client()
    return client, client.post(reverse("accounts:login"),
                               {"username": username, "password": password}, **extra)


def test_an_unused_initial_password_expires_and_the_message_says_what_to_do(tree, settings):
    settings.INITIAL_PASSWORD_VALID_HOURS = 72
    user = _new_account(tree)
    assert _fresh(user).password_set_at is not None
    _age(user, 71)
    client, response = _sign_in("new.street", INITIAL)
    assert response.status_code == 302 and "_auth_user_id" in client.session
    _age(user, 73)
    assert _fresh(user).initial_password_expired()
    client, response = _sign_in("new.street", INITIAL)
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    assert "has expired unused" in response.content.decode()
    client, response = _sign_in("new.street", INITIAL, HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert "已过期" in response.content.decode()
    # a wrong password still gets the message that says nothing about the account
    _client, response = _sign_in("new.street", "not-the-password-9")
    assert "has expired" not in response.content.decode()
    assert "not correct" in response.content.decode()


def test_a_managers_reset_starts_a_new_period_and_an_own_password_never_expires(tree,
                                                                                 settings):
    settings.INITIAL_PASSWORD_VALID_HOURS = 24
    user = _new_account(tree)
    _age(user, 30)
    assert _fresh(user).initial_password_expired()
    html = tree.client("district").get(reverse("accounts:user_detail", args=[user.pk])).content
    assert b"initial-password-expired" in html
    api = tree.client("district").get(reverse("api:user-detail", args=[user.pk])).json()
    assert api["initial_password_expired"] is True
    user_reset_password(actor=tree.users["district"], user=_fresh(user), password=INITIAL)
    assert not _fresh(user).initial_password_expired()
    _client, response = _sign_in("new.street", INITIAL)
    assert response.status_code == 302
    password_change(actor=_fresh(user), current_password=INITIAL, new_password=NEW)
    _age(user, 24 * 400)
    assert not _fresh(user).initial_password_expired()
    _client, response = _sign_in("new.street", NEW)
    assert response.status_code == 302


@pytest.mark.browser
def test_an_expired_initial_password_is_refused_in_chromium(page, live_tree):
    from playwright.sync_api import expect

    user = _new_account(live_tree)
    _age(user, 24 * 30)
    page.goto(reverse("accounts:login"))
    page.fill("input[name=username]", "new.street")
    page.fill("input[name=password]", INITIAL)
    page.click("main button[type=submit]")
    expect(page.locator("main")).to_contain_text("未经使用已过期")  # the browser asks for Chinese
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
