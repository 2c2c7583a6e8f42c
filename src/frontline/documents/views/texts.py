"""Pages of the texts: templates, translations (edit, review, history, comments), the
translation queue, the glossary and the exchange with outside translators."""

from __future__ import annotations

import difflib
import re
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from frontline.core.models import OutOfScope, get_in_scope
from frontline.core.permissions import Action
from frontline.core.views import apply_validation_error
from frontline.documents import selectors, services
from frontline.documents.checks import TITLE, WHOLE, finding_message
from frontline.documents.exchange import MAX_EXCHANGE_BYTES
from frontline.documents.forms import (
    CommentForm,
    ExportForm,
    GlossaryForm,
    ImportForm,
    QueueFilterForm,
    TemplateCreateForm,
    TemplateForm,
    translation_form,
)
from frontline.documents.kinds import (
    ISSUABLE_KINDS,
    PLACEHOLDERS,
    target_languages,
    traveller_languages,
)
from frontline.documents.models import (
    DocumentTemplate,
    GlossaryTerm,
    Translation,
    TranslationState,
)
from frontline.documents.services.common import may
from frontline.documents.views.common import AnyActionDetailView, AnyActionListView, can_any, pdf_response

READ = (Action.VIEW, Action.TRANSLATE)
ROLE_LABELS = {"heading": gettext_lazy("heading"), "item": gettext_lazy("list item"),
               "field": gettext_lazy("form field"), "signature": gettext_lazy("signature")}

# -- templates -------------------------------------------------------------------------------


def _readable(actor, pks: list[int]) -> set[int]:
    """Which of these translations the actor may open: an office's street sees the office's
    templates, but their translations only where it may read texts (the others are shown
    without a link, not as a link to "not found")."""
    return set(selectors.translation_readable(actor=actor).filter(pk__in=pks)
               .values_list("pk", flat=True))


class TemplateListView(AnyActionListView):
    """Every template with the state of its translation in each language."""

    model = DocumentTemplate
    actions = READ
    template_name = "documents/template_list.html"
    paginate_by = 100

    def get_queryset(self):
        super().get_queryset()
        return selectors.template_list(actor=self.request.user).filter(
            kind__in=ISSUABLE_KINDS)  # FAQ entries are listed on the FAQ page

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        templates = list(context["object_list"])
        by_template = selectors.translations_by_template(templates)
        languages = target_languages()
        rows, counts = [], dict.fromkeys(TranslationState.values, 0)
        for template in templates:
            cells = []
            for code in languages:
                translation = by_template[template.pk].get(code)
                cells.append(translation)
                if translation is not None:
                    counts[translation.state] += 1
            rows.append((template, cells))
        context.update(rows=rows, languages=languages, counts=counts,
                       can_configure=self.request.user.can(Action.CONFIGURE),
                       readable=_readable(self.request.user, [
                           t.pk for _template, cells in rows for t in cells if t]))
        return context


class TemplateDetailView(AnyActionDetailView):
    model = DocumentTemplate
    actions = READ
    template_name = "documents/template_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        template = self.object
        translations = {t.language: t for t in template.translations.all()}
        context.update(
            readable=_readable(self.request.user, [t.pk for t in translations.values()]),
            translations=[(code, name, translations.get(code))
                          for code, name in traveller_languages() if code != "zh-hans"],
            languages=traveller_languages(),
            revisions=template.revisions.select_related("author")[:20],
            placeholders=[(name, PLACEHOLDERS[name]) for name in sorted(template.spec.placeholders)],
            can_edit=may(self.request.user, Action.CONFIGURE, template.jurisdiction_code))
        return context


@login_required
def template_edit(request, pk: int):
    """Edit the Chinese source; the page warns that translations will need editing."""
    template = get_in_scope(DocumentTemplate, request.user, Action.CONFIGURE, pk=pk)
    form = TemplateForm(request.POST or None, instance=template)
    if request.method == "POST" and form.is_valid():
        try:
            template = services.template_update(actor=request.user, template=template,
                                                title=form.cleaned_data["title"],
                                                body=form.cleaned_data["body"])
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("The source was saved; every translation now needs "
                                        "editing."))
            return redirect("documents:template_detail", pk=template.pk)
    return render(request, "documents/template_form.html", {
        "form": form, "template": template,
        "placeholders": [(n, PLACEHOLDERS[n]) for n in sorted(template.spec.placeholders)]})


