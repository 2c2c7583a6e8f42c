"""Every write to the front-line knowledge: country notes and their versions, policies,
FAQ entries, the search index, booklets and training. One transaction each, audited.

Who may write: the office team (`configure`) and the translators (`translate`); who may
approve: a reviewer holding `proofread`, never the author of the text approved.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override
from django_countries import countries

from frontline.audit.models import ChangeAction
from frontline.audit.services import change_record, snapshot
from frontline.core.models import ensure_in_scope, scope_for
from frontline.core.permissions import Action
from frontline.knowledge import text as search_text
from frontline.knowledge.models import (
    LANGUAGES,
    NOTE_SECTIONS,
    Attendance,
    Booklet,
    CountryNote,
    CountryNoteText,
    CountryNoteVersion,
    EntryKind,
    FaqEntry,
    FaqState,
    FaqText,
    Language,
    Policy,
    PolicyText,
    ReviewState,
    SearchEntry,
    SearchGram,
    SearchTerm,
    TrainingSession,
)

SECTION_KEYS = [key for key, _label in NOTE_SECTIONS]


# -- who may do what ---------------------------------------------------------------------------

def may_write(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and (
        user.can(Action.CONFIGURE) or user.can(Action.TRANSLATE))


def may_review(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.can(Action.PROOFREAD)


def _require_writer(actor: Any) -> None:
    if not may_write(actor):
        raise PermissionDenied(_("You may not write front-line knowledge."))


def _require_reviewer(actor: Any, author_id: int | None) -> None:
    if not may_review(actor):
        raise PermissionDenied(_("Only a reviewer may approve."))
    if author_id is not None and author_id == actor.pk:
        raise PermissionDenied(_("A reviewer cannot approve their own text."))


# -- the search index --------------------------------------------------------------------------

def index_write(*, kind: str, object_id: int, language: str, title: str, body: str,
                state: str) -> SearchEntry | None:
    """Replace the search entry of one object in one language (nothing when it has no text)."""
    SearchEntry.objects.filter(kind=kind, object_id=object_id, language=language).delete()
    if not (title.strip() or body.strip()):
        return None
    entry = SearchEntry.objects.create(kind=kind, object_id=object_id, language=language,
                                       title=title[:300], body=body, state=state)
    weights = search_text.weighted_grams(title, body)
    SearchGram.objects.bulk_create([SearchGram(entry=entry, gram=g, weight=w)
                                    for g, w in weights.items()], batch_size=2000)
    SearchTerm.objects.bulk_create([SearchTerm(gram=g) for g in weights
                                    if not search_text.is_cjk(g)], ignore_conflicts=True)
    return entry


def index_drop(*, kind: str, object_id: int) -> None:
    SearchEntry.objects.filter(kind=kind, object_id=object_id).delete()


def current_version(note: CountryNote) -> CountryNoteVersion | None:
    """The version readers see: the latest approved one, else the latest (marked as not
    approved)."""
    # .all() so a prefetched list (note_list) is used: no query per note on list pages.
    versions = sorted(note.versions.all(), key=lambda v: -v.number)
    approved = [v for v in versions if v.state == ReviewState.APPROVED]
    return approved[0] if approved else (versions[0] if versions else None)


def index_note(note: CountryNote) -> None:
    version = current_version(note)
    if version is None:
        index_drop(kind=EntryKind.NOTE, object_id=note.pk)
        return
    texts = {t.language: t for t in version.texts.all()}
    for language in LANGUAGES:
        t = texts.get(language)
        # Each section under its label in the entry's language, so "使馆" or "embassy" finds
        # the embassy sections.
        with override(language):
            body = "\n".join(f"{label}: {getattr(t, key)}" for key, label in NOTE_SECTIONS
                              if getattr(t, key)) if t else ""
        index_write(kind=EntryKind.NOTE, object_id=note.pk, language=language,
                    title=note.name(language) if t else "", body=body, state=version.state)


def index_policy(policy: Policy) -> None:
    texts = {t.language: t for t in policy.texts.all()}
    for language in LANGUAGES:
        t = texts.get(language)
        index_write(kind=EntryKind.POLICY, object_id=policy.pk, language=language,
                    title=t.title if t else "",
                    body=f"{t.summary}\n{t.full_text}" if t else "", state=policy.state)


def index_faq(entry: FaqEntry) -> None:
    if entry.state != FaqState.PUBLISHED:
        index_drop(kind=EntryKind.FAQ, object_id=entry.pk)
        return
    texts = {t.language: t for t in entry.texts.all()}
    for language in LANGUAGES:
        t = texts.get(language)
        index_write(kind=EntryKind.FAQ, object_id=entry.pk, language=language,
                    title=t.question if t else "", body=t.answer if t else "",
                    state=entry.state)


def index_rebuild() -> int:
    """Rebuild the whole index from the notes, policies and FAQ (a management command)."""
    with transaction.atomic():
        SearchEntry.objects.all().delete()
        SearchTerm.objects.all().delete()
        for note in CountryNote.objects.all():
            index_note(note)
        for policy in Policy.objects.prefetch_related("texts"):
            index_policy(policy)
        for entry in FaqEntry.objects.prefetch_related("texts"):
            index_faq(entry)
    return SearchEntry.objects.count()


# -- country notes -----------------------------------------------------------------------------

def _clean_texts(texts: dict[str, dict[str, str]], keys: list[str]) -> dict[str, dict[str, str]]:
    cleaned = {}
    for language, values in (texts or {}).items():
        if language not in LANGUAGES:
            raise ValidationError({"language": _("Unknown language: %(value)s")
                                   % {"value": language}})
        row = {k: (values.get(k) or "").strip() for k in keys}
        if any(row.values()):
            cleaned[language] = row
    if not cleaned:
        raise ValidationError(_("Write the text in Chinese or English."))
    return cleaned


def note_save(*, actor: Any, country: str, name_zh: str = "", name_en: str = "",
              texts: dict[str, dict[str, str]], embassy_phone: str = "",
              embassy_website: str = "", change_summary: str = "",
              submit: bool = True) -> CountryNoteVersion:
    """Write a new version of a country's note (creating the note the first time). The new
    version waits for review (or stays a draft with `submit=False`)."""
    _require_writer(actor)
    country = (country or "").upper()
    if country not in countries:  # the codes, without naming every country
        raise ValidationError({"country": _("“%(code)s” is not a known country code.")
                               % {"code": country}})
    cleaned = _clean_texts(texts, SECTION_KEYS)
    with transaction.atomic():
        note = CountryNote.objects.select_for_update().filter(country=country).first()
        if note is None:
            note = CountryNote.objects.create(
                country=country, name_zh=name_zh.strip() or dict(countries)[country],
                name_en=name_en.strip() or str(dict(countries)[country]))
            change_record(actor=actor, action=ChangeAction.CREATE, obj=note)
        elif name_zh.strip() or name_en.strip():
            before = snapshot(note)
            note.name_zh = name_zh.strip() or note.name_zh
            note.name_en = name_en.strip() or note.name_en
            note.save(update_fields=["name_zh", "name_en"])
            change_record(actor=actor, action=ChangeAction.UPDATE, obj=note, before=before,
                          after=snapshot(note))
        number = (note.versions.aggregate(n=Max("number"))["n"] or 0) + 1
        version = CountryNoteVersion.objects.create(
            note=note, number=number,
            state=ReviewState.REVIEW if submit else ReviewState.DRAFT,
            embassy_phone=embassy_phone.strip(), embassy_website=embassy_website.strip(),
            change_summary=change_summary.strip()[:300], created_by=actor)
        CountryNoteText.objects.bulk_create(
            [CountryNoteText(version=version, language=lang, **row)
             for lang, row in cleaned.items()])
        change_record(actor=actor, action=ChangeAction.CREATE, obj=version,
                      after=snapshot(version))
        index_note(note)
    return version


def _set_note_state(actor: Any, version: CountryNoteVersion, state: str, event: str
                    ) -> CountryNoteVersion:
    with transaction.atomic():
        version = CountryNoteVersion.objects.select_for_update().get(pk=version.pk)
        before = snapshot(version)
        version.state = state
        fields = ["state"]
        if state == ReviewState.APPROVED:
            version.reviewed_by, version.reviewed_at = actor, timezone.now()
            fields += ["reviewed_by", "reviewed_at"]
        version.save(update_fields=fields)
        change_record(actor=actor, action=ChangeAction.EVENT, event=event, obj=version,
                      before=before, after=snapshot(version))
        index_note(version.note)
    return version


def note_version_submit(*, actor: Any, version: CountryNoteVersion) -> CountryNoteVersion:
    """Send a draft for review."""
    _require_writer(actor)
    if version.state != ReviewState.DRAFT:
        raise ValidationError(_("Only a draft can be sent for review."))
    return _set_note_state(actor, version, ReviewState.REVIEW, "submitted")


def note_version_approve(*, actor: Any, version: CountryNoteVersion) -> CountryNoteVersion:
    """A reviewer approves a version waiting for review; readers see it from now on."""
    _require_reviewer(actor, version.created_by_id)
    if version.state != ReviewState.REVIEW:
        raise ValidationError(_("Only a text waiting for review can be approved."))
    return _set_note_state(actor, version, ReviewState.APPROVED, "approved")


def note_version_return(*, actor: Any, version: CountryNoteVersion) -> CountryNoteVersion:
    """A reviewer sends a version back to the team."""
    _require_reviewer(actor, None)
    if version.state != ReviewState.REVIEW:
        raise ValidationError(_("Only a text waiting for review can be sent back."))
    return _set_note_state(actor, version, ReviewState.DRAFT, "returned")


# -- policies ----------------------------------------------------------------------------------

POLICY_TEXT_KEYS = ["title", "summary", "full_text"]


def policy_create(*, actor: Any, code: str, source: str, effective_from: datetime.date,
                  texts: dict[str, dict[str, str]], source_url: str = "",
                  supersedes: Policy | None = None, submit: bool = True) -> Policy:
    """Record a policy in force from `effective_from`; when it `supersedes` another, that one
    stops being in force on the same day."""
    _require_writer(actor)
    cleaned = _clean_texts(texts, POLICY_TEXT_KEYS)
    if not any(row["title"] for row in cleaned.values()):
        raise ValidationError({"title": _("A policy needs a title.")})
    if not (source or "").strip():
        raise ValidationError({"source": _("Say where the policy comes from.")})
    with transaction.atomic():
        policy = Policy(code=code.strip(), source=source.strip(), source_url=source_url.strip(),
                        effective_from=effective_from,
                        state=ReviewState.REVIEW if submit else ReviewState.DRAFT,
                        created_by=actor)
        policy.full_clean(exclude=["superseded_by", "created_by", "reviewed_by"])
        policy.save()
        PolicyText.objects.bulk_create([PolicyText(policy=policy, language=lang, **row)
                                        for lang, row in cleaned.items()])
        change_record(actor=actor, action=ChangeAction.CREATE, obj=policy,
                      after=snapshot(policy))
        if supersedes is not None:
            old = Policy.objects.select_for_update().get(pk=supersedes.pk)
            if old.superseded_on is not None:
                raise ValidationError({"supersedes": _("That policy is already superseded.")})
            if effective_from <= old.effective_from:
                raise ValidationError({"effective_from": _(
                    "A new policy must come into force after the one it supersedes.")})
            before = snapshot(old)
            old.superseded_on, old.superseded_by = effective_from, policy
            old.save(update_fields=["superseded_on", "superseded_by"])
            change_record(actor=actor, action=ChangeAction.EVENT, event="superseded", obj=old,
                          before=before, after=snapshot(old))
            index_policy(old)
        index_policy(policy)
    return policy


def policy_approve(*, actor: Any, policy: Policy) -> Policy:
    _require_reviewer(actor, policy.created_by_id)
    with transaction.atomic():
        policy = Policy.objects.select_for_update().get(pk=policy.pk)
        if policy.state != ReviewState.REVIEW:
            raise ValidationError(_("Only a text waiting for review can be approved."))
        before = snapshot(policy)
        policy.state, policy.reviewed_by, policy.reviewed_at = (
            ReviewState.APPROVED, actor, timezone.now())
        policy.save(update_fields=["state", "reviewed_by", "reviewed_at"])
        change_record(actor=actor, action=ChangeAction.EVENT, event="approved", obj=policy,
                      before=before, after=snapshot(policy))
        index_policy(policy)
    return policy


# -- FAQ ---------------------------------------------------------------------------------------

FAQ_KEYS = ["question", "answer"]


def _write_faq_texts(entry: FaqEntry, cleaned: dict[str, dict[str, str]]) -> None:
    for language, row in cleaned.items():
        FaqText.objects.update_or_create(entry=entry, language=language, defaults=row)


def faq_create(*, actor: Any, texts: dict[str, dict[str, str]],
               source_question_id: int | None = None) -> FaqEntry:
    """Start an FAQ entry as a draft (often from an answer on the question desk)."""
    if not (may_write(actor) or actor.can(Action.CHANGE)):
        raise PermissionDenied(_("You may not write front-line knowledge."))
    cleaned = _clean_texts(texts, FAQ_KEYS)
    with transaction.atomic():
        entry = FaqEntry.objects.create(created_by=actor, source_question_id=source_question_id)
        _write_faq_texts(entry, cleaned)
        change_record(actor=actor, action=ChangeAction.CREATE, obj=entry,
                      after=snapshot(entry))
    return entry


def faq_update(*, actor: Any, entry: FaqEntry, texts: dict[str, dict[str, str]]) -> FaqEntry:
    """Edit a draft's texts (an entry under review or published is edited by a reviewer)."""
    if not (may_write(actor) or may_review(actor)):
        raise PermissionDenied(_("You may not write front-line knowledge."))
    cleaned = _clean_texts(texts, FAQ_KEYS)
    with transaction.atomic():
        entry = FaqEntry.objects.select_for_update().get(pk=entry.pk)
        if entry.state != FaqState.DRAFT and not may_review(actor):
            raise ValidationError(_("Only a draft can be edited."))
        before = snapshot(entry)
        _write_faq_texts(entry, cleaned)
        if entry.state != FaqState.DRAFT:
            # A reviewer's change goes through the document workflow again: the entry waits
            # for review until a proofreader approves the changed translation.
            _faq_to_documents(actor, entry)
            entry.state, entry.published_at = FaqState.REVIEW, None
            entry.save(update_fields=["state", "published_at", "template"])
        change_record(actor=actor, action=ChangeAction.UPDATE, obj=entry, event="texts",
                      before=before, after=snapshot(entry))
        index_faq(entry)
    return entry


