"""Writes of templates, translations, comments, the glossary and the translation memory.

The translation workflow is Weblate's: empty → needs editing → translated (waiting for
review) → approved. Only a proofreader approves (Action.PROOFREAD over the template's
office); a translation with any check finding cannot be approved; changing the Chinese
source sends every translation back to “needs editing”.
"""

from __future__ import annotations

import difflib
import hashlib
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from frontline.areas.models import Jurisdiction
from frontline.audit.models import ChangeAction
from frontline.audit.services import change_record, snapshot
from frontline.core.choices import language_label
from frontline.core.models import ensure_in_scope, get_in_scope
from frontline.core.permissions import Action
from frontline.documents import exchange
from frontline.documents.checks import GlossaryRule, check_source, check_translation
from frontline.documents.kinds import (
    DocumentKind,
    kind_languages,
    kind_spec,
    language_name,
    target_languages,
)
from frontline.documents.models import (
    DocumentTemplate,
    GlossaryEquivalent,
    GlossaryTerm,
    MemorySegment,
    RevisionEvent,
    TemplateRevision,
    Translation,
    TranslationComment,
    TranslationRevision,
    TranslationState,
)
from frontline.documents.services.common import (
    MAX_COMMENT_CHARS,
    ensure_in_scope_any,
    may,
    require,
    require_any,
)
from frontline.documents.textformat import join_body, normalise, parse_body

MAX_SEGMENT_CHARS = 4000


# -- glossary rules and checks ---------------------------------------------------------------

def glossary_rules(jurisdiction_code: str) -> list[GlossaryRule]:
    """The glossary of an office as the checks need it (two queries)."""
    terms = list(GlossaryTerm.objects.filter(  # scoped-ok: the office's own glossary
        jurisdiction_code=jurisdiction_code).prefetch_related("equivalents"))
    rules = []
    for term in terms:
        approved: dict[str, list[str]] = {}
        forbidden: dict[str, list[str]] = {}
        for eq in term.equivalents.all():
            (forbidden if eq.is_forbidden else approved).setdefault(eq.language, []).append(
                eq.text)
        rules.append(GlossaryRule(term.source, term.do_not_translate,
                                  {k: tuple(v) for k, v in approved.items()},
                                  {k: tuple(v) for k, v in forbidden.items()}))
    return rules


def _findings(translation: Translation, rules: list[GlossaryRule] | None = None) -> list[dict]:
    template = translation.template
    if rules is None:
        rules = glossary_rules(template.jurisdiction_code)
    return [f.as_dict() for f in check_translation(
        source_title=template.title, source_segments=template.segments,
        title=translation.title, segments=list(translation.segments),
        language=translation.language, spec=template.spec, rules=rules)]


def _state_for(title: str, segments: list[str], ready: bool) -> str:
    texts = [title, *segments]
    if not any(t.strip() for t in texts):
        return TranslationState.EMPTY
    if not ready or not all(t.strip() for t in texts):
        return TranslationState.NEEDS_EDITING
    return TranslationState.TRANSLATED


def _revise(translation: Translation, *, actor: Any, event: str) -> TranslationRevision:
    last = translation.revisions.order_by("-number").values_list("number", flat=True).first()
    return TranslationRevision.objects.create(
        translation=translation, number=(last or 0) + 1, event=event,
        title=translation.title, segments=list(translation.segments), state=translation.state,
        source_version=translation.source_version,
        author=actor if getattr(actor, "pk", None) else None,
        jurisdiction_code=translation.jurisdiction_code)


# -- templates -------------------------------------------------------------------------------

def _clean_source(kind: str, title: str, body: str) -> tuple[str, str]:
    title = (title or "").strip()
    segments = parse_body(body)
    problems = check_source(title=title, segments=segments, spec=kind_spec(kind))
    if not title:
        problems.insert(0, _("the title is empty"))
    if problems:
        raise ValidationError({"body": problems})
    return title, join_body(segments)


def template_create(*, actor: Any, jurisdiction: Jurisdiction, kind: str, title: str,
                    body: str) -> DocumentTemplate:
    """Create an office's template of a kind, with an empty translation per language."""
    require(actor, Action.CONFIGURE, jurisdiction.code, visible=False)
    kind = DocumentKind(kind)
    if kind == DocumentKind.FAQ_ENTRY:
        raise ValidationError({"kind": _("FAQ entries are written on the FAQ page")})
    return _template_create(actor=actor, jurisdiction=jurisdiction, kind=kind, title=title,
                            body=body)


