"""Pages of imports and exports: upload, column mapping, preview of bad rows, confirmation,
progress (htmx, polled every second), history, templates, and the person-list export."""

from __future__ import annotations

import csv
import io

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from frontline.core.csvsafe import neutralise
from frontline.core.models import get_in_scope
from frontline.core.permissions import Action
from frontline.core.views import ScopedListView, apply_validation_error
from frontline.people import exports, imports
from frontline.people.imports.columns import template_csv, template_xlsx
from frontline.people.imports.files import too_big_message
from frontline.people.imports.forms import (
    ImportConfirmForm,
    ImportMappingForm,
    ImportUploadForm,
    UnmaskedExportForm,
)
from frontline.people.models import ImportJob, ImportKind, ImportStatus

ERRORS_PER_PAGE = 100
FORM_OVERHEAD = 1024 * 1024  # the other fields and the multipart framing of an upload


# -- upload size: refused before the body is read, and while it is read ----------------------

class SizeLimitUploadHandler(FileUploadHandler):
    """Stops receiving a file once it passes the import size limit; nothing is stored."""

    def __init__(self, request=None, *, limit: int):
        super().__init__(request)
        self.limit = limit
        self.exceeded = False
        self.received = 0

    def new_file(self, *args, **kwargs):
        self.received = 0
        super().new_file(*args, **kwargs)

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            self.exceeded = True
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size):
        return None


def upload_limit() -> int:
    return settings.IMPORT_MAX_MB * 1024 * 1024


def request_too_big(request) -> bool:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    return length > upload_limit() + FORM_OVERHEAD


# -- history ----------------------------------------------------------------------------------

class ImportListView(ScopedListView):
    """The import history of one's scope: who, when, which file (fingerprint), counts."""

    model = ImportJob
    action = Action.VIEW
    template_name = "people/import_list.html"

    def get_queryset(self):
        super().get_queryset()  # the base class's fail-closed check
        kind = self.request.GET.get("kind", "")
        return imports.import_list(actor=self.request.user,
                                   kind=kind if kind in ImportKind.values else "")

    def get_context_data(self, **kwargs):
        return super().get_context_data(kinds=ImportKind.choices,
                                         can_import=self.request.user.can(Action.CHANGE),
                                         **kwargs)


# -- upload -----------------------------------------------------------------------------------

@csrf_exempt  # the CSRF check runs in _upload, after the size limit is installed
@login_required
def import_upload(request):
    """Upload a file. A body larger than the limit is refused before it is read; the upload
    handler stops a file that passes the limit while it arrives."""
    if not request.user.can(Action.CHANGE):
        raise PermissionDenied
    if request.method == "POST":
        if request_too_big(request):
            return _refused(request, too_big_message(upload_limit()))
        handler = SizeLimitUploadHandler(request, limit=upload_limit())
        request.upload_handlers.insert(0, handler)
        return _upload(request, handler)
    return _upload(request, None)


def _refused(request, message: str):
    return render(request, "people/import_upload.html",
                  {"form": ImportUploadForm(actor=request.user), "refused": message}, status=413)


@csrf_protect
def _upload(request, handler: SizeLimitUploadHandler | None):
    form = ImportUploadForm(request.POST or None, request.FILES or None, actor=request.user,
                            initial={"kind": request.GET.get("kind", ImportKind.RESIDENTS)})
    if request.method == "POST":
        if handler is not None and handler.exceeded:
            return _refused(request, too_big_message(upload_limit()))
        if form.is_valid():
            data = form.cleaned_data
            try:
                job = imports.import_upload(
                    actor=request.user, kind=data["kind"], file=data["file"],
                    jurisdiction=data.get("jurisdiction"), place=data.get("place"),
                    encoding=data.get("encoding", ""), language=request.LANGUAGE_CODE)
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                return redirect("people:import_detail", pk=job.pk)
    return render(request, "people/import_upload.html", {"form": form})


# -- one import -------------------------------------------------------------------------------

def _job(request, pk: int, action: Action = Action.VIEW) -> ImportJob:
    return get_in_scope(ImportJob, request.user, action, pk=pk)


@never_cache
@login_required
@require_GET
def import_detail(request, pk: int):
    job = _job(request, pk)
    can_change = request.user.can(Action.CHANGE) and ImportJob.objects.restrict(  # scoped-ok
        request.user, Action.CHANGE).filter(pk=job.pk).exists()
    errors = Paginator(job.errors or [], ERRORS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "job": job, "progress": imports.progress(job), "busy": imports.is_busy(job),
        "errors": errors, "can_change": can_change,
        "preview": job.mapping.get("_preview", {}),
        "needs_mapping": bool(job.mapping.get("_needs_mapping")),
        "errors_listed": len(job.errors or []),
    }
    if can_change and job.status in (ImportStatus.UPLOADED, ImportStatus.CHECKED) and \
            job.mapping.get("headers"):
        context["mapping_form"] = ImportMappingForm(job=job)
    if can_change and job.status == ImportStatus.CHECKED and job.rows_valid:
        context["confirm_form"] = ImportConfirmForm(initial={
            "mode": "all" if not job.error_count else "valid"})
    return render(request, "people/import_detail.html", context)


