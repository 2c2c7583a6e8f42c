"""Imports of residents, hotel lodgers and school lists from .xlsx and .csv files.

The flow: `import_upload` stores the file and queues a check; the check (`import_check`, a
background task) refuses hostile or unreadable files, matches the headers (or waits for the
user's column mapping, `import_mapping_set`), and validates every row without writing to the
registry, listing every bad row; the user confirms with a mode (`import_confirm`); the import
(`import_execute`, a background task) upserts people by identity document in batches.

All or nothing runs in one transaction: any bad row, or any failure, leaves the registry as it
was. "Import the valid rows" commits batch by batch and skips the bad rows. Re-importing a
file changes nothing: people are found by (document type, issuing country, blind index of the
number), empty cells never erase, categories are only added, stays are keyed by
(person, hotel, check-in), and repeated rows of one document must agree.

A worker that dies in the middle (see frontline.core.workers) leaves either nothing (all or
nothing: the transaction is rolled back) or whole batches: each batch commits with the job's
high-water mark (`rows_done`) and counts, so the task run again resumes after the last
committed batch. Each batch first locks the job and checks the mark, so two runs of one import
can never both write a batch.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from frontline.areas.models import Jurisdiction, Level, Place, PlaceKind
from frontline.audit.models import ChangeAction
from frontline.audit.services import change_record
from frontline.core import crypto
from frontline.core.context import current_request_id, request_id_var
from frontline.core.models import OutOfScope, get_in_scope, scope_for
from frontline.core.permissions import Action
from frontline.core.progress import percent, progress_read, progress_write
from frontline.people.imports.columns import COLUMNS, KIND_FIELDS, KIND_REQUIRED, header_mapping
from frontline.people.imports.files import ImportRefused, Limits, file_open, too_big_message
from frontline.people.imports.upsert import HOTEL_KINDS, UpsertRun, row_dump, row_load
from frontline.people.models import ImportJob, ImportKind, ImportMode, ImportStatus

logger = logging.getLogger(__name__)

BATCH = 2000  # rows per batch: one document lookup, one set of bulk writes
RUNNING = (ImportStatus.CHECKING, ImportStatus.IMPORTING)


# -- files on disk ----------------------------------------------------------------------------

def _media(relative: str) -> Path:
    return Path(settings.MEDIA_ROOT) / relative


def _rows_cache_path(job: ImportJob) -> Path:
    """The checked copy: one JSON line per valid row (document numbers encrypted)."""
    return _media(job.file_path + ".checked.jsonl")


def _progress_path(job: ImportJob) -> Path:
    return _media(job.file_path + ".progress")


def _progress_write(job: ImportJob, done: int) -> None:
    """Progress of a run whose transaction is not committed yet (`core.progress`)."""
    progress_write(_progress_path(job), job.status, done)


def progress(job: ImportJob) -> dict[str, Any]:
    """Status, rows done and percent of a job, including an uncommitted run's progress."""
    done = job.rows_done
    running = job.status in RUNNING
    if running:
        done = max(done, progress_read(_progress_path(job), job.status))
    total = job.rows_valid if job.status == ImportStatus.IMPORTING else job.rows_total
    # Uploaded and not yet checked: nothing done yet (an empty bar, not a full one).
    waiting = job.status == ImportStatus.UPLOADED
    return {"status": job.status, "rows_done": done, "rows_total": total,
            "percent": percent(done, total, running=running or waiting), "running": running}


def _discard_files(job: ImportJob, *, keep_upload: bool = True) -> None:
    paths = [_rows_cache_path(job), _progress_path(job)]
    if not keep_upload:
        paths.append(_media(job.file_path))
    for path in paths:
        with contextlib.suppress(OSError):
            path.unlink()


# -- upload -----------------------------------------------------------------------------------

def import_jurisdictions(*, actor: Any) -> list[Jurisdiction]:
    """The jurisdictions an actor may import for: those where they hold the change action."""
    scope = scope_for(actor, Action.CHANGE)
    if scope.everything:
        return list(Jurisdiction.objects.filter(level=Level.CITY))
    return list(Jurisdiction.objects.filter(code__in=sorted(scope.codes)).order_by("code"))


