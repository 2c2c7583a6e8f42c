"""Login: generic errors, lockout on username + address, two factors, session timeouts."""

import time

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from frontline.accounts.middleware import LAST_SEEN, LOGIN_AT
from frontline.core.testing import PASSWORD


def login(client, username, password, ip="10.0.0.1"):
    return client.post(reverse("accounts:login"), {"username": username, "password": password},
                       REMOTE_ADDR=ip)


def test_login_success(tree, client):
    response = login(client, "street", PASSWORD)
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200


def test_errors_do_not_reveal_whether_a_user_exists(tree, client):
    wrong_password = login(client, "street", "nope-nope-nope")
    no_such_user = login(client, "nobody-here", "nope-nope-nope")
    assert wrong_password.status_code == no_such_user.status_code == 200
    assert (wrong_password.context["form"].non_field_errors()
            == no_such_user.context["form"].non_field_errors())


def test_inactive_user_gets_the_same_error(tree, client):
    user = tree.users["street"]
    user.is_active = False
    user.save()
    response = login(client, "street", PASSWORD)
    assert response.status_code == 200
    assert "not correct" in str(response.context["form"].non_field_errors())


def test_lockout_is_per_username_and_address(tree, client, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        login(client, "street", "wrong-wrong-wrong", ip="10.0.0.7")
    locked = login(client, "street", PASSWORD, ip="10.0.0.7")
    assert locked.status_code == 429
    # Another registrar at the same desk (same address) can still sign in ...
    from django.test import Client

    assert login(Client(), "street2", PASSWORD, ip="10.0.0.7").status_code == 302
    # ... and the same user from another address too.
    assert login(Client(), "street", PASSWORD, ip="10.0.0.8").status_code == 302


@pytest.fixture
def two_factor_on(settings):
    settings.FRONTLINE_REQUIRE_2FA = True


def test_personal_data_roles_must_enrol_a_second_factor(tree, client, two_factor_on):
    login(client, "street", PASSWORD)
    response = client.get(reverse("areas:place_list"))
    assert response.status_code == 302 and reverse("accounts:two_factor") in response["Location"]
    page = client.get(reverse("accounts:two_factor"))
    assert page.context["enrolling"] and page.context["secret"]
    device = TOTPDevice.objects.get(user=tree.users["street"], confirmed=False)
    bad = client.post(reverse("accounts:two_factor"), {"token": "000000"})
    assert "token" in bad.context["form"].errors
    device.refresh_from_db()
    assert device.throttling_failure_count == 1  # wrong codes slow down further attempts
    device.throttle_reset()  # as if the user waited out the delay
    code = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
    ok = client.post(reverse("accounts:two_factor"), {"token": code})
    assert ok.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(reverse("areas:place_list")).status_code == 200


def test_api_session_needs_the_second_factor(tree, client, two_factor_on):
    login(client, "district", PASSWORD)
    assert client.get(reverse("api:place-list")).status_code in (401, 403)


def test_translator_needs_no_second_factor(tree, client, two_factor_on):
    login(client, "translator", PASSWORD)
    assert client.get(reverse("home")).status_code == 200


def test_idle_timeout_logs_out(tree, client, settings):
    login(client, "street", PASSWORD)
    session = client.session
    session[LAST_SEEN] = int(time.time()) - settings.SESSION_IDLE_TIMEOUT - 5
    session.save()
    response = client.get(reverse("areas:place_list"))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
    assert client.get(reverse("areas:place_list")).status_code == 302


def test_absolute_timeout_logs_out_even_when_active(tree, client, settings):
    login(client, "street", PASSWORD)
    session = client.session
    session[LOGIN_AT] = int(time.time()) - settings.SESSION_ABSOLUTE_TIMEOUT - 5
    session.save()
    response = client.get(reverse("areas:place_list"))
    assert reverse("accounts:login") in response["Location"]


def test_passwords_are_argon2(tree):
    assert tree.users["street"].password.startswith("argon2")


def test_background_polls_do_not_keep_the_session_alive(tree, client, settings):
    login(client, "street", PASSWORD)
    session = client.session
    stale = int(time.time()) - 120
    session[LAST_SEEN] = stale
    session.save()
    client.get(reverse("notify:bell"), HTTP_HX_REQUEST="true", HTTP_X_BACKGROUND="1")
    assert client.session[LAST_SEEN] == stale
    client.get(reverse("home"))
    assert client.session[LAST_SEEN] > stale


def test_expired_htmx_request_redirects_the_whole_page(tree, client, settings):
    login(client, "street", PASSWORD)
    session = client.session
    session[LAST_SEEN] = int(time.time()) - settings.SESSION_IDLE_TIMEOUT - 5
    session.save()
    response = client.get(reverse("notify:bell"), HTTP_HX_REQUEST="true")
    assert response.status_code == 204
    assert reverse("accounts:login") in response["HX-Redirect"]
