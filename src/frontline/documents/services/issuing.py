"""Issuing documents: one at a time (`document_issue`) or in a batch rendered by a task
(`document_issue_batch`), reading their files, revoking them, and specimens.

Other apps call these with any model instance as `person` (the documents app does not know
the person registry): it is stored as a generic reference, its jurisdiction code (if it has
one) decides who may issue and who sees the document, and the name comes from the context.
"""

from __future__ import annotations

import datetime
import json
import logging
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from frontline.audit.models import AccessEvent, ChangeAction
from frontline.audit.services import access_record, change_record, snapshot
from frontline.core.crypto import decrypt, encrypt, mask
from frontline.core.models import OutOfScope, ensure_in_scope, get_in_scope
from frontline.core.permissions import Action
from frontline.documents import rendering
from frontline.documents.kinds import (
    SOURCE_LANGUAGE,
    kind_spec,
    target_languages,
)
from frontline.documents.models import (
    BatchStatus,
    DocumentStatus,
    DocumentTemplate,
    IssueBatch,
    IssuedDocument,
    Translation,
    TranslationState,
)
from frontline.documents.models.issuing import BatchOutput
from frontline.documents.services.common import common_code, issuable_kind, may, require
from frontline.documents.services.preparing import (
    PreparedText,
    _allocate_serials,
    _as_date,
    _language,
    _prepared,
    _subject,
    clean_context,
    issued_relative_path,
    media_path,
    prepare_text,
    render_item,
    template_for,
)

logger = logging.getLogger(__name__)

MAX_BATCH = 5000
CHUNK = 50
PARALLEL_MIN = 200
# A batch "running" for longer than this was left by a worker that died: it may be retried.
STALLED_AFTER = datetime.timedelta(minutes=15)


# -- issuing ---------------------------------------------------------------------------------

def document_issue(*, actor: Any, kind: str, person: Any, language: str,
                   context: dict[str, Any], bilingual: bool = True) -> IssuedDocument:
    """Issue one document now and store its PDF; returns the IssuedDocument.

    `person` is any model instance or None. The jurisdiction is `person.jurisdiction_code`,
    else `context["jurisdiction_code"]`; the actor needs the change action there. The name
    and the other values come from `context` (`name`, `document_number` or
    `document_masked`, `start_date`, `end_date`, `hotel`, `room`, …; dates as dates or ISO
    strings). An unapproved translation is printed marked “unofficial translation”.
    """
    kind = issuable_kind(kind)
    spec = kind_spec(kind)
    language = _language(language)
    code, person_type, person_id = _subject(person, context)
    require(actor, Action.CHANGE, code, visible=False)
    template = template_for(kind, code)
    if template is None:
        raise ValidationError(_("no office above this jurisdiction has a template of this kind"))
    values = clean_context(spec, context)
    prepared = prepare_text(template, language)
    issued_at = timezone.now()
    issued_on = timezone.localdate(issued_at)
    with transaction.atomic():
        serial = _allocate_serials(template.jurisdiction_code, 1)[0]
        document = IssuedDocument(
            serial=serial, kind=kind, template=template, language=language,
            bilingual=bilingual and language != SOURCE_LANGUAGE, official=prepared.official,
            person_type=person_type, person_id=person_id, jurisdiction_code=code,
            name_masked=mask(values.get("name", "")),
            context_encrypted=encrypt(json.dumps(values, ensure_ascii=False)),
            issued_at=issued_at, issued_by=actor if getattr(actor, "pk", None) else None,
            valid_from=_as_date(values.get("valid_from")) or issued_on,
            valid_until=_as_date(values.get("valid_until")))
        item = render_item(prepared, language=language, bilingual=document.bilingual,
                           context=values, serial=serial, issued_on=issued_on)
        pdf = rendering.render_each([item])[0]
        document.file_path = issued_relative_path(document)
        rendering.write_atomically(media_path(document.file_path), pdf)
        document.rendered_at = timezone.now()
        document.save()
        ensure_in_scope(actor, Action.CHANGE, document)
        change_record(actor=actor, action=ChangeAction.CREATE, obj=document,
                      after=snapshot(document))
    return document


