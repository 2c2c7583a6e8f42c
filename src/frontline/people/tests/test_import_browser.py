"""The whole import flow in a real Chromium: upload, the preview lists the bad row, import the
valid rows, the progress bar (htmx, polled every second) reaches done, the person is listed.

The background worker is played by the test: tasks wait in `HeldBackend` until the test runs
them, while the page keeps polling. Every browser request is routed through Playwright, so
no request reaches the server while a task runs in the test thread (with SQLite in memory,
the live server and the test share one connection).
"""

from __future__ import annotations

from typing import ClassVar

import pytest
from django_tasks.backends.immediate import ImmediateBackend

from frontline.conftest import browser_login
from frontline.people.models import ImportJob, ImportStatus, Person
from frontline.people.tests.importing import RESIDENT_FIELDS, csv_bytes, resident, table

pytestmark = pytest.mark.browser


class HeldBackend(ImmediateBackend):
    """Like the immediate backend, but a task runs only when the test says so."""

    held: ClassVar[list] = []

    def _execute_task(self, task_result):
        HeldBackend.held.append(task_result)

    @classmethod
    def run_all(cls, alias: str = "default") -> int:
        from django_tasks import task_backends

        backend = task_backends[alias]
        count = 0
        while cls.held:
            ImmediateBackend._execute_task(backend, cls.held.pop(0))
            count += 1
        return count


@pytest.fixture
def held_tasks(settings):
    settings.TASKS = {"default": {
        "BACKEND": "frontline.people.tests.test_import_browser.HeldBackend"}}
    HeldBackend.held.clear()
    yield HeldBackend
    HeldBackend.held.clear()


def run_worker(page, held) -> None:
    """Run the queued tasks while no request is being served."""
    page.wait_for_load_state("networkidle")
    assert held.run_all() >= 1


def test_import_flow_upload_preview_confirm_progress_done(page, live_tree, held_tasks,
                                                          settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    page.route("**/*", lambda route: route.continue_())
    rows = [resident(family_name="KOWALSKA", given_names="EWA", nationality="PL",
                     doc_number="EK1234567", name_zh="科娃", phone="", email=""),
            resident(family_name="NOVÁK", given_names="JAN", nationality="CZ",
                     doc_number="CZ7654321", phone="", email="", residence="110101001002"),
            resident(family_name="BAD", nationality="ZZ", doc_number="ZZ0000001")]
    path = tmp_path / "居民名单.csv"
    path.write_bytes(csv_bytes(table(RESIDENT_FIELDS, rows), "gb18030"))

    browser_login(page, "street")
    page.goto("/people/imports/new/")
    page.select_option("select[name=kind]", "residents")
    page.set_input_files("input[name=file]", str(path))
    page.click("#import-upload-form button[type=submit]")
    page.wait_for_url("**/people/imports/*/")
    # The check waits for the worker; the page polls.
    assert page.locator("#import-progress[hx-trigger]").count() == 1
    run_worker(page, held_tasks)
    page.wait_for_selector("#import-errors", timeout=15_000)
    errors = page.inner_text("#import-errors")
    assert "4" in errors and "国籍 / Nationality" in errors and "ZZ" in errors
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.CHECKED and job.encoding == "gb18030"

    page.check("input[name=mode][value=valid]")
    page.click("#import-confirm")
    page.wait_for_selector("#import-progress[data-status=importing]")
    assert page.get_attribute("#import-progress-bar", "value") == "0"
    run_worker(page, held_tasks)
    page.wait_for_selector("#import-progress[data-status=done]", timeout=15_000)
    assert page.get_attribute("#import-progress-bar", "value") == "100"
    assert page.locator("#import-progress[hx-trigger]").count() == 0
    assert "2" in page.inner_text("#import-result")
    assert set(Person.objects.values_list("family_name", flat=True)) == {"KOWALSKA", "NOVÁK"}

    page.goto("/people/?q=科娃")
    assert "KOWALSKA" in page.inner_text("#person-list")
