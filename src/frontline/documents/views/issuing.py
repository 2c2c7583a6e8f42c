"""Pages for issuing: one document, batches with a progress bar, the issued documents, the
office profile (seal), and the public verification page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from frontline.areas.models import Jurisdiction, Level
from frontline.core.models import get_in_scope
from frontline.core.permissions import Action
from frontline.core.views import ScopedDetailView, ScopedListView, apply_validation_error
from frontline.documents import selectors, services
from frontline.documents.exchange import (
    LINE_KEY,
    MAX_EXCHANGE_BYTES,
    ExchangeError,
    people_rows_parse,
)
from frontline.documents.forms import BatchForm, IssueForm, OfficeProfileForm, RevokeForm
from frontline.documents.kinds import SOURCE_LANGUAGE, html_lang, is_rtl, language_name
from frontline.documents.labels import label
from frontline.documents.models import (
    DocumentStatus,
    DocumentTemplate,
    IssueBatch,
    IssuedDocument,
    OfficeProfile,
    Translation,
)
from frontline.documents.services.common import may
from frontline.documents.views.common import pdf_response


@login_required
def issue(request):
    """Issue one document for a person typed in by hand."""
    if not request.user.can(Action.CHANGE):
        raise PermissionDenied
    form = IssueForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            document = services.document_issue(
                actor=request.user, kind=form.cleaned_data["kind"], person=None,
                language=form.cleaned_data["language"], context=form.context(),
                bilingual=form.cleaned_data["bilingual"])
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            if document.official:
                messages.success(request, _("Document %(serial)s was issued.")
                                 % {"serial": document.serial})
            else:
                messages.warning(request, _("Document %(serial)s was issued, marked as an "
                                            "unofficial translation: the translation is not "
                                            "approved.") % {"serial": document.serial})
            return redirect("documents:issued_detail", pk=document.pk)
    return render(request, "documents/issue_form.html", {"form": form})


class IssuedListView(ScopedListView):
    model = IssuedDocument
    template_name = "documents/issued_list.html"

    def get_queryset(self):
        super().get_queryset()
        return selectors.issued_list(actor=self.request.user,
                                     kind=self.request.GET.get("kind", ""),
                                     serial=self.request.GET.get("serial", ""))


class IssuedDetailView(ScopedDetailView):
    model = IssuedDocument
    template_name = "documents/issued_detail.html"

    def get_queryset(self):
        return super().get_queryset().select_related("template", "issued_by", "batch")

    def get_context_data(self, **kwargs):
        document = self.object
        return super().get_context_data(
            revoke_form=RevokeForm(),
            can_revoke=(may(self.request.user, Action.CHANGE, document.jurisdiction_code)
                        and document.status == DocumentStatus.VALID),
            verify_url=services.verification_url(document.serial), **kwargs)


@login_required
def issued_download(request, pk: int):
    document = get_in_scope(IssuedDocument, request.user, Action.VIEW, pk=pk)
    path = services.issued_document_file(actor=request.user, document=document)
    return pdf_response(path, f"{document.serial}.pdf")


@login_required
@require_POST
def issued_revoke(request, pk: int):
    document = get_in_scope(IssuedDocument, request.user, Action.CHANGE, pk=pk)
    form = RevokeForm(request.POST)
    if form.is_valid():
        try:
            services.document_revoke(actor=request.user, document=document,
                                     reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            messages.error(request, "; ".join(exc.messages))
        else:
            messages.success(request, _("The document was revoked."))
    else:
        messages.error(request, _("Give a reason."))
    return redirect("documents:issued_detail", pk=document.pk)


# -- batches ---------------------------------------------------------------------------------

@login_required
def batch_create(request):
    if not request.user.can(Action.CHANGE):
        raise PermissionDenied
    form = BatchForm(request.POST or None, request.FILES or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            rows = people_rows_parse(upload.read(MAX_EXCHANGE_BYTES + 1),
                                     filename=upload.name or "")
        except ExchangeError as exc:
            form.add_error("file", str(exc))
        else:
            default_code = form.cleaned_data["jurisdiction"].code
            items = []
            for row in rows:
                context = {k: v for k, v in row.items()
                           if v and k not in ("language", LINE_KEY)}
                context.setdefault("jurisdiction_code", default_code)
                items.append({"person": None, "context": context,
                              "language": row.get("language", ""), "line": row[LINE_KEY]})
            try:
                batch = services.document_issue_batch(
                    actor=request.user, kind=form.cleaned_data["kind"], items=items,
                    language_policy=form.cleaned_data["language_policy"],
                    bilingual=form.cleaned_data["bilingual"],
                    output=form.cleaned_data["output"])
            except ValidationError as exc:
                for message in exc.messages:
                    form.add_error(None, message)
            else:
                messages.success(request, _("The batch was queued."))
                return redirect("documents:batch_detail", pk=batch.pk)
    return render(request, "documents/batch_form.html", {"form": form})


class BatchListView(ScopedListView):
    model = IssueBatch
    template_name = "documents/batch_list.html"

    def get_queryset(self):
        super().get_queryset()
        return selectors.batch_list(actor=self.request.user)


class BatchDetailView(ScopedDetailView):
    model = IssueBatch
    template_name = "documents/batch_detail.html"

    def get_context_data(self, **kwargs):
        batch = self.object
        return super().get_context_data(
            documents=batch.documents.order_by("batch_index")[:100],
            can_retry=may(self.request.user, Action.CHANGE, batch.jurisdiction_code), **kwargs)


@never_cache
@require_GET
@login_required
def batch_progress(request, pk: int):
    """The progress bar, polled by htmx until the batch is finished."""
    batch = get_in_scope(IssueBatch, request.user, Action.VIEW, pk=pk)
    return render(request, "documents/_batch_progress.html", {"batch": batch})


@login_required
def batch_download(request, pk: int):
    batch = get_in_scope(IssueBatch, request.user, Action.VIEW, pk=pk)
    try:
        path = services.batch_file(actor=request.user, batch=batch)
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
        return redirect("documents:batch_detail", pk=batch.pk)
    if path.suffix == ".zip":
        from django.http import FileResponse

        response = FileResponse(open(path, "rb"), as_attachment=True,  # noqa: SIM115
                                filename=f"batch-{batch.pk}.zip", content_type="application/zip")
        response["Cache-Control"] = "private, no-store"
        return response
    return pdf_response(path, f"batch-{batch.pk}.pdf", inline=False)


@login_required
@require_POST
def batch_retry(request, pk: int):
    batch = get_in_scope(IssueBatch, request.user, Action.CHANGE, pk=pk)
    try:
        services.batch_retry(actor=request.user, batch=batch)
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
    else:
        messages.success(request, _("The batch was queued again."))
    return redirect("documents:batch_detail", pk=batch.pk)


# -- the office profile ----------------------------------------------------------------------

@login_required
def office_profile(request):
    """The office's telephone and seal image, printed on its documents."""
    offices = list(Jurisdiction.objects.restrict(request.user, Action.CONFIGURE).filter(  # scoped-ok
        level__in=[Level.DISTRICT, Level.CITY]).order_by("code"))
    if not offices:
        raise PermissionDenied
    code = request.GET.get("office") or request.POST.get("office") or offices[0].code
    office = next((o for o in offices if o.code == code), offices[0])
    profile = OfficeProfile.objects.restrict(  # scoped-ok: restricted
        request.user, Action.CONFIGURE).filter(jurisdiction_code=office.code).first()
    form = OfficeProfileForm(request.POST or None, request.FILES or None,
                             initial={"phone": profile.phone if profile else ""})
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data.get("seal")
        try:
            services.office_profile_save(
                actor=request.user, jurisdiction=office, phone=form.cleaned_data["phone"],
                seal=upload.read(2 * 1024 * 1024) if upload else None,
                clear_seal=form.cleaned_data["clear_seal"])
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("The office profile was saved."))
            return redirect(f"{request.path}?office={office.code}")
    templates = DocumentTemplate.objects.restrict(  # scoped-ok: restricted
        request.user, Action.CONFIGURE).filter(jurisdiction_code=office.code,
                                               kind="observation_end_certificate")
    return render(request, "documents/office_profile.html", {
        "form": form, "offices": offices, "office": office, "profile": profile,
        "certificate": templates.first()})


