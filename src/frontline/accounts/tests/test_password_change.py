"""Changing one's own password: the service, the page, the API and a real browser."""

import json

import pytest
from django.contrib.auth import SESSION_KEY
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import translation

from frontline.accounts.models import User
from frontline.accounts.services import password_change, token_create
from frontline.audit.models import ChangeLogEntry
from frontline.core.testing import PASSWORD, snapshot_row

NEW = "a-brand-new-passphrase-7"  # noqa: S105


@pytest.fixture(autouse=True)
def _no_earlier_failures():
    """Wrong attempts are counted in the cache, which outlives a test's database."""
    from django.core.cache import cache

    cache.clear()


def _fresh(user):
    return User.objects.get(pk=user.pk)


# The service ---------------------------------------------------------------------------------

def test_wrong_current_password_is_refused_and_nothing_changes(tree):
    user = tree.users["street"]
    before = snapshot_row(user)
    with pytest.raises(ValidationError) as caught:
        password_change(actor=user, current_password="not-the-password", new_password=NEW)
    assert set(caught.value.error_dict) == {"current_password"}
    assert snapshot_row(user) == before
    assert not ChangeLogEntry.objects.filter(event="user.password_change").exists()


def test_five_wrong_current_passwords_pause_even_the_right_one(tree):
    from django.core.cache import cache

    user = tree.users["street"]
    for _attempt in range(5):
        with pytest.raises(ValidationError):
            password_change(actor=user, current_password="guess", new_password=NEW)
    before = snapshot_row(user)
    with pytest.raises(ValidationError) as caught:
        password_change(actor=user, current_password=PASSWORD, new_password=NEW)
    assert "Too many wrong attempts" in caught.value.error_dict["current_password"][0].message
    assert snapshot_row(user) == before
    cache.clear()  # the window has passed
    password_change(actor=user, current_password=PASSWORD, new_password=NEW)
    assert _fresh(user).check_password(NEW)


def test_validators_refuse_a_weak_password(tree):
    user = tree.users["street"]
    before = snapshot_row(user)
    with pytest.raises(ValidationError) as caught:
        password_change(actor=user, current_password=PASSWORD, new_password="12345")
    messages = caught.value.error_dict["new_password"][0].messages
    assert any("too short" in m for m in messages), messages
    assert snapshot_row(user) == before


def test_refusal_follows_the_language(tree):
    with translation.override("zh-hans"), pytest.raises(ValidationError) as caught:
        password_change(actor=tree.users["street"], current_password="wrong-one-here",
                        new_password=NEW)
    message = caught.value.error_dict["current_password"][0].messages[0]
    assert message != "Your current password is not correct."
    assert any("\u4e00" <= ch <= "\u9fff" for ch in message), message


def test_the_same_password_is_refused(tree):
    user = tree.users["street"]
    before = snapshot_row(user)
    with pytest.raises(ValidationError) as caught:
        password_change(actor=user, current_password=PASSWORD, new_password=PASSWORD)
    assert set(caught.value.error_dict) == {"new_password"}
    assert snapshot_row(user) == before


def test_success_sets_the_password_and_audits_without_it(tree):
    user = tree.users["street"]
    old_hash = _fresh(user).password
    password_change(actor=user, current_password=PASSWORD, new_password=NEW)
    fresh = _fresh(user)
    assert fresh.check_password(NEW)
    assert not fresh.check_password(PASSWORD)
    entry = ChangeLogEntry.objects.get(event="user.password_change")
    assert entry.actor_id == user.pk and entry.object_id == str(user.pk)
    assert entry.jurisdiction_code == "110101001"
    stored = json.dumps([entry.before, entry.after, entry.object_repr, entry.actor_label])
    for secret in (PASSWORD, NEW, old_hash, fresh.password, "password"):
        assert secret not in stored


# The page ------------------------------------------------------------------------------------

def test_profile_links_to_the_page(tree):
    response = tree.client("street").get(reverse("accounts:profile"))
    assert reverse("accounts:password_change").encode() in response.content


