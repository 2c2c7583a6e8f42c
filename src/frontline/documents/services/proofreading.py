"""The proofreading service (校对): hotels submit their own texts, proofreaders correct them."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from frontline.areas.models import Place, PlaceKind
from frontline.audit.models import ChangeAction
from frontline.audit.services import change_record, snapshot
from frontline.core.models import OutOfScope, ensure_in_scope, scope_for
from frontline.core.permissions import Action
from frontline.documents.kinds import target_languages
from frontline.documents.models import ProofreadComment, ProofreadRequest, ProofreadStatus
from frontline.documents.services.common import MAX_COMMENT_CHARS, ensure_in_scope_any, may, require

MAX_TEXT_CHARS = 50_000
MAX_UPLOAD_BYTES = 200 * 1024
HOTEL_KINDS = (PlaceKind.OBSERVATION_HOTEL, PlaceKind.LODGING_HOTEL)


def text_from_upload(data: bytes, filename: str = "") -> str:
    """The text of an uploaded .txt file: UTF-8 plain text, at most 200 KB, or refused."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise ValidationError({"file": _("the file is larger than 200 KB")})
    if filename and not filename.lower().endswith(".txt"):
        raise ValidationError({"file": _("upload a plain-text (.txt) file")})
    if b"\x00" in data or data.startswith((b"PK\x03\x04", b"%PDF", b"\xd0\xcf\x11\xe0")):
        raise ValidationError({"file": _("the file is not plain text")})
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError({"file": _("the file is not UTF-8 text")}) from exc


def _clean_text(text: str) -> str:
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        raise ValidationError({"text": _("the text is empty")})
    if len(text) > MAX_TEXT_CHARS:
        raise ValidationError({"text": _("at most %(n)s characters") % {"n": MAX_TEXT_CHARS}})
    return text


def _may_submit(actor: Any, place: Place) -> bool:
    scope = scope_for(actor, Action.CHANGE)
    return scope.covers_place(place.pk) or scope.covers_code(place.jurisdiction_code)


def proofread_submit(*, actor: Any, place: Place, title: str, text: str,
                     language: str = "en") -> ProofreadRequest:
    """A hotel sends its own text (such as its English check-in notes) for proofreading."""
    if place.kind not in HOTEL_KINDS:
        raise ValidationError({"place": _("proofreading is offered to hotels")})
    if not _may_submit(actor, place):
        raise OutOfScope()
    if language not in target_languages():
        raise ValidationError({"language": _("unknown language %(code)s") % {"code": language}})
    title = " ".join((title or "").split())[:200]
    if not title:
        raise ValidationError({"title": _("give the text a title")})
    text = _clean_text(text)
    with transaction.atomic():
        request = ProofreadRequest.objects.create(
            place=place, jurisdiction_code=place.jurisdiction_code, title=title,
            language=language, original_text=text,
            submitted_by=actor if getattr(actor, "pk", None) else None)
        ensure_in_scope(actor, Action.CHANGE, request)
        change_record(actor=actor, action=ChangeAction.CREATE, obj=request,
                      after=snapshot(request))
    return request


def _get(actor: Any, pk: int, *, for_update: bool = False) -> ProofreadRequest:
    from frontline.documents.selectors import proofread_list

    qs = proofread_list(actor=actor)
    if for_update:
        qs = qs.select_for_update()
    request = qs.filter(pk=pk).first()
    if request is None:
        raise OutOfScope()
    return request


def proofread_save(*, actor: Any, request: ProofreadRequest,
                   corrected_text: str) -> ProofreadRequest:
    """A proofreader saves the corrected text (side by side with the original)."""
    with transaction.atomic():
        request = _get(actor, request.pk, for_update=True)
        require(actor, Action.PROOFREAD, request.jurisdiction_code)
        if request.status == ProofreadStatus.APPROVED:
            raise ValidationError(_("the text is already approved"))
        before = snapshot(request)
        request.corrected_text = _clean_text(corrected_text)
        request.status = ProofreadStatus.IN_REVIEW
        request.save(update_fields=["corrected_text", "status", "updated_at"])
        ensure_in_scope_any(actor, (Action.PROOFREAD,), request)
        change_record(actor=actor, action=ChangeAction.UPDATE, obj=request, before=before,
                      after=snapshot(request))
    return request


def proofread_comment_add(*, actor: Any, request: ProofreadRequest, text: str,
                          paragraph: int | None = None) -> ProofreadComment:
    """A comment on one paragraph, by the proofreader or by the hotel."""
    text = " ".join((text or "").split())
    if not text:
        raise ValidationError({"text": _("the comment is empty")})
    if len(text) > MAX_COMMENT_CHARS:
        raise ValidationError({"text": _("at most %(n)s characters") % {"n": MAX_COMMENT_CHARS}})
    with transaction.atomic():
        request = _get(actor, request.pk)
        if not (may(actor, Action.PROOFREAD, request.jurisdiction_code)
                or _may_submit(actor, request.place)):
            raise PermissionDenied
        comment = ProofreadComment.objects.create(
            request=request, place=request.place, paragraph=paragraph, text=text,
            author=actor if getattr(actor, "pk", None) else None,
            jurisdiction_code=request.jurisdiction_code)
        ensure_in_scope_any(actor, (Action.VIEW, Action.PROOFREAD), comment)
        change_record(actor=actor, action=ChangeAction.CREATE, obj=comment,
                      after=snapshot(comment))
    return comment


def proofread_approve(*, actor: Any, request: ProofreadRequest) -> ProofreadRequest:
    """The proofreader approves the text; the hotel can then download it."""
    with transaction.atomic():
        request = _get(actor, request.pk, for_update=True)
        require(actor, Action.PROOFREAD, request.jurisdiction_code)
        if request.status == ProofreadStatus.APPROVED:
            return request
        before = snapshot(request)
        if not request.corrected_text:
            request.corrected_text = request.original_text
        request.status = ProofreadStatus.APPROVED
        request.approved_by = actor if getattr(actor, "pk", None) else None
        request.approved_at = timezone.now()
        request.save()
        ensure_in_scope_any(actor, (Action.PROOFREAD,), request)
        change_record(actor=actor, action=ChangeAction.EVENT, event="proofread.approve",
                      obj=request, before=before, after=snapshot(request))
    return request