# -- the public verification page ------------------------------------------------------------

@never_cache
@require_GET
def verify(request, token: str):
    """Public: what a QR code opens. A genuine serial shows the kind, serial, issue date,
    validity and the masked name; anything else shows “not found” and nothing more."""
    document = selectors.verify_lookup(token)
    if document is None:
        response = render(request, "documents/verify.html", {
            "found": False, "labels": _labels("zh-hans", "en")}, status=404)
        response["X-Robots-Tag"] = "noindex"
        return response
    language = document.language
    title = document.template.title
    translated_title = ""
    if language != SOURCE_LANGUAGE:
        translated_title = Translation.objects.filter(  # scoped-ok: the public kind's name
            template_id=document.template_id, language=language).values_list(
            "title", flat=True).first() or ""
    today = timezone.localdate()
    if document.status == DocumentStatus.REVOKED:
        status = "status_revoked"
    elif document.valid_until and document.valid_until < today:
        status = "status_expired"
    else:
        status = "status_valid"
    response = render(request, "documents/verify.html", {
        "found": True, "document": document, "title": title,
        "translated_title": translated_title, "status": status,
        "language": language, "language_name": language_name(language),
        "rtl": is_rtl(language), "labels": _labels("zh-hans", language)})
    response["X-Robots-Tag"] = "noindex"
    return response


def _labels(first: str, second: str) -> dict[str, list[tuple[str, str, str]]]:
    """Each fixed word in Chinese and in the reader's language: {key: [(lang, dir, text)]}."""
    from frontline.documents.labels import LABELS

    languages = [first] if second == first else [first, second]
    return {key: [(html_lang(lang), "rtl" if is_rtl(lang) else "ltr", label(lang, key))
                  for lang in languages] for key in LABELS["en"]}