def _template_create(*, actor: Any, jurisdiction: Jurisdiction, kind: str, title: str,
                     body: str) -> DocumentTemplate:
    title, body = _clean_source(kind, title, body)
    with transaction.atomic():
        if kind_spec(kind).issuable and DocumentTemplate.objects.filter(  # scoped-ok: unique
                jurisdiction_code=jurisdiction.code, kind=kind).exists():
            raise ValidationError({"kind": _("this office already has a template of this kind")})
        template = DocumentTemplate.objects.create(
            jurisdiction=jurisdiction, jurisdiction_code=jurisdiction.code, kind=kind,
            title=title, body=body, updated_by=actor if getattr(actor, "pk", None) else None)
        TemplateRevision.objects.create(template=template, version=1, title=title, body=body,
                                        author=template.updated_by,
                                        jurisdiction_code=template.jurisdiction_code)
        Translation.objects.bulk_create([
            Translation(template=template, language=code, segments=[""] * len(template.segments),
                        jurisdiction_code=template.jurisdiction_code,
                        findings=[]) for code in kind_languages(kind)])
        ensure_in_scope_any(actor, (Action.CONFIGURE, Action.TRANSLATE), template)
        change_record(actor=actor, action=ChangeAction.CREATE, obj=template,
                      after=snapshot(template))
    return template


def _realign(old: list[str], new: list[str], targets: list[str]) -> list[str]:
    """Carry translated segments over to a changed source: kept where the source segment is
    unchanged or replaced one for one; new segments start empty."""
    out = [""] * len(new)
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag in ("equal", "replace"):
            for k in range(min(i2 - i1, j2 - j1)):
                if i1 + k < len(targets):
                    out[j1 + k] = targets[i1 + k]
    return out


def template_update(*, actor: Any, template: DocumentTemplate, title: str,
                    body: str) -> DocumentTemplate:
    """Change the Chinese source. Every translation goes back to “needs editing”."""
    if template.kind == DocumentKind.FAQ_ENTRY:
        raise ValidationError({"body": _("FAQ entries are edited on the FAQ page")})
    with transaction.atomic():
        template = get_in_scope(DocumentTemplate, actor, Action.CONFIGURE, for_update=True,
                                pk=template.pk)
        return _template_update(actor=actor, template=template, title=title, body=body)


def _template_update(*, actor: Any, template: DocumentTemplate, title: str,
                     body: str) -> DocumentTemplate:
    """The source change itself, on a template already locked and checked in scope."""
    title, body = _clean_source(template.kind, title, body)
    if (title, body) == (template.title, template.body):
        return template
    before = snapshot(template)
    old_segments = [s.text for s in template.segments]
    template.title, template.body = title, body
    template.version += 1
    template.updated_by = actor if getattr(actor, "pk", None) else None
    template.save()
    TemplateRevision.objects.create(template=template, version=template.version,
                                    title=title, body=body, author=template.updated_by,
                                    jurisdiction_code=template.jurisdiction_code)
    new_segments = [s.text for s in template.segments]
    rules = glossary_rules(template.jurisdiction_code)
    for translation in template.translations.select_for_update():
        translation.template = template
        translation.segments = _realign(old_segments, new_segments,
                                        list(translation.segments))
        if translation.state != TranslationState.EMPTY or any(translation.segments):
            translation.state = TranslationState.NEEDS_EDITING
        translation.source_version = template.version
        translation.approved_at = translation.approved_by = None
        translation.findings = _findings(translation, rules)
        translation.save()
        _revise(translation, actor=actor, event=RevisionEvent.SOURCE_CHANGED)
    ensure_in_scope_any(actor, (Action.CONFIGURE, Action.TRANSLATE), template)
    change_record(actor=actor, action=ChangeAction.UPDATE, obj=template, before=before,
                  after=snapshot(template))
    return template


# -- FAQ entries (the knowledge base's texts, through the same workflow) ---------------------

def faq_body(question: str, answer: str) -> tuple[str, list[str]]:
    """The source of an FAQ entry: the question as a heading, then one segment per paragraph
    of the answer. Returns (body, segments)."""
    paragraphs = [" ".join(line.split()) for line in (answer or "").splitlines()]
    paragraphs = [p for p in paragraphs if p]
    question = " ".join((question or "").split())
    return "\n".join([f"# {question}", *paragraphs]), [question, *paragraphs]


