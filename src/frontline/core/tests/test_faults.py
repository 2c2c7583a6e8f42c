"""Faults: a task worker killed in the middle of an import and of a batch of documents (real
`manage.py db_worker` processes on the test database, SIGKILL), clients sending the same write
again (idempotency keys), and two offices editing the same record (optimistic concurrency).

The worker tests need a database other processes can open: PostgreSQL, or SQLite in a file
(the in-memory test database is copied to one for the test).
"""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import Count

from frontline.audit.models import ChangeLogEntry
from frontline.core.testing import TreeBuilder

PROJECT_DIR = Path(django_settings.PROJECT_DIR)
ROWS = 6000  # three batches of the import (imports.BATCH = 2000)
DOCUMENTS = 240  # rendered by a pool of two processes (issuing.PARALLEL_MIN = 200)


# -- a database and workers other processes share ---------------------------------------------

@pytest.fixture
def shared_db(transactional_db, tmp_path):
    """The test database, committed, at a name another process can open. An in-memory SQLite
    database is copied to a file for the test (the in-memory one is kept aside, open, and put
    back afterwards)."""
    kept = None
    original = connection.settings_dict["NAME"]
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        path = tmp_path / "frontline.sqlite3"
        connection.ensure_connection()
        with contextlib.closing(sqlite3.connect(path)) as target:
            connection.connection.backup(target)
        kept = connection.connection
        connection.connection = None
        connection.settings_dict["NAME"] = str(path)
        ContentType.objects.clear_cache()
    try:
        yield connection.settings_dict["NAME"]
    finally:
        if kept is not None:
            connection.close()
            connection.settings_dict["NAME"] = original
            connection.connection = kept
            ContentType.objects.clear_cache()


class Workers:
    """`manage.py db_worker` processes on the shared database, each in its own process group."""

    def __init__(self, tmp_path: Path, database_name: str):
        self.tmp = tmp_path
        self.processes: list[subprocess.Popen] = []
        modules = tmp_path / "modules"
        modules.mkdir(exist_ok=True)
        (modules / "faults_settings.py").write_text(
            "from frontline.settings import *  # noqa: F403\n"
            "from pathlib import Path\n"
            f"DATABASES['default']['NAME'] = {database_name!r}  # noqa: F405\n"
            f"MEDIA_ROOT = Path({str(tmp_path / 'media')!r})\n"
            "TASKS_HEARTBEAT_SECONDS = 1\n")
        self.env = {**os.environ, "DJANGO_SETTINGS_MODULE": "faults_settings",
                    "PYTHONPATH": os.pathsep.join([str(modules), str(PROJECT_DIR / "src")]),
                    "FRONTLINE_VAR_DIR": str(tmp_path / "var"), "LOG_LEVEL": "WARNING",
                    "DOCUMENTS_RENDER_PROCESSES": "2"}

    def start(self) -> subprocess.Popen:
        n = len(self.processes)
        log = open(self.tmp / f"worker-{n}.log", "wb")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(
            [sys.executable, "manage.py", "db_worker", "--queue-name", "*", "--interval", "0.2",
             "--no-reload", "--no-startup-delay", "--worker-id", f"faults-{n}-{os.getpid()}"],
            cwd=PROJECT_DIR, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)
        process.log = log
        self.processes.append(process)
        return process

    def kill(self, process: subprocess.Popen) -> None:
        """SIGKILL the worker process itself (not its children), as the kernel's out-of-memory
        killer would, and reap it."""
        process.kill()
        process.wait(timeout=30)

    def group_alive(self, process: subprocess.Popen) -> bool:
        try:
            os.killpg(process.pid, 0)
        except ProcessLookupError:
            return False
        return True

    def log(self, n: int) -> str:
        return (self.tmp / f"worker-{n}.log").read_text(errors="replace")[-3000:]

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)  # renderers left behind, if any
            process.log.close()


