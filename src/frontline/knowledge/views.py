"""Pages of the front-line knowledge: search, country notes and their review, policies in
force on a date and the feed of changes, FAQ, booklets and training sessions."""

from __future__ import annotations

import datetime
import time

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.syndication.views import Feed
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from frontline.core.models import get_in_scope
from frontline.core.permissions import Action
from frontline.core.views import ScopedListView, apply_validation_error, form_saved
from frontline.documents.services.common import may
from frontline.knowledge import selectors, services
from frontline.knowledge.forms import BookletForm, FaqForm, NoteForm, PolicyForm, TrainingForm
from frontline.knowledge.models import (
    LANGUAGES,
    NOTE_SECTIONS,
    Booklet,
    BookletStatus,
    CountryNoteVersion,
    EntryKind,
    Language,
    ReviewState,
    TrainingSession,
)
from frontline.knowledge.rendering_jobs import booklet_path


def _language(request) -> str:
    requested = request.GET.get("lang", "")
    if requested in Language.values:
        return requested
    return Language.ZH if (get_language() or "").startswith("zh") else Language.EN


def _roles(request) -> dict:
    return {"can_write": services.may_write(request.user),
            "can_review": services.may_review(request.user)}


@login_required
def index(request):
    language = _language(request)
    notes = [(note, selectors.note_current(note)) for note in selectors.note_list()]
    today = timezone.localdate()
    return render(request, "knowledge/index.html", {
        "language": language, "notes": notes,
        "policies": selectors.policies_in_force(on=today), "today": today,
        "feed": selectors.change_feed(language=language, limit=8),
        "waiting": selectors.note_versions_waiting()[:20], **_roles(request)})


@login_required
def search(request):
    query = request.GET.get("q", "")[:200]
    language = request.GET.get("lang", "") if request.GET.get("lang") in Language.values else ""
    kind = request.GET.get("kind", "") if request.GET.get("kind") in EntryKind.values else ""
    started = time.perf_counter()
    hits = selectors.search(query=query, language=language, kinds=[kind] if kind else None)
    elapsed = round((time.perf_counter() - started) * 1000, 1)
    return render(request, "knowledge/search.html", {
        "query": query, "hits": hits, "elapsed": elapsed, "language": language, "kind": kind,
        "languages": Language.choices, "kinds": EntryKind.choices})


# -- notes -------------------------------------------------------------------------------------

@login_required
def note_detail(request, pk: int):
    note = selectors.note_detail(pk=pk)
    language = _language(request)
    versions = list(note.versions.all())
    shown = selectors.note_current(note)
    requested = request.GET.get("version", "")
    if requested.isdigit() and (services.may_write(request.user)
                                or services.may_review(request.user)):
        shown = next((v for v in versions if v.number == int(requested)), shown)
    text = shown.text(language) if shown else None
    return render(request, "knowledge/note_detail.html", {
        "note": note, "version": shown, "text": text, "language": language,
        "sections": text.sections() if text else [], "versions": versions,
        "languages": Language.choices, **_roles(request)})


@login_required
def note_edit(request, pk: int | None = None):
    if not services.may_write(request.user):
        raise PermissionDenied
    note = selectors.note_detail(pk=pk) if pk else None
    initial = {}
    if note is not None:
        initial = {"country": note.country.code, "name_zh": note.name_zh,
                   "name_en": note.name_en}
        version = note.versions.first()
        if version is not None:
            initial.update(embassy_phone=version.embassy_phone,
                           embassy_website=version.embassy_website)
            for t in version.texts.all():
                for key, _label in NOTE_SECTIONS:
                    initial[f"{t.language}__{key}"] = getattr(t, key)
    form = NoteForm(request.POST or None, initial=initial)
    saved, version = form_saved(request, form, lambda data: services.note_save(
        actor=request.user, country=data["country"], name_zh=data["name_zh"],
        name_en=data["name_en"], texts=form.texts(), embassy_phone=data["embassy_phone"],
        embassy_website=data["embassy_website"], change_summary=data["change_summary"]),
        success=lambda version: _("Version %(number)s was saved and waits for review.")
        % {"number": version.number})
    if saved:
        return redirect("knowledge:note_detail", pk=version.note_id)
    return render(request, "knowledge/note_form.html", {"form": form, "note": note,
                                                        "languages": LANGUAGES})