def _known_language(value: str) -> str | None:
    """A language code as people write it ("zh", "it-IT", "ZH_TW") as one of ours, or None."""
    known = {SOURCE_LANGUAGE, *target_languages()}
    code = str(value or "").strip().lower().replace("_", "-")
    if code in known:
        return code
    if code in ("zh", "zh-cn", "zh-sg", "zh-hans-cn"):
        return "zh-hans" if "zh-hans" in known else None
    if code in ("zh-tw", "zh-hk", "zh-mo", "zh-hant-tw"):
        return "zh-hant" if "zh-hant" in known else None
    base = code.split("-")[0]
    return base if base in known and not base.startswith("zh") else None


def _batch_language(policy: str, item: dict[str, Any], person: Any) -> str:
    """The item's language: a language the item names must be one we print (else the item
    is refused, naming it); a person's preference we do not print falls back to English."""
    if policy != "person":
        return policy
    named = item.get("language") or (item.get("context") or {}).get("language")
    if named:
        language = _known_language(named)
        if language is None:
            raise ValidationError(_("unknown language “%(code)s”") % {"code": str(named)[:20]})
        return language
    return _known_language(getattr(person, "preferred_language", "")) or "en"


def document_issue_batch(*, actor: Any, kind: str, items: list[dict[str, Any]],
                         language_policy: str = "person", bilingual: bool = True,
                         output: str = BatchOutput.ZIP) -> IssueBatch:
    """Issue many documents of one kind; a background task renders them.

    Each item is `{"person": instance or None, "context": {...}, "language": optional}`.
    `language_policy` is a language code, or "person": the item's `language`, else the
    person's `preferred_language`, else English. Every item is checked first; any problem
    refuses the whole batch, naming the items. Serials are given now, in one transaction,
    so a crashed rendering can be retried without new serials. `output` is "zip" (one PDF
    per document) or "pdf" (one file). The batch's progress is `done`/`total`.
    """
    kind = issuable_kind(kind)
    spec = kind_spec(kind)
    if not items:
        raise ValidationError(_("the batch is empty"))
    if len(items) > MAX_BATCH:
        raise ValidationError(_("at most %(n)s documents per batch") % {"n": MAX_BATCH})
    if language_policy != "person":
        _language(language_policy)
    output = BatchOutput(output)
    prepared: dict[tuple[int, str], PreparedText] = {}
    templates: dict[str, DocumentTemplate | None] = {}
    rows, errors = [], []
    for index, item in enumerate(items):
        person = item.get("person")
        try:
            code, person_type, person_id = _subject(person, item.get("context") or {})
            if not may(actor, Action.CHANGE, code):
                raise ValidationError(_("outside your jurisdiction"))
            language = _batch_language(language_policy, item, person)
            if code not in templates:
                templates[code] = template_for(kind, code)
            template = templates[code]
            if template is None:
                raise ValidationError(_("no template of this kind for this jurisdiction"))
            key = (template.pk, language)
            if key not in prepared:
                prepared[key] = prepare_text(template, language)
            values = clean_context(spec, item.get("context") or {})
        except ValidationError as exc:
            # A row of an uploaded list is named by its line in the file; through the API,
            # by its place in the list sent.
            where = (_("line %(n)s") % {"n": item["line"]} if item.get("line")
                     else _("item %(n)s") % {"n": index + 1})
            errors.append(_("%(where)s: %(error)s") % {"where": where,
                                                       "error": "; ".join(exc.messages)})
            continue
        rows.append((code, person_type, person_id, language, template, values))
    if errors:
        raise ValidationError(errors[:20])
    issued_at = timezone.now()
    with transaction.atomic():
        batch = IssueBatch.objects.create(
            kind=kind, language_policy=language_policy, bilingual=bilingual, output=output,
            total=len(rows), jurisdiction_code=common_code([r[0] for r in rows]),
            created_by=actor if getattr(actor, "pk", None) else None, created_at=issued_at)
        serials: dict[str, list[str]] = {}
        for office in sorted({r[4].jurisdiction_code for r in rows}):
            serials[office] = _allocate_serials(
                office, sum(1 for r in rows if r[4].jurisdiction_code == office))
        documents = []
        for index, (code, person_type, person_id, language, template, values) in enumerate(rows):
            documents.append(IssuedDocument(
                serial=serials[template.jurisdiction_code].pop(0), kind=kind,
                template=template, language=language,
                bilingual=bilingual and language != SOURCE_LANGUAGE,
                official=prepared[(template.pk, language)].official,
                person_type=person_type, person_id=person_id, jurisdiction_code=code,
                name_masked=mask(values.get("name", "")),
                context_encrypted=encrypt(json.dumps(values, ensure_ascii=False)),
                issued_at=issued_at, issued_by=batch.created_by,
                valid_from=_as_date(values.get("valid_from")) or timezone.localdate(issued_at),
                valid_until=_as_date(values.get("valid_until")), batch=batch,
                batch_index=index))
        IssuedDocument.objects.bulk_create(documents, batch_size=500)
        ensure_in_scope(actor, Action.CHANGE, batch)
        change_record(actor=actor, action=ChangeAction.CREATE, obj=batch,
                      after={**snapshot(batch), "first_serial": documents[0].serial,
                             "last_serial": documents[-1].serial})
        transaction.on_commit(lambda: _enqueue(batch.pk), robust=True)
    return batch


