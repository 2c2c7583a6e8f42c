"""A manager revokes every API token of a user they manage (a compromised account), on its own
or together with a password or authenticator reset; the service, the page, the API and a real
browser."""

import json
import re
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django_otp.plugins.otp_totp.models import TOTPDevice

from frontline.accounts.models import ApiToken, User
from frontline.accounts.services import (
    role_grant,
    token_create,
    user_reset_authenticator,
    user_reset_password,
    user_set_active,
    user_tokens_revoke,
)
from frontline.audit.models import ChangeLogEntry
from frontline.core.models import OutOfScope

INITIAL = "an-initial-passphrase-4"  # noqa: S105
REASON = "desk scanner stolen from the office, 2026-11-30"
EVENT = "user.tokens_revoked"


@pytest.fixture(autouse=True)
def _no_earlier_failures():
    """Throttle counters live in the cache, which outlives a test's database."""
    from django.core.cache import cache

    cache.clear()


def _tokens(user, count=2):
    """`count` new tokens of `user`: [(token, key), ...]."""
    return [token_create(actor=user, name=f"script {i}") for i in range(count)]


def _works(key) -> bool:
    """Whether the key still authenticates at the API (200), or is refused (401)."""
    status = Client().get(reverse("api:token-list"),
                          HTTP_AUTHORIZATION=f"Token {key}").status_code
    assert status in (200, 401), status
    return status == 200


def _state(user):
    """What a refused revocation must leave alone: the user's tokens and the audit log."""
    return (sorted(ApiToken.objects.filter(user=user).values_list("pk", "revoked_at")),
            ChangeLogEntry.objects.count())


def _page(user):
    return reverse("accounts:user_detail", args=[user.pk])


def _url(user):
    return reverse("accounts:user_tokens_revoke", args=[user.pk])


def _api(user):
    return f"/api/v1/users/{user.pk}/revoke-tokens/"


def _shown(response) -> str:
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


# The service ---------------------------------------------------------------------------------

def test_all_and_only_that_users_tokens_are_revoked_and_stop_working(tree):
    street, district = tree.users["street"], tree.users["district"]
    (usable, key), (_second, key2) = _tokens(street)
    earlier, earlier_key = token_create(actor=street, name="old")
    earlier.revoked_at = timezone.now() - timedelta(days=3)
    earlier.save(update_fields=["revoked_at"])
    expired, expired_key = token_create(actor=street,
                                        expires_at=timezone.now() + timedelta(days=1),
                                        name="expired")
    ApiToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(days=1))
    expired.refresh_from_db()
    (_other, other_key), = _tokens(tree.users["street2"], 1)
    (_own, own_key), = _tokens(district, 1)
    assert _works(key) and _works(key2) and not _works(expired_key)

    assert user_tokens_revoke(actor=district, user=street, reason=REASON) == 3
    assert not _works(key) and not _works(key2) and not _works(expired_key)
    assert not ApiToken.objects.filter(user=street, revoked_at__isnull=True).exists()
    usable.refresh_from_db()
    assert usable.revoked_at is not None and not usable.is_usable
    # An earlier revocation keeps its time; nobody else's tokens are touched.
    assert ApiToken.objects.get(pk=earlier.pk).revoked_at == earlier.revoked_at
    assert _works(other_key) and _works(own_key)
    assert not _works(earlier_key)
    # The account itself is unchanged: same password, still active.
    fresh = User.objects.get(pk=street.pk)
    assert fresh.is_active and fresh.password == street.password