def test_page_shows_the_form_with_autocomplete_and_rules(tree):
    response = tree.client("street").get(reverse("accounts:password_change"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="current_password"' in html and 'autocomplete="current-password"' in html
    assert html.count('autocomplete="new-password"') == 2
    assert "at least 10 characters" in html


def test_page_needs_a_signed_in_user(tree, client):
    response = client.get(reverse("accounts:password_change"))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_page_changes_the_password_and_keeps_the_session(tree):
    client = tree.client("street")
    other = tree.users["street2"]
    other_before = snapshot_row(other)
    response = client.post(reverse("accounts:password_change"), {
        "current_password": PASSWORD, "new_password": NEW, "new_password_again": NEW})
    assert response.status_code == 302 and response["Location"] == reverse("accounts:profile")
    assert _fresh(tree.users["street"]).check_password(NEW)
    # This session is still signed in, and says so.
    page = client.get(reverse("accounts:profile"))
    assert page.status_code == 200
    assert "Your password was changed." in [str(m) for m in page.context["messages"]]
    assert int(client.session[SESSION_KEY]) == tree.users["street"].pk
    # Someone else's password is untouched.
    assert snapshot_row(other) == other_before


def test_other_sessions_end_when_the_password_changes(tree):
    elsewhere = Client()
    signed_in = elsewhere.post(reverse("accounts:login"),
                               {"username": "street", "password": PASSWORD})
    assert signed_in.status_code == 302
    assert elsewhere.get(reverse("accounts:profile")).status_code == 200
    tree.client("street").post(reverse("accounts:password_change"), {
        "current_password": PASSWORD, "new_password": NEW, "new_password_again": NEW})
    assert elsewhere.get(reverse("accounts:profile")).status_code == 302


def test_page_shows_errors_and_changes_nothing(tree):
    client = tree.client("street")
    before = snapshot_row(tree.users["street"])
    wrong = client.post(reverse("accounts:password_change"), {
        "current_password": "not-it-at-all", "new_password": NEW, "new_password_again": NEW})
    assert wrong.status_code == 200 and "current_password" in wrong.context["form"].errors
    differ = client.post(reverse("accounts:password_change"), {
        "current_password": PASSWORD, "new_password": NEW, "new_password_again": NEW + "x"})
    assert "new_password_again" in differ.context["form"].errors
    weak = client.post(reverse("accounts:password_change"), {
        "current_password": PASSWORD, "new_password": "123", "new_password_again": "123"})
    assert "new_password" in weak.context["form"].errors
    assert snapshot_row(tree.users["street"]) == before


def test_page_errors_in_the_users_language(tree):
    client = tree.client("street")
    response = client.post(reverse("accounts:password_change"), {
        "current_password": "not-it-at-all", "new_password": NEW, "new_password_again": NEW},
        HTTP_ACCEPT_LANGUAGE="zh-CN")
    errors = response.context["form"].errors["current_password"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in errors[0]), errors


# The API -------------------------------------------------------------------------------------

URL = "/api/v1/accounts/me/password/"


def test_api_url_is_named():
    assert reverse("api:me-password") == URL


def test_api_changes_the_password_with_a_token(tree):
    _token, key = token_create(actor=tree.users["street"], name="script")
    api = Client(HTTP_AUTHORIZATION=f"Token {key}")
    response = api.post(URL, {"current_password": PASSWORD, "new_password": NEW},
                        content_type="application/json")
    assert response.status_code == 204, response.content
    assert _fresh(tree.users["street"]).check_password(NEW)
    # The token still works after the change.
    assert api.get(reverse("api:token-list")).status_code == 200


def test_api_refuses_with_field_errors(tree):
    client = tree.client("street")
    before = snapshot_row(tree.users["street"])
    wrong = client.post(URL, {"current_password": "nope-nope-nope", "new_password": NEW},
                        content_type="application/json")
    assert wrong.status_code == 400 and "current_password" in wrong.json()
    weak = client.post(URL, {"current_password": PASSWORD, "new_password": "123"},
                       content_type="application/json")
    assert weak.status_code == 400 and "new_password" in weak.json()
    missing = client.post(URL, {}, content_type="application/json")
    assert missing.status_code == 400
    assert set(missing.json()) >= {"current_password", "new_password"}
    assert snapshot_row(tree.users["street"]) == before


def test_api_from_a_browser_session_keeps_it(tree):
    client = tree.client("street")
    response = client.post(URL, {"current_password": PASSWORD, "new_password": NEW},
                           content_type="application/json")
    assert response.status_code == 204
    assert client.get(reverse("api:token-list")).status_code == 200


def test_api_anonymous_is_refused(tree, client):
    before = snapshot_row(tree.users["street"])
    response = client.post(URL, {"current_password": PASSWORD, "new_password": NEW},
                           content_type="application/json")
    assert response.status_code in (401, 403)
    assert snapshot_row(tree.users["street"]) == before


# A real browser ------------------------------------------------------------------------------

@pytest.mark.browser
def test_change_password_in_chromium_and_sign_in_again(page, live_tree):
    from frontline.conftest import browser_login

    browser_login(page, "street")
    page.goto("/accounts/profile/")
    page.click("#password-change-link")
    page.wait_for_url("**/accounts/password/")
    page.fill("input[name=current_password]", PASSWORD)
    page.fill("input[name=new_password]", NEW)
    page.fill("input[name=new_password_again]", NEW)
    page.click("#password-change-form button[type=submit]")
    page.wait_for_url("**/accounts/profile/")
    # Still signed in: the profile page shows, not the login page.
    assert page.locator("#password-change-link").count() == 1
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.fill("input[name=username]", "street")
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_selector(".form-errors")
    assert "/accounts/login/" in page.url
    browser_login(page, "street", NEW)
    assert "/accounts/login/" not in page.url