def _enqueue(batch_id: int) -> None:
    from frontline.documents.tasks import render_batch

    render_batch.enqueue(batch_id)


def _stalled(batch: IssueBatch) -> bool:
    since = batch.started_at or batch.created_at
    return (batch.status in (BatchStatus.RUNNING, BatchStatus.QUEUED)
            and since < timezone.now() - STALLED_AFTER)


def batch_abandoned(batch_id: int, *args: Any, **kwargs: Any) -> None:
    """The batch's task lost its worker too many times: the batch fails, saying so; staff
    can retry it (the documents already written are kept)."""
    with transaction.atomic():
        batch = IssueBatch.objects.select_for_update().filter(pk=batch_id).first()
        if batch is None or batch.status in (BatchStatus.DONE, BatchStatus.FAILED):
            return
        batch.status = BatchStatus.FAILED
        batch.error = _("the rendering stopped several times because the server's worker was "
                        "lost; retry the batch or tell the administrator")
        batch.finished_at = timezone.now()
        batch.save(update_fields=["status", "error", "finished_at"])
        change_record(actor=None, action=ChangeAction.EVENT, event="batch.failed", obj=batch,
                      after={"done": batch.done, "error": batch.error})


def batch_retry(*, actor: Any, batch: IssueBatch) -> IssueBatch:
    """Render a failed (or stalled) batch again; documents already written are kept and the
    serials do not change."""
    with transaction.atomic():
        batch = get_in_scope(IssueBatch, actor, Action.CHANGE, for_update=True, pk=batch.pk)
        if batch.status != BatchStatus.FAILED and not _stalled(batch):
            raise ValidationError(_("only a failed batch can be retried"))
        before = snapshot(batch)
        batch.status = BatchStatus.QUEUED
        batch.error = ""
        batch.save(update_fields=["status", "error"])
        change_record(actor=actor, action=ChangeAction.EVENT, event="batch.retry", obj=batch,
                      before=before, after=snapshot(batch))
        transaction.on_commit(lambda: _enqueue(batch.pk), robust=True)
    return batch


def _document_item(document: IssuedDocument, prepared: PreparedText) -> rendering.RenderItem:
    values = json.loads(decrypt(document.context_encrypted)) if document.context_encrypted else {}
    return render_item(prepared, language=document.language, bilingual=document.bilingual,
                       context=values, serial=document.serial,
                       issued_on=timezone.localdate(document.issued_at))


def _render_processes(count: int) -> int:
    if count < PARALLEL_MIN:
        return 1
    return max(1, int(getattr(settings, "DOCUMENTS_RENDER_PROCESSES", 2)))