@pytest.fixture
def workers(shared_db, tmp_path, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.MEDIA_ROOT = tmp_path / "media"
    pool = Workers(tmp_path, shared_db)
    try:
        yield pool
    finally:
        pool.stop_all()


def wait_for(condition: Callable[[], object], what: str, timeout: float = 180,
             workers: Workers | None = None) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.02)
    logs = "\n".join(workers.log(n) for n in range(len(workers.processes))) if workers else ""
    raise AssertionError(f"timed out waiting for {what}\n{logs}")


def task_rows(path_end: str):
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(task_path__endswith=path_end)


def all_tasks_finished() -> bool:
    from django_tasks_db.models import DBTaskResult

    return not DBTaskResult.objects.filter(status__in=["READY", "RUNNING"]).exists()


# -- an import killed in the middle -----------------------------------------------------------

def residents_file(n: int) -> bytes:
    from frontline.people.tests.importing import RESIDENT_FIELDS, csv_bytes, resident, table

    nationalities = ["DE", "FR", "IT", "JP", "KR", "RU", "GB", "US"]
    rows = [resident(family_name=f"FAULT{i:05d}", given_names="TEST", email="",
                     nationality=nationalities[i % len(nationalities)],
                     doc_number=f"FT{i:07d}", phone="",
                     residence=("110101001001", "110101001002")[i % 2])
            for i in range(n)]
    return csv_bytes(table(RESIDENT_FIELDS, rows))


@pytest.mark.parametrize("mode", ["valid", "all"])
def test_an_import_survives_its_worker_being_killed(workers, mode):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from frontline.people import imports
    from frontline.people.models import IdentityDocument, ImportJob, ImportStatus, Person

    tree = TreeBuilder().build()
    district = tree.users["district"]
    job = imports.import_upload(actor=district, kind="residents",
                                file=SimpleUploadedFile("residents.csv", residents_file(ROWS)))
    first = workers.start()
    wait_for(lambda: ImportJob.objects.get(pk=job.pk).status == ImportStatus.CHECKED,
             "the check", workers=workers)
    job.refresh_from_db()
    assert (job.rows_valid, job.error_count) == (ROWS, 0)
    imports.import_confirm(actor=district, job=job, mode=mode)

    def mid_way():
        fresh = ImportJob.objects.get(pk=job.pk)
        state = imports.progress(fresh)
        return fresh.status == ImportStatus.IMPORTING and state["rows_done"] >= imports.BATCH

    wait_for(mid_way, "the first batch", workers=workers)
    workers.kill(first)

    # Nothing half-written: all or nothing wrote nothing; "valid rows" whole batches only.
    job.refresh_from_db()
    assert job.status == ImportStatus.IMPORTING
    assert task_rows("people.tasks.import_run").get().status == "RUNNING"
    people = Person.objects.count()
    if mode == "all":
        assert people == 0 and job.rows_done == 0
    else:
        assert people == job.rows_done and people % imports.BATCH == 0 and 0 < people < ROWS
    assert IdentityDocument.objects.count() == people
    assert ChangeLogEntry.objects.filter(event="people.import", action="create").count() == people

    workers.start()  # finds the dead worker's task and runs it again
    wait_for(lambda: ImportJob.objects.get(pk=job.pk).status != ImportStatus.IMPORTING,
             "the import to finish", workers=workers)
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE, job.message
    assert (job.created, job.updated, job.unchanged, job.error_count) == (ROWS, 0, 0, 0)
    assert "_resume" not in job.mapping
    # Exactly once: one person, one document, one category and one audit entry per row.
    assert Person.objects.count() == ROWS
    assert IdentityDocument.objects.count() == ROWS
    assert not IdentityDocument.objects.values("number_index").annotate(
        n=Count("id")).filter(n__gt=1).exists()
    assert not Person.objects.values("family_name").annotate(n=Count("id")).filter(
        n__gt=1).exists()
    assert Person.objects.filter(category_links__category="permanent_resident").count() == ROWS
    created = ChangeLogEntry.objects.filter(event="people.import", action="create")
    assert created.count() == ROWS
    assert not created.values("object_id").annotate(n=Count("id")).filter(n__gt=1).exists()
    resumed = ChangeLogEntry.objects.get(event="people.import_resumed")
    assert resumed.after["attempt"] == 2
    assert resumed.after["from_row"] == (0 if mode == "all" else people)
    assert ChangeLogEntry.objects.filter(event="people.import", action="event").count() == 1
    wait_for(all_tasks_finished, "the tasks to finish", workers=workers)
    run = task_rows("people.tasks.import_run").get()
    assert run.status == "SUCCESSFUL" and len(run.worker_ids) == 2


