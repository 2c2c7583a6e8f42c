"""A manager resets the authenticator of a user who lost their phone (ASVS 6.4.4): the service
removes the TOTP devices and sets a new initial password, the user signs in with it, enrols a
new authenticator and then chooses their own password; the page, the API and a real browser."""

import json
import re

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from frontline.accounts.models import User
from frontline.accounts.services import role_grant, user_reset_authenticator
from frontline.audit.models import ChangeLogEntry
from frontline.core.models import OutOfScope
from frontline.core.testing import PASSWORD, snapshot_row

INITIAL = "an-initial-passphrase-4"  # noqa: S105
NEW = "a-brand-new-passphrase-7"  # noqa: S105
REASON = "checked identity card in person, 2026-11-30"
EVENT = "user.authenticator_reset"


@pytest.fixture(autouse=True)
def _no_earlier_failures():
    """Wrong attempts are counted in the cache, which outlives a test's database."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def two_factor_on(settings):
    settings.FRONTLINE_REQUIRE_2FA = True


def _fresh(user):
    return User.objects.get(pk=user.pk)


def _devices(user):
    return TOTPDevice.objects.filter(user=user)


def _phone(user, confirmed=True):
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=confirmed)


def _code(device):
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def _state(user):
    """What a refused reset must leave alone: the account row and its devices."""
    return snapshot_row(user), sorted(_devices(user).values_list("pk", "key", "confirmed"))


def _url(user):
    return reverse("accounts:user_reset_authenticator", args=[user.pk])


def _api(user):
    return f"/api/v1/users/{user.pk}/reset-authenticator/"


def _form(password=INITIAL, again=None, reason=REASON):
    return {"authenticator-password": password,
            "authenticator-password_again": password if again is None else again,
            "authenticator-reason": reason}


# The service ---------------------------------------------------------------------------------

def test_the_reset_removes_the_devices_sets_the_password_and_audits_once(tree):
    street = tree.users["street"]
    confirmed, pending = _phone(street), _phone(street, confirmed=False)
    _phone(tree.users["street2"])  # someone else's device stays
    user_reset_authenticator(actor=tree.users["district"], user=street, password=INITIAL,
                             reason=f"  {REASON} ")
    fresh = _fresh(street)
    assert not _devices(street).exists()
    assert _devices(tree.users["street2"]).count() == 1
    assert fresh.check_password(INITIAL) and fresh.password_change_required is True
    entry = ChangeLogEntry.objects.get(object_type="accounts.user", object_id=str(street.pk))
    assert entry.event == EVENT and entry.action == "event"
    assert entry.actor_id == tree.users["district"].pk
    assert entry.jurisdiction_code == "110101001"
    assert entry.before == {"password_change_required": False}
    assert entry.after == {"password_change_required": True, "password_reset": True,
                           "totp_devices_removed": 2, "reason": REASON}
    assert not ChangeLogEntry.objects.filter(event="user.password_reset").exists()
    stored = json.dumps([entry.before, entry.after, entry.object_repr, entry.actor_label])
    for secret in (INITIAL, PASSWORD, fresh.password, confirmed.key, pending.key):
        assert secret not in stored


def test_a_user_without_a_device_can_be_reset_too(tree):
    user_reset_authenticator(actor=tree.users["district"], user=tree.users["translator"],
                             password=INITIAL, reason=REASON)
    assert ChangeLogEntry.objects.get(event=EVENT).after["totp_devices_removed"] == 0
    assert _fresh(tree.users["translator"]).password_change_required is True


@pytest.mark.parametrize("reason", ["", "   ", "ok", "x" * 7, "x" * 501])
def test_a_reason_is_required(tree, reason):
    street = tree.users["street"]
    _phone(street)
    before = _state(street)
    with pytest.raises(ValidationError) as caught:
        user_reset_authenticator(actor=tree.users["district"], user=street, password=INITIAL,
                                 reason=reason)
    assert set(caught.value.error_dict) == {"reason"}
    assert _state(street) == before
    assert not ChangeLogEntry.objects.filter(event=EVENT).exists()


def test_a_weak_password_keeps_the_devices(tree):
    street = tree.users["street"]
    _phone(street)
    before = _state(street)
    with pytest.raises(ValidationError) as caught:
        user_reset_authenticator(actor=tree.users["district"], user=street, password="123",
                                 reason=REASON)
    assert set(caught.value.error_dict) == {"password"}
    assert _state(street) == before  # the removal was rolled back
    assert not ChangeLogEntry.objects.filter(event=EVENT).exists()


def test_nobody_resets_their_own_authenticator(tree):
    district = tree.users["district"]
    _phone(district)
    before = _state(district)
    with pytest.raises(ValidationError, match="your own authenticator"):
        user_reset_authenticator(actor=district, user=district, password=INITIAL, reason=REASON)
    assert _state(district) == before


def test_the_refusal_of_oneself_is_translated(tree):
    district = tree.users["district"]
    with translation.override("zh-hans"), pytest.raises(ValidationError) as caught:
        user_reset_authenticator(actor=district, user=district, password=INITIAL, reason=REASON)
    message = caught.value.messages[0]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in message), message


def test_another_jurisdictions_user_is_out_of_scope(tree):
    street = tree.users["street"]
    _phone(street)
    before = _state(street)
    for actor in ("district_west", "street2", "community", "translator"):
        with pytest.raises(OutOfScope):
            user_reset_authenticator(actor=tree.users[actor], user=street, password=INITIAL,
                                     reason=REASON)
    assert _state(street) == before
    assert not ChangeLogEntry.objects.filter(event=EVENT).exists()


def test_a_user_with_roles_outside_the_managers_jurisdiction_is_refused(tree):
    street = tree.users["street"]
    # The street user also works at the neighbouring street, which street2 manages.
    role_grant(actor=tree.users["district"], user=street, role="street_staff",
               jurisdiction=tree.jurisdictions["110101002"])
    _phone(street)
    before = _state(street)
    with pytest.raises(PermissionDenied, match="outside your jurisdiction"):
        user_reset_authenticator(actor=tree.users["street2"], user=street, password=INITIAL,
                                 reason=REASON)
    assert _state(street) == before
    # The district office manages both roles.
    user_reset_authenticator(actor=tree.users["district"], user=street, password=INITIAL,
                             reason=REASON)
    assert not _devices(street).exists()


# Signing in after the reset ------------------------------------------------------------------

def _signed_in_and_verified(username, device):
    """A browser session that signed in with the password and passed the TOTP step."""
    client = Client()
    assert client.post(reverse("accounts:login"),
                       {"username": username, "password": PASSWORD}).status_code == 302
    verified = client.post(reverse("accounts:two_factor"), {"token": _code(device)})
    assert verified.status_code == 302
    assert client.get(reverse("accounts:profile")).status_code == 200
    return client


def test_the_old_session_ends(tree, two_factor_on):
    street = tree.users["street"]
    old = _signed_in_and_verified("street", _phone(street))
    user_reset_authenticator(actor=tree.users["district"], user=street, password=INITIAL,
                             reason=REASON)
    response = old.get(reverse("accounts:profile"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert old.get(reverse("api:token-list")).status_code in (401, 403)


def test_the_user_signs_in_enrols_a_new_authenticator_then_changes_the_password(
        tree, two_factor_on):
    street = tree.users["street"]
    _phone(street)
    user_reset_authenticator(actor=tree.users["district"], user=street, password=INITIAL,
                             reason=REASON)
    client = Client()
    refused = client.post(reverse("accounts:login"), {"username": "street", "password": PASSWORD})
    assert refused.status_code == 200  # the old password no longer signs in
    signed_in = client.post(reverse("accounts:login") + "?next=/users/",
                            {"username": "street", "password": INITIAL})
    assert signed_in.status_code == 302 and signed_in["Location"] == "/users/"
    # The two-factor middleware comes first: even the password page waits for the new device.
    for path in ("/users/", reverse("accounts:password_change")):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('accounts:two_factor')}?next={path}"
    page = client.get(f"{reverse('accounts:two_factor')}?next=/users/")
    assert page.status_code == 200 and page.context["enrolling"] and page.context["secret"]
    device = TOTPDevice.objects.get(user=street, confirmed=False)
    enrolled = client.post(reverse("accounts:two_factor"),
                           {"token": _code(device), "next": "/users/"})
    assert enrolled.status_code == 302 and enrolled["Location"] == "/users/"
    device.refresh_from_db()
    assert device.confirmed
    # Then the password change, which the two-factor step let through.
    sent = client.get("/users/")
    assert sent.status_code == 302 and sent["Location"] == "/accounts/password/?next=/users/"
    assert client.get(sent["Location"]).status_code == 200
    changed = client.post("/accounts/password/?next=/users/", {
        "current_password": INITIAL, "new_password": NEW, "new_password_again": NEW,
        "next": "/users/"})
    assert changed.status_code == 302 and changed["Location"] == "/users/"
    # The session stays signed in and verified after the password change.
    assert client.get("/users/").status_code == 200
    assert client.get(reverse("api:token-list")).status_code == 200
    fresh = _fresh(street)
    assert fresh.password_change_required is False and fresh.check_password(NEW)
    assert list(_devices(street)) == [device]


# The manager's page --------------------------------------------------------------------------

def test_the_users_page_shows_whether_an_authenticator_is_set_up(tree):
    manager = tree.client("district")
    url = reverse("accounts:user_detail", args=[tree.users["street"].pk])
    _phone(tree.users["street"], confirmed=False)
    html = manager.get(url).content.decode()
    status = re.search(r'<dd id="authenticator-status">(.*?)</dd>', html, re.S).group(1)
    assert "not set up" in status
    _phone(tree.users["street"])
    html = manager.get(url).content.decode()
    status = re.search(r'<dd id="authenticator-status">(.*?)</dd>', html, re.S).group(1)
    assert "set up" in status and "not set up" not in status
    assert 'id="authenticator-reset"' in html and "in person" in html
    translator = manager.get(reverse("accounts:user_detail", args=[tree.users["translator"].pk]))
    assert "not required for this user" in translator.content.decode()


def test_the_reset_form_resets_and_says_so(tree):
    street = tree.users["street"]
    _phone(street)
    manager = tree.client("district")
    response = manager.post(_url(street), _form())
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:user_detail", args=[street.pk])
    assert not _devices(street).exists()
    assert _fresh(street).check_password(INITIAL)
    assert ChangeLogEntry.objects.get(event=EVENT).after["reason"] == REASON
    detail = manager.get(response["Location"])
    shown = " ".join(str(m) for m in detail.context["messages"])
    assert "The authenticator was reset" in shown
    html = detail.content.decode()
    assert "must change password" in html and "not set up" in html


@pytest.mark.parametrize(("data", "field"), [
    (_form(again="something-else-9"), "password_again"),
    (_form(reason="short"), "reason"),
    (_form(reason=""), "reason"),
    (_form(password="123"), "password"),
])
def test_the_form_shows_errors_and_changes_nothing(tree, data, field):
    street = tree.users["street"]
    _phone(street)
    before = _state(street)
    response = tree.client("district").post(_url(street), data)
    assert response.status_code == 200
    assert field in response.context["authenticator_form"].errors
    assert 'id="authenticator-reset"' in response.content.decode()
    assert _state(street) == before


def test_the_page_refuses_ones_own_and_foreign_roles(tree):
    district = tree.users["district"]
    own = tree.client("district").post(_url(district), _form())
    assert own.status_code == 200
    assert "your own authenticator" in str(own.context["authenticator_form"].non_field_errors())
    street = tree.users["street"]
    role_grant(actor=district, user=street, role="street_staff",
               jurisdiction=tree.jurisdictions["110101002"])
    _phone(street)
    before = _state(street)
    refused = tree.client("street2").post(_url(street), _form())
    assert refused.status_code == 302
    assert "outside your jurisdiction" in " ".join(
        str(m) for m in get_messages(refused.wsgi_request))
    assert _state(street) == before


def test_the_page_of_another_jurisdiction_is_404_and_unchanged(tree):
    street = tree.users["street"]
    _phone(street)
    before = _state(street)
    for manager in ("district_west", "street2", "community"):
        response = tree.client(manager).post(_url(street), _form())
        assert response.status_code == 404, manager
    assert tree.client("district").get(_url(street)).status_code == 405
    assert _state(street) == before


def test_the_form_is_translated(tree):
    html = tree.client("district").get(
        reverse("accounts:user_detail", args=[tree.users["street"].pk]),
        HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert 'id="authenticator-reset"' in html
    assert "Reset authenticator" not in html and "in person" not in html


# The API -------------------------------------------------------------------------------------

def test_the_api_resets(tree):
    street = tree.users["street"]
    _phone(street)
    response = tree.client("district").post(_api(street),
                                             {"password": INITIAL, "reason": REASON},
                                             content_type="application/json")
    assert response.status_code == 204, response.content
    assert not _devices(street).exists()
    fresh = _fresh(street)
    assert fresh.check_password(INITIAL) and fresh.password_change_required
    assert ChangeLogEntry.objects.get(event=EVENT).after["reason"] == REASON


@pytest.mark.parametrize("body", [{"reason": REASON}, {"password": "", "reason": REASON}])
def test_the_api_generates_the_password_when_none_is_given_and_shows_it_once(tree, body):
    street = tree.users["street"]
    _phone(street)
    response = tree.client("district").post(_api(street), body,
                                             content_type="application/json")
    assert response.status_code == 200, response.content
    assert response["Cache-Control"] == "no-store"
    password = response.json()["password"]
    assert re.fullmatch(r"[2-9a-z]{4}(-[2-9a-z]{4}){3}", password), password
    fresh = _fresh(street)
    assert fresh.check_password(password) and fresh.password_change_required
    assert not _devices(street).exists()
    entry = ChangeLogEntry.objects.get(event=EVENT)
    assert password not in json.dumps([entry.before, entry.after])


def test_the_api_url_is_the_routers(tree):
    assert reverse("api:user-reset-authenticator", args=[7]) == "/api/v1/users/7/reset-authenticator/"


def test_the_api_of_another_jurisdiction_is_404_and_unchanged(tree):
    street = tree.users["street"]
    _phone(street)
    before = _state(street)
    for caller in ("district_west", "street2", "community", "translator"):
        response = tree.client(caller).post(_api(street), {"password": INITIAL, "reason": REASON},
                                            content_type="application/json")
        assert response.status_code == 404, caller
    assert Client().post(_api(street), {"password": INITIAL, "reason": REASON},
                         content_type="application/json").status_code in (401, 403)
    assert _state(street) == before


def test_the_api_refuses_with_errors(tree):
    street, district = tree.users["street"], tree.users["district"]
    _phone(street)
    before = _state(street)
    client = tree.client("district")
    missing = client.post(_api(street), {"password": INITIAL}, content_type="application/json")
    assert missing.status_code == 400 and "reason" in missing.json()
    short = client.post(_api(street), {"password": INITIAL, "reason": "short"},
                        content_type="application/json")
    assert short.status_code == 400 and "reason" in short.json()
    weak = client.post(_api(street), {"password": "123", "reason": REASON},
                       content_type="application/json")
    assert weak.status_code == 400 and "password" in weak.json()
    own = client.post(_api(district), {"password": INITIAL, "reason": REASON},
                      content_type="application/json")
    assert own.status_code == 400 and "non_field_errors" in own.json()
    assert _state(street) == before
    role_grant(actor=district, user=street, role="street_staff",
               jurisdiction=tree.jurisdictions["110101002"])
    foreign = tree.client("street2").post(_api(street), {"password": INITIAL, "reason": REASON},
                                          content_type="application/json")
    assert foreign.status_code == 403
    assert _devices(street).exists()


def test_a_street_manager_resets_a_community_worker_through_the_api(tree):
    community = tree.users["community"]
    _phone(community)
    response = tree.client("street").post(_api(community),
                                          {"password": INITIAL, "reason": REASON},
                                          content_type="application/json")
    assert response.status_code == 204
    assert not _devices(community).exists()


def test_the_schema_describes_the_action(openapi_schema):
    operation = openapi_schema["paths"][
        "/api/v1/users/{id}/reset-authenticator/"]["post"]
    assert set(operation["responses"]) >= {"204", "400", "403", "404"}
    body = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert body.endswith("/AuthenticatorResetRequest")


# A real browser ------------------------------------------------------------------------------

@pytest.mark.browser
def test_a_manager_resets_an_authenticator_in_chromium(page, live_tree):
    from playwright.sync_api import expect

    from frontline.conftest import browser_login

    street = live_tree.users["street"]
    _phone(street)
    browser_login(page, "district")
    page.goto(reverse("accounts:user_detail", args=[street.pk]))
    expect(page.locator("#authenticator-status .badge.ok")).to_have_count(1)
    page.fill("input[name=authenticator-password]", INITIAL)
    page.fill("input[name=authenticator-password_again]", INITIAL)
    page.fill("textarea[name=authenticator-reason]", REASON)
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#authenticator-reset button[type=submit]")
    expect(page.locator(".message.success")).to_have_count(1)
    expect(page.locator("#authenticator-status .badge.ok")).to_have_count(0)
    expect(page.locator(".password-change-required")).to_have_count(1)
    assert not _devices(street).exists()
    assert ChangeLogEntry.objects.get(event=EVENT).after["reason"] == REASON