def import_upload(*, actor: Any, kind: str, file: UploadedFile,
                  jurisdiction: Jurisdiction | None = None, place: Place | None = None,
                  encoding: str = "", language: str = "") -> ImportJob:
    """Store an uploaded file and queue its check. Refuses at once what can be seen without
    reading it: no change rights, a jurisdiction or place out of scope, the size, the type."""
    if kind not in ImportKind.values:
        raise ValidationError({"kind": _("Unknown kind of import.")})
    jurisdictions = import_jurisdictions(actor=actor)
    if not jurisdictions:
        raise PermissionDenied(_("Your role may not import people."))
    if jurisdiction is None:
        if len(jurisdictions) > 1:
            raise ValidationError({"jurisdiction": _("Choose the jurisdiction of the file.")})
        jurisdiction = jurisdictions[0]
    elif not scope_for(actor, Action.CHANGE).covers_code(jurisdiction.code):
        raise OutOfScope()
    if place is not None:
        place = get_in_scope(Place, actor, Action.CHANGE, pk=place.pk)
        allowed = HOTEL_KINDS if kind == ImportKind.LODGERS else (PlaceKind.SCHOOL,)
        if kind == ImportKind.RESIDENTS or place.kind not in allowed:
            raise ValidationError({"place": _("This place does not fit this kind of import.")})
    elif kind == ImportKind.SCHOOL:
        raise ValidationError({"place": _("Choose the school.")})
    if encoding not in ("", "utf-8", "gb18030"):
        raise ValidationError({"encoding": _("Unknown encoding.")})
    limits = Limits.from_settings()
    name = os.path.basename(file.name or "upload")[:200]
    suffix = Path(name).suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise ValidationError({"file": _("Only .xlsx and .csv files can be imported.")})
    if file.size is not None and file.size > limits.max_bytes:
        raise ValidationError({"file": too_big_message(limits.max_bytes)})
    relative = f"imports/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"
    target = _media(relative)
    target.parent.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    try:
        with open(target, "xb") as out:
            for chunk in file.chunks():
                size += len(chunk)
                if size > limits.max_bytes:
                    raise ValidationError({"file": too_big_message(limits.max_bytes)})
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise ValidationError({"file": _("The file is empty.")})
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    with transaction.atomic():
        job = ImportJob.objects.create(
            kind=kind, jurisdiction=jurisdiction, jurisdiction_code=jurisdiction.code,
            place=place, file_name=name, file_path=relative, file_sha256=digest.hexdigest(),
            file_size=size, encoding=encoding, created_by=actor,
            mapping={"_language": language or translation.get_language() or
                     settings.LANGUAGE_CODE, "_request_id": current_request_id()},
        )
        change_record(actor=actor, action=ChangeAction.CREATE, obj=job,
                      event="people.import_upload",
                      after={"kind": kind, "file": name, "sha256": job.file_sha256,
                             "size": size, "place": place.pk if place else None})
        _queue("import_check", job.pk)
    return job


def _queue(task_name: str, *args: Any) -> None:
    from frontline.people import tasks

    transaction.on_commit(lambda: getattr(tasks, task_name).enqueue(*args), robust=True)


# -- the column mapping -----------------------------------------------------------------------

def mapping_problems(kind: str, fields: list[str], *, has_place: bool) -> list[str]:
    """Why a column mapping cannot be used (a field twice, a required field missing)."""
    problems = []
    chosen = [f for f in fields if f]
    for f in sorted({f for f in chosen if chosen.count(f) > 1}):
        problems.append(_("“%(column)s” is chosen for several columns.")
                        % {"column": COLUMNS[f].header})
    unknown = [f for f in chosen if f not in KIND_FIELDS[kind]]
    if unknown:
        problems.append(_("Unknown field: %(value)s") % {"value": ", ".join(unknown)})
    required = set(KIND_REQUIRED[kind])
    if kind == ImportKind.LODGERS and not has_place:
        required.add("hotel")
    for f in KIND_FIELDS[kind]:
        if f in required and f not in chosen:
            problems.append(_("No column holds “%(column)s”, which is required.")
                            % {"column": COLUMNS[f].header})
    return problems