# -- a batch of documents killed in the middle -------------------------------------------------

def test_a_batch_of_documents_survives_its_worker_being_killed(workers):
    from frontline.documents import services
    from frontline.documents.kinds import DocumentKind
    from frontline.documents.models import BatchStatus, IssueBatch, IssuedDocument, SerialCounter
    from frontline.documents.services.preparing import media_path
    from frontline.documents.tests.factories import make_template, translate

    tree = TreeBuilder().build()
    template = make_template(tree)
    translate(tree, template, "en")
    items = [{"person": None, "context": {
        "jurisdiction_code": "110101001001", "name": f"PERSON Number{i}",
        "document_number": f"E{i:08d}", "start_date": "2020-03-20", "end_date": "2020-04-03"}}
        for i in range(DOCUMENTS)]
    batch = services.document_issue_batch(actor=tree.users["street"],
                                          kind=DocumentKind.END_CERTIFICATE, items=items,
                                          language_policy="en")
    serials = list(batch.documents.order_by("batch_index").values_list("serial", flat=True))
    first = workers.start()
    wait_for(lambda: IssueBatch.objects.get(pk=batch.pk).done >= 50, "the first documents",
             workers=workers)
    workers.kill(first)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.RUNNING and batch.done < DOCUMENTS
    rendered = {d.serial: media_path(d.file_path).stat().st_mtime_ns
                for d in IssuedDocument.objects.filter(batch=batch, rendered_at__isnull=False)}
    assert len(rendered) == batch.done
    # The renderers of the dead worker do not linger.
    wait_for(lambda: not workers.group_alive(first), "the renderers to exit", timeout=30)

    workers.start()
    wait_for(lambda: IssueBatch.objects.get(pk=batch.pk).status != BatchStatus.RUNNING,
             "the batch to finish", workers=workers)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DONE, batch.error
    assert (batch.done, batch.total, batch.attempts) == (DOCUMENTS, DOCUMENTS, 2)
    # The same serials, none spent twice; the documents written before are kept as they were.
    assert list(batch.documents.order_by("batch_index").values_list("serial", flat=True)) == \
        serials
    assert IssuedDocument.objects.count() == DOCUMENTS
    assert SerialCounter.objects.get().last == DOCUMENTS
    for document in IssuedDocument.objects.filter(serial__in=rendered):
        assert media_path(document.file_path).stat().st_mtime_ns == rendered[document.serial]
    with zipfile.ZipFile(media_path(batch.file_path)) as archive:
        names = archive.namelist()
        assert sorted(names) == sorted(f"{s}.pdf" for s in serials)
        for name in names:
            data = archive.read(name)
            assert data.startswith(b"%PDF-") and b"%%EOF" in data[-32:]
    media = Path(django_settings.MEDIA_ROOT)
    assert not list(media.rglob(".tmp-*"))  # nothing half-written is left behind
    assert ChangeLogEntry.objects.filter(event="batch.resumed").count() == 1
    assert ChangeLogEntry.objects.filter(event="batch.done").count() == 1
    wait_for(all_tasks_finished, "the task to finish", workers=workers)
    run = task_rows("documents.tasks.render_batch").get()
    assert run.status == "SUCCESSFUL" and len(run.worker_ids) == 2


# -- the recovery rules themselves -------------------------------------------------------------