def _faq_office(actor: Any, entry: FaqEntry):
    """The office whose document workflow carries the entry: its template's, else the first
    district (or city) where the actor writes texts."""
    from frontline.areas.models import Jurisdiction, Level

    if entry.template_id:
        return entry.template.jurisdiction
    for action in (Action.CONFIGURE, Action.TRANSLATE):
        office = Jurisdiction.objects.restrict(actor, action).filter(  # scoped-ok: restricted
            level__in=[Level.DISTRICT, Level.CITY]).order_by("-level", "code").first()
        if office is not None:
            return office
    raise PermissionDenied(_("You write no texts of a district office."))


def _faq_to_documents(actor: Any, entry: FaqEntry) -> None:
    """Send the entry's Chinese text as the source, and its other languages as translations
    waiting for a proofreader, into the document workflow."""
    from frontline.documents.services import faq_text_submit

    texts = {t.language: t for t in entry.texts.all()}
    zh = texts[Language.ZH]
    entry.template = faq_text_submit(
        actor=actor, jurisdiction=_faq_office(actor, entry), template=entry.template,
        source=(zh.question, zh.answer),
        translations={code: (t.question, t.answer) for code, t in texts.items()
                      if code != Language.ZH})


def faq_translation_state(entry: FaqEntry) -> dict[str, Any]:
    """Where each translation of the entry stands in the document workflow."""
    if entry.template_id is None:
        return {}
    return {t.language: t for t in entry.template.translations.all()}