def import_mapping_set(*, actor: Any, job: ImportJob, fields: list[str]) -> ImportJob:
    """The user's column mapping (one field or "" per column of the file); queues a new check."""
    with transaction.atomic():
        job = get_in_scope(ImportJob, actor, Action.CHANGE, for_update=True, pk=job.pk)
        if job.status not in (ImportStatus.UPLOADED, ImportStatus.CHECKED):
            raise ValidationError(_("The columns can only be mapped before the import."))
        headers = job.mapping.get("headers", [])
        if len(fields) != len(headers):
            raise ValidationError(_("Map each column of the file (or ignore it)."))
        problems = mapping_problems(job.kind, fields, has_place=job.place_id is not None)
        if problems:
            raise ValidationError(problems)
        job.mapping = {**job.mapping, "fields": list(fields), "_mapped_by_user": True,
                       "_needs_mapping": False}
        job.status = ImportStatus.UPLOADED
        job.errors, job.error_count, job.rows_valid = [], 0, 0
        job.save(update_fields=["mapping", "status", "errors", "error_count", "rows_valid"])
        change_record(actor=actor, action=ChangeAction.EVENT, obj=job,
                      event="people.import_mapping", after={"fields": fields})
        _queue("import_check", job.pk)
    return job


# -- reading a job's rows ---------------------------------------------------------------------

def _records(rows: Iterator[tuple[int, list[str]]], fields: list[str]
             ) -> Iterator[tuple[int, dict]]:
    """(line, {field: text}) for each non-blank data row."""
    for line, row in rows:
        if not any(row):
            continue
        yield line, {f: row[i] for i, f in enumerate(fields) if f and i < len(row) and row[i]}


def _batches(items: Iterator, size: int) -> Iterator[list]:
    batch: list = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


# -- the check task ---------------------------------------------------------------------------

def _actor(job: ImportJob, key: str = "") -> Any:
    from django.contrib.auth import get_user_model

    pk = job.mapping.get(key) if key else None
    pk = pk or job.created_by_id
    return get_user_model().objects.filter(pk=pk, is_active=True).first() if pk else None


def _refuse(job: ImportJob, message: str) -> ImportJob:
    job.status = ImportStatus.REFUSED
    job.message = message
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "message", "finished_at"])
    _discard_files(job, keep_upload=False)  # nothing of a refused file is kept
    change_record(actor=_actor(job), action=ChangeAction.EVENT, obj=job,
                  event="people.import_refused", after={"message": message})
    return job


@contextlib.contextmanager
def _job_language(job: ImportJob):
    token = request_id_var.set(job.mapping.get("_request_id", "") or current_request_id())
    try:
        with translation.override(job.mapping.get("_language") or settings.LANGUAGE_CODE):
            yield
    finally:
        request_id_var.reset(token)


def import_check(job_id: int, *, retry: bool = False) -> ImportJob | None:
    """Check a stored file: refuse it, ask for a column mapping, or list every bad row.

    Writes nothing to the registry. The rows are copied, as text, to a CSV beside the upload
    so that the import does not parse the workbook a second time. `retry`: the task's earlier
    attempt died while checking; the check starts again from the top.
    """
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None or (job.status not in (ImportStatus.UPLOADED, ImportStatus.CHECKED)
                       and not (retry and job.status == ImportStatus.CHECKING)):
        return job
    with _job_language(job):
        try:
            return _check(job)
        except ImportRefused as exc:
            return _refuse(job, exc.message)
        except Exception:
            logger.exception("import %s: the check failed", job.pk)
            job.status = ImportStatus.FAILED
            job.message = _("The check failed because of an error on the server; nothing was "
                            "imported. Try again or tell the administrator.")
            job.finished_at = timezone.now()
            job.save(update_fields=["status", "message", "finished_at"])
            return job