def batch_render(batch_id: int, *, retry: bool = False) -> IssueBatch:
    """Render a batch (the task's work). Idempotent: documents whose file exists are kept;
    the output file appears, complete, under its final name only at the end. `retry`: the
    task's previous attempt lost its worker (frontline.core.workers), so a batch still marked
    running is this task's own and is resumed."""
    with transaction.atomic():
        batch = IssueBatch.objects.select_for_update().get(pk=batch_id)
        if batch.status == BatchStatus.DONE or (
                batch.status == BatchStatus.RUNNING and not _stalled(batch) and not retry):
            return batch  # done, or another worker is on it
        resumed = batch.status == BatchStatus.RUNNING
        batch.status = BatchStatus.RUNNING
        batch.started_at = timezone.now()
        batch.attempts += 1
        batch.error = ""
        batch.save(update_fields=["status", "started_at", "attempts", "error"])
        if resumed:
            change_record(actor=None, action=ChangeAction.EVENT, event="batch.resumed",
                          obj=batch, after={"done": batch.done, "attempts": batch.attempts})
    try:
        _batch_render(batch)
    except Exception as exc:
        logger.exception("documents: batch %s failed", batch_id)
        with transaction.atomic():
            IssueBatch.objects.filter(pk=batch_id).update(
                status=BatchStatus.FAILED, error=str(exc)[:2000], finished_at=timezone.now())
            batch.refresh_from_db()
            change_record(actor=None, action=ChangeAction.EVENT, event="batch.failed",
                          obj=batch, after={"done": batch.done, "error": batch.error[:200]})
        raise
    batch.refresh_from_db()
    change_record(actor=None, action=ChangeAction.EVENT, event="batch.done", obj=batch,
                  after={"done": batch.done, "file": batch.file_path})
    return batch


def _batch_render(batch: IssueBatch) -> None:
    documents = list(batch.documents.select_related("template").order_by("batch_index"))
    prepared: dict[tuple[int, str], PreparedText] = {}
    for document in documents:
        key = (document.template_id, document.language)
        if key not in prepared:
            prepared[key] = prepare_text(document.template, document.language)
    batch_dir = f"documents/batches/{batch.created_at:%Y}"
    if batch.output == BatchOutput.PDF:
        items = [_document_item(d, prepared[(d.template_id, d.language)]) for d in documents]
        pdf = rendering.render_pdf(items)
        relative = f"{batch_dir}/batch-{batch.pk}.pdf"
        rendering.discard_partial(media_path(relative))
        rendering.write_atomically(media_path(relative), pdf)
        now = timezone.now()
        IssuedDocument.objects.filter(batch=batch).update(rendered_at=now)
        IssueBatch.objects.filter(pk=batch.pk).update(
            done=len(documents), file_path=relative, status=BatchStatus.DONE, finished_at=now)
        return
    pending = []
    for document in documents:
        document.file_path = document.file_path or issued_relative_path(document)
        if document.rendered_at and rendering.is_complete_pdf(media_path(document.file_path)):
            continue
        rendering.discard_partial(media_path(document.file_path))  # of a dead attempt
        pending.append(document)
    IssueBatch.objects.filter(pk=batch.pk).update(done=len(documents) - len(pending))
    chunk_documents: list[list[IssuedDocument]] = []

    def chunks():
        # Built one at a time, so that workers start on the first while the rest is prepared.
        for start in range(0, len(pending), CHUNK):
            part = pending[start:start + CHUNK]
            chunk_documents.append(part)
            yield ([_document_item(d, prepared[(d.template_id, d.language)]) for d in part],
                   [str(media_path(d.file_path)) for d in part])

    def progress(index: int, count: int) -> None:
        now = timezone.now()
        part = chunk_documents[index]
        for document in part:
            document.rendered_at = now
        IssuedDocument.objects.bulk_update(part, ["file_path", "rendered_at"])
        IssueBatch.objects.filter(pk=batch.pk).update(done=F("done") + count)

    rendering.render_chunks_to_files(chunks(), processes=_render_processes(len(pending)),
                                     progress=progress)
    relative = f"{batch_dir}/batch-{batch.pk}.zip"
    rendering.discard_partial(media_path(relative))
    rendering.write_zip_atomically(media_path(relative), [
        (media_path(d.file_path), f"{d.serial}.pdf") for d in documents])
    IssueBatch.objects.filter(pk=batch.pk).update(
        done=len(documents), file_path=relative, status=BatchStatus.DONE,
        finished_at=timezone.now())