def faq_submit(*, actor: Any, entry: FaqEntry) -> FaqEntry:
    """Send a draft for review: its Chinese text becomes the source of a document and its
    English text a translation waiting for a proofreader in the translation queue."""
    _require_writer(actor)
    with transaction.atomic():
        entry = FaqEntry.objects.select_for_update().get(pk=entry.pk)
        if entry.state != FaqState.DRAFT:
            raise ValidationError(_("Only a draft can be sent for review."))
        languages = {t.language for t in entry.texts.all() if t.question.strip()
                     and t.answer.strip()}
        if not set(LANGUAGES) <= languages:
            raise ValidationError(_("Write the question and answer in Chinese and English "
                                    "before sending it for review."))
        before = snapshot(entry)
        _faq_to_documents(actor, entry)
        entry.state = FaqState.REVIEW
        entry.save(update_fields=["state", "template"])
        change_record(actor=actor, action=ChangeAction.EVENT, event="submitted", obj=entry,
                      before=before, after=snapshot(entry))
    return entry


def faq_publish(*, actor: Any, entry: FaqEntry) -> FaqEntry:
    """A reviewer publishes an entry waiting for review once a proofreader has approved its
    translations in the document workflow; the approved wording is what is published."""
    from frontline.documents.models import TranslationState

    _require_reviewer(actor, entry.created_by_id)
    with transaction.atomic():
        entry = FaqEntry.objects.select_for_update().get(pk=entry.pk)
        if entry.state != FaqState.REVIEW:
            raise ValidationError(_("Only a text waiting for review can be published."))
        translations = faq_translation_state(entry)
        pending = [t for t in translations.values()
                   if t.state != TranslationState.APPROVED
                   or t.source_version != entry.template.version]
        if not translations or pending:
            raise ValidationError(_("A proofreader must first approve the translation in the "
                                    "translation queue."))
        before = snapshot(entry)
        for language, translation in translations.items():
            segments = list(translation.segments)
            FaqText.objects.update_or_create(entry=entry, language=language, defaults={
                "question": segments[0], "answer": "\n".join(segments[1:])})
        entry.state, entry.reviewed_by, entry.published_at = (
            FaqState.PUBLISHED, actor, timezone.now())
        entry.save(update_fields=["state", "reviewed_by", "published_at"])
        change_record(actor=actor, action=ChangeAction.EVENT, event="published", obj=entry,
                      before=before, after=snapshot(entry))
        index_faq(entry)
    return entry


