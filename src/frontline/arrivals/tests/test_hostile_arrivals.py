"""Hostile arrival lists: every file of the hostile corpus through the upload page and the API
ends refused (or read, writing nothing bad), never half-written, never stuck waiting."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from frontline.arrivals.models import Arrival, ArrivalImport, ImportStatus
from frontline.arrivals.tests.factories import passport_number
from frontline.core.tests.hostile import corpus
from frontline.core.tests.hostile.checks import audit_added, audit_counts, upload

# Read by the registry's hardened readers; their rows are then refused one by one (the
# corpus's dates lie years back), so no arrival is created either way.
READ = {"xlsx_control_chars", "xlsx_long_cell", "xlsx_wide", "xlsx_formulas", "csv_wide",
        "csv_cr_only", "csv_formulas", "csv_gb18030", "xlsx_bomb_lying_crc"}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _post(tree, via: str, file):
    client = tree.client("registrar")
    data = {"transfer_point": tree.places["transfer"].pk, "file": file}
    if via == "page":
        return client.post(reverse("arrivals:import_upload"), data)
    return client.post(reverse("api:arrivalimport-list"), data)


@pytest.mark.parametrize("via", ["page", "api"])
@pytest.mark.parametrize("item", corpus.items("sheet"), ids=lambda i: i.key)
def test_every_hostile_list_ends_refused_or_read_and_writes_nothing(
        tree, django_capture_on_commit_callbacks, settings, item, via):
    audit = audit_counts()
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(tree, via, upload(item))
    assert response.status_code == (302 if via == "page" else 201), response.content[:300]
    job = ArrivalImport.objects.get()
    assert job.status != ImportStatus.PENDING  # never left waiting after its task ran
    if item.key in READ:
        assert job.status == ImportStatus.DONE
    else:
        assert job.status == ImportStatus.REFUSED and job.message, job.message
        assert "server" not in job.message
    assert not Arrival.objects.exists()
    assert set(audit_added(audit)) <= {"arrivals.arrivalimport"}
    assert not list((settings.MEDIA_ROOT / "arrival-lists").rglob("*.*"))  # the upload is gone
    page = tree.client("registrar").get(reverse("arrivals:import_detail", kwargs={"pk": job.pk}))
    assert page.status_code == 200 and (not job.message or job.message in page.content.decode())


def _rows(count: int) -> list[list[str]]:
    today = timezone.localdate().isoformat()
    return [["family_name", "given_names", "passport", "nationality", "flight", "date"]] + [
        [f"ROSSI{n}", "MARCO", passport_number(), "IT", "CA934", today] for n in range(count)]


def test_a_list_whose_xml_breaks_after_its_rows_creates_no_arrival(
        tree, django_capture_on_commit_callbacks):
    rows = _rows(30)
    with django_capture_on_commit_callbacks(execute=True):
        _post(tree, "api", SimpleUploadedFile("good.xlsx", corpus.xlsx_bytes(rows)))
    good = ArrivalImport.objects.get()
    assert (good.status, good.created) == (ImportStatus.DONE, 30)  # the rows themselves are fine
    Arrival.objects.all().delete()
    broken = corpus.xlsx_broken_tail(_rows(30))
    with django_capture_on_commit_callbacks(execute=True):
        _post(tree, "api", SimpleUploadedFile("broken.xlsx", broken))
    job = ArrivalImport.objects.exclude(pk=good.pk).get()
    assert job.status == ImportStatus.REFUSED and "cannot be read" in job.message
    assert (job.created, job.rows_total) == (0, 0)
    assert not Arrival.objects.exists()  # not 30 arrivals of a refused file


def test_rtl_names_in_a_list_are_stored_exactly(tree, django_capture_on_commit_callbacks):
    today = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    rows = [["family_name", "given_names", "passport", "nationality", "date"]]
    for family, given in corpus.RTL_NAMES.values():
        rows.append([family, given, passport_number(), "EG", today])
    with django_capture_on_commit_callbacks(execute=True):
        _post(tree, "page", SimpleUploadedFile("rtl.csv", corpus.csv_bytes(rows)))
    job = ArrivalImport.objects.get()
    assert job.status == ImportStatus.DONE, job.message
    stored = {(a.family_name, a.given_names) for a in Arrival.objects.all()}
    expected = {(f.upper(), g.upper()) for f, g in corpus.RTL_NAMES.values()}
    assert stored == expected, (stored ^ expected, job.errors)
    page = tree.client("registrar").get(reverse("arrivals:arrival_list")).content.decode()
    assert "<b>X</b>" not in page and "<b>x</b>" not in page