def test_one_audit_record_with_the_reason_and_the_count_and_no_secrets(tree):
    street, district = tree.users["street"], tree.users["district"]
    made = _tokens(street, 3)
    user_tokens_revoke(actor=district, user=street, reason=f"  {REASON} ")
    entry = ChangeLogEntry.objects.get(event=EVENT)
    assert entry.action == "event" and entry.actor_id == district.pk
    assert (entry.object_type, entry.object_id) == ("accounts.user", str(street.pk))
    assert entry.jurisdiction_code == "110101001"
    assert entry.before is None
    assert entry.after == {"tokens_revoked": 3, "reason": REASON}
    assert not ChangeLogEntry.objects.filter(event="token.revoke").exists()
    stored = json.dumps([entry.before, entry.after, entry.object_repr, entry.actor_label])
    for token, key in made:
        token.refresh_from_db()
        for secret in (key, token.key_hash, token.prefix):
            assert secret not in stored


def test_revoking_when_there_are_none_says_0(tree):
    assert user_tokens_revoke(actor=tree.users["district"], user=tree.users["translator"],
                              reason=REASON) == 0
    assert ChangeLogEntry.objects.get(event=EVENT).after == {"tokens_revoked": 0,
                                                             "reason": REASON}


def test_a_deactivated_users_tokens_stay_revoked_after_reactivation(tree):
    street, district = tree.users["street"], tree.users["district"]
    (_token, key), = _tokens(street, 1)
    user_set_active(actor=district, user=street, active=False)
    assert not _works(key)  # paused only
    assert user_tokens_revoke(actor=district, user=street, reason=REASON) == 1
    user_set_active(actor=district, user=street, active=True)
    assert not _works(key)


@pytest.mark.parametrize("reason", ["", "   ", "ok", "x" * 7, "x" * 501])
def test_a_reason_is_required(tree, reason):
    street = tree.users["street"]
    (_token, key), = _tokens(street, 1)
    before = _state(street)
    with pytest.raises(ValidationError) as caught:
        user_tokens_revoke(actor=tree.users["district"], user=street, reason=reason)
    assert set(caught.value.error_dict) == {"reason"}
    assert _state(street) == before and _works(key)


def test_another_jurisdictions_user_is_out_of_scope_and_the_tokens_keep_working(tree):
    street = tree.users["street"]
    (_token, key), = _tokens(street, 1)
    before = _state(street)
    for actor in ("district_west", "street2", "community", "translator", "registrar"):
        with pytest.raises(OutOfScope):
            user_tokens_revoke(actor=tree.users[actor], user=street, reason=REASON)
    assert _state(street) == before and _works(key)


def test_a_user_with_roles_outside_the_managers_jurisdiction_is_refused(tree):
    street = tree.users["street"]
    role_grant(actor=tree.users["district"], user=street, role="street_staff",
               jurisdiction=tree.jurisdictions["110101002"])
    (_token, key), = _tokens(street, 1)
    before = _state(street)
    with pytest.raises(PermissionDenied, match="outside your jurisdiction"):
        user_tokens_revoke(actor=tree.users["street2"], user=street, reason=REASON)
    assert _state(street) == before and _works(key)
    # The district office manages both roles.
    assert user_tokens_revoke(actor=tree.users["district"], user=street, reason=REASON) == 1
    assert not _works(key)


def test_nobody_revokes_their_own_tokens_here(tree):
    district = tree.users["district"]
    (_token, key), = _tokens(district, 1)
    before = _state(district)
    with pytest.raises(ValidationError, match="your profile page"):
        user_tokens_revoke(actor=district, user=district, reason=REASON)
    assert _state(district) == before and _works(key)
    with translation.override("zh-hans"), pytest.raises(ValidationError) as caught:
        user_tokens_revoke(actor=district, user=district, reason=REASON)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in caught.value.messages[0])


# The option on the two resets ----------------------------------------------------------------

def test_a_password_reset_can_revoke_the_tokens_in_the_same_record(tree):
    street = tree.users["street"]
    made = _tokens(street)
    user_reset_password(actor=tree.users["district"], user=street, password=INITIAL,
                        revoke_tokens=True)
    assert not any(_works(key) for _token, key in made)
    entry = ChangeLogEntry.objects.get(event="user.password_reset")
    assert entry.after == {"password_change_required": True, "tokens_revoked": 2}
    assert not ChangeLogEntry.objects.filter(event=EVENT).exists()