def faq_text_submit(*, actor: Any, jurisdiction: Jurisdiction, template: DocumentTemplate | None,
                    source: tuple[str, str], translations: dict[str, tuple[str, str]]
                    ) -> DocumentTemplate:
    """Put an FAQ entry's Chinese question and answer into the document workflow as the
    source of an FAQ template, and its translations as “translated (waiting for review)”,
    for a proofreader to approve in the translation queue.

    `source` and each translation are (question, answer); an answer is translated paragraph
    by paragraph, so a translation must have as many paragraphs as the Chinese answer. The
    actor writes texts of the office (configure or translate there).
    """
    require_any(actor, (Action.CONFIGURE, Action.TRANSLATE), jurisdiction.code)
    body, source_segments = faq_body(*source)
    title = source_segments[0][:200]
    targets = {}
    for language, (question, answer) in translations.items():
        _body, segments = faq_body(question, answer)
        if len(segments) != len(source_segments):
            raise ValidationError({"answer": ngettext(
                "The %(language)s answer has %(m)s paragraph and the Chinese one %(n)s: "
                "it is translated paragraph by paragraph.",
                "The %(language)s answer has %(m)s paragraphs and the Chinese one %(n)s: "
                "it is translated paragraph by paragraph.", len(segments) - 1) % {
                    "language": language_label(language) or language_name(language),
                    "m": len(segments) - 1,
                    "n": len(source_segments) - 1}})
        targets[language] = segments
    with transaction.atomic():
        if template is None:
            template = _template_create(actor=actor, jurisdiction=jurisdiction,
                                        kind=DocumentKind.FAQ_ENTRY, title=title, body=body)
        else:
            action = Action.CONFIGURE if may(actor, Action.CONFIGURE,
                                             template.jurisdiction_code) else Action.TRANSLATE
            template = get_in_scope(DocumentTemplate, actor, action, for_update=True,
                                    pk=template.pk, kind=DocumentKind.FAQ_ENTRY)
            template = _template_update(actor=actor, template=template, title=title, body=body)
        for translation in template.translations.select_for_update().filter(
                language__in=list(targets)):
            segments = targets[translation.language]
            title_t, segments = _clean_texts(translation, segments[0][:300], segments)
            _save_texts(translation, actor=actor, title=title_t, segments=segments,
                        ready=True, event=RevisionEvent.EDITED)
    return template


# -- translations ----------------------------------------------------------------------------

def _clean_texts(translation: Translation, title: str, segments: list[str]) -> tuple[str, list]:
    count = len(translation.template.segments)
    if len(segments) != count:
        raise ValidationError({"segments": _("expected %(n)s segments, got %(m)s")
                               % {"n": count, "m": len(segments)}})
    cleaned = [" ".join((s or "").split()) for s in segments]
    title = " ".join((title or "").split())
    if any(len(s) > MAX_SEGMENT_CHARS for s in cleaned) or len(title) > 300:
        raise ValidationError({"segments": _("a segment is longer than %(n)s characters")
                               % {"n": MAX_SEGMENT_CHARS}})
    return title, cleaned


def _save_texts(translation: Translation, *, actor: Any, title: str, segments: list[str],
                ready: bool, event: str) -> Translation:
    before = snapshot(translation)
    changed = (title, segments) != (translation.title, list(translation.segments))
    if not changed and translation.state == TranslationState.APPROVED:
        return translation
    translation.title, translation.segments = title, segments
    translation.state = _state_for(title, segments, ready)
    translation.source_version = translation.template.version
    translation.approved_at = translation.approved_by = None
    translation.updated_by = actor if getattr(actor, "pk", None) else None
    translation.findings = _findings(translation)
    translation.save()
    _revise(translation, actor=actor, event=event)
    change_record(actor=actor, action=ChangeAction.UPDATE, obj=translation, before=before,
                  after=snapshot(translation))
    return translation


def translation_save(*, actor: Any, translation: Translation, title: str,
                     segments: list[str], ready: bool = True) -> Translation:
    """Save a translator's text. `ready` asks for review (state “translated”); otherwise, or
    with an empty segment, it stays “needs editing”. Checks run and are stored; an
    approved translation that is edited waits for review again."""
    with transaction.atomic():
        translation = get_in_scope(Translation, actor, Action.TRANSLATE, for_update=True,
                                   pk=translation.pk)
        title, segments = _clean_texts(translation, title, segments)
        translation = _save_texts(translation, actor=actor, title=title, segments=segments,
                                  ready=ready, event=RevisionEvent.EDITED)
        ensure_in_scope(actor, Action.TRANSLATE, translation)
    return translation