def _check(job: ImportJob) -> ImportJob:
    actor = _actor(job)
    path = _media(job.file_path)
    opened = file_open(path, job.file_name, declared_encoding=job.encoding)
    rows = opened.rows_prefetched()
    try:
        _line, header = next(rows)
    except StopIteration:
        raise ImportRefused(_("The file has no header row.")) from None
    header = list(header)
    while header and not header[-1]:
        header.pop()
    if not any(header):
        raise ImportRefused(_("The first row must hold the column names."))
    mapping = dict(job.mapping)
    if mapping.get("headers") != header or not mapping.get("_mapped_by_user"):
        mapping["headers"] = header
        mapping["fields"] = header_mapping(job.kind, header)
        mapping["_mapped_by_user"] = False
    fields = mapping["fields"]
    unknown = [h for h, f in zip(header, fields, strict=True) if h and not f]
    problems = mapping_problems(job.kind, fields, has_place=job.place_id is not None)
    job.encoding = opened.encoding or ""
    job.mapping = mapping
    if problems or (unknown and not mapping["_mapped_by_user"]):
        job.mapping["_needs_mapping"] = True
        job.status = ImportStatus.UPLOADED
        job.message = " ".join(problems) or _("Some columns were not recognised; say what they "
                                              "hold, or ignore them.")
        job.save(update_fields=["mapping", "status", "message", "encoding"])
        return job
    job.mapping["_needs_mapping"] = False
    job.status = ImportStatus.CHECKING
    job.message = ""
    job.rows_done = 0
    job.rows_total = max(opened.row_count - 1, 0)  # for the progress bar; exact at the end
    job.save(update_fields=["mapping", "status", "message", "encoding", "rows_done",
                            "rows_total"])
    run = UpsertRun(job, actor, write=False)
    digest = hashlib.sha256()
    with open(_rows_cache_path(job), "w", encoding="utf-8", newline="\n") as out:
        for batch in _batches(_records(rows, fields), BATCH):
            lines = []
            for row in run.check_batch(batch):
                row.number_encrypted = crypto.encrypt(row.doc_number)
                row.number_masked = crypto.mask(row.doc_number)
                lines.append(row_dump(row) + "\n")
            text = "".join(lines)
            digest.update(text.encode("utf-8"))
            out.write(text)
            ImportJob.objects.filter(pk=job.pk).update(rows_done=run.rows)
    job.mapping["_checked_sha256"] = digest.hexdigest()
    job.status = ImportStatus.CHECKED
    job.rows_total = job.rows_done = run.rows
    job.rows_valid = run.valid
    job.error_count = run.error_rows
    job.errors = run.errors
    job.mapping["_preview"] = {"created": run.created, "updated": run.updated,
                               "unchanged": run.unchanged}
    job.message = _check_message(job)
    job.save()
    return job


def _check_message(job: ImportJob) -> str:
    if not job.rows_total:
        return _("The file holds no rows to import.")
    if not job.error_count:
        return ngettext("%(count)s row checked, no errors.",
                        "%(count)s rows checked, no errors.", job.rows_total
                        ) % {"count": job.rows_total}
    return ngettext("%(bad)s of %(count)s row has errors.", "%(bad)s of %(count)s rows have "
                    "errors.", job.rows_total) % {"bad": job.error_count, "count": job.rows_total}


# -- confirm and import -----------------------------------------------------------------------

def import_confirm(*, actor: Any, job: ImportJob, mode: str) -> ImportJob:
    """Start the import of a checked file, all or nothing, or only its valid rows."""
    if mode not in ImportMode.values:
        raise ValidationError({"mode": _("Choose how to import.")})
    with transaction.atomic():
        job = get_in_scope(ImportJob, actor, Action.CHANGE, for_update=True, pk=job.pk)
        if job.status != ImportStatus.CHECKED:
            raise ValidationError(_("Only a checked file can be imported."))
        if not job.rows_valid:
            raise ValidationError(_("The file has no valid row to import."))
        if mode == ImportMode.ALL_OR_NOTHING and job.error_count:
            # Known before it starts: refused here, and the file stays checked, so "import the
            # valid rows" (or a corrected file) remains the choice.
            raise ValidationError({"mode": ngettext(
                "%(count)s row has errors, so “all or nothing” would import nothing: correct "
                "the file, or import only the valid rows.",
                "%(count)s rows have errors, so “all or nothing” would import nothing: correct "
                "the file, or import only the valid rows.",
                job.error_count) % {"count": job.error_count}})
        job.mode = mode
        job.status = ImportStatus.IMPORTING
        job.rows_done = 0
        job.mapping = {**job.mapping, "_confirmed_by": actor.pk,
                       "_request_id": current_request_id() or job.mapping.get("_request_id", "")}
        job.save(update_fields=["mode", "status", "rows_done", "mapping"])
        change_record(actor=actor, action=ChangeAction.EVENT, obj=job,
                      event="people.import_confirm", after={"mode": mode})
        _queue("import_run", job.pk)
    return job


def import_execute(job_id: int, *, attempt: int = 1) -> ImportJob | None:
    """Import a confirmed file (the background task's body). A later `attempt` (the worker of
    the previous one died) resumes after the last committed batch."""
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None or job.status != ImportStatus.IMPORTING:
        return job
    with _job_language(job):
        try:
            return _execute(job, attempt=attempt)
        except _Superseded:
            logger.warning("import %s: another run of it is ahead; this one stops", job.pk)
            return ImportJob.objects.get(pk=job.pk)
        except ImportRefused as exc:
            return _finish_failed(job, exc.message)
        except OutOfScope:
            return _finish_failed(job, _("A row would have placed a person outside your "
                                         "jurisdiction.") + " " + _stopped(job))
        except Exception:
            logger.exception("import %s failed", job.pk)
            return _finish_failed(job, _("The import failed because of an error on the "
                                         "server.") + " " + _stopped(job))


