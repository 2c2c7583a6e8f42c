"""Reads of the document center, every one restricted to the actor's scope.

Translators and proofreaders hold no `view` action (they see no personal data), so lists
of texts are restricted by any of several actions: what the office's staff view, and what
translators translate.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import F, IntegerField, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from frontline.core.models import RestrictedQuerySet
from frontline.core.permissions import Action
from frontline.documents.models import (
    DocumentTemplate,
    GlossaryTerm,
    IssueBatch,
    IssuedDocument,
    MemorySegment,
    PrintRun,
    ProofreadRequest,
    Translation,
)
from frontline.documents.textformat import normalise

READ_TEXTS = (Action.VIEW, Action.TRANSLATE)
FUZZY_THRESHOLD = 70
MAX_MEMORY_CANDIDATES = 5000


def restrict_any(qs: RestrictedQuerySet, user: Any, actions: tuple[Action, ...]) -> QuerySet:
    """Rows the user may do any of `actions` on."""
    combined = None
    for action in actions:
        part = qs.restrict(user, action)
        combined = part if combined is None else combined | part
    combined._restricted = True
    return combined


def template_list(*, actor: Any, action: Action | None = None) -> QuerySet[DocumentTemplate]:
    qs = DocumentTemplate.objects.select_related("jurisdiction")
    qs = qs.restrict(actor, action) if action else restrict_any(qs, actor, READ_TEXTS)
    return qs.order_by("jurisdiction_code", "kind")


def translation_readable(*, actor: Any) -> QuerySet[Translation]:
    return restrict_any(Translation.objects.all(), actor, READ_TEXTS)


def translation_queue(*, actor: Any, language: str = "", state: str = "",
                      kind: str = "") -> QuerySet[Translation]:
    """Translations the actor may work on, those needing work first."""
    qs = Translation.objects.restrict(actor, Action.TRANSLATE).select_related("template")
    if language:
        qs = qs.filter(language=language)
    if state:
        qs = qs.filter(state=state)
    if kind:
        qs = qs.filter(template__kind=kind)
    return qs.order_by("template__kind", "language")


def translations_by_template(templates: list[DocumentTemplate]) -> dict[int, dict[str, Any]]:
    """{template id: {language: translation}} for a page of templates (one query)."""
    out: dict[int, dict[str, Any]] = {t.pk: {} for t in templates}
    for translation in Translation.objects.filter(  # scoped-ok: templates already restricted
            template__in=templates).only("id", "template_id", "language", "state", "findings",
                                         "source_version"):
        out[translation.template_id][translation.language] = translation
    return out


@dataclass
class Suggestion:
    score: int
    source: str
    target: str


def _similarity(a: str, b: str) -> int:
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    if matcher.real_quick_ratio() * 100 < FUZZY_THRESHOLD or matcher.quick_ratio() * 100 < (
            FUZZY_THRESHOLD):
        return 0
    return round(matcher.ratio() * 100)


def memory_suggestions(*, actor: Any, language: str, texts: list[str],
                       limit: int = 3) -> list[list[Suggestion]]:
    """For each source text, up to `limit` suggestions from approved segments of the actor's
    scope: an exact match scores 100, a fuzzy one its similarity (at least 70)."""
    wanted = [normalise(t) for t in texts]
    lengths = [len(t) for t in texts if t]
    if not lengths:
        return [[] for _t in texts]
    candidates = list(MemorySegment.objects.restrict(actor, Action.TRANSLATE).filter(
        language=language, source_length__gte=int(min(lengths) * 0.6),
        source_length__lte=int(max(lengths) * 1.5) + 1,
    ).only("source", "target")[:MAX_MEMORY_CANDIDATES])
    normalised = [(normalise(c.source), c) for c in candidates]
    results = []
    for text in wanted:
        found: list[Suggestion] = []
        for source, candidate in normalised:
            score = 100 if source == text else _similarity(text, source)
            if score >= FUZZY_THRESHOLD:
                found.append(Suggestion(score, candidate.source, candidate.target))
        found.sort(key=lambda s: (-s.score, len(s.source)))
        results.append(found[:limit])
    return results


def glossary_list(*, actor: Any, query: str = "") -> QuerySet[GlossaryTerm]:
    qs = restrict_any(GlossaryTerm.objects.all(), actor,
                      (Action.VIEW, Action.TRANSLATE, Action.CONFIGURE))
    if query:
        qs = qs.filter(source__icontains=query)
    return qs.prefetch_related("equivalents").order_by("jurisdiction_code", "source")


def issued_list(*, actor: Any, kind: str = "", serial: str = "") -> QuerySet[IssuedDocument]:
    qs = IssuedDocument.objects.restrict(actor, Action.VIEW)
    if kind:
        qs = qs.filter(kind=kind)
    if serial:
        qs = qs.filter(serial__startswith=serial.strip())
    return qs.order_by("-issued_at", "-id")


def issued_for_person(*, actor: Any, person: Any) -> QuerySet[IssuedDocument]:
    """The documents issued for a record of another app (a generic reference)."""
    return issued_list(actor=actor).filter(
        person_type=ContentType.objects.get_for_model(type(person)), person_id=str(person.pk))


def batch_list(*, actor: Any) -> QuerySet[IssueBatch]:
    return IssueBatch.objects.restrict(actor, Action.VIEW).order_by("-created_at", "-id")


def print_run_list(*, actor: Any) -> QuerySet[PrintRun]:
    """Print runs with the copies handed out and the stock left (one query)."""
    handed = Coalesce(Sum("distributions__quantity"), Value(0), output_field=IntegerField())
    return (PrintRun.objects.restrict(actor, Action.VIEW)
            .annotate(handed=handed).annotate(stock=F("quantity") - F("handed"))
            .order_by("-printed_on", "-id"))


def proofread_list(*, actor: Any, status: str = "") -> QuerySet[ProofreadRequest]:
    qs = restrict_any(ProofreadRequest.objects.all(), actor, (Action.VIEW, Action.PROOFREAD))
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("place").order_by("-submitted_at", "-id")


def verify_lookup(token: str) -> IssuedDocument | None:
    """The document a verification link points at, or None; for the public page."""
    from frontline.documents.services import serial_from_token

    serial = serial_from_token(token)
    if serial is None:
        return None
    return IssuedDocument.objects.filter(  # scoped-ok: public check of a signed serial
        serial=serial).select_related("template").first()
