"""Pages of the proofreading service: hotels submit texts, proofreaders correct them side by
side with comments, and the hotel downloads the approved text."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from frontline.core.models import OutOfScope
from frontline.core.permissions import Action
from frontline.core.views import apply_validation_error
from frontline.documents import selectors, services
from frontline.documents.forms import ProofreadCommentForm, ProofreadCreateForm, ProofreadEditForm
from frontline.documents.models import ProofreadRequest, ProofreadStatus
from frontline.documents.services.common import may
from frontline.documents.views.common import AnyActionDetailView, AnyActionListView

READ = (Action.VIEW, Action.PROOFREAD)


def paragraphs(text: str) -> list[str]:
    return [p.strip() for p in (text or "").split("\n") if p.strip()]


class ProofreadListView(AnyActionListView):
    model = ProofreadRequest
    actions = READ
    template_name = "documents/proofread_list.html"

    def get_queryset(self):
        super().get_queryset()
        return selectors.proofread_list(actor=self.request.user,
                                        status=self.request.GET.get("status", ""))

    def get_context_data(self, **kwargs):
        return super().get_context_data(statuses=ProofreadStatus.choices,
                                        can_submit=self.request.user.can(Action.CHANGE),
                                        **kwargs)


class ProofreadDetailView(AnyActionDetailView):
    model = ProofreadRequest
    actions = READ
    template_name = "documents/proofread_detail.html"

    def get_queryset(self):
        return super().get_queryset().select_related("place", "submitted_by", "approved_by")

    def post(self, request, *args, **kwargs):
        self.object = request_obj = self.get_object()
        form = ProofreadEditForm(request.POST)
        if form.is_valid():
            try:
                services.proofread_save(actor=request.user, request=request_obj,
                                        corrected_text=form.cleaned_data["corrected_text"])
                if "approve" in request.POST:
                    services.proofread_approve(actor=request.user, request=request_obj)
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, _("Approved: the hotel can download the text.")
                                 if "approve" in request.POST else _("The correction was saved."))
                return redirect("documents:proofread_detail", pk=request_obj.pk)
        return self.render_to_response(self.get_context_data(form=form))

    def get_context_data(self, **kwargs):
        obj = self.object
        original = paragraphs(obj.original_text)
        corrected = paragraphs(obj.corrected_text)
        comments = list(obj.comments.select_related("author"))
        count = max(len(original), len(corrected))
        rows = [{"number": i + 1,
                 "original": original[i] if i < len(original) else "",
                 "corrected": corrected[i] if i < len(corrected) else "",
                 "comments": [c for c in comments if c.paragraph == i]} for i in range(count)]
        can_proofread = may(self.request.user, Action.PROOFREAD, obj.jurisdiction_code)
        form = kwargs.pop("form", None) or ProofreadEditForm(
            initial={"corrected_text": obj.corrected_text or obj.original_text})
        return super().get_context_data(
            rows=rows, general_comments=[c for c in comments if c.paragraph is None],
            form=form if can_proofread and obj.status != ProofreadStatus.APPROVED else None,
            comment_form=ProofreadCommentForm(paragraphs=count), can_proofread=can_proofread,
            rtl=obj.language in ("ar", "fa"), **kwargs)


def _get(request, pk: int) -> ProofreadRequest:
    obj = selectors.proofread_list(actor=request.user).filter(pk=pk).first()
    if obj is None:
        raise OutOfScope()
    return obj


@login_required
def proofread_create(request):
    if not request.user.can(Action.CHANGE):
        raise PermissionDenied
    form = ProofreadCreateForm(request.POST or None, request.FILES or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            text = form.cleaned_data.get("text") or ""
            upload = form.cleaned_data.get("file")
            if upload:
                text = services.text_from_upload(upload.read(200 * 1024 + 1), upload.name or "")
            obj = services.proofread_submit(
                actor=request.user, place=form.cleaned_data["place"],
                title=form.cleaned_data["title"], text=text,
                language=form.cleaned_data["language"])
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("The text was sent for proofreading."))
            return redirect("documents:proofread_detail", pk=obj.pk)
    return render(request, "documents/proofread_form.html", {"form": form})


@login_required
@require_POST
def proofread_comment(request, pk: int):
    obj = _get(request, pk)
    count = max(len(paragraphs(obj.original_text)), len(paragraphs(obj.corrected_text)))
    form = ProofreadCommentForm(request.POST, paragraphs=count)
    if form.is_valid():
        try:
            services.proofread_comment_add(actor=request.user, request=obj,
                                           text=form.cleaned_data["text"],
                                           paragraph=form.cleaned_data["paragraph"])
        except ValidationError as exc:
            messages.error(request, "; ".join(exc.messages))
        else:
            messages.success(request, _("The comment was added."))
    else:
        messages.error(request, _("The comment is empty."))
    return redirect("documents:proofread_detail", pk=obj.pk)


@login_required
def proofread_download(request, pk: int):
    """The approved text, as a UTF-8 .txt file."""
    obj = _get(request, pk)
    if obj.status != ProofreadStatus.APPROVED:
        messages.error(request, _("The text is not approved yet."))
        return redirect("documents:proofread_detail", pk=obj.pk)
    response = HttpResponse(obj.corrected_text + "\n", content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="proofread-{obj.pk}.txt"'
    return response

