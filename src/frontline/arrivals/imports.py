"""Expected arrivals from a flight manifest or an arrival list (.xlsx/.csv).

The file is read with the person registry's hardened readers (size and row limits, zip-bomb
and XML checks for workbooks, strict UTF-8/GB18030 for CSV, cells as text), in a background
task. Each good row becomes an expected arrival at the transfer point, which the desk checks
off; a bad row is reported with its line number and nothing else of it is written.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import os
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from frontline.areas.models import Place
from frontline.arrivals import services
from frontline.arrivals.models import Arrival, ArrivalImport, ArrivalStatus, ImportStatus, Source
from frontline.audit.models import ChangeAction
from frontline.audit.services import change_record
from frontline.core.models import ensure_in_scope
from frontline.core.progress import percent, progress_read, progress_write

# Header aliases → arrival field. Headers are compared lower case with everything but letters
# and digits removed ("Passport No." = "passportno"; "护照号码：" = "护照号码").
COLUMNS = {
    "family_name": {"familyname", "surname", "lastname", "姓", "姓氏"},
    "given_names": {"givennames", "givenname", "firstname", "forename", "名", "名字"},
    "nationality": {"nationality", "citizenship", "国籍"},
    "doc_number": {"docnumber", "passport", "passportno", "passportnumber", "documentno",
                   "documentnumber", "traveldocument", "证件号码", "护照号码", "护照号", "证件号"},
    "doc_country": {"doccountry", "issuingcountry", "issuedby", "签发国", "签发国家"},
    "carrier_number": {"carriernumber", "flight", "flightno", "flightnumber", "train",
                       "trainno", "航班号", "航班", "车次"},
    "travel_date": {"traveldate", "date", "arrivaldate", "dateofarrival", "到达日期", "抵达日期",
                    "入境日期", "日期"},
    "seat": {"seat", "seatno", "seatnumber", "座位号", "座位"},
    "birth_date": {"birthdate", "dateofbirth", "dob", "出生日期"},
    "sex": {"sex", "gender", "性别"},
    "phone": {"phone", "phoneno", "phonenumber", "mobile", "telephone", "tel", "电话", "手机",
              "联系电话"},
}
# What each required column may be headed, as the refusal lists it.
HEADER_HINTS = {
    "family_name": "Surname / 姓", "doc_number": "Passport No. / 护照号码",
    "travel_date": "Arrival date / 到达日期",
}
REQUIRED = ("family_name", "doc_number", "travel_date")
MAX_ERRORS = 200
PROGRESS_EVERY = 20  # rows between two writes of the progress file

logger = logging.getLogger(__name__)


def _media(relative: str) -> Path:
    return Path(settings.MEDIA_ROOT) / relative


def expected_import(*, actor: Any, transfer_point: Place, upload: Any) -> ArrivalImport:
    """Store an uploaded arrival list and queue its reading."""
    from frontline.people.imports.files import Limits, too_big_message

    point = services._desk_place(actor, transfer_point)  # noqa: SLF001 - the same check
    limits = Limits.from_settings()
    name = os.path.basename(getattr(upload, "name", "") or "upload")[:200]
    suffix = Path(name).suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise ValidationError({"file": _("Only .xlsx and .csv files can be imported.")})
    if upload.size is not None and upload.size > limits.max_bytes:
        raise ValidationError({"file": too_big_message(limits.max_bytes)})
    relative = f"arrival-lists/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"
    target = _media(relative)
    target.parent.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    try:
        with open(target, "xb") as out:
            for chunk in upload.chunks():
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
        job = ArrivalImport.objects.create(
            transfer_point=point, jurisdiction_code=point.jurisdiction_code, file_name=name,
            file_path=relative, created_by=actor,
            language=(translation.get_language() or "")[:10])
        ensure_in_scope(actor, "change", job)
        change_record(actor=actor, action=ChangeAction.CREATE, obj=job,
                      event="arrivals.list_upload",
                      after={"file": name, "sha256": digest.hexdigest(), "size": size})
        from frontline.arrivals import tasks

        transaction.on_commit(lambda: tasks.expected_import_run.enqueue(job.pk), robust=True)
    return job


def _header(cells: list[str]) -> dict[int, str]:
    mapping: dict[int, str] = {}
    for index, cell in enumerate(cells):
        key = "".join(ch for ch in (cell or "").lower() if ch.isalnum())
        for field, aliases in COLUMNS.items():
            if key in aliases and field not in mapping.values():
                mapping[index] = field
    return mapping


def _travel_date(value: str) -> str:
    value = (value or "").strip()
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%d/%m/%Y", "%Y%m%d"):
        try:
            return datetime.datetime.strptime(value[:10], fmt).date().isoformat()  # noqa: DTZ007
        except ValueError:
            continue
    return value


def _progress_path(job: ArrivalImport) -> Path:
    return _media(job.file_path + ".progress")


def progress(job: ArrivalImport) -> dict[str, Any]:
    """Rows read so far and the percent, for the progress bar (`core.progress`)."""
    running = job.status in (ImportStatus.PENDING, ImportStatus.READING)
    done = job.rows_total if not running else (
        progress_read(_progress_path(job), job.status) if job.status == ImportStatus.READING
        else 0)
    return {"rows_done": done, "rows_total": job.rows_total, "running": running,
            "percent": percent(done, job.rows_total, running=running)}


def expected_import_run(job_id: int, *, retry: bool = False) -> ArrivalImport | None:
    """Read a stored arrival list into expected arrivals (the task's work).

    The arrivals are written in one transaction, each row in its own savepoint (a bad row is
    reported and skipped): a file refused part-way (its XML broken after the first rows) or
    a failure leaves none of them, and the list always ends done or refused, with a message.
    While it reads, the list is "being read" with a progress file; a later attempt of the task
    (`retry`: the worker of the first one died) reads it again from the start, since the
    first attempt's transaction never committed.
    """
    job = ArrivalImport.objects.filter(pk=job_id).select_related(  # scoped-ok: a task
        "transfer_point").first()
    startable = (ImportStatus.PENDING, ImportStatus.READING) if retry else (ImportStatus.PENDING,)
    if job is None or job.status not in startable:
        return job
    # The messages are stored as text: written in the language of whoever uploaded the list.
    with translation.override(job.language or settings.LANGUAGE_CODE):
        return _run(job)


def _run(job: ArrivalImport) -> ArrivalImport:
    from frontline.people.imports.files import ImportRefused, file_open

    path = _media(job.file_path)
    errors: list[dict[str, Any]] = []
    created = total = 0
    try:
        opened = file_open(path, job.file_name)
        if opened.row_count - 1 > settings.ARRIVAL_LIST_MAX_ROWS:
            raise ImportRefused(_(
                "The list has %(rows)s rows; an arrival list holds at most %(limit)s (a day's "
                "flights at one transfer point). Split it into smaller lists.")
                % {"rows": opened.row_count - 1, "limit": settings.ARRIVAL_LIST_MAX_ROWS})
        job.status = ImportStatus.READING
        job.rows_total = max(opened.row_count - 1, 0)  # for the progress bar; exact at the end
        job.save(update_fields=["status", "rows_total"])
        progress_write(_progress_path(job), job.status, 0)
        with transaction.atomic():
            created, total = _read_rows(job, opened.rows(), errors)
        job.status = ImportStatus.DONE
        job.message = ""
    except ImportRefused as exc:
        errors, created, total = [], 0, 0
        job.status = ImportStatus.REFUSED
        job.message = exc.message
    except Exception:
        logger.exception("arrival list %s: reading it failed", job.pk)
        errors, created, total = [], 0, 0
        job.status = ImportStatus.REFUSED
        job.message = _("The list could not be read because of an error on the server; nothing "
                        "was imported. Try again or tell the administrator.")
    finally:
        path.unlink(missing_ok=True)
        _progress_path(job).unlink(missing_ok=True)
    job.rows_total, job.created, job.errors = total, created, errors
    job.save(update_fields=["status", "message", "rows_total", "created", "errors"])
    change_record(actor=job.created_by, action=ChangeAction.EVENT, obj=job,
                  event="arrivals.list_read",
                  after={"status": job.status, "rows": total, "created": created,
                         "errors": len(errors)})
    return job


def _read_rows(job: ArrivalImport, rows: Any, errors: list[dict[str, Any]]) -> tuple[int, int]:
    """Create an expected arrival for each good row; (created, data rows)."""
    from frontline.people.imports.files import ImportRefused

    created = total = 0
    header = None
    for line, cells in rows:
        if header is None:
            header = _header(cells)
            missing = [f for f in REQUIRED if f not in header.values()]
            if missing:
                raise ImportRefused(
                    _("The first row must name the columns; these are missing: %(columns)s.")
                    % {"columns": "; ".join(HEADER_HINTS[f] for f in missing)})
            continue
        if not any((c or "").strip() for c in cells):
            continue
        total += 1
        if total % PROGRESS_EVERY == 0:
            progress_write(_progress_path(job), job.status, total)
        data = {field: (cells[i] if i < len(cells) else "") for i, field in header.items()}
        data["travel_date"] = _travel_date(data.get("travel_date", ""))
        if data.get("birth_date"):
            data["birth_date"] = _travel_date(data["birth_date"])
        try:
            clean = services.clean_arrival_data(data)
            with transaction.atomic():
                arrival = Arrival(source=Source.IMPORT, status=ArrivalStatus.EXPECTED,
                                  transfer_point=job.transfer_point,
                                  desk_place=job.transfer_point,
                                  jurisdiction_code=job.transfer_point.jurisdiction_code,
                                  import_job=job)
                services._apply(arrival, clean)  # noqa: SLF001 - one cleaning for all
                services._save_new(arrival)  # noqa: SLF001
            created += 1
        except (ValidationError, IntegrityError) as exc:
            if len(errors) < MAX_ERRORS:
                messages = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
                errors.append({"line": line, "errors": messages[:5]})
    if header is None:
        raise ImportRefused(_("The file has no header row."))
    return created, total