@login_required
@require_POST
def note_version_review(request, pk: int):
    version = CountryNoteVersion.objects.filter(pk=pk).select_related("note").first()  # scoped-ok: public
    if version is None:
        raise Http404
    decision = request.POST.get("decision")
    try:
        if decision == "approve":
            services.note_version_approve(actor=request.user, version=version)
            messages.success(request, _("The version was approved."))
        elif decision == "return":
            services.note_version_return(actor=request.user, version=version)
            messages.success(request, _("The version was sent back to the team."))
        elif decision == "submit":
            services.note_version_submit(actor=request.user, version=version)
            messages.success(request, _("The version was sent for review."))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    url = reverse("knowledge:note_detail", kwargs={"pk": version.note_id})
    return redirect(f"{url}?version={version.number}")


# -- policies ----------------------------------------------------------------------------------

@login_required
def policy_list(request):
    language = _language(request)
    on = request.GET.get("on", "")
    try:
        day = datetime.date.fromisoformat(on) if on else None
    except ValueError:
        day = None
        messages.error(request, _("Give the date as YYYY-MM-DD."))
    policies = selectors.policies_in_force(on=day) if day else selectors.policy_list()
    return render(request, "knowledge/policy_list.html", {
        "policies": [(p, p.text(language)) for p in policies], "day": day, "language": language,
        **_roles(request)})


@login_required
def policy_detail(request, pk: int):
    policy = selectors.policy_detail(pk=pk)
    language = _language(request)
    return render(request, "knowledge/policy_detail.html", {
        "policy": policy, "text": policy.text(language), "language": language,
        "languages": Language.choices, **_roles(request)})


@login_required
def policy_create(request):
    if not services.may_write(request.user):
        raise PermissionDenied
    form = PolicyForm(request.POST or None)
    saved, policy = form_saved(request, form, lambda data: services.policy_create(
        actor=request.user, code=data["code"], source=data["source"],
        source_url=data["source_url"], effective_from=data["effective_from"],
        supersedes=data["supersedes"], texts=form.texts()),
        success=_("The policy was saved and waits for review."))
    if saved:
        return redirect("knowledge:policy_detail", pk=policy.pk)
    return render(request, "knowledge/policy_form.html", {"form": form})


@login_required
@require_POST
def policy_approve(request, pk: int):
    policy = selectors.policy_detail(pk=pk)
    try:
        services.policy_approve(actor=request.user, policy=policy)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The policy was approved."))
    return redirect("knowledge:policy_detail", pk=policy.pk)


@login_required
def feed(request):
    language = _language(request)
    return render(request, "knowledge/feed.html", {
        "items": selectors.change_feed(language=language), "language": language})


class ChangeFeed(Feed):
    """An Atom-like RSS feed of policy changes and approved notes for feed readers."""

    title = gettext_lazy("Front-line knowledge: changes")
    link = "/knowledge/feed/"
    description = gettext_lazy("Policies coming into force or superseded, and country notes "
                               "approved.")

    def get_object(self, request, *args, **kwargs):
        """The language of the feed (the instance is shared between requests)."""
        if not request.user.is_authenticated:
            raise Http404
        return _language(request)

    def items(self, language):
        return selectors.change_feed(language=language)

    def item_title(self, item):
        labels = {"in_force": _("In force"), "superseded": _("Superseded"),
                  "note_approved": _("Note approved")}
        return f"{item.date.isoformat()} {labels[item.event]}: {item.title}"

    def item_description(self, item):
        return item.title

    def item_link(self, item):
        return f"{item.url}#{item.event}-{item.date.isoformat()}"


# -- FAQ ---------------------------------------------------------------------------------------

@login_required
def faq_list(request):
    language = _language(request)
    entries = selectors.faq_list(actor=request.user, state=request.GET.get("state", ""))
    return render(request, "knowledge/faq_list.html", {
        "entries": [(e, e.text(language)) for e in entries[:200]], "language": language,
        **_roles(request)})


@login_required
def faq_detail(request, pk: int):
    entry = selectors.faq_detail(actor=request.user, pk=pk)
    language = _language(request)
    translations = list(services.faq_translation_state(entry).values())
    for item in translations:  # the queue's page opens only for those whose area it is in
        item.reachable = any(may(request.user, action, item.jurisdiction_code)
                             for action in (Action.VIEW, Action.TRANSLATE))
    return render(request, "knowledge/faq_detail.html", {
        "entry": entry, "text": entry.text(language), "language": language,
        "languages": Language.choices, "translations": translations, **_roles(request)})