def test_a_request_begun_before_a_reset_makes_no_token_after_it(tree):
    """A token asked for by a request that was signed in before a manager's reset (its
    user loaded then) would outlive the reset that ended that sign-in: refused."""
    street = tree.users["street"]
    in_flight = User.objects.get(pk=street.pk)  # the request's user, loaded before the reset
    user_reset_password(actor=tree.users["district"], user=street, password=INITIAL,
                        revoke_tokens=True)
    tokens = ApiToken.objects.filter(user=street).count()
    created = ChangeLogEntry.objects.filter(event="token.create").count()
    with pytest.raises(PermissionDenied):
        token_create(actor=in_flight, name="made during the reset")
    assert ApiToken.objects.filter(user=street).count() == tokens
    assert ChangeLogEntry.objects.filter(event="token.create").count() == created
    fresh = User.objects.get(pk=street.pk)  # signed in again with the new password
    _token, key = token_create(actor=fresh, name="after signing in again")
    assert _works(key)


def test_a_deactivated_account_makes_no_token(tree):
    street = tree.users["street"]
    in_flight = User.objects.get(pk=street.pk)
    user_set_active(actor=tree.users["district"], user=street, active=False)
    with pytest.raises(PermissionDenied):
        token_create(actor=in_flight, name="after deactivation")
    assert not ApiToken.objects.filter(user=street).exists()


def test_a_password_reset_keeps_the_tokens_by_default(tree):
    street = tree.users["street"]
    (_token, key), = _tokens(street, 1)
    user_reset_password(actor=tree.users["district"], user=street, password=INITIAL)
    assert _works(key)
    assert "tokens_revoked" not in ChangeLogEntry.objects.get(event="user.password_reset").after


def test_a_refused_password_keeps_the_tokens(tree):
    street = tree.users["street"]
    (_token, key), = _tokens(street, 1)
    with pytest.raises(ValidationError):
        user_reset_password(actor=tree.users["district"], user=street, password="123",
                            revoke_tokens=True)
    assert _works(key)  # the revocation was rolled back
    assert not ChangeLogEntry.objects.filter(event="user.password_reset").exists()


def test_an_authenticator_reset_can_revoke_the_tokens_in_the_same_record(tree):
    street = tree.users["street"]
    TOTPDevice.objects.create(user=street, name="phone", confirmed=True)
    made = _tokens(street, 3)
    user_reset_authenticator(actor=tree.users["district"], user=street, password=INITIAL,
                             reason=REASON, revoke_tokens=True)
    assert not any(_works(key) for _token, key in made)
    entry = ChangeLogEntry.objects.get(event="user.authenticator_reset")
    assert entry.after == {"password_change_required": True, "password_reset": True,
                           "totp_devices_removed": 1, "reason": REASON, "tokens_revoked": 3}
    assert not ChangeLogEntry.objects.filter(event=EVENT).exists()


def test_an_authenticator_reset_keeps_the_tokens_by_default_and_when_refused(tree):
    street = tree.users["street"]
    (_token, key), = _tokens(street, 1)
    with pytest.raises(ValidationError):
        user_reset_authenticator(actor=tree.users["district"], user=street, password=INITIAL,
                                 reason="short", revoke_tokens=True)
    assert _works(key)
    user_reset_authenticator(actor=tree.users["district"], user=street, password=INITIAL,
                             reason=REASON)
    assert _works(key)
    assert "tokens_revoked" not in ChangeLogEntry.objects.get(
        event="user.authenticator_reset").after


# The manager's page --------------------------------------------------------------------------