@never_cache
@login_required
@require_GET
def import_progress(request, pk: int):
    """The progress fragment htmx polls; when the work is over, the page reloads itself."""
    job = _job(request, pk)
    busy = imports.is_busy(job)
    response = render(request, "people/_import_progress.html",
                      {"job": job, "progress": imports.progress(job), "busy": busy})
    if not busy and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_POST
def import_mapping(request, pk: int):
    job = _job(request, pk, Action.CHANGE)
    form = ImportMappingForm(request.POST, job=job)
    if form.is_valid():
        try:
            imports.import_mapping_set(actor=request.user, job=job, fields=form.mapped_fields())
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("The columns are mapped; the file is being checked."))
    return redirect("people:import_detail", pk=job.pk)


@login_required
@require_http_methods(["GET", "POST"])
def import_confirm(request, pk: int):
    job = _job(request, pk, Action.CHANGE)
    if request.method == "GET":
        return redirect("people:import_detail", pk=job.pk)
    form = ImportConfirmForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose how to import."))
        return redirect("people:import_detail", pk=job.pk)
    try:
        imports.import_confirm(actor=request.user, job=job, mode=form.cleaned_data["mode"])
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return redirect("people:import_detail", pk=job.pk)


@login_required
@require_GET
def import_errors_csv(request, pk: int):
    """The listed problems of a file as CSV, to fix the file in a spreadsheet."""
    job = _job(request, pk)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([_("Line"), _("Column"), _("Problem")])
    for error in job.errors or []:
        writer.writerow([error.get("line"), neutralise(error.get("column", "")),
                         neutralise(error.get("message", ""))])
    response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-errors.csv"'
    return response


@login_required
@require_GET
def import_template(request, kind: str, fmt: str):
    """The empty template of a kind of import, with bilingual headers."""
    if kind not in ImportKind.values or fmt not in ("xlsx", "csv"):
        raise Http404
    content = template_xlsx(kind) if fmt == "xlsx" else template_csv(kind)
    response = HttpResponse(content, content_type=exports.CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="frontline-{kind}-template.{fmt}"'
    return response


# -- exports ----------------------------------------------------------------------------------

def _export_response(name: str, content, fmt: str):
    if isinstance(content, bytes):
        response = HttpResponse(content, content_type=exports.CONTENT_TYPES[fmt])
    else:
        response = StreamingHttpResponse(content, content_type=exports.CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def person_export(request):
    """GET: the masked list as a file (the person list's filters and `format`);
    GET with `unmasked=1`: the form asking for a reason; POST: the unmasked file."""
    if not request.user.can(Action.EXPORT):
        raise PermissionDenied
    params = request.POST if request.method == "POST" else request.GET
    filters = exports.export_filters(params)
    unmasked = request.method == "POST" or params.get("unmasked") in ("1", "on", "true")
    if unmasked:
        if not request.user.can(Action.EXPORT_UNMASKED):
            raise PermissionDenied
        form = UnmaskedExportForm(request.POST or None,
                                  initial={"format": params.get("format", "xlsx")})
        if request.method == "POST" and form.is_valid():
            try:
                name, content = exports.person_export(
                    actor=request.user, filters=filters, fmt=form.cleaned_data["format"],
                    unmasked=True, reason=form.cleaned_data["reason"])
            except ValidationError as exc:
                apply_validation_error(form, exc)
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            else:
                return _export_response(name, content, form.cleaned_data["format"])
        return render(request, "people/person_export_unmasked.html", {
            "form": form, "filters": {k: v for k, v in filters.items() if v},
            "list_query": request.GET.urlencode() if request.method == "GET" else ""})
    fmt = params.get("format", "xlsx")
    try:
        name, content = exports.person_export(actor=request.user, filters=filters, fmt=fmt)
    except ValidationError:
        raise Http404 from None
    return _export_response(name, content, fmt)


import_urlpatterns = [
    path("people/imports/", ImportListView.as_view(), name="import_list"),
    path("people/imports/new/", import_upload, name="import_upload"),
    path("people/imports/templates/<str:kind>.<str:fmt>", import_template,
         name="import_template"),
    path("people/imports/<int:pk>/", import_detail, name="import_detail"),
    path("people/imports/<int:pk>/progress/", import_progress, name="import_progress"),
    path("people/imports/<int:pk>/mapping/", import_mapping, name="import_mapping"),
    path("people/imports/<int:pk>/confirm/", import_confirm, name="import_confirm"),
    path("people/imports/<int:pk>/errors.csv", import_errors_csv, name="import_errors_csv"),
    path("people/export/", person_export, name="person_export"),
]
