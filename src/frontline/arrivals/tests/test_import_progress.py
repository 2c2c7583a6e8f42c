"""An arrival list shows its progress while the worker reads it, on the page and in the API,
and a list left "being read" by a worker that died is read again by the task's next attempt."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from frontline.arrivals import imports
from frontline.arrivals.models import Arrival, ArrivalImport, ImportStatus
from frontline.arrivals.tests.factories import passport_number
from frontline.core.tests.hostile import corpus


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _csv(count: int) -> SimpleUploadedFile:
    today = timezone.localdate().isoformat()
    rows = [["family_name", "given_names", "passport", "nationality", "date"]] + [
        [f"ROSSI{n}", "MARCO", passport_number(), "IT", today] for n in range(count)]
    return SimpleUploadedFile("list.csv", corpus.csv_bytes(rows))


def _upload(tree, count: int) -> ArrivalImport:
    return imports.expected_import(actor=tree.users["registrar"],
                                   transfer_point=tree.places["transfer"], upload=_csv(count))


def test_progress_is_written_while_the_rows_are_read(tree, monkeypatch):
    job = _upload(tree, 50)
    assert imports.progress(job) == {"rows_done": 0, "rows_total": 0, "running": True,
                                     "percent": 0}
    seen = []
    real_write = imports.progress_write

    def write(path, status, done):
        real_write(path, status, done)
        seen.append(imports.progress(ArrivalImport.objects.get(pk=job.pk)))

    monkeypatch.setattr(imports, "PROGRESS_EVERY", 10)
    monkeypatch.setattr(imports, "progress_write", write)
    imports.expected_import_run(job.pk)
    assert [s["rows_done"] for s in seen] == [0, 10, 20, 30, 40, 50]
    assert [s["percent"] for s in seen] == [0, 20, 40, 60, 80, 99]  # never 100 while running
    assert all(s["running"] and s["rows_total"] == 50 for s in seen)
    job.refresh_from_db()
    assert (job.status, job.created) == (ImportStatus.DONE, 50)
    assert imports.progress(job) == {"rows_done": 50, "rows_total": 50, "running": False,
                                     "percent": 100}
    assert not imports._progress_path(job).exists()  # noqa: SLF001


def test_the_page_shows_the_bar_and_polls_only_while_the_list_is_read(tree):
    job = _upload(tree, 40)
    ArrivalImport.objects.filter(pk=job.pk).update(status=ImportStatus.READING, rows_total=40)
    job.refresh_from_db()
    imports.progress_write(imports._progress_path(job), ImportStatus.READING, 10)  # noqa: SLF001
    client = tree.client("registrar")
    url = reverse("arrivals:import_detail", kwargs={"pk": job.pk})
    page = client.get(url).content.decode()
    assert '<progress id="import-progress-bar" max="100" value="25">' in page
    assert 'hx-trigger="every 2s"' in page and "10 of 40 rows (25%)" in page
    api = client.get(reverse("api:arrivalimport-detail", kwargs={"pk": job.pk})).json()
    assert api["progress"] == {"rows_done": 10, "rows_total": 40, "percent": 25,
                               "running": True}
    imports.expected_import_run(job.pk, retry=True)
    page = client.get(url).content.decode()
    assert "<progress" not in page and 'hx-trigger="every 2s"' not in page
    assert "40 of 40 rows became expected arrivals." in page


def test_a_list_left_being_read_is_read_again_only_by_a_later_attempt(tree):
    job = _upload(tree, 5)
    ArrivalImport.objects.filter(pk=job.pk).update(status=ImportStatus.READING)
    imports.expected_import_run(job.pk)  # a first attempt: someone else is reading it
    assert ArrivalImport.objects.get(pk=job.pk).status == ImportStatus.READING
    assert not Arrival.objects.exists()
    imports.expected_import_run(job.pk, retry=True)  # the worker that read it died
    job.refresh_from_db()
    assert (job.status, job.created, Arrival.objects.count()) == (ImportStatus.DONE, 5, 5)


def test_a_list_longer_than_an_arrival_list_is_refused_and_writes_nothing(tree, settings):
    settings.ARRIVAL_LIST_MAX_ROWS = 10
    job = _upload(tree, 11)
    imports.expected_import_run(job.pk)
    job.refresh_from_db()
    assert job.status == ImportStatus.REFUSED and "at most 10" in job.message
    assert not Arrival.objects.exists()
    assert not imports._progress_path(job).exists()  # noqa: SLF001


def test_the_page_says_how_many_rows_were_refused_when_the_list_of_errors_is_cut(
        tree, monkeypatch):
    monkeypatch.setattr(imports, "MAX_ERRORS", 3)
    today = timezone.localdate().isoformat()
    rows = [["family_name", "passport", "nationality", "date"]] + [
        [f"ROSSI{n}", "", "IT", today] for n in range(5)]  # no document number: all refused
    job = imports.expected_import(actor=tree.users["registrar"],
                                  transfer_point=tree.places["transfer"],
                                  upload=SimpleUploadedFile("l.csv", corpus.csv_bytes(rows)))
    imports.expected_import_run(job.pk)
    page = tree.client("registrar").get(reverse("arrivals:import_detail", kwargs={"pk": job.pk}),
                                        HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "5 rows were refused; the first 3 are listed:" in page


def test_a_page_waiting_for_a_worker_says_when_none_runs(tree, settings):
    from frontline.core.models import WorkerHeartbeat
    from frontline.core.workers import any_worker_alive

    job = _upload(tree, 5)
    url = reverse("arrivals:import_detail", kwargs={"pk": job.pk})
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    assert not WorkerHeartbeat.objects.exists() and not any_worker_alive()
    page = tree.client("registrar").get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "No background worker is running" in page
    imports.expected_import_run(job.pk)  # read: nothing to wait for, nothing said
    page = tree.client("registrar").get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "No background worker is running" not in page