def test_the_page_lists_the_usable_tokens_without_keys(tree):
    street = tree.users["street"]
    usable, key = token_create(actor=street, name="desk scanner")
    ApiToken.objects.filter(pk=usable.pk).update(
        last_used_at=timezone.now() - timedelta(hours=1))
    gone, _key = token_create(actor=street, name="gone-token")
    gone.revoked_at = timezone.now()
    gone.save(update_fields=["revoked_at"])
    stale, _key = token_create(actor=street, name="stale-token",
                               expires_at=timezone.now() + timedelta(days=1))
    ApiToken.objects.filter(pk=stale.pk).update(expires_at=timezone.now() - timedelta(days=1))
    response = tree.client("district").get(_page(street))
    html = response.content.decode()
    panel = html.split('id="api-tokens"', 1)[1]  # the last panel of the page
    assert "This user has 1 usable API token." in panel
    assert "desk scanner" in panel and "gone-token" not in panel and "stale-token" not in panel
    usable.refresh_from_db()
    assert timezone.localtime(usable.created_at).strftime("%Y-%m-%d %H:%M") in panel
    assert timezone.localtime(usable.last_used_at).strftime("%Y-%m-%d %H:%M") in panel
    for secret in (key, usable.prefix, usable.key_hash):
        assert secret not in html
    assert 'name="tokens-reason"' in panel and "Revoke all API tokens" in panel


def test_the_form_revokes_and_says_so(tree):
    street = tree.users["street"]
    made = _tokens(street)
    manager = tree.client("district")
    response = manager.post(_url(street), {"tokens-reason": REASON})
    assert response.status_code == 302 and response["Location"] == _page(street)
    assert not any(_works(key) for _token, key in made)
    assert ChangeLogEntry.objects.get(event=EVENT).after["reason"] == REASON
    detail = manager.get(response["Location"])
    assert "2 API tokens were revoked." in " ".join(str(m) for m in detail.context["messages"])
    assert "This user has 0 usable API tokens." in detail.content.decode()


@pytest.mark.parametrize("reason", ["", "short", "x" * 501])
def test_the_form_shows_errors_and_changes_nothing(tree, reason):
    street = tree.users["street"]
    (_token, key), = _tokens(street, 1)
    before = _state(street)
    response = tree.client("district").post(_url(street), {"tokens-reason": reason})
    assert response.status_code == 200
    assert "reason" in response.context["tokens_form"].errors
    assert 'id="api-tokens"' in response.content.decode()
    assert _state(street) == before and _works(key)


def test_the_page_refuses_ones_own_and_foreign_roles(tree):
    district = tree.users["district"]
    (_token, own_key), = _tokens(district, 1)
    manager = tree.client("district")
    page = manager.get(_page(district)).content.decode()
    assert 'name="tokens-reason"' not in page and reverse("accounts:profile") in page
    own = manager.post(_url(district), {"tokens-reason": REASON})
    assert own.status_code == 200
    assert "your profile page" in str(own.context["tokens_form"].non_field_errors())
    assert 'class="form-errors"' in own.content.decode().split('id="api-tokens"', 1)[1]
    assert _works(own_key)
    street = tree.users["street"]
    role_grant(actor=district, user=street, role="street_staff",
               jurisdiction=tree.jurisdictions["110101002"])
    (_token, key), = _tokens(street, 1)
    before = _state(street)
    refused = tree.client("street2").post(_url(street), {"tokens-reason": REASON})
    assert refused.status_code == 302
    assert "outside your jurisdiction" in _shown(refused)
    assert _state(street) == before and _works(key)


def test_the_page_of_another_jurisdiction_is_404_and_unchanged(tree):
    street = tree.users["street"]
    (_token, key), = _tokens(street, 1)
    before = _state(street)
    for manager in ("district_west", "street2", "community", "translator"):
        assert tree.client(manager).post(_url(street), {"tokens-reason": REASON}
                                         ).status_code == 404, manager
    assert Client().post(_url(street), {"tokens-reason": REASON}).status_code == 302  # sign-in
    assert tree.client("district").get(_url(street)).status_code == 405
    assert _state(street) == before and _works(key)