def translation_approve(*, actor: Any, translation: Translation) -> Translation:
    """Approve a translation as the standard one. Proofreaders only; no check may fail."""
    with transaction.atomic():
        translation = get_in_scope(Translation, actor, Action.TRANSLATE, for_update=True,
                                   pk=translation.pk)
        require(actor, Action.PROOFREAD, translation.jurisdiction_code)
        translation.findings = _findings(translation)
        if translation.findings:
            translation.save(update_fields=["findings"])
            from frontline.documents.checks import finding_message

            raise ValidationError([finding_message(f) for f in translation.findings])
        if translation.state not in (TranslationState.TRANSLATED, TranslationState.APPROVED):
            raise ValidationError(_("only a translation waiting for review can be approved"))
        if translation.state == TranslationState.APPROVED:
            return translation
        before = snapshot(translation)
        translation.state = TranslationState.APPROVED
        translation.approved_by = actor if getattr(actor, "pk", None) else None
        translation.approved_at = timezone.now()
        translation.save()
        _revise(translation, actor=actor, event=RevisionEvent.APPROVED)
        _memory_store(translation)
        ensure_in_scope(actor, Action.PROOFREAD, translation)
        change_record(actor=actor, action=ChangeAction.EVENT, event="translation.approve",
                      obj=translation, before=before, after=snapshot(translation))
    return translation


def translation_comment_add(*, actor: Any, translation: Translation, text: str,
                            segment: int | None = None) -> TranslationComment:
    """Comment on a translation (translators, proofreaders and the office's staff)."""
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("the comment is empty")})
    if len(text) > MAX_COMMENT_CHARS:
        raise ValidationError({"text": _("at most %(n)s characters") % {"n": MAX_COMMENT_CHARS}})
    with transaction.atomic():
        translation = _get_readable(actor, translation.pk)
        require_any(actor, (Action.TRANSLATE, Action.CONFIGURE), translation.jurisdiction_code)
        count = len(translation.template.segments)
        if segment is not None and not -1 <= segment < count:
            raise ValidationError({"segment": _("no such segment")})
        comment = TranslationComment.objects.create(
            translation=translation, segment=segment, text=text,
            author=actor if getattr(actor, "pk", None) else None,
            jurisdiction_code=translation.jurisdiction_code)
        ensure_in_scope_any(actor, (Action.TRANSLATE, Action.CONFIGURE), comment)
        change_record(actor=actor, action=ChangeAction.CREATE, obj=comment,
                      after=snapshot(comment))
    return comment


def _get_readable(actor: Any, pk: int) -> Translation:
    from frontline.documents.selectors import translation_readable

    translation = translation_readable(actor=actor).select_related("template").filter(
        pk=pk).first()
    if translation is None:
        from frontline.core.models import OutOfScope

        raise OutOfScope()
    return translation


def _refresh_findings(jurisdiction_code: str) -> None:
    rules = glossary_rules(jurisdiction_code)
    for translation in Translation.objects.filter(  # scoped-ok: recomputing stored checks
            jurisdiction_code=jurisdiction_code).select_related("template"):
        findings = _findings(translation, rules)
        if findings != translation.findings:
            translation.findings = findings
            translation.save(update_fields=["findings"])


# -- translation memory ----------------------------------------------------------------------

def memory_key(text: str) -> str:
    return hashlib.sha256(normalise(text).encode()).hexdigest()


def _memory_store(translation: Translation) -> None:
    template = translation.template
    pairs = [(template.title, translation.title)] + [
        (s.text, t) for s, t in zip(template.segments, translation.segments, strict=False)]
    for source, target in pairs:
        if not source.strip() or not target.strip():
            continue
        MemorySegment.objects.update_or_create(  # scoped-ok: written inside the service
            jurisdiction_code=translation.jurisdiction_code, language=translation.language,
            source_key=memory_key(source),
            defaults={"source": source, "target": target, "source_length": len(source),
                      "origin": translation})


# -- glossary --------------------------------------------------------------------------------