def _stopped(job: ImportJob) -> str:
    if job.mode == ImportMode.ALL_OR_NOTHING:
        return _("Nothing was imported (all or nothing).")
    return _("The batches before the error were imported; importing the same file again "
             "completes it without duplicating anything.")


class _Abort(Exception):
    pass


class _Superseded(Exception):
    """Another run of the same import committed since this one read the high-water mark."""


def _claim_batch(job: ImportJob, mark: int) -> None:
    """Inside a batch's transaction: lock the job and make sure nobody else moved it on."""
    current = ImportJob.objects.select_for_update().filter(pk=job.pk).values_list(
        "status", "rows_done").first()
    if current != (ImportStatus.IMPORTING, mark):
        raise _Superseded


def _resume_state(run: UpsertRun) -> dict[str, Any]:
    """What a resumed run needs besides the registry itself: the counts of the batches done."""
    touched = sorted(set(run.touched))
    return {"rows": run.rows, "valid": run.valid, "error_rows": run.error_rows,
            "errors": run.errors, "touched": touched if len(touched) <= 20_000 else None}


def _resume(job: ImportJob, run: UpsertRun, lines: Iterator[str]) -> int:
    """Skip the lines of the committed batches, restoring the run's counts, and replay their
    rows' consistency check (rows of one document must agree across the whole file)."""
    start = job.rows_done
    if not start:
        return 0
    for _n, text in zip(range(start), lines, strict=False):
        row, _line, problem = row_load(text, run.ctx)
        if problem is None:
            run._repeat_check(row)  # noqa: SLF001 - the run's own state, rebuilt
    run.rows = start
    state = job.mapping.get("_resume") or {}
    if state.get("rows") == start:
        run.valid, run.error_rows = state["valid"], state["error_rows"]
        run.errors = state["errors"]
        run.created, run.updated, run.unchanged = job.created, job.updated, job.unchanged
        run.touched = state["touched"] if state["touched"] is not None else []
        run.touched_overflow = state["touched"] is None
    else:  # counts unknown: look for duplicates among everyone afterwards
        run.touched_overflow = True
    return start


def _checked_rows(job: ImportJob) -> Iterator[str]:
    """The checked copy's lines, after making sure it is the one the check wrote."""
    path = _rows_cache_path(job)
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
    except OSError:
        raise ImportRefused(_("The checked copy of the file is missing; upload it again.")
                            ) from None
    if digest.hexdigest() != job.mapping.get("_checked_sha256"):
        raise ImportRefused(_("The checked copy of the file has changed; upload it again."))
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield line


def _execute(job: ImportJob, *, attempt: int = 1) -> ImportJob:
    actor = _actor(job, "_confirmed_by")
    if actor is None:
        raise ImportRefused(_("The user who confirmed the import is no longer active."))
    if job.mode == ImportMode.ALL_OR_NOTHING and job.error_count:
        return _finish_failed(job, ngettext(
            "%(count)s row has errors, so nothing was imported (all or nothing).",
            "%(count)s rows have errors, so nothing was imported (all or nothing).",
            job.error_count) % {"count": job.error_count})
    run = UpsertRun(job, actor, write=True)
    lines = _checked_rows(job)
    start = _resume(job, run, lines) if job.mode == ImportMode.VALID_ROWS else 0
    if attempt > 1 or start:
        with transaction.atomic():
            change_record(actor=None, action=ChangeAction.EVENT, obj=job,
                          event="people.import_resumed",
                          after={"attempt": attempt, "from_row": start})
    batches = _batches(lines, BATCH)
    if job.mode == ImportMode.ALL_OR_NOTHING:
        _progress_write(job, 0)
        try:
            with transaction.atomic():
                _claim_batch(job, 0)
                for batch in batches:
                    run.import_batch(batch)
                    if run.error_rows:
                        raise _Abort
                    _progress_write(job, run.rows)
                _finish_done(job, run)
        except _Abort:
            return _finish_failed(job, _(
                "Line %(line)s: %(message)s Nothing was imported (all or nothing).")
                % {"line": run.errors[0]["line"], "message": run.errors[0]["message"]},
                run=run)
    else:
        for batch in batches:
            with transaction.atomic():
                _claim_batch(job, run.rows)
                run.import_batch(batch)
                job.mapping["_resume"] = _resume_state(run)
                ImportJob.objects.filter(pk=job.pk).update(
                    rows_done=run.rows, created=run.created, updated=run.updated,
                    unchanged=run.unchanged, mapping=job.mapping)
        with transaction.atomic():
            _claim_batch(job, run.rows)
            _finish_done(job, run)
    return job


