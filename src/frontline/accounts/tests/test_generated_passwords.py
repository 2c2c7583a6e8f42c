"""A manager may leave an initial password empty: Frontline makes a random one and shows it
once (ASVS 6.4.1: system-made initial passwords, random, expiring, not kept)."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from frontline.accounts.models import User
from frontline.accounts.services import initial_password_generate
from frontline.audit.models import ChangeLogEntry

SHAPE = re.compile(r"^([2-9a-hjkmnp-z]{4}-){3}[2-9a-hjkmnp-z]{4}$")


@pytest.fixture(autouse=True)
def _no_earlier_failures():
    """Sign-in failures are counted in the cache, which outlives a test's database."""
    from django.core.cache import cache

    cache.clear()


def _shown(response) -> str:
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    match = re.search(r'id="initial-password">([^<]+)<', response.content.decode())
    assert match, response.content.decode()[:500]
    return match.group(1)


def _signs_in(username: str, password: str) -> bool:
    response = Client().post(reverse("accounts:login"),
                             {"username": username, "password": password})
    return response.status_code == 302


def test_generated_passwords_are_random_and_readable():
    made = {initial_password_generate() for _ in range(200)}
    assert len(made) == 200
    assert all(SHAPE.match(p) for p in made)
    assert not any(c in p for p in made for c in "01ilo")


def test_a_new_account_with_an_empty_password_gets_one_shown_once(tree):
    manager = tree.client("district")
    response = manager.post(reverse("accounts:user_create"), {
        "username": "new.community", "role": "community_worker",
        "jurisdiction": tree.jurisdictions["110101001001"].pk, "password": ""})
    password = _shown(response)
    assert SHAPE.match(password)
    user = User.objects.get(username="new.community")
    assert user.password_change_required and user.check_password(password)
    assert password not in str(list(ChangeLogEntry.objects.values_list("before", "after")))
    assert _signs_in("new.community", password)
    # the page with the password is not shown again: the user's page does not hold it
    assert password not in manager.get(reverse("accounts:user_detail",
                                               args=[user.pk])).content.decode()


def test_a_typed_password_is_used_and_not_shown(tree):
    response = tree.client("district").post(reverse("accounts:user_create"), {
        "username": "typed.user", "role": "community_worker",
        "jurisdiction": tree.jurisdictions["110101001001"].pk,
        "password": "a-typed-initial-passphrase-3"})
    assert response.status_code == 302
    assert User.objects.get(username="typed.user").check_password("a-typed-initial-passphrase-3")


def test_a_reset_with_an_empty_password_gets_one_shown_once(tree):
    street = tree.users["street"]
    response = tree.client("district").post(
        reverse("accounts:user_reset_password", args=[street.pk]), {"password": ""})
    password = _shown(response)
    street.refresh_from_db()
    assert street.check_password(password) and street.password_change_required


def test_an_authenticator_reset_with_empty_passwords_gets_one(tree):
    street = tree.users["street"]
    url = reverse("accounts:user_reset_authenticator", args=[street.pk])
    manager = tree.client("district")
    response = manager.post(url, {"authenticator-password": "",
                                  "authenticator-password_again": "something-else-9",
                                  "authenticator-reason": "checked identity card in person"})
    assert response.status_code == 200
    assert "password_again" in response.context["authenticator_form"].errors
    street.refresh_from_db()
    assert not street.password_change_required
    response = manager.post(url, {"authenticator-password": "",
                                  "authenticator-password_again": "",
                                  "authenticator-reason": "checked identity card in person"})
    password = _shown(response)
    street.refresh_from_db()
    assert street.check_password(password) and street.password_change_required


@pytest.mark.browser
def test_a_manager_creates_an_account_with_a_generated_password_in_chromium(
        page, browser, live_server, live_tree):
    from playwright.sync_api import expect

    from frontline.conftest import browser_login

    browser_login(page, "district")
    page.goto(reverse("accounts:user_create"))
    page.fill("input[name=username]", "generated.user")
    page.select_option("select[name=role]", "community_worker")
    page.select_option("select[name=jurisdiction]",
                       str(live_tree.jurisdictions["110101001001"].pk))
    page.click("main button[type=submit]")
    expect(page.locator("#initial-password")).to_be_visible()
    password = page.locator("#initial-password").inner_text().strip()
    assert SHAPE.match(password)
    other = browser.new_context(locale="zh-CN", base_url=live_server.url)
    try:
        user_page = other.new_page()
        user_page.goto(reverse("accounts:login"))
        user_page.fill("input[name=username]", "generated.user")
        user_page.fill("input[name=password]", password)
        user_page.click("main button[type=submit]")
        expect(user_page).to_have_url(re.compile(r"/accounts/password/"))
    finally:
        other.close()