def _clean_equivalents(values: dict[str, list[str]]) -> dict[str, list[str]]:
    languages = set(target_languages())
    out = {}
    for language, texts in (values or {}).items():
        if language not in languages:
            raise ValidationError({"equivalents": _("unknown language %(code)s")
                                   % {"code": language}})
        cleaned = []
        for text in texts:
            text = " ".join((text or "").split())
            if len(text) > 200:
                raise ValidationError({"equivalents": _("an equivalent is longer than 200 "
                                                        "characters")})
            if text and text not in cleaned:
                cleaned.append(text)
        if cleaned:
            out[language] = cleaned
    return out


def glossary_term_save(*, actor: Any, term: GlossaryTerm | None = None,
                       jurisdiction: Jurisdiction | None = None, source: str, note: str = "",
                       do_not_translate: bool = False,
                       equivalents: dict[str, list[str]] | None = None,
                       forbidden: dict[str, list[str]] | None = None) -> GlossaryTerm:
    """Create or change a glossary term and its equivalents per language.

    Proofreaders and the office's configurers maintain the glossary. Stored check findings
    of the office's translations are recomputed, since the rules changed.
    """
    source = " ".join((source or "").split())
    if not source or len(source) > 100:
        raise ValidationError({"source": _("a term has 1 to 100 characters")})
    approved = _clean_equivalents(equivalents or {})
    bad = _clean_equivalents(forbidden or {})
    with transaction.atomic():
        if term is None:
            if jurisdiction is None:
                raise ValidationError({"jurisdiction": _("choose the office")})
            code = jurisdiction.code
            if not (may(actor, Action.PROOFREAD, code) or may(actor, Action.CONFIGURE, code)):
                raise PermissionDenied
            term = GlossaryTerm(jurisdiction=jurisdiction, jurisdiction_code=code)
            before = None
        else:
            term = _glossary_get(actor, term.pk)
            code = term.jurisdiction_code
            before = snapshot(term)
        require_any(actor, (Action.PROOFREAD, Action.CONFIGURE), code)
        if GlossaryTerm.objects.filter(  # scoped-ok: uniqueness check
                jurisdiction_code=code, source=source).exclude(pk=term.pk).exists():
            raise ValidationError({"source": _("this term is already in the glossary")})
        term.source, term.note, term.do_not_translate = source, (note or "").strip()[:300], bool(
            do_not_translate)
        term.save()
        term.equivalents.all().delete()
        GlossaryEquivalent.objects.bulk_create(
            [GlossaryEquivalent(term=term, language=lang, text=text, is_forbidden=False,
                                jurisdiction_code=code)
             for lang, texts in approved.items() for text in texts]
            + [GlossaryEquivalent(term=term, language=lang, text=text, is_forbidden=True,
                                  jurisdiction_code=code)
               for lang, texts in bad.items() for text in texts])
        ensure_in_scope_any(actor, (Action.PROOFREAD, Action.CONFIGURE), term)
        after = {**snapshot(term), "equivalents": approved, "forbidden": bad}
        change_record(actor=actor, action=ChangeAction.CREATE if before is None
                      else ChangeAction.UPDATE, obj=term, before=before, after=after)
        _refresh_findings(code)
    return term


def _glossary_get(actor: Any, pk: int) -> GlossaryTerm:
    from frontline.documents.selectors import restrict_any

    term = restrict_any(GlossaryTerm.objects.all(), actor,  # scoped-ok: restricted here
                        (Action.PROOFREAD, Action.CONFIGURE)).filter(pk=pk).first()
    if term is None:
        from frontline.core.models import OutOfScope

        raise OutOfScope()
    return term


def glossary_term_delete(*, actor: Any, term: GlossaryTerm) -> None:
    with transaction.atomic():
        term = _glossary_get(actor, term.pk)
        code = term.jurisdiction_code
        change_record(actor=actor, action=ChangeAction.DELETE, obj=term, before=snapshot(term))
        term.delete()
        _refresh_findings(code)


# -- exchange with outside translators --------------------------------------------------------

def export_units(*, templates: list[DocumentTemplate], language: str) -> list[exchange.ExportUnit]:
    translations = {t.template_id: t for t in Translation.objects.filter(  # scoped-ok
        template__in=templates, language=language)}
    units = []
    for template in templates:
        translation = translations.get(template.pk)
        targets = list(translation.segments) if translation else []
        state = translation.state if translation else TranslationState.EMPTY
        ident = exchange.template_id(template.jurisdiction_code, template.kind)
        units.append(exchange.ExportUnit(ident, "title", template.title,
                                         translation.title if translation else "", state,
                                         template.version))
        for i, segment in enumerate(template.segments):
            units.append(exchange.ExportUnit(
                ident, f"s{i + 1}", segment.text,
                targets[i] if i < len(targets) else "", state, template.version))
    return units