def _finish_done(job: ImportJob, run: UpsertRun) -> None:
    job.mapping.pop("_resume", None)
    job.status = ImportStatus.DONE
    job.rows_done = job.rows_total
    job.rows_valid = run.valid
    if run.errors:  # rows that turned bad since the check join those it found
        job.errors = (job.errors or []) + run.errors
        job.error_count += run.error_rows
    job.created, job.updated, job.unchanged = run.created, run.updated, run.unchanged
    job.finished_at = timezone.now()
    job.message = ngettext(
        "Imported: %(created)s new, %(updated)s changed, %(unchanged)s unchanged; "
        "%(skipped)s row with errors skipped.",
        "Imported: %(created)s new, %(updated)s changed, %(unchanged)s unchanged; "
        "%(skipped)s rows with errors skipped.", job.error_count) % {
        "created": run.created, "updated": run.updated, "unchanged": run.unchanged,
        "skipped": job.error_count}
    job.save()
    change_record(actor=run.actor, action=ChangeAction.EVENT, obj=job, event="people.import",
                  after={"kind": job.kind, "mode": job.mode, "file": job.file_name,
                         "sha256": job.file_sha256, "rows": run.rows, "valid": run.valid,
                         "created": run.created, "updated": run.updated,
                         "unchanged": run.unchanged, "errors": job.error_count})
    touched = sorted(set(run.touched))
    if touched or run.touched_overflow:
        from frontline.people import tasks

        ids = touched if len(touched) <= 20_000 and not run.touched_overflow else None
        transaction.on_commit(lambda: tasks.import_duplicates_find.enqueue(ids), robust=True)
    transaction.on_commit(lambda: _discard_files(job, keep_upload=False))


def _finish_failed(job: ImportJob, message: str, *, run: UpsertRun | None = None
                   ) -> ImportJob:
    with transaction.atomic():
        fresh = ImportJob.objects.select_for_update().get(pk=job.pk)
        if fresh.status not in RUNNING:
            return fresh  # another run of it finished meanwhile
        fresh.status = ImportStatus.FAILED
        fresh.message = message
        fresh.finished_at = timezone.now()
        fields = ["status", "message", "finished_at"]
        if fresh.mode == ImportMode.ALL_OR_NOTHING:
            fresh.rows_done = 0
            fields.append("rows_done")
        if run is not None and run.errors:
            fresh.errors = run.errors
            fresh.error_count = max(fresh.error_count, run.error_rows)
            fields += ["errors", "error_count"]
        fresh.save(update_fields=fields)
        change_record(actor=_actor(fresh, "_confirmed_by"), action=ChangeAction.EVENT,
                      obj=fresh, event="people.import_failed", after={"message": message})
    _discard_files(fresh, keep_upload=False)
    return fresh


def import_abandoned(job_id: int, *args: Any, **kwargs: Any) -> ImportJob | None:
    """The check or the import of a job lost its worker too many times: it fails, saying so
    (what was committed stays; importing the file again completes it)."""
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None or job.status not in RUNNING:
        return job
    with _job_language(job):
        message = _("The work stopped several times because the server's worker was lost; it "
                    "was not tried again. Try again or tell the administrator.")
        if job.status == ImportStatus.IMPORTING:
            message += " " + _stopped(job)
        return _finish_failed(job, message)


def import_list(*, actor: Any, kind: str = "", status: str = "") -> QuerySet[ImportJob]:
    """The import history of the actor's scope, newest first."""
    qs = ImportJob.objects.restrict(actor, Action.VIEW).select_related(
        "created_by", "place", "jurisdiction")
    if kind:
        qs = qs.filter(kind=kind)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-id")


def is_busy(job: ImportJob) -> bool:
    """Whether a background task is (or will soon be) working on the job: the page polls."""
    return job.status in RUNNING or (job.status == ImportStatus.UPLOADED
                                     and not job.mapping.get("_needs_mapping"))