def test_a_task_is_failed_after_losing_its_worker_too_often(db, settings, tmp_path):
    """A task that kills its worker every time (a poison file) is not retried for ever: its
    job fails, saying so."""
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from frontline.core import workers as recovery
    from frontline.core.models import WorkerHeartbeat
    from frontline.people.models import ImportJob, ImportStatus

    settings.MEDIA_ROOT = tmp_path
    settings.TASKS_MAX_ATTEMPTS = 2
    tree = TreeBuilder().build()
    job = ImportJob.objects.create(kind="residents", jurisdiction=tree.jurisdictions["110101"],
                                   jurisdiction_code="110101", file_name="x.csv",
                                   file_path="imports/x.csv", file_sha256="0" * 64,
                                   status=ImportStatus.IMPORTING, mode="valid")
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    for n in (1, 2):
        WorkerHeartbeat.objects.update_or_create(worker_id=f"dead-{n}", defaults={
            "hostname": __import__("socket").gethostname(), "pid": gone.pid,
            "seen_at": timezone.now()})
    task = DBTaskResult.objects.create(
        status="RUNNING", args_kwargs={"args": [job.pk], "kwargs": {}},
        task_path="frontline.people.tasks.import_run", worker_ids=["dead-1"],
        backend_name="default", started_at=timezone.now(), run_after=timezone.now())
    alive = DBTaskResult.objects.create(
        status="RUNNING", args_kwargs={"args": [0], "kwargs": {}},
        task_path="frontline.documents.tasks.render_batch", worker_ids=["here"],
        backend_name="default", started_at=timezone.now(), run_after=timezone.now())
    recovery.worker_register("here")  # this very process: alive

    assert recovery.tasks_requeue_stale() == "1 tasks queued again, 0 failed"
    task.refresh_from_db()
    assert task.status == "READY" and task.worker_ids == ["dead-1"]
    assert DBTaskResult.objects.get(pk=alive.pk).status == "RUNNING"  # its worker lives
    assert recovery.tasks_requeue_stale() == "0 tasks queued again, 0 failed"

    DBTaskResult.objects.filter(pk=task.pk).update(status="RUNNING",
                                                   worker_ids=["dead-1", "dead-2"])
    assert recovery.tasks_requeue_stale() == "0 tasks queued again, 1 failed"
    task.refresh_from_db()
    assert task.status == "FAILED" and task.exception_class_path.endswith("WorkerLost")
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED and "worker was lost" in job.message


def test_a_worker_on_another_machine_is_gone_when_its_heartbeat_is_old(db, settings):
    import datetime

    from django.utils import timezone

    from frontline.core import workers as recovery
    from frontline.core.models import WorkerHeartbeat

    settings.TASKS_LEASE_SECONDS = 60
    now = timezone.now()
    beat = WorkerHeartbeat(worker_id="far", hostname="another-machine", pid=1,
                           seen_at=now - datetime.timedelta(seconds=30))
    assert recovery.worker_alive(beat, now)
    beat.seen_at = now - datetime.timedelta(seconds=90)
    assert not recovery.worker_alive(beat, now)
    assert recovery.process_alive(os.getpid(), recovery.process_start(os.getpid()))
    assert not recovery.process_alive(os.getpid(), recovery.process_start(os.getpid()) + 1)


# -- clients sending the same write again (Idempotency-Key) ------------------------------------

def desk_arrival(n: int = 1, **extra) -> dict:
    import datetime

    return {"family_name": "ROSSI", "given_names": f"Maria {n}", "sex": "F",
            "birth_date": "1985-03-10", "nationality": "IT", "doc_type": "passport",
            "doc_number": f"QZ{n:07d}", "doc_country": "IT", "travel_mode": "flight",
            "carrier_number": "CA934", "travel_date": datetime.date.today().isoformat(),  # noqa: DTZ011
            "departure_country": "IT", "visited_countries": ["IT"],
            "destination": "110101001001", "destination_address": "1 Lane",
            "phone": "+8613800138000", "temperature": "36.6", "language": "en",
            "check_in": True, **extra}