@login_required
def template_create(request):
    if not request.user.can(Action.CONFIGURE):
        raise PermissionDenied
    form = TemplateCreateForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            template = services.template_create(
                actor=request.user, jurisdiction=form.cleaned_data["jurisdiction"],
                kind=form.cleaned_data["kind"], title=form.cleaned_data["title"],
                body=form.cleaned_data["body"])
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("The template was created."))
            return redirect("documents:template_detail", pk=template.pk)
    return render(request, "documents/template_form.html", {"form": form, "template": None})


@login_required
def template_preview(request, pk: int, language: str):
    """A specimen PDF of the template in a language (sample values, marked as a specimen)."""
    template = selectors.template_list(actor=request.user).filter(pk=pk).first()
    if template is None:
        raise OutOfScope()
    if language not in dict(traveller_languages()):
        raise OutOfScope()
    try:
        pdf = services.template_preview(template=template, language=language,
                                        bilingual=request.GET.get("bilingual", "1") == "1")
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
        return redirect("documents:template_detail", pk=template.pk)
    return pdf_response(pdf, f"{template.kind}-{language}-specimen.pdf")


# -- translations ----------------------------------------------------------------------------

def _tokens(text: str) -> list[str]:
    return re.findall(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]|\w+|\s+|[^\w\s]", text or "")