@login_required
def faq_edit(request, pk: int):
    if not (services.may_write(request.user) or services.may_review(request.user)):
        raise PermissionDenied
    entry = selectors.faq_detail(actor=request.user, pk=pk)
    initial = {f"{t.language}__{k}": getattr(t, k) for t in entry.texts.all()
               for k in ("question", "answer")}
    form = FaqForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.faq_update(actor=request.user, entry=entry, texts=form.texts())
            if "submit" in request.POST:
                services.faq_submit(actor=request.user, entry=entry)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("The FAQ entry was saved."))
            return redirect("knowledge:faq_detail", pk=entry.pk)
    return render(request, "knowledge/faq_form.html", {"form": form, "entry": entry})


@login_required
@require_POST
def faq_decide(request, pk: int):
    entry = selectors.faq_detail(actor=request.user, pk=pk)
    decision = request.POST.get("decision")
    try:
        if decision == "publish":
            services.faq_publish(actor=request.user, entry=entry)
            messages.success(request, _("The FAQ entry was published."))
        elif decision == "return":
            services.faq_return(actor=request.user, entry=entry)
            messages.success(request, _("The FAQ entry was sent back to draft."))
        elif decision == "submit":
            services.faq_submit(actor=request.user, entry=entry)
            messages.success(request, _("The FAQ entry was sent for review."))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return redirect("knowledge:faq_detail", pk=entry.pk)


# -- booklets ----------------------------------------------------------------------------------

@login_required
def booklet_list(request):
    form = BookletForm(request.POST or None, initial={"language": _language(request)})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            booklet = services.booklet_request(
                actor=request.user, title=data["title"], language=data["language"],
                notes=list(data["notes"]), policies=list(data["policies"]))
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            return redirect("knowledge:booklet_detail", pk=booklet.pk)
    return render(request, "knowledge/booklet_list.html", {
        "form": form, "booklets": selectors.booklet_list()[:50]})


def _booklet(pk: int) -> Booklet:
    booklet = selectors.booklet_list().filter(pk=pk).first()
    if booklet is None:
        raise Http404
    return booklet


@login_required
def booklet_detail(request, pk: int):
    booklet = _booklet(pk)
    busy = booklet.status in (BookletStatus.QUEUED, BookletStatus.RENDERING)
    template = "knowledge/_booklet_status.html" if request.headers.get("HX-Request") \
        else "knowledge/booklet_detail.html"
    return render(request, template, {"booklet": booklet, "busy": busy})


@login_required
def booklet_pdf(request, pk: int):
    booklet = _booklet(pk)
    path = booklet_path(booklet)
    if booklet.status != BookletStatus.DONE or not path.exists():
        raise Http404
    return FileResponse(path.open("rb"), content_type="application/pdf",
                        filename=f"booklet-{booklet.pk}.pdf")


# -- training ----------------------------------------------------------------------------------

class TrainingListView(ScopedListView):
    model = TrainingSession
    template_name = "knowledge/training_list.html"

    def get_queryset(self):
        super().get_queryset()
        return selectors.training_list(actor=self.request.user)

    def get_context_data(self, **kwargs):
        return super().get_context_data(can_change=self.request.user.can(Action.CHANGE),
                                        **kwargs)


@login_required
def training_create(request):
    if not request.user.can(Action.CHANGE):
        raise PermissionDenied
    form = TrainingForm(request.POST or None, actor=request.user)
    saved, session = form_saved(request, form, lambda data: services.training_session_create(
        actor=request.user, title=data["title"], starts_at=data["starts_at"],
        location=data["location"], audience=data["audience"], trainer=data["trainer"],
        place=data["place"], jurisdiction=data["jurisdiction"], notes=data["notes"],
        policies=data["policies"], booklets=data["booklets"]),
        success=_("The training session was planned."))
    if saved:
        return redirect("knowledge:training_detail", pk=session.pk)
    return render(request, "knowledge/training_form.html", {"form": form})


@login_required
def training_detail(request, pk: int):
    session = get_in_scope(TrainingSession, request.user, Action.VIEW, pk=pk)
    members = list(selectors.team_members(session=session))
    attended = set(session.attendances.values_list("user_id", flat=True))
    can_change = request.user.scope_for(Action.CHANGE).covers_code(session.jurisdiction_code) \
        or request.user.scope_for(Action.CHANGE).covers_place(session.place_id)
    if request.method == "POST":
        if not can_change:
            raise Http404
        chosen = {int(v) for v in request.POST.getlist("users") if v.isdigit()}
        try:
            services.attendance_record(actor=request.user, session=session,
                                       users=[m for m in members if m.pk in chosen])
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("The attendance was recorded."))
        return redirect("knowledge:training_detail", pk=session.pk)
    return render(request, "knowledge/training_detail.html", {
        "session": session, "members": members, "attended": attended,
        "untrained": list(selectors.untrained_members(session=session)),
        "can_change": can_change, "review_states": ReviewState})