def post(client, name: str, body, key: str | None = None, **kwargs):
    from django.urls import reverse

    headers = {"Idempotency-Key": key} if key is not None else {}
    return client.post(reverse(name, kwargs=kwargs or None), body,
                       content_type="application/json", headers=headers)


def test_a_check_in_sent_again_with_its_key_is_stored_once(tree):
    from frontline.arrivals.models import Arrival
    from frontline.core.models import IdempotencyKey
    from frontline.people.models import IdentityDocument, Person

    desk = tree.client("registrar")
    first = post(desk, "api:arrival-list", desk_arrival(), key="desk-1-0001")
    assert first.status_code == 201, first.content
    assert first.json()["status"] == "checked_in"
    counts = (Arrival.objects.count(), Person.objects.count(), IdentityDocument.objects.count(),
              ChangeLogEntry.objects.count())
    assert counts[:3] == (1, 1, 1)
    again = post(desk, "api:arrival-list", desk_arrival(), key="desk-1-0001")
    assert again.status_code == 201 and again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    # The same key with another body: refused, nothing done.
    other = post(desk, "api:arrival-list", desk_arrival(2), key="desk-1-0001")
    assert other.status_code == 422 and "different request" in other.json()["detail"]
    assert (Arrival.objects.count(), Person.objects.count(), IdentityDocument.objects.count(),
            ChangeLogEntry.objects.count()) == counts
    # Without a key, sending it again is refused as a second registration of the document.
    assert post(desk, "api:arrival-list", desk_arrival()).status_code == 400
    # Keys belong to their user; one key per answer.
    street2 = tree.client("district")
    assert post(street2, "api:arrival-list", desk_arrival(3), key="desk-1-0001"
                ).status_code in (201, 400, 403)
    assert IdempotencyKey.objects.filter(user=tree.users["registrar"]).count() == 1


def test_an_error_answer_is_not_kept_for_the_key(tree):
    from frontline.arrivals.models import Arrival
    from frontline.core.models import IdempotencyKey

    desk = tree.client("registrar")
    bad = post(desk, "api:arrival-list", desk_arrival(destination="999999999999"), key="k-7")
    assert bad.status_code == 400 and not IdempotencyKey.objects.exists()
    good = post(desk, "api:arrival-list", desk_arrival(), key="k-7")
    assert good.status_code == 201 and Arrival.objects.count() == 1
    assert post(desk, "api:arrival-list", desk_arrival(), key=" " * 3).status_code == 400
    assert post(desk, "api:arrival-list", desk_arrival(), key="é").status_code == 400


def test_the_check_in_action_and_the_bulk_checks_honour_the_key(tree):
    import datetime

    from django.utils import timezone

    from frontline.arrivals.models import ArrivalStatus
    from frontline.observation.models import HealthCheck
    from frontline.observation.tests.factories import observe

    desk = tree.client("registrar")
    registered = post(desk, "api:arrival-list", desk_arrival(check_in=False))
    assert registered.status_code == 201
    pk = registered.json()["id"]
    first = post(desk, "api:arrival-check-in", {}, key="ci-1", pk=pk)
    assert first.status_code == 200 and first.json()["status"] == ArrivalStatus.CHECKED_IN
    again = post(desk, "api:arrival-check-in", {}, key="ci-1", pk=pk)
    assert again.status_code == 200 and again.json() == first.json()
    assert post(desk, "api:arrival-check-in", {}, pk=pk).status_code == 400  # already in

    observation = observe(tree)
    day = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    checks = [{"observation": observation.pk, "temperature": "36.6", "day": day, "slot": 0},
              {"observation": observation.pk, "temperature": "37.9", "day": day, "slot": 1}]
    street = tree.client("street")
    first = post(street, "api:healthcheck-bulk", checks, key="hotel-batch-9")
    assert [r["status"] for r in first.json()] == ["created", "created"]
    again = post(street, "api:healthcheck-bulk", checks, key="hotel-batch-9")
    assert again.json() == first.json() and HealthCheck.objects.count() == 2
    # Without the key the service answers "duplicate" for each: the first answer is the key's.
    assert [r["status"] for r in post(street, "api:healthcheck-bulk", checks).json()] == [
        "duplicate", "duplicate"]