def test_the_reset_forms_offer_to_revoke_the_tokens(tree):
    street = tree.users["street"]
    html = tree.client("district").get(_page(street)).content.decode()
    password_box = re.search(r'<input[^>]*name="revoke_tokens"[^>]*>', html).group(0)
    authenticator_box = re.search(r'<input[^>]*name="authenticator-revoke_tokens"[^>]*>',
                                  html).group(0)
    assert 'type="checkbox"' in password_box and "checked" not in password_box
    assert 'type="checkbox"' in authenticator_box and "checked" in authenticator_box
    assert html.count("Also revoke all API tokens") == 2


def test_the_password_form_revokes_when_ticked(tree):
    street = tree.users["street"]
    manager = tree.client("district")
    (_token, key), = _tokens(street, 1)
    url = reverse("accounts:user_reset_password", args=[street.pk])
    assert manager.post(url, {"password": INITIAL}).status_code == 302
    assert _works(key)
    manager.get(_page(street))  # shows (and so consumes) the first message
    response = manager.post(url, {"password": INITIAL + "x", "revoke_tokens": "on"})
    assert response.status_code == 302
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    assert len(shown) == 1 and "all API tokens of the user were revoked" in shown[0]
    assert not _works(key)
    entries = ChangeLogEntry.objects.filter(event="user.password_reset").order_by("pk")
    assert [e.after.get("tokens_revoked") for e in entries] == [None, 1]


def test_the_authenticator_form_revokes_when_ticked(tree):
    street = tree.users["street"]
    (_token, key), = _tokens(street, 1)
    url = reverse("accounts:user_reset_authenticator", args=[street.pk])
    form = {"authenticator-password": INITIAL, "authenticator-password_again": INITIAL,
            "authenticator-reason": REASON}
    manager = tree.client("district")
    assert manager.post(url, form).status_code == 302  # a browser posts no unticked box
    assert _works(key)
    manager.get(_page(street))  # shows (and so consumes) the first message
    response = manager.post(url, {**form, "authenticator-revoke_tokens": "on"})
    assert response.status_code == 302
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    assert len(shown) == 1 and "all API tokens of the user revoked" in shown[0]
    assert not _works(key)