def faq_return(*, actor: Any, entry: FaqEntry) -> FaqEntry:
    """A reviewer sends an entry back to draft (or withdraws a published one)."""
    _require_reviewer(actor, None)
    with transaction.atomic():
        entry = FaqEntry.objects.select_for_update().get(pk=entry.pk)
        if entry.state == FaqState.DRAFT:
            raise ValidationError(_("The entry is already a draft."))
        before = snapshot(entry)
        entry.state, entry.published_at = FaqState.DRAFT, None
        entry.save(update_fields=["state", "published_at"])
        change_record(actor=actor, action=ChangeAction.EVENT, event="returned", obj=entry,
                      before=before, after=snapshot(entry))
        index_faq(entry)
    return entry


# -- booklets ----------------------------------------------------------------------------------

def booklet_request(*, actor: Any, title: str, language: str, notes: list[CountryNote],
                    policies: list[Policy]) -> Booklet:
    """Queue a booklet of the chosen countries and policies; a background task renders it."""
    if not (may_write(actor) or actor.can(Action.VIEW)):
        raise PermissionDenied
    if not notes and not policies:
        raise ValidationError(_("Choose at least one country or policy."))
    if language not in LANGUAGES:
        raise ValidationError({"language": _("Unknown language: %(value)s") % {"value": language}})
    with transaction.atomic():
        booklet = Booklet.objects.create(title=(title or "").strip()[:200] or _("Booklet"),
                                         language=language, created_by=actor)
        booklet.notes.set(notes)
        booklet.policies.set(policies)
        change_record(actor=actor, action=ChangeAction.CREATE, obj=booklet,
                      after=snapshot(booklet))
        transaction.on_commit(lambda: _enqueue_booklet(booklet.pk), robust=True)
    return booklet


