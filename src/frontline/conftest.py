"""Shared pytest fixtures: a small jurisdiction tree, places and a user for every role.

The tree's rows are inserted in bulk, with the same rows and audit records the console's
services write (`core.testing.TreeBuilder`): every test builds it.
"""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright + live_server

from frontline.core.testing import TreeBuilder  # noqa: E402


@pytest.fixture
def tree(db) -> TreeBuilder:
    """City 11 → districts 110101, 110102 → streets → communities, plus places, and users:
    `tree.users["street"]` holds street_staff at 110101001, `street2` at 110101002, etc."""
    return TreeBuilder().build()


@pytest.fixture(scope="session")
def openapi_schema(tmp_path_factory, django_db_setup, django_db_blocker) -> dict:
    """The OpenAPI schema as `manage.py spectacular --validate --fail-on-warn` writes it (what
    CI checks), generated once per run for the tests that read it."""
    import yaml
    from django.core.management import call_command

    out = tmp_path_factory.mktemp("openapi") / "schema.yaml"
    with django_db_blocker.unblock():
        call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    return yaml.safe_load(out.read_text())


@pytest.fixture(autouse=True)
def _english_by_default(settings):
    settings.LANGUAGE_CODE = "en"
    settings.FRONTLINE_REQUIRE_2FA = False
    settings.PASSWORD_HASHERS = ["frontline.core.testing.FastArgon2PasswordHasher"]
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}


CHROMIUM = os.environ.get("FRONTLINE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright (Playwright cannot download browsers here)."""
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: run scripts/sysdeps.sh test")
    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def live_tree(transactional_db) -> TreeBuilder:
    """The same tree as `tree`, committed, so a live server in another thread sees it."""
    return TreeBuilder().build()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(locale="zh-CN", base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def browser_login(page, username: str, password: str | None = None) -> None:
    from frontline.core.testing import PASSWORD

    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password or PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