def test_old_keys_are_purged(tree):
    import datetime

    from django.utils import timezone

    from frontline.core.idempotency import keys_purge
    from frontline.core.models import IdempotencyKey

    desk = tree.client("registrar")
    assert post(desk, "api:arrival-list", desk_arrival(), key="old").status_code == 201
    assert post(desk, "api:arrival-list", desk_arrival(2), key="new").status_code == 201
    IdempotencyKey.objects.filter(key="old").update(
        created_at=timezone.now() - datetime.timedelta(hours=25))
    assert keys_purge() == "1 idempotency keys purged"
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["new"]


# -- two offices editing the same record (optimistic concurrency) ------------------------------

def test_two_offices_edit_the_same_person_on_the_page(tree):
    from django.urls import reverse

    from frontline.people.models import Person
    from frontline.people.tests.factories import make_person

    person = make_person(tree)
    url = reverse("people:person_edit", kwargs={"pk": person.pk})
    forms = {}
    for office in ("district", "street"):  # both open the form
        client = tree.client(office)
        form = client.get(url).context["form"]
        data = {k: v for k, v in form.initial.items() if v is not None}
        forms[office] = (client, data)
    client, data = forms["district"]
    response = client.post(url, {**data, "address": "District's address"})
    assert response.status_code == 302
    client, data = forms["street"]
    response = client.post(url, {**data, "address": "Street's address"})
    assert response.status_code == 200
    assert "Someone else changed this record" in str(response.context["form"].errors)
    person = Person.objects.get(pk=person.pk)
    assert person.address == "District's address" and person.version == 2


def test_two_offices_edit_the_same_person_through_the_api(tree):
    from django.urls import reverse

    from frontline.people.models import Person
    from frontline.people.tests.factories import make_person

    person = make_person(tree)
    url = reverse("api:person-detail", kwargs={"pk": person.pk})
    district, street = tree.client("district"), tree.client("street")
    read = {name: c.get(url).json()["version"] for name, c in
            (("district", district), ("street", street))}
    assert read == {"district": 1, "street": 1}
    ok = district.patch(url, {"address": "District's address", "version": read["district"]},
                        content_type="application/json")
    assert ok.status_code == 200 and ok.json()["version"] == 2
    late = street.patch(url, {"address": "Street's address", "version": read["street"]},
                        content_type="application/json")
    assert late.status_code == 409
    assert "Someone else changed this record" in late.json()["detail"]
    person = Person.objects.get(pk=person.pk)
    assert person.address == "District's address" and person.version == 2


def test_the_desk_and_the_destination_edit_the_same_arrival(tree):
    from django.urls import reverse

    from frontline.arrivals.models import Arrival

    desk, street = tree.client("registrar"), tree.client("street")
    created = post(desk, "api:arrival-list", desk_arrival(check_in=False))
    assert created.status_code == 201, created.content
    url = reverse("api:arrival-detail", kwargs={"pk": created.json()["id"]})
    versions = [c.get(url).json()["version"] for c in (desk, street)]
    assert versions[0] == versions[1]
    ok = desk.patch(url, {"seat": "12A", "version": versions[0]},
                    content_type="application/json")
    assert ok.status_code == 200 and ok.json()["version"] == versions[0] + 1
    late = street.patch(url, {"destination_address": "2 Lane", "version": versions[1]},
                        content_type="application/json")
    assert late.status_code == 409 and "Someone else changed" in late.json()["detail"]
    arrival = Arrival.objects.get(pk=created.json()["id"])
    assert (arrival.seat, arrival.destination_address) == ("12A", "1 Lane")
    # Without a version the change is applied as before (clients that do not send one).
    assert street.patch(url, {"destination_address": "2 Lane"},
                        content_type="application/json").status_code == 200