# -- reading files, revoking -----------------------------------------------------------------

def issued_document_file(*, actor: Any, document: IssuedDocument) -> Path:
    """The PDF of an issued document (rendered again if it was only part of a batch file).
    Reading it is recorded in the access log: it holds personal data."""
    document = get_in_scope(IssuedDocument, actor, Action.VIEW, pk=document.pk)
    path = media_path(document.file_path) if document.file_path else None
    if path is None or not path.exists():
        prepared = prepare_text(document.template, document.language)
        pdf = rendering.render_each([_document_item(document, prepared)])[0]
        document.file_path = issued_relative_path(document)
        path = media_path(document.file_path)
        rendering.write_atomically(path, pdf)
        IssuedDocument.objects.filter(pk=document.pk).update(file_path=document.file_path,
                                                             rendered_at=timezone.now())
    access_record(actor=actor, event=AccessEvent.READ, object_type="documents.issueddocument",
                  obj=document, jurisdiction_code=document.jurisdiction_code,
                  reason="download")
    return path


def batch_file(*, actor: Any, batch: IssueBatch) -> Path:
    batch = get_in_scope(IssueBatch, actor, Action.VIEW, pk=batch.pk)
    if batch.status != BatchStatus.DONE or not batch.file_path:
        raise ValidationError(_("the batch is not finished yet"))
    path = media_path(batch.file_path)
    if not path.exists():
        raise OutOfScope()
    access_record(actor=actor, event=AccessEvent.EXPORT, object_type="documents.issuebatch",
                  obj=batch, jurisdiction_code=batch.jurisdiction_code,
                  record_count=batch.total, reason="download")
    return path


def document_revoke(*, actor: Any, document: IssuedDocument, reason: str) -> IssuedDocument:
    """Revoke an issued document; its verification page then says so."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError({"reason": _("give a reason")})
    with transaction.atomic():
        document = get_in_scope(IssuedDocument, actor, Action.CHANGE, for_update=True,
                                pk=document.pk)
        if document.status == DocumentStatus.REVOKED:
            raise ValidationError(_("the document is already revoked"))
        before = snapshot(document)
        document.status = DocumentStatus.REVOKED
        document.revoked_at = timezone.now()
        document.revoke_reason = reason[:300]
        document.save(update_fields=["status", "revoked_at", "revoke_reason"])
        ensure_in_scope(actor, Action.CHANGE, document)
        change_record(actor=actor, action=ChangeAction.EVENT, event="document.revoke",
                      obj=document, before=before, after=snapshot(document))
    return document


def template_preview(*, template: DocumentTemplate, language: str,
                     bilingual: bool = True) -> bytes:
    """A specimen PDF of a template in a language, with sample values (callers check access)."""
    language = _language(language)
    try:
        prepared = prepare_text(template, language)
    except ValidationError:
        # No complete translation yet: show what there is, marked unofficial.
        translation = Translation.objects.filter(  # scoped-ok: caller checked access
            template=template, language=language).first()
        if translation is None or translation.state == TranslationState.EMPTY:
            raise
        prepared = _prepared(template, translation, False)
        segments = list(translation.segments) + [""] * len(template.segments)
        translation.segments = [s or "…" for s in segments[:len(template.segments)]]
        translation.title = translation.title or "…"
    sample = {"name": "SAMPLE Name", "document_masked": "E1234****89", "nationality": "—",
              "start_date": "2020-03-20", "end_date": "2020-04-03", "hotel": "—", "room": "—",
              "address": "—", "community": "—"}
    values = {k: v for k, v in sample.items() if k in template.spec.placeholders}
    item = render_item(prepared, language=language, bilingual=bilingual, context=values,
                       serial="000000-0000-0000000" if "serial" in template.spec.placeholders
                       or template.spec.personal else "", issued_on=timezone.localdate(),
                       verify=False, specimen=True)
    return rendering.render_pdf([item])