def translations_export(*, actor: Any, language: str, fmt: str,
                        jurisdiction_code: str | None = None) -> tuple[bytes, str]:
    """The actor's templates in one language as XLIFF 2.0 or .xlsx: (content, filename)."""
    from frontline.documents.selectors import template_list

    if language not in target_languages():
        raise ValidationError({"language": _("unknown language %(code)s") % {"code": language}})
    templates = [t for t in template_list(actor=actor, action=Action.TRANSLATE)
                 if kind_spec(t.kind).issuable]  # FAQ entries are translated on their page
    if jurisdiction_code:
        templates = [t for t in templates if t.jurisdiction_code == jurisdiction_code]
    units = export_units(templates=templates, language=language)
    stamp = timezone.localdate().isoformat()
    if fmt == "xlsx":
        return exchange.xlsx_export(units, language), f"frontline-{language}-{stamp}.xlsx"
    return exchange.xliff_export(units, language), f"frontline-{language}-{stamp}.xliff"


@dataclass
class ImportReport:
    language: str = ""
    updated: int = 0
    unchanged: int = 0
    skipped: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"language": self.language, "updated": self.updated,
                "unchanged": self.unchanged, "skipped": list(self.skipped)}


def translations_import(*, actor: Any, data: bytes, fmt: str, filename: str = "") -> ImportReport:
    """Import an XLIFF 2.0 or .xlsx file of translations (see `exchange` for what is refused).

    Each changed translation is saved like an edit (history, checks); a complete one is
    “translated (waiting for review)”, never approved. A template exported from an older
    source version is skipped: its segments no longer match.
    """
    if fmt not in ("xliff", "xlsx"):
        raise ValidationError({"format": _("choose XLIFF or .xlsx")})
    try:
        exchange.check_upload(data, declared=fmt, filename=filename)
        parse = exchange.xlsx_parse if fmt == "xlsx" else exchange.xliff_parse
        imported = parse(data, languages=target_languages())
    except exchange.ExchangeError as exc:
        raise ValidationError({"file": str(exc)}) from exc
    from frontline.documents.selectors import template_list

    report = ImportReport(language=imported.language)
    templates = {exchange.template_id(t.jurisdiction_code, t.kind): t
                 for t in template_list(actor=actor, action=Action.TRANSLATE)
                 if kind_spec(t.kind).issuable}
    if not templates:
        raise ValidationError({"file": _("you have no templates to import into")})
    kinds = sorted({kind for kind, _unit in imported.targets})
    with transaction.atomic():
        for kind in kinds:
            template = templates.get(kind)
            if template is None:
                report.skipped.append(_("%(template)s: no such template in your scope")
                                      % {"template": kind})
                continue
            version = imported.versions.get(kind)
            if version is not None and version != template.version:
                report.skipped.append(_("%(template)s: exported from source version %(old)s, "
                                        "the source is now version %(new)s; export again")
                                      % {"template": kind, "old": version,
                                         "new": template.version})
                continue
            translation = get_in_scope(Translation, actor, Action.TRANSLATE, for_update=True,
                                       template=template, language=imported.language)
            segments = list(translation.segments) + [""] * len(template.segments)
            segments = segments[:len(template.segments)]
            title = imported.targets.get((kind, "title"), translation.title)
            for i in range(len(template.segments)):
                if (kind, f"s{i + 1}") in imported.targets:
                    segments[i] = imported.targets[(kind, f"s{i + 1}")]
            title, segments = _clean_texts(translation, title, segments)
            if (title, segments) == (translation.title, list(translation.segments)):
                report.unchanged += 1
                continue
            _save_texts(translation, actor=actor, title=title, segments=segments, ready=True,
                        event=RevisionEvent.IMPORTED)
            ensure_in_scope(actor, Action.TRANSLATE, translation)
            report.updated += 1
        change_record(actor=actor, action=ChangeAction.EVENT, event="translations.import",
                      obj=next(iter(templates.values())),
                      after={"filename": filename[:100], **report.as_dict()})
    return report