def test_the_panel_is_translated(tree):
    html = tree.client("district").get(_page(tree.users["street"]),
                                       HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert 'id="api-tokens"' in html
    for english in ("Revoke all API tokens", "usable API token", "Also revoke",
                    "may be compromised"):
        assert english not in html, english


# The API -------------------------------------------------------------------------------------

def test_the_api_revokes_and_says_how_many(tree):
    street = tree.users["street"]
    made = _tokens(street)
    response = tree.client("district").post(_api(street), {"reason": REASON},
                                            content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json() == {"tokens_revoked": 2}
    assert not any(_works(key) for _token, key in made)
    assert ChangeLogEntry.objects.get(event=EVENT).after == {"tokens_revoked": 2,
                                                             "reason": REASON}
    again = tree.client("district").post(_api(street), {"reason": REASON},
                                         content_type="application/json")
    assert again.json() == {"tokens_revoked": 0}


def test_the_api_works_with_a_managers_token(tree):
    community = tree.users["community"]
    (_token, key), = _tokens(community, 1)
    _manager_token, manager_key = token_create(actor=tree.users["street"], name="admin script")
    response = Client().post(_api(community), {"reason": REASON},
                             content_type="application/json",
                             HTTP_AUTHORIZATION=f"Token {manager_key}")
    assert response.status_code == 200 and response.json() == {"tokens_revoked": 1}
    assert not _works(key) and _works(manager_key)


def test_the_api_url_is_the_routers(tree):
    assert reverse("api:user-revoke-tokens", args=[7]) == "/api/v1/users/7/revoke-tokens/"


def test_the_api_of_another_jurisdiction_is_404_and_unchanged(tree):
    street = tree.users["street"]
    (_token, key), = _tokens(street, 1)
    before = _state(street)
    for caller in ("district_west", "street2", "community", "translator", "hotel"):
        response = tree.client(caller).post(_api(street), {"reason": REASON},
                                            content_type="application/json")
        assert response.status_code == 404, caller
    assert Client().post(_api(street), {"reason": REASON},
                         content_type="application/json").status_code in (401, 403)
    assert Client().post(_api(street), {"reason": REASON}, content_type="application/json",
                         HTTP_AUTHORIZATION="Token fl_wrong").status_code == 401
    assert _state(street) == before and _works(key)


def test_the_api_refuses_with_errors(tree):
    street, district = tree.users["street"], tree.users["district"]
    (_token, key), = _tokens(street, 1)
    (_own, own_key), = _tokens(district, 1)
    before = _state(street)
    client = tree.client("district")
    missing = client.post(_api(street), {}, content_type="application/json")
    assert missing.status_code == 400 and "reason" in missing.json()
    short = client.post(_api(street), {"reason": "short"}, content_type="application/json")
    assert short.status_code == 400 and "reason" in short.json()
    own = client.post(_api(district), {"reason": REASON}, content_type="application/json")
    assert own.status_code == 400 and "non_field_errors" in own.json()
    assert _works(own_key)
    assert _state(street) == before
    role_grant(actor=district, user=street, role="street_staff",
               jurisdiction=tree.jurisdictions["110101002"])
    before = _state(street)
    foreign = tree.client("street2").post(_api(street), {"reason": REASON},
                                          content_type="application/json")
    assert foreign.status_code == 403
    assert _state(street) == before and _works(key)


def test_the_api_authenticator_reset_revokes_only_when_asked(tree):
    street = tree.users["street"]
    (_token, key), = _tokens(street, 1)
    url = f"/api/v1/users/{street.pk}/reset-authenticator/"
    client = tree.client("district")
    kept = client.post(url, {"password": INITIAL, "reason": REASON},
                       content_type="application/json")
    assert kept.status_code == 204 and _works(key)
    revoked = client.post(url, {"password": INITIAL + "x", "reason": REASON,
                                "revoke_tokens": True}, content_type="application/json")
    assert revoked.status_code == 204 and not _works(key)
    entries = ChangeLogEntry.objects.filter(event="user.authenticator_reset").order_by("pk")
    assert [e.after.get("tokens_revoked") for e in entries] == [None, 1]


def test_the_schema_describes_the_action(openapi_schema):
    schema = openapi_schema
    operation = schema["paths"]["/api/v1/users/{id}/revoke-tokens/"]["post"]
    assert set(operation["responses"]) >= {"200", "400", "403", "404"}
    body = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert body.endswith("/TokensRevokeRequest")
    reset = schema["components"]["schemas"]["AuthenticatorResetRequest"]["properties"]
    assert reset["revoke_tokens"]["type"] == "boolean" and reset["revoke_tokens"]["default"] is False


# A real browser ------------------------------------------------------------------------------

@pytest.mark.browser
def test_a_manager_revokes_all_tokens_in_chromium(page, live_tree):
    from playwright.sync_api import expect

    from frontline.conftest import browser_login

    street = live_tree.users["street"]
    made = _tokens(street)
    browser_login(page, "district")
    page.goto(reverse("accounts:user_detail", args=[street.pk]))
    expect(page.locator("#api-tokens table tbody tr")).to_have_count(2)
    page.fill("textarea[name=tokens-reason]", REASON)
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#api-tokens button[type=submit]")
    expect(page.locator(".message.success")).to_have_count(1)
    expect(page.locator("#api-tokens table")).to_have_count(0)
    expect(page.locator("#api-tokens-count")).to_contain_text("0")
    assert not any(_works(key) for _token, key in made)
    assert ChangeLogEntry.objects.get(event=EVENT).after == {"tokens_revoked": 2,
                                                             "reason": REASON}