def diff_parts(old: str, new: str) -> list[tuple[str, str]]:
    """[(op, text)] with op in '', 'del', 'ins': a word diff (character diff in CJK)."""
    a, b = _tokens(old), _tokens(new)
    parts: list[tuple[str, str]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag == "equal":
            parts.append(("", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            parts.append(("del", "".join(a[i1:i2])))
        if j2 > j1:
            parts.append(("ins", "".join(b[j1:j2])))
    return parts


def _readable_translation(request, pk: int) -> Translation:
    translation = selectors.translation_readable(actor=request.user).select_related(
        "template", "updated_by", "approved_by").filter(pk=pk).first()
    if translation is None:
        raise OutOfScope()
    return translation


class TranslationDetailView(AnyActionDetailView):
    """A translation side by side with its source: edit (translators), approve (proofreaders),
    check findings, memory suggestions and comments."""

    model = Translation
    actions = READ
    template_name = "documents/translation_edit.html"

    def get_queryset(self):
        return super().get_queryset().select_related("template", "updated_by", "approved_by")

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        translation = self.object
        if not may(request.user, Action.TRANSLATE, translation.jurisdiction_code):
            raise PermissionDenied
        form = translation_form(translation.template, request.POST)
        if form.is_valid():
            segments = [form.cleaned_data[f"seg_{i}"]
                        for i in range(len(translation.template.segments))]
            try:
                translation = services.translation_save(
                    actor=request.user, translation=translation,
                    title=form.cleaned_data["title"], segments=segments,
                    ready="ready" in request.POST)
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                if translation.findings:
                    messages.warning(request, _("Saved. Some checks fail; the translation cannot "
                                                "be approved until they are fixed."))
                else:
                    messages.success(request, _("The translation was saved."))
                return redirect("documents:translation_edit", pk=translation.pk)
        return self.render_to_response(self.get_context_data(form=form))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        translation = self.object
        template = translation.template
        user = self.request.user
        can_translate = may(user, Action.TRANSLATE, translation.jurisdiction_code)
        form = kwargs.get("form") or translation_form(template, initial={
            "title": translation.title,
            **{f"seg_{i}": (translation.segments[i] if i < len(translation.segments) else "")
               for i in range(len(template.segments))}})
        by_segment: dict[int, list[str]] = {}
        for finding in translation.findings:
            by_segment.setdefault(finding.get("segment", WHOLE), []).append(
                finding_message(finding))
        suggestions: list[list] = [[] for _s in range(len(template.segments) + 1)]
        if can_translate:
            suggestions = selectors.memory_suggestions(
                actor=user, language=translation.language,
                texts=[template.title] + [s.text for s in template.segments])
            # What the field already says is no suggestion (an approved translation is in
            # the memory itself).
            current = [translation.title, *(translation.segments[i] if i < len(
                translation.segments) else "" for i in range(len(template.segments)))]
            suggestions = [[s for s in found if s.target.strip() != current[n].strip()]
                           for n, found in enumerate(suggestions)]
        comments = list(translation.comments.select_related("author"))
        rows = []
        for i, segment in enumerate(template.segments):
            rows.append({"index": i, "number": i + 1, "segment": segment,
                         "role_label": ROLE_LABELS.get(segment.role, ""),
                         "field": form[f"seg_{i}"], "findings": by_segment.get(i, []),
                         "suggestions": suggestions[i + 1],
                         "comments": [c for c in comments if c.segment == i]})
        context.update(
            template=template, form=form, rows=rows,
            title_findings=by_segment.get(TITLE, []), whole_findings=by_segment.get(WHOLE, []),
            title_suggestions=suggestions[0],
            title_comments=[c for c in comments if c.segment == TITLE],
            general_comments=[c for c in comments if c.segment is None],
            comment_form=CommentForm(template=template),
            can_translate=can_translate,
            can_approve=(may(user, Action.PROOFREAD, translation.jurisdiction_code)
                         and translation.state == TranslationState.TRANSLATED
                         and not translation.findings),
            can_proofread=may(user, Action.PROOFREAD, translation.jurisdiction_code),
            can_comment=can_translate or may(user, Action.CONFIGURE,
                                             translation.jurisdiction_code),
            is_rtl=translation.language in ("ar", "fa"))
        return context


@login_required
@require_POST
def translation_approve(request, pk: int):
    translation = _readable_translation(request, pk)
    try:
        services.translation_approve(actor=request.user, translation=translation)
    except ValidationError as exc:
        messages.error(request, _("Not approved: %(reasons)s")
                       % {"reasons": "; ".join(exc.messages)})
    else:
        messages.success(request, _("The translation is approved: documents in this language "
                                    "are now issued as official."))
    return redirect("documents:translation_edit", pk=translation.pk)


@login_required
@require_POST
def translation_comment(request, pk: int):
    translation = _readable_translation(request, pk)
    form = CommentForm(request.POST, template=translation.template)
    if form.is_valid():
        try:
            services.translation_comment_add(actor=request.user, translation=translation,
                                             text=form.cleaned_data["text"],
                                             segment=form.cleaned_data["segment"])
        except ValidationError as exc:
            messages.error(request, "; ".join(exc.messages))
        else:
            messages.success(request, _("The comment was added."))
    else:
        messages.error(request, _("The comment is empty."))
    return redirect("documents:translation_edit", pk=translation.pk)


@login_required
def translation_history(request, pk: int):
    """Every version of a translation, who and when, with the changes of each."""
    translation = _readable_translation(request, pk)
    revisions = list(translation.revisions.select_related("author").order_by("number"))
    entries = []
    previous = None
    for revision in revisions:
        old_title = previous.title if previous else ""
        old_segments = list(previous.segments) if previous else []
        changes = []
        if revision.title != old_title:
            changes.append((_("title"), diff_parts(old_title, revision.title)))
        for i, text in enumerate(revision.segments):
            old = old_segments[i] if i < len(old_segments) else ""
            if text != old:
                changes.append((_("segment %(n)s") % {"n": i + 1}, diff_parts(old, text)))
        entries.append({"revision": revision, "changes": changes})
        previous = revision
    entries.reverse()
    return render(request, "documents/translation_history.html",
                  {"translation": translation, "entries": entries})


class QueueView(AnyActionListView):
    """The translation queue: what translators and proofreaders have to do."""

    model = Translation
    actions = (Action.TRANSLATE,)
    template_name = "documents/queue.html"

    def get_queryset(self):
        super().get_queryset()
        self.form = QueueFilterForm(self.request.GET or None)
        filters = self.form.cleaned_data if self.form.is_valid() else {}
        return selectors.translation_queue(actor=self.request.user,
                                           language=filters.get("language", ""),
                                           state=filters.get("state", ""),
                                           kind=filters.get("kind", ""))

    def get_context_data(self, **kwargs):
        query = self.request.GET.copy()
        query.pop("page", None)
        return super().get_context_data(form=self.form, query=query.urlencode(), **kwargs)


# -- exchange --------------------------------------------------------------------------------

@login_required
def exchange_page(request):
    """Export for outside translators; import their files (XLIFF 2.0 or .xlsx)."""
    if not request.user.can(Action.TRANSLATE):
        raise PermissionDenied
    export_form = ExportForm(request.GET if "language" in request.GET else None)
    if export_form.is_bound and export_form.is_valid():
        content, filename = services.translations_export(
            actor=request.user, language=export_form.cleaned_data["language"],
            fmt=export_form.cleaned_data["format"])
        mime = ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                if filename.endswith(".xlsx") else "application/xliff+xml")
        response = HttpResponse(content, content_type=mime)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    import_form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and import_form.is_valid():
        upload = import_form.cleaned_data["file"]
        data = upload.read(MAX_EXCHANGE_BYTES + 1)
        try:
            report = services.translations_import(actor=request.user, data=data,
                                                  fmt=import_form.cleaned_data["format"],
                                                  filename=upload.name or "")
        except ValidationError as exc:
            apply_validation_error(import_form, exc)
        else:
            messages.success(request, ngettext(
                "%(n)s translation was updated; it waits for review.",
                "%(n)s translations were updated; they wait for review.",
                report.updated) % {"n": report.updated})
    return render(request, "documents/exchange.html", {
        "export_form": export_form if export_form.is_bound else ExportForm(),
        "import_form": import_form, "report": report})


# -- glossary --------------------------------------------------------------------------------

class GlossaryListView(AnyActionListView):
    model = GlossaryTerm
    actions = (Action.VIEW, Action.TRANSLATE, Action.CONFIGURE)
    template_name = "documents/glossary_list.html"

    def get_queryset(self):
        super().get_queryset()
        return selectors.glossary_list(actor=self.request.user,
                                       query=self.request.GET.get("q", "").strip())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        names = dict(traveller_languages())
        for term in context["object_list"]:
            rows: dict[str, dict[str, list[str]]] = {}
            for eq in term.equivalents.all():
                rows.setdefault(eq.language, {"approved": [], "forbidden": []})[
                    "forbidden" if eq.is_forbidden else "approved"].append(eq.text)
            term.by_language = [(names.get(code, code), rows[code])
                                for code in target_languages() if code in rows]
        context["can_edit"] = can_any(self.request.user, Action.PROOFREAD, Action.CONFIGURE)
        return context


def _glossary_initial(term: GlossaryTerm) -> dict[str, Any]:
    initial: dict[str, Any] = {"source": term.source, "note": term.note,
                               "do_not_translate": term.do_not_translate}
    for eq in term.equivalents.all():
        key = f"{'forbidden' if eq.is_forbidden else 'approved'}_{eq.language}"
        initial[key] = "; ".join(filter(None, [initial.get(key, ""), eq.text]))
    return initial


@login_required
def glossary_edit(request, pk: int | None = None):
    term = None
    if pk is not None:  # another office's term is 404, like one that does not exist
        term = selectors.restrict_any(GlossaryTerm.objects.all(),  # scoped-ok: restricted
                                      request.user, (Action.PROOFREAD, Action.CONFIGURE)
                                      ).filter(pk=pk).first()
        if term is None:
            raise OutOfScope()
    elif not can_any(request.user, Action.PROOFREAD, Action.CONFIGURE):
        raise PermissionDenied
    form = GlossaryForm(request.POST or None, actor=request.user, editing=term is not None,
                        initial=_glossary_initial(term) if term else None)
    if request.method == "POST" and "delete" in request.POST and term is not None:
        services.glossary_term_delete(actor=request.user, term=term)
        messages.success(request, _("The term was deleted."))
        return redirect("documents:glossary_list")
    if request.method == "POST" and form.is_valid():
        try:
            term = services.glossary_term_save(
                actor=request.user, term=term,
                jurisdiction=form.cleaned_data.get("jurisdiction"), **form.service_data())
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("The term was saved; the checks of the translations "
                                        "were run again."))
            return redirect("documents:glossary_list")
    return render(request, "documents/glossary_form.html", {"form": form, "term": term})