def _enqueue_booklet(booklet_id: int) -> None:
    from frontline.knowledge.tasks import booklet_render_task

    booklet_render_task.enqueue(booklet_id)


# -- training ----------------------------------------------------------------------------------

def training_session_create(*, actor: Any, title: str, starts_at: datetime.datetime,
                            location: str, audience: str, trainer: str, place: Any = None,
                            jurisdiction: Any = None, notes=(), policies=(), booklets=()
                            ) -> TrainingSession:
    """Plan a training session for one team (a hotel's, the transfer point's or a street's)."""
    from frontline.areas.models import Level, PlaceKind
    from frontline.knowledge.models import Audience

    errors = {}
    if audience in (Audience.HOTEL, Audience.TRANSFER):
        kinds = ((PlaceKind.OBSERVATION_HOTEL, PlaceKind.LODGING_HOTEL)
                 if audience == Audience.HOTEL else (PlaceKind.TRANSFER_POINT,))
        if place is None or place.kind not in kinds:
            errors["place"] = _("Choose the team's place.")
        jurisdiction = None
    elif audience == Audience.STREET:
        if jurisdiction is None or jurisdiction.level != Level.STREET:
            errors["jurisdiction"] = _("Choose the team's street.")
        place = None
    else:
        errors["audience"] = _("Choose the audience.")
    if not (title or "").strip():
        errors["title"] = _("A session needs a title.")
    if not (trainer or "").strip():
        errors["trainer"] = _("Name the trainer.")
    if errors:
        raise ValidationError(errors)
    scope = scope_for(actor, Action.CHANGE)
    if place is not None and not (scope.covers_place(place.pk)
                                  or scope.covers_code(place.jurisdiction_code)):
        raise PermissionDenied
    with transaction.atomic():
        session = TrainingSession.objects.create(
            title=title.strip(), starts_at=starts_at, location=(location or "").strip(),
            audience=audience, place=place, jurisdiction=jurisdiction, trainer=trainer.strip(),
            jurisdiction_code=place.jurisdiction_code if place is not None else jurisdiction.code,
            created_by=actor)
        session.notes.set(notes)
        session.policies.set(policies)
        session.booklets.set(booklets)
        ensure_in_scope(actor, Action.CHANGE, session)
        change_record(actor=actor, action=ChangeAction.CREATE, obj=session,
                      after=snapshot(session))
    return session


def attendance_record(*, actor: Any, session: TrainingSession, users: list[Any]) -> int:
    """Record who attended; only members of the session's team can be recorded."""
    from frontline.knowledge.selectors import team_members

    with transaction.atomic():
        ensure_in_scope(actor, Action.CHANGE, session)
        members = {u.pk for u in team_members(session=session)}
        strangers = [str(u) for u in users if u.pk not in members]
        if strangers:
            raise ValidationError({"users": _("Not in the session's team: %(names)s")
                                   % {"names": ", ".join(strangers)}})
        existing = set(session.attendances.values_list("user_id", flat=True))
        new = [Attendance(session=session, user=u, recorded_by=actor) for u in users
               if u.pk not in existing]
        Attendance.objects.bulk_create(new)
        change_record(actor=actor, action=ChangeAction.EVENT, event="attendance", obj=session,
                      after={"users": sorted(u.pk for u in users)})
    return len(new)
